"""The compiled SQL on DuckDB agrees with the reference evaluator to the paisa."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2
import pytest
from builders import spend
from builders import card, catalog
from test_compiler_catalog import CATALOG, RULES_DIR, compiled, sample_users

from cgcompile.compiler import compile_catalog, settings_for

from cgcompile.evaluate import evaluate
from cgcompile.model import CATEGORIES
from cgcompile.resolve import resolve_catalog

USERS_TABLE = "int_users_to_process"
SAVINGS_COLUMNS = (
    "user_no", "card_no", *(c + "_points" for c in CATEGORIES),
    "total_savings_yearly", "total_extra_benefits", "redemption_no", "redemption_rate", "net_savings", "rank_key",
)
# What savings_query returns: the numbers joined back to the ids and the
# redemption method, rank_key left out.
FIGURE_COLUMNS = (
    "user_id", "card_id", *(c + "_points" for c in CATEGORIES),
    "total_savings_yearly", "total_extra_benefits", "redemption_method", "redemption_rate", "net_savings",
)
PARAM_COLUMNS = (
    "card_no", "redemption_no", "card_id", "card_name", "bank", "joining_fees", "annual_fee",
    "redemption_method", "redemption_rate", "reward",
)
PARAMS = "models/generated/int_card_params.sql"


CARDS_DIR = "models/generated/cards/"
SAVINGS = "models/generated/int_card_savings.sql"


def ref(name: str) -> str:
    """Generated ephemeral models are CTEs, named as dbt names them."""
    return "__dbt__cte__" + name


def users_in_chunk() -> str:
    """The chunk's users (dbt: the cg_users_in_chunk macro) are a real table here."""
    return USERS_TABLE


def render(model_text: str, target_type: str) -> str:
    """The Jinja evaluated for one adapter, as dbt would."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return env.from_string(model_text).render(
        config=lambda **kw: "", ref=ref, cg_users_in_chunk=users_in_chunk, target={"type": target_type}
    )


def _savings_ctes(files: dict[str, str], target_type: str) -> list[str]:
    ctes = [
        ref(Path(path).stem) + " AS (\n" + render(text, target_type) + "\n)"
        for path, text in files.items()
        if path.startswith(CARDS_DIR)
    ]
    ctes.append(ref("int_card_savings") + " AS (\n" + render(files[SAVINGS], target_type) + "\n)")
    return ctes


def raw_savings_query(files: dict[str, str], target_type: str) -> str:
    """int_card_savings with its ephemeral card models inlined as CTEs, the way dbt does it."""
    return "WITH " + ",\n".join(_savings_ctes(files, target_type)) + "\nSELECT * FROM " + ref("int_card_savings")


def savings_query(files: dict[str, str], target_type: str) -> str:
    """int_card_savings with user_no and card_no joined back to user_id and card_id (FIGURE_COLUMNS)."""
    ctes = _savings_ctes(files, target_type)
    ctes.append("cg_params AS (\n" + render(files[PARAMS], target_type) + "\n)")
    figures = ", ".join(("p." if c == "redemption_method" else "s.") + c for c in FIGURE_COLUMNS[2:])
    return (
        "WITH " + ",\n".join(ctes) + "\nSELECT u.user_id, p.card_id, " + figures
        + " FROM " + ref("int_card_savings") + " AS s"
        + " JOIN " + USERS_TABLE + " AS u ON u.user_no = s.user_no"
        + " JOIN cg_params AS p ON p.card_no = s.card_no AND p.redemption_no = s.redemption_no"
    )


def want_figures(r) -> tuple:
    """The evaluator's figures in FIGURE_COLUMNS order after the ids."""
    return (
        *(r.points(c) for c in CATEGORIES), r.total_savings_yearly, r.total_extra_benefits,
        r.redemption_method, r.redemption_rate, r.net_savings,
    )


def load_users(con, users) -> None:
    con.execute(
        "CREATE TABLE " + USERS_TABLE + " (user_id VARCHAR(50), user_no BIGINT, "
        + ", ".join(c + " DECIMAL(12,2) NOT NULL" for c in CATEGORIES) + ")"
    )
    con.executemany(
        "INSERT INTO " + USERS_TABLE + " VALUES (" + ", ".join(["?"] * (2 + len(CATEGORIES))) + ")",
        [[uid, no, *(row[c] for c in CATEGORIES)] for no, (uid, row) in enumerate(users, start=1)],
    )


def expected(users, horizon=None, **assume):
    out = {}
    for rc in resolve_catalog(CATALOG, None, {**CATALOG.defaults(), **assume}, horizon):
        for uid, row in users:
            out[(uid, rc.id)] = want_figures(evaluate(rc, spend(**row)))
    return out


def run_savings(files, users):
    con = duckdb.connect()
    load_users(con, users)
    rows = con.execute(savings_query(files, "duckdb")).fetchall()
    return con, {(r[0], r[1]): tuple(r[2:]) for r in rows}, len(rows)


@pytest.mark.parametrize("horizon, assume", [
    ("first_year", {"amazon_prime": True}),
    ("first_year", {"amazon_prime": False, "travel_redemption": True}),
    ("ongoing", {"amazon_prime": True}),
])
def test_savings_match_the_evaluator(horizon, assume):
    users = sample_users()
    files = compiled(horizon=horizon, **assume)
    con, got, count = run_savings(files, users)
    want = expected(users, horizon, **assume)
    assert count == len(want)  # one row per (user, valid card), no duplicates
    mismatches = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    assert mismatches[:5] == []


def test_output_types_are_decimal_12_2():
    users = sample_users(3)
    con, _, _ = run_savings(compiled(), users)
    described = con.execute("DESCRIBE " + raw_savings_query(compiled(), "duckdb")).fetchall()
    types = {r[0]: r[1] for r in described}
    assert list(types) == list(SAVINGS_COLUMNS)
    assert (types["user_no"], types["card_no"], types["rank_key"]) == ("BIGINT", "SMALLINT", "BIGINT")
    assert (types["redemption_no"], types["redemption_rate"]) == ("SMALLINT", "DECIMAL(5,4)")
    for name in SAVINGS_COLUMNS[2:-1]:
        if not name.startswith("redemption_"):
            assert types[name] == "DECIMAL(12,2)", name


def test_rank_key_orders_by_net_savings_then_card_id():
    """One integer per row: net savings in paise, then card_id ascending on a tie (evaluate.rank's order)."""
    # Cards that tie for some users: the same 1% card under three ids (one with a
    # fee), ids that sort differently bytewise and case-insensitively ('_' vs 'b').
    rules = [{"kind": "flat", "categories": ["amazon"], "rate": {"percent": 1}}]
    cat = catalog(card("a_b", rules), card("ab", rules), card("aa", rules, joining=100), card("zero"))
    files = compile_catalog(cat, settings_for(cat, RULES_DIR, None, {}))
    con = duckdb.connect()
    load_users(con, sample_users())
    rows = con.execute(
        "WITH p AS (" + render(files[PARAMS], "duckdb") + "), s AS (" + raw_savings_query(files, "duckdb") + ")"
        " SELECT s.user_no, p.card_id, s.net_savings, s.rank_key, s.card_no FROM s JOIN p USING (card_no)"
    ).fetchall()
    assert sorted({(r[4], r[1]) for r in rows}) == [(0, "a_b"), (1, "aa"), (2, "ab"), (3, "zero")]
    by_user: dict = {}
    for user_no, card_id, net, key, card_no in rows:
        assert key == int(net * 100) * 1000 + 999 - card_no
        by_user.setdefault(user_no, []).append((key, net, card_id))
    ties = 0
    for cards in by_user.values():
        by_key = [c[2] for c in sorted(cards, reverse=True)]
        assert by_key == [c[2] for c in sorted(cards, key=lambda c: (-c[1], c[2]))]
        ties += len(cards) - len({c[1] for c in cards})
    assert ties > 0
    assert any(net < 0 for _, _, net, _, _ in rows)  # the key orders negative savings too


def test_docs_example_figures():
    """docs/rules.md worked examples 1 and 4, by hand."""
    users = [u for u in sample_users(0) if u[0] in ("u_docs_1", "u_docs_4")]
    _, got, _ = run_savings(compiled(), users)
    # Example 1: Flipkart Axis, ₹30,000 on Flipkart: 1,333.33 a month, 16,000 a year; the first
    # year charges the ₹500 joining fee with 18% GST, and the renewal waiver does not count.
    fk = got[("u_docs_1", "flipkart_axis")]
    assert fk[1] == Decimal("1333.33")
    assert fk[6:] == (Decimal("16000.00"), Decimal("0.00"), "Cashback", Decimal("1.0000"), Decimal("15410.00"))
    # Pool filled in order (amazon_pay: partner_pool ₹1,500/month, amazon first at 5%):
    # amazon 750/month, flipkart 120, myntra 40 → 910 ≤ 1,500, all fit.
    ap = got[("u_docs_4", "amazon_pay")]
    assert ap[:3] == (Decimal("750.00"), Decimal("120.00"), Decimal("40.00"))


def test_params_rows():
    con = duckdb.connect()
    sql = render(compiled()[PARAMS], "duckdb")
    rows = con.execute(sql).fetchall()
    by_id = {r[2]: dict(zip(PARAM_COLUMNS, r)) for r in rows if r[1] == 0}
    assert [by_id[c]["card_no"] for c in sorted(by_id)] == list(range(len(by_id)))
    assert sorted(by_id) == [
        "amazon_pay", "benefits_only", "cashback_partner", "flipkart_axis", "pooled_yearly", "shop_partner", "tiered_points",
    ]
    # One row per option points may go to, best rate first: the transfer option is
    # left out (travel_redemption is false) and nothing follows the unlimited catalogue.
    ladder = [(r[1], r[7], r[8]) for r in rows if r[2] == "shop_partner"]
    assert ladder == [(0, "Statement credit", Decimal("0.2500")), (1, "Vouchers", Decimal("0.2000")), (2, "Catalogue", Decimal("0.1500"))]
    tp = by_id["tiered_points"]
    assert tp["bank"] == "Bank of O'Brien \\ Sons"
    # Fees with 18% GST; the first year charges the joining fee.
    assert (tp["joining_fees"], tp["annual_fee"], tp["redemption_method"], tp["redemption_rate"], tp["reward"]) == (
        Decimal("2950.00"), Decimal("5310.00"), "Flights", Decimal("0.5000"), "points")


def test_no_valid_card_gives_the_columns_and_no_rows():
    empty = catalog()
    files = compile_catalog(empty, settings_for(empty, RULES_DIR, None, {}))
    con, got, count = run_savings(files, sample_users(3))
    assert count == 0
    params = render(files["models/generated/int_card_params.sql"], "duckdb")
    assert con.execute(params).fetchall() == []
    assert [d[0] for d in con.execute(params).description] == list(PARAM_COLUMNS)

    # Typed as with cards: the same table, whichever the catalog.
    def types(sql: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in con.execute("DESCRIBE " + sql).fetchall()]

    assert types(params) == types(render(compiled()[PARAMS], "duckdb"))
