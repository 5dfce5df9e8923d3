"""Random cards and users: the compiled SQL on DuckDB equals the reference evaluator.

Cards are drawn from every rule kind and cap shape the rules language has
(flat, tiered, bonus, pooled/each/named caps, milestones, welcome benefits,
fee waivers), so combinations no hand-written fixture thought of are checked.
"""
from __future__ import annotations

import duckdb
import sqlglot
from support.builders import card, catalog, spend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.catalog import RULES_DIR
from support.fakedbt import generated_macros, load, render, savings_query, want_figures

from cgcompile.compiler import compile_catalog, settings_for
from cgcompile.evaluate import evaluate
from cgcompile.model import CATEGORIES
from cgcompile.resolve import resolve_catalog

money = st.decimals(min_value=0, max_value=200000, places=2, allow_nan=False, allow_infinity=False)
rates = st.one_of(
    st.sampled_from([0.5, 1, 1.25, 2, 3.3, 5, 7.5, 10]).map(lambda p: {"percent": p}),
    st.tuples(st.integers(1, 25), st.sampled_from([100, 150, 200, 250, 300])).map(lambda t: {"points": t[0], "per": t[1]}),
)
cap_amounts = st.one_of(st.integers(50, 6000), st.sampled_from([333.33, 1000.5, 1234.56]))
periods = st.sampled_from(["month", "quarter", "year"])


@st.composite
def caps(draw, pools):
    kind = draw(st.sampled_from(["none", "none", "pooled", "each", "pool"]))
    if kind == "none":
        return None
    if kind == "pool":
        return {"pool": draw(st.sampled_from(pools))}
    return {"amount": draw(cap_amounts), "period": draw(periods), "scope": "each" if kind == "each" else "pooled"}


@st.composite
def tiers(draw):
    edges = sorted(draw(st.sets(st.integers(1, 80), min_size=1, max_size=3)))
    bounds = [0] + [e * 1000 for e in edges]
    out = [{"from": a, "to": b, "rate": draw(rates)} for a, b in zip(bounds, bounds[1:])]
    out.append({"from": bounds[-1], "rate": draw(rates)})
    return out


@st.composite
def cards(draw, card_id):
    pools = ["pool_a", "pool_b"]
    named = {p: {"amount": draw(cap_amounts), "period": draw(periods)} for p in pools}
    cats = list(draw(st.permutations(CATEGORIES)))
    rules = []
    # Split the categories into groups, each covered by at most one flat/tiered rule.
    while cats:
        size = draw(st.integers(1, len(cats)))
        group, cats = cats[:size], cats[size:]
        kind = draw(st.sampled_from(["flat", "tiered", "uncovered"]))
        if kind == "uncovered":
            continue
        rule = {"kind": kind, "categories": group, "cap": draw(caps(pools))}
        if kind == "flat":
            rule["rate"] = draw(rates)
        else:
            rule["tiers"] = draw(tiers())
        rules.append(rule)
    if draw(st.booleans()):
        rules.append({"kind": "flat", "categories": "rest", "rate": draw(rates), "cap": draw(caps(pools))})
    for _ in range(draw(st.integers(0, 2))):
        bonus_cats = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True))
        rules.append({"kind": "bonus", "categories": bonus_cats, "rate": draw(rates), "cap": draw(caps(pools))})
    for _ in range(draw(st.integers(0, 2))):
        rules.append(
            {
                "kind": "milestone",
                "spend": draw(st.integers(1, 300)) * 1000,
                "period": draw(periods),
                "repeat": draw(st.booleans()),
                "amount": draw(st.sampled_from([250, 500, 1500, 2500.5])),
                "unit": draw(st.sampled_from(["rupees", "points"])),
                "categories": draw(st.one_of(st.just(()), st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True))),
            }
        )
    if draw(st.booleans()):
        rules.append({"kind": "welcome", "amount": draw(st.sampled_from([500, 1000, 3333])), "unit": draw(st.sampled_from(["rupees", "points"]))})
    thresholds = draw(st.lists(st.integers(1, 60), max_size=2, unique=True))
    for t in thresholds:
        rules.append({"kind": "fee_waiver", "annual_spend": t * 10000, "percent": draw(st.sampled_from([25, 50, 100]))})
    if draw(st.booleans()):
        rules.append({"kind": "joining_fee_waiver", "spend": draw(st.integers(1, 100)) * 1000, "within_days": draw(st.sampled_from([30, 45, 60, 90]))})
    options = [{"method": "Option " + str(i), "rupees_per_point": r} for i, r in enumerate(draw(st.lists(st.sampled_from([0.25, 0.3, 0.5, 1, 0.3333]), min_size=1, max_size=2)))]
    return card(
        card_id,
        rules=rules,
        reward=draw(st.sampled_from(["cashback", "points"])),
        joining=draw(st.sampled_from([0, 499, 2500])),
        annual=draw(st.sampled_from([0, 499, 4500, 999.99])),
        redemption_options=options,
        caps=named,
    )


users = st.lists(st.tuples(*[money] * len(CATEGORIES)), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.tuples(cards("card_a"), cards("card_b")), users)
def test_random_cards_match_the_evaluator(two_cards, spends):
    cat = catalog(*two_cards)
    files = compile_catalog(cat, settings_for(cat, RULES_DIR, None, {}))
    rows = [("u" + str(i), dict(zip(CATEGORIES, s))) for i, s in enumerate(spends)]
    con = duckdb.connect()
    load(con, files, rows)
    got = {(r[0], r[1]): tuple(r[2:]) for r in con.execute(savings_query(files, "duckdb")).fetchall()}
    for rc in resolve_catalog(cat):
        for uid, row in rows:
            want = want_figures(evaluate(rc, spend(**row)))
            assert got[(uid, rc.id)] == want, (rc.id, row)
    for path, text in files.items():
        if path.endswith(".sql") and path.startswith("models/"):
            sqlglot.parse_one(render(generated_macros(files) + text, "mariadb"), read="mysql")

