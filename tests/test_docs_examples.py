"""The worked examples of docs/rules.md, one test each, every figure the doc gives.

If a figure here changes, the doc changes with it: the doc is the spec.
"""
from __future__ import annotations

from decimal import Decimal

from support.builders import card, catalog, spend

from cgcompile.evaluate import compute, evaluate, rank
from cgcompile.resolve import resolve_catalog


def resolved(c, horizon="first_year", **catalog_args):
    (r,) = resolve_catalog(catalog(c, horizon=horizon, **catalog_args))
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
    assert [r.amazon_points, r.myntra_points, r.ajio_points, r.grocery_points, r.other_online_points] == [0] * 5
    # First year: the joining fee with GST, no renewal waiver.
    assert (r.joining_fees, r.total_extra_benefits, r.net_savings) == (Decimal("590.00"), 0, Decimal("15410.00"))
    # Ongoing: the annual fee with GST, waived on 3,60,000 ≥ 3,50,000.
    assert 12 * f.spend.total == 360000
    r = evaluate(resolved(FLIPKART_AXIS, "ongoing"), f.spend)
    assert (r.joining_fees, r.total_extra_benefits, r.net_savings) == (Decimal("590.00"), Decimal("590.00"), Decimal("16000.00"))


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


def _example_5(total, horizon="ongoing"):
    c = card(
        annual=4500,
        rules=[
            {"kind": "milestone", "spend": 100000, "period": "quarter", "repeat": True, "amount": 1000, "unit": "rupees"},
            {"kind": "fee_waiver", "annual_spend": 150000, "percent": 100},
            {"kind": "fee_waiver", "annual_spend": 90000, "percent": 50},
        ],
    )
    # T is the sum of all six categories; put it all in other_online.
    return compute(resolved(c, horizon), spend(other_online=total))


def test_5_milestone_per_quarter_and_partial_fee_waiver():
    f = _example_5(35000)
    assert f.resolved.annual_fee == Decimal("5310.00")
    milestone, full, half = f.benefits
    assert milestone.base == 105000 and milestone.reached and milestone.value == Decimal("4000.00")
    assert full.base == 420000 and full.counted and full.value == Decimal("5310.00")
    assert half.reached and not half.counted and half.value == 0
    assert evaluate(f.resolved, f.spend).total_extra_benefits == Decimal("9310.00")

    f = _example_5(8000)
    milestone, full, half = f.benefits
    assert milestone.base == 24000 and not milestone.reached and milestone.value == 0
    assert half.base == 96000 and not full.reached and half.counted
    assert half.value == Decimal("2655.00")
    assert evaluate(f.resolved, f.spend).total_extra_benefits == Decimal("2655.00")

    # The first year counts the milestone only.
    assert evaluate(_example_5(35000, "first_year").resolved, spend(other_online=35000)).total_extra_benefits == Decimal("4000.00")
    assert evaluate(_example_5(8000, "first_year").resolved, spend(other_online=8000)).total_extra_benefits == 0


def test_6_other_online_and_null():
    s = spend(amazon=12000, flipkart=None, grocery=3000, confirmed=20000)
    assert s.flipkart == 0
    assert s.other_online == Decimal("5000.00")
    s = spend(amazon=12000, flipkart=None, grocery=3000, confirmed=10000)
    assert s.other_online == 0
    assert s.total == Decimal("15000.00")


def test_7_a_cap_inside_a_cap():
    c = card(
        caps={
            "overall": {"amount": 4000, "unit": "rupees", "period": "month"},
            "online": {"amount": 2000, "unit": "rupees", "period": "month", "within": "overall"},
        },
        rules=[
            {"kind": "flat", "categories": ["amazon", "flipkart"], "rate": {"percent": 5}, "cap": {"pool": "online"}},
            {"kind": "flat", "categories": ["grocery"], "rate": {"percent": 5},
             "cap": {"amount": 2500, "unit": "rupees", "period": "month", "within": "overall"}},
        ],
    )
    f = compute(resolved(c), spend(amazon=30000, flipkart=20000, grocery=60000))
    assert [p.yearly for p in f.parts] == [Decimal("18000.00"), Decimal("12000.00"), Decimal("36000.00")]
    assert [p.key for p in f.resolved.pools] == ["online", "rules[1]", "overall"]  # inner caps first
    assert [p.earned for p in f.parts] == [Decimal("18000.00"), Decimal("6000.00"), Decimal("24000.00")]
    r = evaluate(f.resolved, f.spend)
    assert (r.amazon_points, r.flipkart_points, r.grocery_points) == (Decimal("1500.00"), Decimal("500.00"), Decimal("2000.00"))
    assert r.total_savings_yearly == Decimal("48000.00")


def test_8_per_order_terms():
    values = {"amazon": 1000, "flipkart": 1500, "myntra": 1800, "ajio": 1600, "grocery": 400, "other_online": 950}
    c = card(
        reward="points",
        rules=[
            {"kind": "flat", "categories": ["myntra"], "rate": {"percent": 10}, "per_order": {"cap": 120}},
            {"kind": "flat", "categories": ["amazon"], "rate": {"points": 10, "per": 150, "full_blocks": True}},
            {"kind": "flat", "categories": ["grocery"], "rate": {"percent": 5}, "per_order": {"minimum": 500}},
        ],
    )
    rc = resolved(c, order_values=values)
    rates = {p.category: p.rate.per_rupee for p in rc.earn}
    assert rates == {"myntra": Decimal("0.0666666667"), "amazon": Decimal("0.06"), "grocery": 0}
    f = compute(rc, spend(myntra=9000, amazon=20000, grocery=3000))
    assert [(p.part.category, p.monthly) for p in f.parts] == [
        ("myntra", Decimal("600.00")), ("amazon", Decimal("1200.00")), ("grocery", Decimal("0.00"))]


def test_9_a_partner_share():
    c = card(rules=[
        {"kind": "flat", "categories": ["grocery"], "share": "instamart_share", "rate": {"percent": 10}},
        {"kind": "flat", "categories": "rest", "rate": {"percent": 1}},
    ])
    f = compute(resolved(c, shares={"instamart_share": ("grocery", 25)}), spend(grocery="1234.57"))
    assert [(p.spend, p.monthly) for p in f.parts if p.part.category == "grocery"] == [
        (Decimal("308.64"), Decimal("30.86")), (Decimal("925.93"), Decimal("9.26"))]
    assert evaluate(f.resolved, f.spend).grocery_points == Decimal("40.12")


def _example_10(monthly, welcome=0):
    rules = [{"kind": "flat", "categories": "rest", "rate": {"points": 4, "per": 100}}]
    if welcome:
        rules.append({"kind": "welcome", "amount": welcome, "unit": "points"})
    c = card(reward="points", rules=rules, redemption_options=[
        {"method": "Statement credit", "rupees_per_point": "0.25", "max_share": 50},
        {"method": "Gift vouchers", "rupees_per_point": "0.2", "min_points": 5000},
        {"method": "Catalogue", "rupees_per_point": "0.1"},
    ])
    return evaluate(resolved(c), spend(other_online=monthly))


def test_10_redemption_with_limits():
    r = _example_10(20000)
    assert (r.total_savings_yearly, r.redemption_method, r.redemption_rate) == (Decimal("2160.00"), "Statement credit", Decimal("0.2250"))
    r = _example_10(20000, welcome=2000)
    assert (r.total_savings_yearly, r.total_extra_benefits) == (Decimal("2160.00"), Decimal("450.00"))
    r = _example_10(5000)
    assert (r.total_savings_yearly, r.redemption_rate) == (Decimal("420.00"), Decimal("0.1750"))


def test_flipkart_axis_ranks_with_its_own_figures():
    # The example card through rank(): the same row comes out at rank 1.
    [(n, r)] = rank(catalog(FLIPKART_AXIS), spend(flipkart=30000))
    assert n == 1 and r.card_id == "flipkart_axis" and r.net_savings == Decimal("15410.00")
