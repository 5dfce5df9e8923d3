"""The fast path of the evaluator gives exactly evaluate.rank's rows."""
from __future__ import annotations

from support.builders import card, catalog, spend
from support.catalog import CATALOG, sample_users

from cgcompile.boundary import boundary_users
from cgcompile.datagen import generate_users
from cgcompile.evaluate import InvalidSpend, rank, user_spend
from cgcompile.fasteval import Plan, Ranker, half_up
from cgcompile.loader import load_catalog
from cgcompile.resolve import resolve_catalog
from cgcompile.verify import OUTPUT_COLUMNS, expected_rows
from support.jobkit import RULES_DIR

REAL = load_catalog(RULES_DIR)


def slow(cat, s, **assume):
    return [tuple(getattr(r, c) for c in OUTPUT_COLUMNS) for _, r in rank(cat, s, assumptions=assume or None)]


def test_real_catalog_generated_and_boundary_users():
    users = list(generate_users(150, seed=11)) + boundary_users(REAL)[::3]
    want = {}
    for user_id, *values in users:
        try:
            want[user_id] = slow(REAL, user_spend(*values))
        except InvalidSpend:
            continue
    got = expected_rows(REAL, users)
    assert len(want) > 250
    assert got.rows == want
    # Decimal == ignores trailing zeros; the text the database compares must match too.
    first = next(iter(want))
    assert [str(v) for v in got.rows[first][0]] == [str(v) for v in want[first][0]]


def test_every_rule_kind_with_odd_constants():
    """The compiler tests' catalog: 3-decimal pool ceilings, points welcome, waivers, both assumptions."""
    users = sample_users(150)
    for prime in (True, False):
        ranker = Ranker.of(resolve_catalog(CATALOG, None, {"amazon_prime": prime}))
        assert all(isinstance(p, Plan) for p in ranker.plans)
        for _, row in users:
            try:
                s = spend(**row)
            except InvalidSpend:
                continue  # beyond the input bounds: the user fails, nothing is ranked
            assert ranker.rank(s) == slow(CATALOG, s, amazon_prime=prime)


def test_a_card_that_does_not_fit_falls_back_to_the_evaluator():
    odd = card(
        "odd_tiers",
        rules=[{"kind": "tiered", "categories": "rest", "tiers": [
            {"from": 0, "to": "1000.005", "rate": {"percent": 1}}, {"from": "1000.005", "rate": {"percent": 5}}]}],
    )
    cat = catalog(odd, CATALOG.cards[0])
    ranker = Ranker.of(resolve_catalog(cat))
    assert [type(p).__name__ for p in ranker.plans] == ["Plan", "ResolvedCard"]
    for amount in ("1000", "1000.01", "2500.55"):
        s = spend(amazon=amount)
        assert ranker.rank(s) == slow(cat, s)


def test_ties_rank_by_card_id():
    twins = [card(i, rules=[{"kind": "flat", "categories": "rest", "rate": {"percent": 2}}]) for i in ("b_card", "a_card")]
    ranker = Ranker.of(resolve_catalog(catalog(*twins)))
    assert [r[0] for r in ranker.rank(spend(amazon=1000))] == ["a_card", "b_card"]


def test_half_up():
    assert [half_up(n, 10) for n in (4, 5, 14, 15, 0)] == [0, 1, 1, 2, 0]
