"""The compiled SQL on DuckDB agrees with the reference evaluator to the paisa."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import duckdb
import pytest
from support.builders import card, catalog
from support.catalog import RULES_DIR, compiled, expected, sample_users
from support.fakedbt import PARAMS, SAVINGS_COLUMNS, load, models_of, savings_query, with_ephemerals_of

from cgcompile.compiler import compile_catalog, settings_for

PARAM_COLUMNS = (
    "card_no", "redemption_no", "card_id", "card_name", "bank", "joining_fees", "annual_fee",
    "redemption_method", "redemption_rate", "reward",
)


def run_savings(files, users):
    con = duckdb.connect()
    load(con, files, users)
    rows = con.execute(savings_query(files, "duckdb")).fetchall()
    return con, {(r[0], r[1]): tuple(r[2:]) for r in rows}, len(rows)


def raw_savings(files) -> str:
    return with_ephemerals_of("int_card_savings", models_of(files, "duckdb"))


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
    described = con.execute("DESCRIBE " + raw_savings(compiled())).fetchall()
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
    load(con, files, sample_users())
    rows = con.execute(
        "WITH s AS (" + raw_savings(files) + ")"
        " SELECT s.user_no, p.card_id, s.net_savings, s.rank_key, s.card_no FROM s JOIN int_card_params AS p USING (card_no)"
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
    load(con, compiled(), [])
    rows = con.execute("SELECT * FROM int_card_params").fetchall()
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
    assert list(csv.reader(io.StringIO(files[PARAMS]))) == [list(PARAM_COLUMNS)]
    # Typed as with cards: the same columns, whichever the catalog.
    def types(sql: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in con.execute("DESCRIBE " + sql).fetchall()]

    assert types(raw_savings(files)) == types(raw_savings(compiled()))
