"""The worked examples of docs/rules.md, one test each, every figure the doc gives.

If a figure here changes, the doc changes with it: the doc is the spec.
"""
from __future__ import annotations

from decimal import Decimal

from builders import card, catalog, spend

from cgcompile.evaluate import compute, evaluate, rank
from cgcompile.resolve import resolve_catalog


def resolved(c):
    (r,) = resolve_catalog(catalog(c))
    return r


def part(figures, category):
    (p,) = [p for p in figures.parts if p.part.category == category]
    return p


FLIPKART_AXIS = card(
    "flipkart_axis",
    name="Flipkart Axis Bank Credit Card",
    bank="Axis Bank",
    joining=500,
    annual=500,
    redemption_options=[{"method": "Cashback", "rupees_per_point": 1}],
    rules=[
        {"kind": "flat", "categories": ["flipkart"], "rate": {"percent": 5}, "cap": {"amount": 4000, "unit": "rupees", "period": "quarter"}},
        {"kind": "flat", "categories": ["myntra"], "rate": {"percent": 7.5}, "cap": {"amount": 4000, "unit": "rupees", "period": "quarter"}},
        {"kind": "flat", "categories": "rest", "rate": {"percent": 1}},
        {"kind": "fee_waiver", "annual_spend": 350000, "percent": 100},
    ],
)


def test_1_flat_rate_with_a_quarterly_cap():
    f = compute(resolved(FLIPKART_AXIS), spend(flipkart=30000))
    p = part(f, "flipkart")
    assert p.monthly == Decimal("1500.00")
    assert p.yearly == Decimal("18000.00")
    assert p.part.pool is not None
    (pool,) = [x for x in f.resolved.pools if x.key == p.part.pool]
    assert pool.yearly_amount == 16000
    assert p.earned == Decimal("16000.00")
    r = evaluate(f.resolved, f.spend)
    assert r.flipkart_points == Decimal("1333.33")
    assert r.total_savings_yearly == Decimal("16000.00")
    assert 12 * f.spend.total == 360000
    assert r.joining_fees == Decimal("500.00")
    assert r.total_extra_benefits == Decimal("500.00")
    assert r.net_savings == Decimal("16000.00")
    assert [r.amazon_points, r.myntra_points, r.ajio_points, r.grocery_points, r.other_online_points] == [0] * 5


def test_2_tiers_across_categories():
    c = card(
        rules=[
            {
                "kind": "tiered",
                "categories": ["amazon", "flipkart"],
                "tiers": [
                    {"from": 0, "to": 5000, "rate": {"percent": 2}},
                    {"from": 5000, "to": 40000, "rate": {"percent": 5}},
                    {"from": 40000, "rate": {"percent": 7}},
                ],
                "cap": {"amount": 4000, "unit": "rupees", "period": "month"},
            }
        ]
    )
    f = compute(resolved(c), spend(amazon=30000, flipkart=20000))
    amazon, flipkart = part(f, "amazon"), part(f, "flipkart")
    assert [(t.start, o) for t, o in amazon.bands] == [(0, 5000), (5000, 25000)]
    assert amazon.monthly == Decimal("1350.00")
    assert [(t.start, o) for t, o in flipkart.bands] == [(5000, 10000), (40000, 10000)]
    assert flipkart.monthly == Decimal("1200.00")
    (pool,) = f.resolved.pools
    assert pool.yearly_amount == 48000
    assert amazon.earned == Decimal("16200.00") and not amazon.capped
    assert flipkart.earned == Decimal("14400.00") and not flipkart.capped
    r = evaluate(f.resolved, f.spend)
    assert r.amazon_points == Decimal("1350.00")
    assert r.flipkart_points == Decimal("1200.00")


def test_3_points_card_rate_rounding_and_redemption():
    c = card(
        reward="points",
        redemption_options=[
            {"method": "Vouchers", "rupees_per_point": "0.30"},
            {"method": "Flights", "rupees_per_point": "0.50"},
        ],
        rules=[{"kind": "flat", "categories": "rest", "rate": {"points": 4, "per": 150}}],
    )
    f = compute(resolved(c), spend(amazon=1000))
    p = part(f, "amazon")
    assert p.part.rate.per_rupee == Decimal("0.0266666667")
    assert p.monthly == Decimal("26.67")
    assert p.yearly == Decimal("320.04")
    r = evaluate(f.resolved, f.spend)
    assert r.redemption_method == "Flights"
    assert r.redemption_rate == Decimal("0.5000")
    assert r.total_savings_yearly == Decimal("160.02")
    assert r.amazon_points == Decimal("26.67")


def test_4_pooled_cap_filled_in_order():
    c = card(
        rules=[
            {
                "kind": "flat",
                "categories": ["amazon", "flipkart", "myntra"],
                "rate": {"percent": 5},
                "cap": {"amount": 1000, "unit": "rupees", "period": "month", "scope": "pooled"},
            }
        ]
    )
    f = compute(resolved(c), spend(amazon=15000, flipkart=6000, myntra=2000))
    got = [part(f, k) for k in ("amazon", "flipkart", "myntra")]
    assert [p.monthly for p in got] == [Decimal("750.00"), Decimal("300.00"), Decimal("100.00")]
    assert [p.yearly for p in got] == [9000, 3600, 1200]
    assert f.resolved.pools[0].yearly_amount == 12000
    assert [p.earned for p in got] == [9000, 3000, 0]
    r = evaluate(f.resolved, f.spend)
    assert [r.amazon_points, r.flipkart_points, r.myntra_points] == [Decimal("750.00"), Decimal("250.00"), Decimal("0.00")]


def _example_5(total):
    c = card(
        annual=4500,
        rules=[
            {"kind": "milestone", "spend": 100000, "period": "quarter", "repeat": True, "amount": 1000, "unit": "rupees"},
            {"kind": "fee_waiver", "annual_spend": 150000, "percent": 100},
            {"kind": "fee_waiver", "annual_spend": 90000, "percent": 50},
        ],
    )
    # T is the sum of all six categories; put it all in other_online.
    return compute(resolved(c), spend(other_online=total))


def test_5_milestone_per_quarter_and_partial_fee_waiver():
    f = _example_5(35000)
    milestone, full, half = f.benefits
    assert milestone.base == 105000 and milestone.reached and milestone.value == Decimal("4000.00")
    assert full.base == 420000 and full.counted and full.value == Decimal("4500.00")
    assert half.reached and not half.counted and half.value == 0
    assert evaluate(f.resolved, f.spend).total_extra_benefits == Decimal("8500.00")

    f = _example_5(8000)
    milestone, full, half = f.benefits
    assert milestone.base == 24000 and not milestone.reached and milestone.value == 0
    assert half.base == 96000 and not full.reached and half.counted
    assert half.value == Decimal("2250.00")
    assert evaluate(f.resolved, f.spend).total_extra_benefits == Decimal("2250.00")


def test_6_other_online_and_null():
    s = spend(amazon=12000, flipkart=None, grocery=3000, confirmed=20000)
    assert s.flipkart == 0
    assert s.other_online == Decimal("5000.00")
    s = spend(amazon=12000, flipkart=None, grocery=3000, confirmed=10000)
    assert s.other_online == 0
    assert s.total == Decimal("15000.00")


def test_flipkart_axis_ranks_with_its_own_figures():
    # The example card through rank(): the same row comes out at rank 1.
    [(n, r)] = rank(catalog(FLIPKART_AXIS), spend(flipkart=30000))
    assert n == 1 and r.card_id == "flipkart_axis" and r.net_savings == Decimal("16000.00")
