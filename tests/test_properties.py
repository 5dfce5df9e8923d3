"""Property tests: small generated cards, compiled to SQL and run on DuckDB, equal the evaluator.

The real catalog uses only some combinations of the rule language; here
hypothesis builds cards from every construct (flat percent and points rates,
tiers of 2–4 bands, bonus rates, caps per month/quarter/year, pooled, each and
named pools, caps inside caps, per-order caps, minimums and full blocks,
partner shares, repeating and one-off milestones on some categories, welcome
benefits on joining or on early spend, fee-waiver tiers, joining-fee waivers,
several redemption options with limits and travel types), catalogs in either
fee horizon with other GST rates, order values, shares and travel settings,
and users with NULL, zero, edge and huge spend.  Each example is compiled with
the compiler's Python API, the generated models and int_top_cards are
rendered as dbt renders them (support/fakedbt.py), the ranking runs on an
in-memory DuckDB (or MariaDB), and every column of every ranked row, joined to
the cards as card_recommendations joins them, must equal evaluate.rank.
"""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.builders import card, catalog
from support import sparkrun
from support.fakedbt import load, ranked_query

from cgcompile.compiler import compile_catalog, settings_for
from cgcompile.evaluate import rank, user_spend
from cgcompile.model import CATEGORIES
from cgcompile.verify import OUTPUT_COLUMNS

NAMED = CATEGORIES[:-1]


def run_compiled(cat, users: list[tuple[str, object]], mariadb=None, spark=None) -> dict[str, list[tuple]]:
    """Each user's ranked rows (int_top_cards joined to the cards) from the compiled
    models, on DuckDB, or on MariaDB when given its parameters (an empty schema), or
    on Spark when given its session."""
    files = compile_catalog(cat, settings_for(cat, Path("card_rules"), None, {}))
    kind = "duckdb" if mariadb is None else "mariadb"
    rows = [(uid, {c: s.of(c) for c in CATEGORIES}) for uid, s in users]
    if spark is not None:
        sparkrun.load(spark, files, rows)
        return _by_user(sparkrun.fetch(spark, ranked_query(files, "spark", OUTPUT_COLUMNS)))
    if mariadb is None:
        con = duckdb.connect()
        cur, mark = con, "?"
    else:
        con = mariadb.connect()
        cur, mark = con.cursor(), "%s"
        for table in ("cg_test_users", "int_card_params"):
            cur.execute("DROP TABLE IF EXISTS " + table)
    try:
        load(cur, files, rows, mark)
        cur.execute(ranked_query(files, kind, OUTPUT_COLUMNS))
        got = cur.fetchall()
    finally:
        con.close()
    return _by_user(got)


def _by_user(got) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for user_id, rank_, *values in got:
        assert rank_ == len(out.get(user_id, [])) + 1
        out.setdefault(user_id, []).append(tuple(values))
    return out


def expected(cat, users) -> dict[str, list[tuple]]:
    return {uid: [tuple(getattr(r, c) for c in OUTPUT_COLUMNS) for _, r in rank(cat, s)] for uid, s in users}


def assert_same(cat, users, mariadb=None, spark=None) -> None:
    want, got = expected(cat, users), run_compiled(cat, users, mariadb, spark)
    problems = []
    for uid, rows in want.items():
        have = got.get(uid, [])
        if len(have) != len(rows):
            problems.append(f"{uid}: {len(rows)} rows expected, {len(have)} in the database")
        for i, (w, g) in enumerate(zip(rows, have), start=1):
            for column, wv, gv in zip(OUTPUT_COLUMNS, w, g):
                if wv != gv:
                    problems.append(f"{uid} rank {i} {column}: expected {wv!r}, database has {gv!r}")
    assert not problems, "\n".join(problems[:20])


# --- strategies ---------------------------------------------------------------

percent = st.sampled_from(["0.25", "0.5", "1", "1.5", "2", "3.3", "5", "7.5", "10"]).map(lambda p: {"percent": p})
points = st.builds(lambda n, per: {"points": n, "per": per}, st.integers(1, 33), st.sampled_from([30, 100, 125, 150, 200, 250]))
rates = st.one_of(percent, points)
cap_amounts = st.sampled_from(["100", "500", "1000", "1500.5", "4000", "12345.67", "20000"])
periods = st.sampled_from(["month", "quarter", "year"])
thresholds = st.sampled_from([1000, 5000, 10000, 25000, 33333.33, 50000, 100000, 150000, 250000, 500000, 1000000])


@st.composite
def tiers(draw):
    edges = sorted(draw(st.sets(st.sampled_from([1000, 2500, 5000, 10000, 20000, 40000, 75000, 150000]), min_size=1, max_size=3)))
    starts = [0, *edges]
    return [
        {"from": start, **({"to": edges[i]} if i < len(edges) else {}), "rate": draw(rates)}
        for i, start in enumerate(starts)
    ]


@st.composite
def cards(draw, card_id: str):
    reward = draw(st.sampled_from(["cashback", "points"]))
    unit = "rupees" if reward == "cashback" else "points"
    pools: dict[str, dict] = {}

    def named(name: str) -> dict:
        if name not in pools:
            pools[name] = {"amount": draw(cap_amounts), "unit": unit, "period": draw(periods)}
            # Caps inside caps: pool_b may sit inside pool_a.
            if name == "pool_b" and draw(st.booleans()):
                named("pool_a")
                pools["pool_b"]["within"] = "pool_a"
        return {"pool": name}

    def cap():
        kind = draw(st.sampled_from(["none", "pooled", "each", "named", "within"]))
        if kind == "none":
            return None
        if kind == "named":
            return named(draw(st.sampled_from(["pool_a", "pool_b"])))
        out = {"amount": draw(cap_amounts), "unit": unit, "period": draw(periods), "scope": "each" if kind == "each" else "pooled"}
        if kind == "within":
            named("pool_a")
            out["within"] = "pool_a"
        return out

    def flat_rate():
        rate = dict(draw(rates))
        if "points" in rate and draw(st.booleans()):
            rate["full_blocks"] = True
        return rate

    def per_order():
        terms = {}
        if draw(st.booleans()):
            terms["cap"] = draw(st.sampled_from([10, 75, 120, 150.5, 750]))
        if draw(st.booleans()):
            terms["minimum"] = draw(st.sampled_from([100, 500, 1500, 2000]))
        return terms or None

    # Disjoint category groups for the primary (flat/tiered) rules, maybe `rest` last.
    shuffled = draw(st.permutations(CATEGORIES))
    cuts = sorted(draw(st.sets(st.integers(1, 5), max_size=3)))
    groups = [list(shuffled[a:b]) for a, b in zip([0, *cuts], [*cuts, 6]) if shuffled[a:b]]
    use_rest = draw(st.booleans()) and len(groups) > 1
    rules = []
    for i, group in enumerate(groups):
        cats = "rest" if use_rest and i == len(groups) - 1 else group
        if draw(st.booleans()):
            rule = {"kind": "flat", "categories": cats, "rate": flat_rate()}
            terms = per_order()
            if terms:
                rule["per_order"] = terms
        else:
            rule = {"kind": "tiered", "categories": cats, "tiers": draw(tiers())}
        c = cap()
        if c:
            rule["cap"] = c
        rules.append(rule)
    # A partner share of grocery (the catalog's instamart_share), earning on top of or
    # instead of the rule covering grocery, which keeps the rest.
    if draw(st.booleans()):
        share = {"kind": "flat", "categories": ["grocery"], "share": "instamart_share", "rate": flat_rate()}
        c = cap()
        if c:
            share["cap"] = c
        rules.append(share)
        if draw(st.booleans()):
            rules.append({"kind": "bonus", "categories": ["grocery"], "share": "instamart_share", "rate": draw(rates)})
    if draw(st.booleans()):
        bonus = {"kind": "bonus", "categories": draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)), "rate": flat_rate()}
        c = cap()
        if c:
            bonus["cap"] = c
        terms = per_order()
        if terms:
            bonus["per_order"] = terms
        rules.append(bonus)
    benefit_unit = st.sampled_from(["rupees", "points"] if reward == "points" else ["rupees"])
    for _ in range(draw(st.integers(0, 2))):
        milestone = {
            "kind": "milestone",
            "spend": draw(thresholds),
            "period": draw(periods),
            "repeat": draw(st.booleans()),
            "amount": draw(st.sampled_from([250, 500, 1000, 2500.5])),
            "unit": draw(benefit_unit),
        }
        if draw(st.booleans()):
            milestone["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True))
        rules.append(milestone)
    if draw(st.booleans()):
        welcome = {"kind": "welcome", "amount": draw(st.sampled_from([100, 500, 1333, 250.5])), "unit": draw(benefit_unit)}
        if draw(st.booleans()):
            welcome.update(spend=draw(thresholds), within_days=draw(st.sampled_from([30, 60, 90])))
        rules.append(welcome)
    for spend, pct in zip(draw(st.lists(thresholds, max_size=2, unique=True)), draw(st.permutations([100, 50, 25]))):
        rules.append({"kind": "fee_waiver", "annual_spend": spend, "percent": pct})
    for _ in range(draw(st.integers(0, 2))):
        rules.append({"kind": "joining_fee_waiver", "spend": draw(thresholds), "within_days": draw(st.sampled_from([30, 45, 60, 90]))})
    if reward == "cashback":
        options = [{"method": "Cashback", "rupees_per_point": 1}]
    else:
        values = draw(st.lists(st.sampled_from(["0.1", "0.25", "0.3", "0.5", "1", "0.2", "0.3333"]), min_size=1, max_size=4))
        options = [{"method": "Option " + str(i), "rupees_per_point": v} for i, v in enumerate(values)]
    # Redemption limits, and travel options that count only with travel_redemption.
    for option in options:
        if draw(st.integers(0, 3)) == 0:
            option["max_share"] = draw(st.sampled_from([25, 50, 60, 12.5]))
        if draw(st.integers(0, 3)) == 0:
            option["max_points"] = draw(st.sampled_from([500, 6000, 24000.5, 500000]))
        if draw(st.integers(0, 3)) == 0:
            option["min_points"] = draw(st.sampled_from([100, 1000, 5000, 2500.5]))
        if draw(st.integers(0, 4)) == 0:
            option["type"] = draw(st.sampled_from(["travel", "transfer"]))
    fees = st.sampled_from([0, 499, 500, 999, 2500, 4999.5, 10000])
    return card(
        card_id,
        rules=rules,
        reward=reward,
        joining=draw(fees),
        annual=draw(fees),
        redemption_options=options,
        caps=pools or None,
    )


@st.composite
def catalogs(draw, ids: list[str]):
    """Cards with the catalog's settings drawn too: the fee horizon, GST, order values, the share, travel."""
    return catalog(
        *(draw(cards(i)) for i in ids),
        horizon=draw(st.sampled_from(["first_year", "ongoing"])),
        gst_percent=draw(st.sampled_from([18, 0, 12.5])),
        assumptions={"amazon_prime": True, "travel_redemption": draw(st.booleans())},
        order_values={c: draw(st.sampled_from([300, 550, 1000, 1450, 1999.99])) for c in CATEGORIES},
        shares={"instamart_share": ("grocery", draw(st.sampled_from([0, 10, 12.5, 33.33, 100])))},
    )


amount_text = st.one_of(
    st.none(),
    st.just("0"),
    st.sampled_from(["0.01", "999.99", "1000", "4999.99", "5000", "5000.01", "33333.33", "33333.34", "150000", "1000000.01"]),
    st.integers(0, 20_000_000).map(lambda p: str(Decimal(p) / 100)),
    st.integers(0, 1_000_000_000).map(lambda p: str(Decimal(p) / 100)),  # up to ₹1 crore
)


@st.composite
def users(draw):
    out = []
    for i in range(draw(st.integers(1, 6))):
        values = [draw(amount_text) for _ in NAMED]
        confirmed = draw(amount_text)
        out.append(("u" + str(i), user_spend(*values, confirmed)))
    return out


# CG_PROPERTY_EXAMPLES=500 searches harder on demand; CI keeps the suite quick.
EXAMPLES = int(os.environ.get("CG_PROPERTY_EXAMPLES", "60"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.sampled_from(["c_one", "c_two", "c_three"]), min_size=1, max_size=3, unique=True).flatmap(catalogs), users())
def test_compiled_sql_equals_the_evaluator(cat, people):
    assert_same(cat, people)


@settings(max_examples=max(10, EXAMPLES // 3), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["c_one", "c_two"]), min_size=1, max_size=2, unique=True).flatmap(catalogs), users())
def test_compiled_sql_equals_the_evaluator_on_mariadb(mariadb_schema, cat, people):
    """The MySQL rendering of the same models, on a real MariaDB 10.11 (tables reset per example)."""
    assert_same(cat, people, mariadb_schema)


@settings(max_examples=max(8, EXAMPLES // 6), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["c_one", "c_two"]), min_size=1, max_size=2, unique=True).flatmap(catalogs), users())
def test_compiled_sql_equals_the_evaluator_on_spark(spark_scratch, cat, people):
    """The Spark rendering of the same models on a local Spark (a smaller run: each example is a Spark job)."""
    assert_same(cat, people, spark=spark_scratch)


# --- fixed examples the generator might take long to find --------------------


def test_pool_shared_by_two_rules_with_each_and_quarter_caps():
    c = card(
        "fixed",
        reward="points",
        caps={"shared": {"amount": 1500.5, "unit": "points", "period": "quarter"}},
        rules=[
            {"kind": "tiered", "categories": ["amazon", "flipkart"], "tiers": [
                {"from": 0, "to": 5000, "rate": {"points": 4, "per": 150}},
                {"from": 5000, "to": 20000, "rate": {"points": 10, "per": 150}},
                {"from": 20000, "rate": {"percent": 7.5}}], "cap": {"pool": "shared"}},
            {"kind": "flat", "categories": ["myntra"], "rate": {"points": 10, "per": 100}, "cap": {"pool": "shared"}},
            {"kind": "flat", "categories": "rest", "rate": {"points": 2, "per": 150}, "cap": {"amount": 300, "unit": "points", "period": "month", "scope": "each"}},
            {"kind": "bonus", "categories": ["myntra", "ajio"], "rate": {"points": 5, "per": 100}, "cap": {"amount": 100, "unit": "points", "period": "year"}},
        ],
        redemption_options=[{"method": "A", "rupees_per_point": "0.25"}, {"method": "B", "rupees_per_point": "0.25"}],
    )
    people = [
        ("edge", user_spend("4999.99", "15000.01", "7000", "0.01", None, "30000")),
        ("huge", user_spend("10000000", "10000000", "10000000", "10000000", "10000000", "60000000")),
        ("none", user_spend()),
    ]
    assert_same(catalog(c), people)


def test_the_comparison_fails_on_a_wrong_compiler(monkeypatch):
    """The same comparison catches a quarterly cap that the compiler applies once a year."""
    import pytest

    from cgcompile import compiler
    from support.mistakes import quarterly_caps_per_year

    c = card("quarterly", rules=[{"kind": "flat", "categories": ["flipkart"], "rate": {"percent": 5}, "cap": {"amount": 4000, "period": "quarter"}}])
    people = [("docs_example_1", user_spend(flipkart="30000", confirmed="30000"))]
    assert_same(catalog(c), people)
    wrong, calls = quarterly_caps_per_year(compiler.resolve_catalog)
    monkeypatch.setattr(compiler, "resolve_catalog", wrong)
    with pytest.raises(AssertionError, match=r"docs_example_1 rank 1 flipkart_points: expected Decimal\('1333.33'\), database has Decimal\('333.33'\)"):
        assert_same(catalog(c), people)
    assert calls
