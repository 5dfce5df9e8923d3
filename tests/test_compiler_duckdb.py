"""The compiled SQL on DuckDB agrees with the reference evaluator to the paisa."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2
import pytest
from builders import spend
from builders import catalog
from test_compiler_catalog import CATALOG, RULES_DIR, compiled, sample_users

from cgcompile.compiler import compile_catalog, settings_for

from cgcompile.evaluate import evaluate
from cgcompile.model import CATEGORIES
from cgcompile.resolve import resolve_catalog

USERS_TABLE = "int_users_to_process"
SAVINGS_COLUMNS = ("user_id", "card_id", *(c + "_points" for c in CATEGORIES), "total_savings_yearly", "total_extra_benefits")
PARAM_COLUMNS = ("card_id", "card_name", "bank", "joining_fees", "annual_fee", "redemption_method", "redemption_rate", "reward")


CARDS_DIR = "models/generated/cards/"
SAVINGS = "models/generated/int_card_savings.sql"


def ref(name: str) -> str:
    """The users table is a real table here; generated ephemeral models are CTEs, named as dbt names them."""
    return name if name == USERS_TABLE else "__dbt__cte__" + name


def render(model_text: str, target_type: str) -> str:
    """The Jinja evaluated for one adapter, as dbt would."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return env.from_string(model_text).render(config=lambda **kw: "", ref=ref, target={"type": target_type})


def savings_query(files: dict[str, str], target_type: str) -> str:
    """int_card_savings with its ephemeral card models inlined as CTEs, the way dbt does it."""
    ctes = [
        ref(Path(path).stem) + " AS (\n" + render(text, target_type) + "\n)"
        for path, text in files.items()
        if path.startswith(CARDS_DIR)
    ]
    ctes.append(ref("int_card_savings") + " AS (\n" + render(files[SAVINGS], target_type) + "\n)")
    return "WITH " + ",\n".join(ctes) + "\nSELECT * FROM " + ref("int_card_savings")


def load_users(con, users) -> None:
    con.execute(
        "CREATE TABLE " + USERS_TABLE + " (user_id VARCHAR(50), "
        + ", ".join(c + " DECIMAL(12,2) NOT NULL" for c in CATEGORIES) + ")"
    )
    con.executemany(
        "INSERT INTO " + USERS_TABLE + " VALUES (" + ", ".join(["?"] * (1 + len(CATEGORIES))) + ")",
        [[uid, *(row[c] for c in CATEGORIES)] for uid, row in users],
    )


def expected(users, **assume):
    out = {}
    for rc in resolve_catalog(CATALOG, None, {**CATALOG.defaults(), **assume}):
        for uid, row in users:
            r = evaluate(rc, spend(**row))
            out[(uid, rc.id)] = (
                *(r.points(c) for c in CATEGORIES),
                r.total_savings_yearly,
                r.total_extra_benefits,
            )
    return out


def run_savings(files, users):
    con = duckdb.connect()
    load_users(con, users)
    rows = con.execute(savings_query(files, "duckdb")).fetchall()
    return con, {(r[0], r[1]): tuple(r[2:]) for r in rows}, len(rows)


@pytest.mark.parametrize("prime", [True, False])
def test_savings_match_the_evaluator(prime):
    users = sample_users()
    files = compiled(amazon_prime=prime)
    con, got, count = run_savings(files, users)
    want = expected(users, amazon_prime=prime)
    assert count == len(want)  # one row per (user, valid card), no duplicates
    mismatches = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    assert mismatches[:5] == []


def test_output_types_are_decimal_12_2():
    users = sample_users(3)
    con, _, _ = run_savings(compiled(), users)
    described = con.execute("DESCRIBE " + savings_query(compiled(), "duckdb")).fetchall()
    types = {r[0]: r[1] for r in described}
    assert list(types) == list(SAVINGS_COLUMNS)
    for name in SAVINGS_COLUMNS[2:]:
        assert types[name] == "DECIMAL(12,2)", name


def test_docs_example_figures():
    """docs/rules.md worked examples 1 and 4, by hand."""
    users = [u for u in sample_users(0) if u[0] in ("u_docs_1", "u_docs_4")]
    _, got, _ = run_savings(compiled(), users)
    # Example 1: Flipkart Axis, ₹30,000 on Flipkart: 1,333.33 a month, 16,000 a year, fee waived.
    fk = got[("u_docs_1", "flipkart_axis")]
    assert fk[1] == Decimal("1333.33")
    assert fk[6:] == (Decimal("16000.00"), Decimal("500.00"))
    # Pool filled in order (amazon_pay: partner_pool ₹1,500/month, amazon first at 5%):
    # amazon 750/month, flipkart 120, myntra 40 → 910 ≤ 1,500, all fit.
    ap = got[("u_docs_4", "amazon_pay")]
    assert ap[:3] == (Decimal("750.00"), Decimal("120.00"), Decimal("40.00"))


def test_params_rows():
    con = duckdb.connect()
    sql = render(compiled()["models/generated/int_card_params.sql"], "duckdb")
    rows = con.execute(sql).fetchall()
    by_id = {r[0]: dict(zip(PARAM_COLUMNS, r)) for r in rows}
    assert sorted(by_id) == ["amazon_pay", "benefits_only", "flipkart_axis", "pooled_yearly", "tiered_points"]
    tp = by_id["tiered_points"]
    assert tp["bank"] == "Bank of O'Brien \\ Sons"
    assert (tp["joining_fees"], tp["annual_fee"], tp["redemption_method"], tp["redemption_rate"], tp["reward"]) == (
        Decimal("2500.00"), Decimal("4500.00"), "Flights", Decimal("0.5000"), "points")


def test_no_valid_card_gives_the_columns_and_no_rows():
    empty = catalog()
    files = compile_catalog(empty, settings_for(empty, RULES_DIR, None, {}))
    con, got, count = run_savings(files, sample_users(3))
    assert count == 0
    params = render(files["models/generated/int_card_params.sql"], "duckdb")
    assert con.execute(params).fetchall() == []
    assert [d[0] for d in con.execute(params).description] == list(PARAM_COLUMNS)
