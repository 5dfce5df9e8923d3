"""Boundary users sit exactly on the catalog's edges, and are reproducible."""
from __future__ import annotations

from decimal import Decimal

from support.builders import card, catalog

from cgcompile.boundary import MAX_PAISE, boundary_users, half_paisa_spends, near_half_spends
from cgcompile.evaluate import InvalidSpend, compute, user_spend
from cgcompile.model import CATEGORIES, MAX_MONTHLY_SPEND
from cgcompile.resolve import resolve_catalog
from support.jobkit import RULES_DIR
from cgcompile.loader import load_catalog

FLIPKART = card(
    "fk",
    rules=[
        {"kind": "flat", "categories": ["flipkart"], "rate": {"percent": 5}, "cap": {"amount": 4000, "period": "quarter"}},
        {"kind": "tiered", "categories": ["amazon", "myntra"], "tiers": [
            {"from": 0, "to": 5000, "rate": {"percent": 2}}, {"from": 5000, "rate": {"percent": 5}}]},
        {"kind": "milestone", "spend": 100000, "period": "quarter", "amount": 1000, "categories": ["grocery"]},
        {"kind": "fee_waiver", "annual_spend": 350000, "percent": 100},
        {"kind": "joining_fee_waiver", "spend": 10000, "within_days": 45},
    ],
    joining=500,
    annual=500,
)


def spends(cat, horizon=None):
    """Each boundary user's spend as {column: text} without the zeros."""
    names = ("amazon", "flipkart", "myntra", "ajio", "grocery", "confirmed")
    return [{n: v for n, v in zip(names, u[1:]) if v not in (None, "0.00")} for u in boundary_users(cat, horizon=horizon)]


def test_a_quarterly_cap_at_below_and_above():
    # 12 × round2(s × 5%) >= 16,000 first at s = 26,666.70 (1,333.335 rounds up to 1,333.34).
    found = spends(catalog(FLIPKART))
    for s in ("26666.69", "26666.70", "26666.71"):
        assert {"flipkart": s, "confirmed": s} in found
    (rc,) = resolve_catalog(catalog(FLIPKART))
    below, at = (compute(rc, user_spend(flipkart=s, confirmed=s)).parts[0] for s in ("26666.69", "26666.70"))
    assert not below.capped and below.yearly < 16000 and at.yearly >= 16000


def test_tier_edges_milestones_and_waivers():
    found = spends(catalog(FLIPKART))
    for s in ("4999.99", "5000.00", "5000.01"):
        assert {"amazon": s, "confirmed": s} in found
        assert {"amazon": "2500.00", "myntra": Decimal(s) - 2500 and str(Decimal(s) - 2500), "confirmed": s} in found
    # milestone: ₹1,00,000 a quarter on grocery is ₹33,333.34 a month (rounded up to the paisa)
    for s in ("33333.33", "33333.34", "33333.35"):
        assert {"grocery": s, "confirmed": s} in found
    # joining (first year): 10,000 × 30 / 45 = 6,666.67; the renewal waiver counts only ongoing
    for s in ("6666.66", "6666.67", "6666.68"):
        assert {"confirmed": s} in found
    assert {"amazon": "29166.67", "confirmed": "29166.67"} not in found
    # fee waiver (ongoing): ₹3,50,000 a year is ₹29,166.67 a month
    ongoing = spends(catalog(FLIPKART), "ongoing")
    for s in ("29166.66", "29166.67", "29166.68"):
        assert {"amazon": s, "confirmed": s} in ongoing
    assert {"confirmed": "6666.67"} not in ongoing


def test_new_edges_nested_caps_redemption_limits_shares_and_early_welcome():
    c = card(
        "edges",
        reward="points",
        caps={"overall": {"amount": 3000, "unit": "points", "period": "month"},
              "inner": {"amount": 1000, "unit": "points", "period": "month", "within": "overall"}},
        redemption_options=[
            {"method": "Statement credit", "rupees_per_point": "0.25", "max_points": 24000},
            {"method": "Vouchers", "rupees_per_point": "0.2", "min_points": 30000},
            {"method": "Catalogue", "rupees_per_point": "0.1"},
        ],
        rules=[
            {"kind": "flat", "categories": ["amazon"], "rate": {"percent": 10}, "cap": {"pool": "inner"}},
            {"kind": "flat", "categories": ["grocery"], "share": "instamart_share", "rate": {"percent": 5}, "cap": {"pool": "overall"}},
            {"kind": "flat", "categories": "rest", "rate": {"percent": 1}},
            {"kind": "welcome", "amount": 500, "unit": "points", "spend": 9000, "within_days": 90},
        ],
    )
    cat = catalog(c, shares={"instamart_share": ("grocery", 25)})
    found = spends(cat)
    # the inner cap: 12 × round2(s × 10%) ≥ 12,000 first at s = 9,999.95 (999.995 rounds up)
    for s in ("9999.94", "9999.95", "9999.96"):
        assert {"amazon": s, "confirmed": s} in found
    # the outer cap by grocery's share alone: 12 × round2(round2(s × 25%) × 5%) ≥ 36,000,
    # first at s = 2,39,999.58 (the share 59,999.90 earns 2,999.995 → 3,000.00)
    (rc,) = resolve_catalog(cat)
    for s in ("239999.57", "239999.58", "239999.59"):
        assert {"grocery": s, "confirmed": s} in found
    yearly = [compute(rc, user_spend(grocery=s, confirmed=s)).parts[1].yearly for s in ("239999.57", "239999.58")]
    assert yearly == [Decimal("35999.88"), Decimal("36000.00")]
    # where the balance (earned + the welcome's 500) reaches a redemption limit:
    # statement credit's 24,000 points a year and the vouchers' minimum of 30,000
    balances = []
    for u in boundary_users(cat):
        try:
            balances.append(compute(rc, user_spend(*u[1:])).balance.points)
        except InvalidSpend:
            continue
    for limit in (24000, 30000):
        # a user just below the limit and one at it (points move by 12 a paisa of monthly units, or more)
        assert any(limit - 12 <= b < limit for b in balances) and any(limit <= b < limit + 12 for b in balances), limit
    # the welcome on ₹9,000 in 90 days: ₹3,000 a month
    for s in ("2999.99", "3000.00", "3000.01"):
        assert {"confirmed": s} in found
    # a grocery spend whose 25% share is exactly half a paisa: 0.02 × 25% = 0.005
    assert {"grocery": "0.02", "confirmed": "0.02"} in found


def test_half_paisa_products():
    for rate in (Decimal("0.05"), Decimal("0.015"), Decimal("0.033"), Decimal("0.25")):
        got = half_paisa_spends(rate)
        assert got, rate
        for paise in got:
            product = (Decimal(paise) / 100 * rate).normalize()
            assert product.as_tuple().exponent == -3 and str(product).endswith("5"), (rate, paise, product)
    assert half_paisa_spends(Decimal(1)) == []


def test_real_catalog_users_are_unique_numbered_and_in_range():
    users = boundary_users(load_catalog(RULES_DIR))
    assert users == boundary_users(load_catalog(RULES_DIR))
    assert [u[0] for u in users] == ["BND" + str(i).zfill(6) for i in range(1, len(users) + 1)]
    assert len({u[1:] for u in users}) == len(users) > 300
    failed = []
    for u in users:
        try:
            s = user_spend(*u[1:])
        except InvalidSpend as e:
            failed.append(str(e))
            continue
        # Everything but the two users at the input bound stays within ₹1 crore a category.
        assert s.total <= MAX_MONTHLY_SPEND
        assert s.total == MAX_MONTHLY_SPEND or all(s.of(c) * 100 <= MAX_PAISE for c in CATEGORIES)
    assert failed == [
        "avg_flipkart_gmv is negative (-0.01)",
        "total monthly spend 1000000000.01 is above 1000000000.00",
        "total monthly spend 49999999999.95 is above 1000000000.00",
    ]
    assert (None,) * 6 in {u[1:] for u in users}


def test_near_half_spends_straddle_half_a_paisa():
    rate = Decimal("0.0266666667")  # 4 points per ₹150: never exactly half a paisa
    under, over = near_half_spends(rate)

    def third_place(paise: int) -> Decimal:
        """What round2 looks at: the product's part below a paisa, in paise."""
        return (Decimal(paise) * rate) % 1

    assert third_place(under) < Decimal("0.5") <= third_place(over)
    below = [third_place(s) for s in range(1, 20001) if third_place(s) < Decimal("0.5")]
    above = [third_place(s) for s in range(1, 20001) if third_place(s) >= Decimal("0.5")]
    assert third_place(under) == max(below) and third_place(over) == min(above)
