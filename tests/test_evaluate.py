"""The reference evaluator: input handling, caps, benefits, resolution, ranking."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from decimal import Decimal

import pytest
from support.builders import card, catalog, spend

from cgcompile.evaluate import CardResult, InvalidSpend, compute, evaluate, rank, user_spend
from cgcompile.model import CATEGORIES, MAX_MONTHLY_SPEND
from cgcompile.resolve import resolve_catalog

CASHBACK_5 = [{"kind": "flat", "categories": "rest", "rate": {"percent": 5}}]


def one(c, s, horizon="first_year", gst_percent=18, **kw) -> CardResult:
    [(_, r)] = rank(catalog(c, horizon=horizon, gst_percent=gst_percent), s, **kw)
    return r


# ---- input -----------------------------------------------------------------


def test_null_counts_as_zero():
    s = user_spend(None, None, None, None, None, None)
    assert all(s.of(c) == 0 for c in CATEGORIES) and s.confirmed == 0
    s = user_spend(amazon=100, confirmed=None)
    assert s.amazon == Decimal("100.00") and s.confirmed == 0 and s.other_online == 0


@pytest.mark.parametrize(
    "field, kwargs, message",
    [
        ("myntra", {"myntra": Decimal("-5")}, "avg_myntra_gmv is negative (-5.00)"),
        ("amazon", {"amazon": "-0.5"}, "avg_amazon_gmv is negative (-0.50)"),
        ("confirmed", {"confirmed": -1}, "avg_confirmed_gmv is negative (-1.00)"),
        ("grocery", {"grocery": "-0.001"}, "avg_grocery_gmv is negative (-0.001)"),
    ],
)
def test_negative_spend_names_the_field(field, kwargs, message):
    with pytest.raises(InvalidSpend) as e:
        user_spend(**kwargs)
    assert str(e.value) == message


def test_non_numbers_name_the_field():
    with pytest.raises(InvalidSpend, match=r"avg_ajio_gmv is not a number \('lots'\)"):
        user_spend(ajio="lots")
    with pytest.raises(InvalidSpend, match="avg_flipkart_gmv is not a finite number"):
        user_spend(flipkart=Decimal("NaN"))


def test_amounts_are_quantized_half_up():
    s = user_spend(amazon="100.005", flipkart=0.1, confirmed="100.104")
    assert s.amazon == Decimal("100.01") and s.flipkart == Decimal("0.10")
    # The derived category uses the rounded figures: 100.10 − 100.11 < 0 → 0.
    assert s.other_online == 0


def test_other_online_is_confirmed_minus_named_never_negative():
    assert user_spend(1000, 2000, 300, 400, 500, 10000).other_online == Decimal("5800.00")
    assert user_spend(1000, 2000, 300, 400, 500, 4200).other_online == 0
    assert user_spend(1000, 2000, 300, 400, 500, 100).other_online == 0
    assert user_spend(1000, 2000, 300, 400, 500, 100).total == Decimal("4200.00")


# ---- earn and caps -----------------------------------------------------------


def test_zero_spend_earns_nothing_but_fees_and_welcome_still_count():
    c = card(joining=499, rules=[*CASHBACK_5, {"kind": "welcome", "amount": 250, "unit": "rupees"},
                                 {"kind": "fee_waiver", "annual_spend": 1, "percent": 100}])
    r = one(c, spend())
    assert all(r.points(k) == 0 for k in CATEGORIES)
    assert r.total_savings_yearly == 0
    # The first year: ₹499 + 18% GST charged, the welcome benefit counts, the renewal waiver does not.
    assert (r.joining_fees, r.total_extra_benefits, r.net_savings) == (Decimal("588.82"), Decimal("250.00"), Decimal("-338.82"))


def test_spend_over_ten_lakh_a_month_is_exact():
    c = card(
        reward="points",
        redemption_options=[{"method": "Catalogue", "rupees_per_point": "0.2"}],
        rules=[{"kind": "tiered", "categories": "rest",
                "tiers": [{"from": 0, "to": 150000, "rate": {"points": 12, "per": 200}},
                          {"from": 150000, "rate": {"points": 35, "per": 200}}]}],
    )
    r = one(c, spend(amazon="2500000.00", flipkart="1234567.89", confirmed="99999999.99"))
    # Amazon [0, 25L): 1.5L × 0.06 + 23.5L × 0.175 = 9,000 + 4,11,250.
    assert r.amazon_points == Decimal("420250.00")
    # Flipkart [25L, 37,34,567.89) is all in the top band: × 0.175 = 2,16,049.38075 → .38.
    assert r.flipkart_points == Decimal("216049.38")
    other = Decimal("99999999.99") - Decimal("3734567.89")
    assert r.other_online_points == (other * Decimal("0.175")).quantize(Decimal("0.01"))
    units = 12 * (r.amazon_points + r.flipkart_points + r.other_online_points)
    assert r.total_savings_yearly == (units * Decimal("0.2")).quantize(Decimal("0.01"))


def test_monthly_units_round_half_up_before_caps():
    # ₹10.10 × 5% = 0.505 → 0.51 a month, 6.12 a year.
    f = compute(resolve_catalog(catalog(card(rules=CASHBACK_5)))[0], spend(amazon="10.10"))
    assert f.parts[0].monthly == Decimal("0.51") and f.parts[0].yearly == Decimal("6.12")


def test_category_points_round_half_up_from_the_capped_yearly_units():
    # 100% on ₹1 = 12 a year, capped at 0.06 a year: 0.06 / 12 = 0.005 → 0.01.
    c = card(rules=[{"kind": "flat", "categories": ["ajio"], "rate": {"percent": 100},
                     "cap": {"amount": "0.06", "period": "year"}}])
    r = one(c, spend(ajio=1))
    assert r.ajio_points == Decimal("0.01")
    assert r.total_savings_yearly == Decimal("0.06")


def test_pooled_cap_is_shared_and_each_cap_is_per_category():
    rules = lambda scope: [{"kind": "flat", "categories": ["amazon", "flipkart"], "rate": {"percent": 10},
                            "cap": {"amount": 1000, "period": "month", "scope": scope}}]
    s = spend(amazon=8000, flipkart=8000)
    pooled, each = one(card(rules=rules("pooled")), s), one(card(rules=rules("each")), s)
    assert (pooled.amazon_points, pooled.flipkart_points) == (Decimal("800.00"), Decimal("200.00"))
    assert (each.amazon_points, each.flipkart_points) == (Decimal("800.00"), Decimal("800.00"))
    s = spend(amazon=20000, flipkart=20000)
    each = one(card(rules=rules("each")), s)
    assert (each.amazon_points, each.flipkart_points) == (Decimal("1000.00"), Decimal("1000.00"))


def test_pooled_cap_fills_in_listed_order_not_canonical_order():
    c = card(rules=[{"kind": "flat", "categories": ["grocery", "amazon"], "rate": {"percent": 10},
                     "cap": {"amount": 1000, "period": "month"}}])
    r = one(c, spend(amazon=8000, grocery=8000))
    assert (r.grocery_points, r.amazon_points) == (Decimal("800.00"), Decimal("200.00"))


def test_named_pool_is_shared_across_rules_in_rule_order():
    c = card(
        caps={"partner": {"amount": 3000, "unit": "rupees", "period": "quarter"}},
        rules=[
            {"kind": "flat", "categories": ["myntra"], "rate": {"percent": 10}, "cap": {"pool": "partner"}},
            {"kind": "flat", "categories": ["flipkart", "ajio"], "rate": {"percent": 5}, "cap": {"pool": "partner"}},
            {"kind": "flat", "categories": "rest", "rate": {"percent": 1}},
        ],
    )
    # Yearly ceiling 12,000.  Myntra 700 × 12 = 8,400; Flipkart 500 × 12 = 6,000 → 3,600 left; Ajio 0.
    r = one(c, spend(myntra=7000, flipkart=10000, ajio=4000, amazon=1000))
    assert r.myntra_points == Decimal("700.00")
    assert r.flipkart_points == Decimal("300.00")
    assert r.ajio_points == 0
    assert r.amazon_points == Decimal("10.00")  # the uncapped rest rule is untouched
    assert r.total_savings_yearly == Decimal("12120.00")


def test_bonus_adds_to_the_base_rate_and_its_cap_limits_only_the_bonus():
    c = card(
        reward="points",
        redemption_options=[{"method": "Vouchers", "rupees_per_point": "0.25"}],
        rules=[
            {"kind": "flat", "categories": "rest", "rate": {"points": 4, "per": 150}},
            {"kind": "bonus", "categories": ["myntra"], "rate": {"points": 16, "per": 150},
             "cap": {"amount": 1000, "unit": "points", "period": "month"}},
        ],
    )
    r = one(c, spend(myntra=30000))
    # Base 30,000 × 0.0266666667 = 800.00; bonus 3,200.00 capped at 1,000.
    assert r.myntra_points == Decimal("1800.00")
    assert r.total_savings_yearly == Decimal("5400.00")


def test_tiered_rule_on_one_category_earns_marginally():
    c = card(rules=[{"kind": "tiered", "categories": ["grocery"],
                     "tiers": [{"from": 0, "to": 10000, "rate": {"percent": 1}},
                               {"from": 10000, "rate": {"percent": 2}}]}])
    assert one(c, spend(grocery=9999)).grocery_points == Decimal("99.99")
    assert one(c, spend(grocery=10000)).grocery_points == Decimal("100.00")
    assert one(c, spend(grocery=15000)).grocery_points == Decimal("200.00")


def test_uncovered_category_earns_nothing():
    r = one(card(rules=[{"kind": "flat", "categories": ["amazon"], "rate": {"percent": 5}}]),
            spend(amazon=1000, flipkart=1000))
    assert (r.amazon_points, r.flipkart_points) == (Decimal("50.00"), 0)


# ---- extra benefits ----------------------------------------------------------


def milestone(**kw):
    return {"kind": "milestone", "spend": 100000, "period": "quarter", "amount": 1000, "unit": "rupees", **kw}


def test_repeating_milestone_pays_every_period_one_off_pays_once():
    s = spend(other_online=40000)
    assert one(card(rules=[milestone(repeat=True)]), s).total_extra_benefits == Decimal("4000.00")
    assert one(card(rules=[milestone(repeat=False)]), s).total_extra_benefits == Decimal("1000.00")
    monthly = milestone(repeat=True, period="month", spend=40000, amount=100)
    assert one(card(rules=[monthly]), s).total_extra_benefits == Decimal("1200.00")
    yearly = milestone(repeat=True, period="year", spend=480000, amount=5000)
    assert one(card(rules=[yearly]), s).total_extra_benefits == Decimal("5000.00")
    assert one(card(rules=[milestone(repeat=True, spend="120000.01")]), s).total_extra_benefits == 0


def test_milestone_counts_only_its_categories_and_points_are_valued():
    c = card(
        reward="points",
        redemption_options=[{"method": "Vouchers", "rupees_per_point": "0.5"}],
        rules=[milestone(categories=["amazon", "flipkart"], spend=60000, unit="points", amount=2500)],
    )
    assert one(c, spend(amazon=10000, flipkart=10000, grocery=90000)).total_extra_benefits == Decimal("5000.00")
    assert one(c, spend(amazon=10000, flipkart=9999.99, grocery=90000)).total_extra_benefits == 0


def test_two_thresholds_are_two_milestones():
    rules = [milestone(period="year", spend=500000, amount=5000, repeat=False),
             milestone(period="year", spend=750000, amount=5000, repeat=False)]
    assert one(card(rules=rules), spend(other_online=50000)).total_extra_benefits == Decimal("5000.00")
    assert one(card(rules=rules), spend(other_online=62500)).total_extra_benefits == Decimal("10000.00")


def test_fee_waiver_takes_the_highest_percent_reached():
    rules = [{"kind": "fee_waiver", "annual_spend": 90000, "percent": 50},
             {"kind": "fee_waiver", "annual_spend": 150000, "percent": 100}]
    c = card(annual="2999", rules=rules)
    # Ongoing: the annual fee with GST, ₹3,538.82, is what a waiver takes off.
    assert one(c, spend(other_online=12500), horizon="ongoing").total_extra_benefits == Decimal("3538.82")
    assert one(c, spend(other_online=7500), horizon="ongoing").total_extra_benefits == Decimal("1769.41")
    assert one(c, spend(other_online="7499.99"), horizon="ongoing").total_extra_benefits == 0
    # The first year charges no renewal fee, so its waiver is worth nothing.
    assert one(c, spend(other_online=12500)).total_extra_benefits == 0


def test_joining_fee_waiver_on_early_spend_counts_once():
    waiver = {"kind": "joining_fee_waiver", "spend": 10000, "within_days": 45}
    c = card(joining=500, rules=[waiver, {**waiver, "within_days": 90}])
    # ₹6,667 a month × 45 / 30 = 10,000.50 ≥ 10,000.
    r = one(c, spend(other_online=6667))
    assert (r.joining_fees, r.total_extra_benefits, r.net_savings) == (Decimal("590.00"), Decimal("590.00"), 0)
    # ₹6,666 × 45 / 30 = 9,999 < 10,000, but the 90-day offer is met.
    assert one(c, spend(other_online=6666)).total_extra_benefits == Decimal("590.00")
    assert one(c, spend(other_online=3333)).total_extra_benefits == 0
    # Ongoing: no joining fee is charged, nor waived.
    assert one(c, spend(other_online=6667), horizon="ongoing").total_extra_benefits == 0


def test_extra_benefits_are_summed_exactly_then_rounded_once():
    # Three points benefits each worth 0.004 rupees: 0.012 → 0.01 (not 3 × 0.00).
    c = card(reward="points", redemption_options=[{"method": "Vouchers", "rupees_per_point": "0.004"}],
             rules=[{"kind": "welcome", "amount": 1, "unit": "points"}] * 3)
    assert one(c, spend()).total_extra_benefits == Decimal("0.01")


def test_net_savings_identity_holds_to_the_paisa():
    c = card(joining="499.99", annual=500, reward="points",
             redemption_options=[{"method": "Vouchers", "rupees_per_point": "0.3333"}],
             rules=[{"kind": "flat", "categories": "rest", "rate": {"points": 7, "per": 150}},
                    {"kind": "welcome", "amount": 777, "unit": "points"},
                    {"kind": "fee_waiver", "annual_spend": 100000, "percent": 100}])
    r = one(c, spend(amazon="12345.67", grocery="890.12", other_online="4567.89"), horizon="ongoing")
    assert r.net_savings == r.total_savings_yearly - r.joining_fees + r.total_extra_benefits
    # Ongoing: the renewal waiver (₹500 + 18% GST), no welcome benefit.
    assert r.total_extra_benefits == Decimal("590.00")
    r = one(c, spend(amazon="12345.67", grocery="890.12", other_online="4567.89"))
    assert r.net_savings == r.total_savings_yearly - r.joining_fees + r.total_extra_benefits
    # First year: 499.99 × 1.18 = 589.9882 charged; the welcome 777 × 0.3333 = 258.9741.
    assert (r.joining_fees, r.total_extra_benefits) == (Decimal("589.99"), Decimal("258.97"))


# ---- resolution: assumptions, dates, redemption ---------------------------------


AMAZON_PAY = card(
    "icici_amazon_pay",
    rules=[
        {"kind": "flat", "categories": ["amazon"], "rate": {"percent": 5}, "when": {"amazon_prime": True}},
        {"kind": "flat", "categories": ["amazon"], "rate": {"percent": 3}, "when": {"amazon_prime": False}},
        {"kind": "flat", "categories": "rest", "rate": {"percent": 1}},
    ],
)


def test_assumption_default_and_override():
    s = spend(amazon=10000, grocery=1000)
    assert one(AMAZON_PAY, s).amazon_points == Decimal("500.00")
    assert one(AMAZON_PAY, s, assumptions={"amazon_prime": False}).amazon_points == Decimal("300.00")
    assert one(AMAZON_PAY, s, assumptions={"amazon_prime": True}).amazon_points == Decimal("500.00")
    # `rest` never takes amazon, whichever conditional rule applies.
    assert one(AMAZON_PAY, s, assumptions={"amazon_prime": False}).grocery_points == Decimal("10.00")


def test_conditional_redemption_option():
    c = card(reward="points", rules=CASHBACK_5, redemption_options=[
        {"method": "Vouchers", "rupees_per_point": "0.25"},
        {"method": "Prime vouchers", "rupees_per_point": "0.5", "when": {"amazon_prime": True}},
    ])
    assert one(c, spend(amazon=100)).redemption_method == "Prime vouchers"
    assert one(c, spend(amazon=100), assumptions={"amazon_prime": False}).redemption_method == "Vouchers"


def test_rules_and_cards_follow_the_as_of_date():
    c = card(rules=[
        {"kind": "flat", "categories": ["flipkart"], "rate": {"percent": "1.5"}, "valid_until": "2025-06-19"},
        {"kind": "flat", "categories": ["flipkart"], "rate": {"percent": 1}, "valid_from": "2025-06-20"},
    ], valid_from="2019-07-01")
    s = spend(flipkart=10000)
    assert one(c, s, as_of=dt.date(2025, 6, 19)).flipkart_points == Decimal("150.00")
    assert one(c, s, as_of=dt.date(2025, 6, 20)).flipkart_points == Decimal("100.00")
    assert rank(catalog(c), s, as_of=dt.date(2019, 6, 30)) == []
    retired = card("retired", rules=CASHBACK_5, valid_until="2026-01-31")
    assert [r.card_id for _, r in rank(catalog(c, retired), s)] == ["test_card"]
    assert [r.card_id for _, r in rank(catalog(c, retired), s, as_of=dt.date(2026, 1, 31))] == ["retired", "test_card"]


def test_catalog_as_of_is_the_default_date():
    c = card(rules=CASHBACK_5, valid_from="2027-01-01")
    assert rank(catalog(c), spend(amazon=1)) == []
    assert len(rank(catalog(c, as_of="2027-01-01"), spend(amazon=1))) == 1


def test_redemption_tie_goes_to_the_first_listed():
    options = [{"method": "Vouchers", "rupees_per_point": "0.5"}, {"method": "Flights", "rupees_per_point": "0.50"},
               {"method": "Cash", "rupees_per_point": "0.4"}]
    r = one(card(reward="points", rules=CASHBACK_5, redemption_options=options), spend(amazon=100))
    assert (r.redemption_method, r.redemption_rate) == ("Vouchers", Decimal("0.5000"))
    r = one(card(reward="points", rules=CASHBACK_5, redemption_options=options[1:]), spend(amazon=100))
    assert r.redemption_method == "Flights"


# ---- ranking ---------------------------------------------------------------------


def flat_card(card_id, percent, joining=0):
    return card(card_id, joining=joining, rules=[{"kind": "flat", "categories": "rest", "rate": {"percent": percent}}])


def test_ranking_is_net_savings_descending_then_card_id():
    cards = [flat_card("zeta", 2), flat_card("alpha", 2), flat_card("mid", 3, joining=1200), flat_card("best", 5)]
    ranked = rank(catalog(*cards, gst_percent=0), spend(amazon=10000))
    # best 6,000; mid 3,600 − 1,200 = 2,400 ties with alpha and zeta at 2,400.
    assert [(n, r.card_id, r.net_savings) for n, r in ranked] == [
        (1, "best", Decimal("6000.00")),
        (2, "alpha", Decimal("2400.00")),
        (3, "mid", Decimal("2400.00")),
        (4, "zeta", Decimal("2400.00")),
    ]


def test_top_n_and_shorter_catalogs():
    cards = [flat_card(f"card_{i:02d}", i) for i in range(1, 13)]
    ranked = rank(catalog(*cards), spend(amazon=1000))
    assert [n for n, _ in ranked] == list(range(1, 11))
    assert ranked[0][1].card_id == "card_12" and ranked[-1][1].card_id == "card_03"
    assert [r.card_id for _, r in rank(catalog(*cards), spend(amazon=1000), top=3)] == ["card_12", "card_11", "card_10"]
    assert len(rank(catalog(*cards[:4]), spend(amazon=1000))) == 4
    assert rank(catalog(), spend(amazon=1000)) == []


def test_evaluate_is_deterministic():
    c = card(rules=CASHBACK_5)
    (r,) = resolve_catalog(catalog(c))
    s = spend(amazon=1234)
    assert evaluate(r, s) == evaluate(r, s)


def test_spend_beyond_what_the_outputs_hold_is_rejected():
    assert user_spend(amazon="999999999.99", confirmed="1000000000.00").total == Decimal("1000000000.00")
    with pytest.raises(InvalidSpend, match=r"^total monthly spend 1100000000.00 is above 1000000000.00$"):
        user_spend(amazon="600000000", flipkart="500000000")


def test_staging_sql_uses_the_same_spend_bound():
    sql = (Path(__file__).resolve().parents[1] / "dbt_project/models/staging/stg_user_spending.sql").read_text()
    assert sql.count(f"> {MAX_MONTHLY_SPEND}") == 1 and sql.count(f"is above {MAX_MONTHLY_SPEND}") == 1
