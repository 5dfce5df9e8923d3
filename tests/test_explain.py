"""Explanations, number formatting and the `cgcompile explain` command."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from support.builders import card, catalog, spend

from cgcompile.cli import main
from cgcompile.errors import CgError
from cgcompile.explain import COLUMNS, as_json, as_text, explain_rank
from cgcompile.money import grouped, inr, per_point
from cgcompile.options import parse_assumptions


def explained(c, s, horizon="first_year", **kw) -> tuple[str, ...]:
    [(_, _, lines)] = explain_rank(catalog(c, horizon=horizon), s, **kw)
    return lines


@pytest.mark.parametrize(
    "value, text",
    [
        ("0", "0"),
        ("999", "999"),
        ("1000", "1,000"),
        ("120000", "1,20,000"),
        ("1234567.891", "12,34,567.89"),
        ("10000000", "1,00,00,000"),
        ("1333.335", "1,333.34"),
        ("-120000", "-1,20,000"),
    ],
)
def test_indian_grouping(value, text):
    assert grouped(Decimal(value)) == text


def test_money_forms():
    assert inr(Decimal("16000")) == "₹16,000"
    assert inr(Decimal("16000"), cents=True) == "₹16,000.00"
    assert inr(Decimal("0.5")) == "₹0.50"
    assert [per_point(Decimal(x)) for x in ("1", "1.0000", "0.2", "0.25", "0.3333")] == ["1", "1", "0.20", "0.25", "0.3333"]


# ---- category sentences --------------------------------------------------------


def test_cashback_sentence():
    c = card(rules=[{"kind": "flat", "categories": ["amazon"], "rate": {"percent": 5}}])
    assert explained(c, spend(amazon=50000))[0] == "₹50,000 a month on Amazon earns 5% cashback: ₹2,500 a month, ₹30,000 a year."


def test_points_sentence():
    c = card(
        reward="points",
        points_name="EDGE points",
        redemption_options=[{"method": "Catalogue", "rupees_per_point": "0.2"}],
        rules=[{"kind": "flat", "categories": ["flipkart"], "rate": {"points": 12, "per": 200}}],
    )
    assert explained(c, spend(flipkart=150000))[1] == (
        "₹1,50,000 a month on Flipkart earns 12 EDGE points per ₹200: "
        "9,000 points a month, worth ₹21,600 a year at ₹0.20 per point (Catalogue)."
    )


def test_cashback_card_with_a_redemption_rate_below_one():
    c = card(redemption_options=[{"method": "Statement credit", "rupees_per_point": "0.9"}],
             rules=[{"kind": "flat", "categories": "rest", "rate": {"percent": 1}}])
    assert explained(c, spend(grocery=10000))[4] == (
        "₹10,000 a month on grocery earns 1% cashback: "
        "₹100 of cashback a month, worth ₹1,080 a year at ₹0.90 per ₹1 (Statement credit)."
    )


def test_zero_spend_and_uncovered_categories():
    c = card(rules=[{"kind": "flat", "categories": ["amazon"], "rate": {"percent": 5}}])
    lines = explained(c, spend(amazon=100, ajio=500))
    assert lines[2] == "Nothing spent on Myntra."
    assert lines[3] == "₹500 a month on Ajio earns nothing on this card."
    assert lines[6:] == ("First-year view: no joining fee is charged.",)  # one per category, the fee, no benefits


def test_cap_is_mentioned_only_when_it_bites():
    c = card(rules=[{"kind": "flat", "categories": ["flipkart"], "rate": {"percent": 5},
                     "cap": {"amount": 4000, "unit": "rupees", "period": "quarter"}}])
    assert explained(c, spend(flipkart=30000))[1] == (
        "₹30,000 a month on Flipkart earns 5% cashback, capped at ₹4,000 a quarter: ₹1,333.33 a month, ₹16,000 a year."
    )
    assert "capped" not in explained(c, spend(flipkart=20000))[1]


def test_pooled_cap_names_the_categories_sharing_it():
    c = card(rules=[{"kind": "flat", "categories": ["amazon", "flipkart", "myntra"], "rate": {"percent": 5},
                     "cap": {"amount": 1000, "period": "month"}}])
    lines = explained(c, spend(amazon=15000, flipkart=6000, myntra=2000))
    assert lines[0] == "₹15,000 a month on Amazon earns 5% cashback: ₹750 a month, ₹9,000 a year."
    assert lines[1] == (
        "₹6,000 a month on Flipkart earns 5% cashback, capped at ₹1,000 a month shared with Amazon and Myntra: "
        "₹250 a month, ₹3,000 a year."
    )
    assert lines[2] == (
        "₹2,000 a month on Myntra earns 5% cashback, capped at ₹1,000 a month shared with Amazon and Flipkart, "
        "already used up: ₹0 a month, ₹0 a year."
    )


def test_tier_sentences_show_bands_and_whose_spend_came_first():
    c = card(rules=[{"kind": "tiered", "categories": ["amazon", "flipkart"], "tiers": [
        {"from": 0, "to": 5000, "rate": {"percent": 2}},
        {"from": 5000, "to": 40000, "rate": {"percent": 5}},
        {"from": 40000, "rate": {"percent": 7}}]}])
    lines = explained(c, spend(amazon=30000, flipkart=20000))
    assert lines[0] == (
        "₹30,000 a month on Amazon earns 2% cashback on ₹5,000 and 5% cashback on ₹25,000 "
        "(bands up to ₹5,000, then ₹5,000–₹40,000): ₹1,350 a month, ₹16,200 a year."
    )
    assert lines[1] == (
        "₹20,000 a month on Flipkart earns 5% cashback on ₹10,000 and 7% cashback on ₹10,000 "
        "(bands ₹5,000–₹40,000, then above ₹40,000, after Amazon's ₹30,000 on the same bands): "
        "₹1,200 a month, ₹14,400 a year."
    )
    # Several categories before: their combined spend is named once.
    c3 = card(rules=[{"kind": "tiered", "categories": "rest", "tiers": [
        {"from": 0, "to": 5000, "rate": {"percent": 2}}, {"from": 5000, "rate": {"percent": 5}}]}])
    assert explained(c3, spend(amazon=1000, flipkart=2000, myntra=3000))[2] == (
        "₹3,000 a month on Myntra earns 2% cashback on ₹2,000 and 5% cashback on ₹1,000 "
        "(bands up to ₹5,000, then above ₹5,000, after ₹3,000 of Amazon and Flipkart spend on the same bands): "
        "₹90 a month, ₹1,080 a year."
    )
    # Nothing spent on Amazon: Flipkart starts at the bottom of the line.
    lines = explained(c, spend(flipkart=3000))
    assert lines[1] == "₹3,000 a month on Flipkart earns 2% cashback (band up to ₹5,000): ₹60 a month, ₹720 a year."


def test_bonus_reads_after_the_base_rate_with_its_cap():
    c = card(reward="points", redemption_options=[{"method": "Vouchers", "rupees_per_point": "0.25"}], rules=[
        {"kind": "bonus", "categories": ["myntra"], "rate": {"points": 16, "per": 150},
         "cap": {"amount": 1000, "unit": "points", "period": "month"}},
        {"kind": "flat", "categories": "rest", "rate": {"points": 4, "per": 150}},
    ])
    assert explained(c, spend(myntra=30000))[2] == (
        "₹30,000 a month on Myntra earns 4 points per ₹150 plus a bonus of 16 points per ₹150, "
        "capped at 1,000 points a month: 1,800 points a month, worth ₹5,400 a year at ₹0.25 per point (Vouchers)."
    )


def test_catalog_labels_are_used():
    c = card(rules=[{"kind": "flat", "categories": "rest", "rate": {"percent": 1}}])
    labels = {"amazon": "Amazon", "flipkart": "Flipkart", "myntra": "Myntra", "ajio": "AJIO",
              "grocery": "groceries", "other_online": "other shops"}
    [(_, _, lines)] = explain_rank(catalog(c, labels=labels), spend(ajio=100, grocery=0, other_online=200))
    assert lines[3].startswith("₹100 a month on AJIO earns")
    assert lines[4] == "Nothing spent on groceries."
    assert lines[5].startswith("₹200 a month on other shops earns")


# ---- benefit lines ----------------------------------------------------------------


def benefit_lines(c, s, horizon="first_year"):
    return explained(c, s, horizon)[7:]  # after the six categories and the fee line


def test_milestone_lines():
    m = {"kind": "milestone", "spend": 100000, "period": "quarter", "amount": 1000, "unit": "rupees"}
    c = card(rules=[m, {**m, "period": "year", "spend": 500000, "repeat": False, "categories": ["amazon", "flipkart"]}])
    assert benefit_lines(c, spend(amazon=35000)) == (
        "Milestone reached: ₹1,05,000 of spend a quarter reaches ₹1,00,000 and pays ₹1,000 every quarter: ₹4,000 a year.",
        "Milestone not reached: ₹4,20,000 of Amazon and Flipkart spend a year is below ₹5,00,000 (it would pay ₹1,000).",
    )
    every = card(rules=[{**m, "categories": ["amazon", "flipkart", "myntra", "ajio", "grocery", "other_online"]}])
    assert benefit_lines(every, spend(amazon=35000))[0].startswith("Milestone reached: ₹1,05,000 of spend a quarter")
    assert benefit_lines(c, spend(amazon=50000))[1] == (
        "Milestone reached: ₹6,00,000 of Amazon and Flipkart spend a year reaches ₹5,00,000 and pays ₹1,000 once."
    )


def test_points_benefits_show_their_rupee_value():
    c = card(reward="points", redemption_options=[{"method": "Vouchers", "rupees_per_point": "0.5"}], rules=[
        {"kind": "welcome", "amount": 2000, "unit": "points", "description": "on the first spend in 30 days"},
        {"kind": "milestone", "spend": 10000, "period": "month", "amount": 100, "unit": "points"},
    ])
    assert benefit_lines(c, spend(grocery=10000)) == (
        "Welcome benefit: 2,000 points worth ₹1,000 (on the first spend in 30 days).",
        "Milestone reached: ₹10,000 of spend a month reaches ₹10,000 and pays 100 points worth ₹50 every month: ₹600 a year.",
    )


def test_fee_waiver_lines():
    waivers = [{"kind": "fee_waiver", "annual_spend": 150000, "percent": 100},
               {"kind": "fee_waiver", "annual_spend": 90000, "percent": 50}]
    c = card(annual=4500, rules=waivers)
    assert benefit_lines(c, spend(other_online=35000), "ongoing") == (
        "The ₹5,310.00 annual fee is waived: annual spend ₹4,20,000 reaches ₹1,50,000.",
    )
    assert benefit_lines(c, spend(other_online=8000), "ongoing") == (
        "50% of the ₹5,310.00 annual fee (₹2,655.00) is waived: annual spend ₹96,000 reaches ₹90,000.",
    )
    assert benefit_lines(c, spend(other_online=7000), "ongoing") == (
        "The ₹5,310.00 annual fee is not waived: annual spend ₹84,000 is below ₹90,000.",
    )
    assert benefit_lines(card(rules=waivers), spend(other_online=35000), "ongoing") == ()  # no fee, nothing to say
    # The first year says why the waiver does not count, in the fee line.
    assert explained(c, spend(other_online=35000))[6] == (
        "First-year view: no joining fee is charged; the ₹4,500 renewal fee falls due in the second year, "
        "so its waiver on annual spend is not counted."
    )
    assert explained(c, spend(other_online=35000), "ongoing")[6] == (
        "Ongoing view (a year after the first): the annual fee ₹4,500 + 18% GST = ₹5,310.00 is charged; "
        "welcome benefits and joining-fee waivers are not counted."
    )


def test_joining_fee_waiver_lines():
    c = card(joining=500, rules=[{"kind": "joining_fee_waiver", "spend": 10000, "within_days": 45}])
    assert explained(c, spend(amazon=8000))[6] == "First-year view: the joining fee ₹500 + 18% GST = ₹590.00 is charged."
    assert benefit_lines(c, spend(amazon=8000)) == (
        "The ₹590.00 joining fee is waived: ₹12,000 spent in the first 45 days reaches ₹10,000.",
    )
    assert benefit_lines(c, spend(amazon=6000)) == (
        "The ₹590.00 joining fee is not waived: ₹9,000 spent in the first 45 days is below ₹10,000.",
    )


# ---- output and options ------------------------------------------------------------


def test_parse_assumptions():
    cat = catalog(assumptions={"amazon_prime": True, "lounge_user": False})
    assert parse_assumptions(["amazon_prime=false", "lounge_user=TRUE"], cat) == {"amazon_prime": False, "lounge_user": True}
    assert parse_assumptions(["avg_order_value.myntra=2500", "instamart_share=12.5"], cat) == {
        "avg_order_value.myntra": Decimal("2500"), "instamart_share": Decimal("12.5")}
    for bad in ("avg_order_value.myntra=0", "avg_order_value.myntra=lots", "instamart_share=101", "instamart_share=-1"):
        with pytest.raises(CgError, match="expected NAME=N with N"):
            parse_assumptions([bad], cat)
    with pytest.raises(CgError, match=r"unknown assumption 'avg_order_value.mintra' \(did you mean 'avg_order_value.myntra'\?\)"):
        parse_assumptions(["avg_order_value.mintra=1"], cat)
    with pytest.raises(CgError, match=r"unknown assumption 'amazon_prim' \(did you mean 'amazon_prime'\?\)"):
        parse_assumptions(["amazon_prim=true"], cat)
    with pytest.raises(CgError, match="expected NAME=true or NAME=false"):
        parse_assumptions(["amazon_prime=yes"], cat)
    with pytest.raises(CgError, match="expected NAME=true or NAME=false"):
        parse_assumptions(["amazon_prime"], cat)


def two_cards():
    a = card("alpha", joining=500, rules=[{"kind": "flat", "categories": "rest", "rate": {"percent": 2}}])
    b = card("beta", rules=[{"kind": "flat", "categories": ["amazon"], "rate": {"percent": 5}}])
    return catalog(a, b)


def test_json_has_every_column_as_exact_strings():
    s = spend(amazon=10000, confirmed=12000)
    ranked = explain_rank(two_cards(), s)
    doc = json.loads(as_json(ranked, s, two_cards().as_of, {"amazon_prime": True}))
    assert doc["horizon"] == "first_year"
    assert doc["spend"]["other_online"] == "2000.00" and doc["spend"]["confirmed"] == "12000.00"
    assert [c["card_id"] for c in doc["cards"]] == ["beta", "alpha"]
    first = doc["cards"][0]
    assert list(first) == ["rank", *COLUMNS, "confidence", "explanations"]
    assert first["confidence"] is None  # as_json is told it by run(), below
    assert first["net_savings"] == "6000.00" and first["redemption_rate"] == "1.0000"
    assert first["explanations"][0] == "₹10,000 a month on Amazon earns 5% cashback: ₹500 a month, ₹6,000 a year."


def test_text_shows_every_column_and_explanation():
    s = spend(amazon=10000, confirmed=12000)
    ranked = explain_rank(two_cards(), s)
    text = as_text(ranked, s, two_cards().as_of, {"amazon_prime": True}, {})
    for column in COLUMNS[3:]:
        assert column in text
    assert "1. Beta Credit Card (beta, Test Bank)" in text
    assert "net_savings 6,000.00 = total_savings_yearly 6,000.00 - joining_fees 0.00 + total_extra_benefits 0.00" in text
    assert "2. Alpha Credit Card (alpha, Test Bank)" in text
    assert "   - ₹2,000 a month on other online shopping earns 2% cashback: ₹40 a month, ₹480 a year." in text


# ---- the command ------------------------------------------------------------------

CATALOG_YAML = """\
as_of: 2026-11-23
categories:
  amazon: Amazon
  flipkart: Flipkart
  myntra: Myntra
  ajio: Ajio
  grocery: grocery
  other_online: other online shopping
assumptions:
  amazon_prime:
    description: The user has Amazon Prime.
    default: true
"""

FLIPKART_AXIS_YAML = """\
id: flipkart_axis
name: Flipkart Axis Bank Credit Card
bank: Axis Bank
reward: cashback
source:
  url: https://www.axisbank.com/retail/cards/credit-card/flipkart-axisbank-credit-card
  checked: 2026-11-20
valid_from: 2019-07-01
fees:
  joining: 500
  annual: 500
redemption:
  - method: Cashback
    rupees_per_point: 1
rules:
  - kind: flat
    categories: [flipkart]
    rate: {percent: 5}
    cap: {amount: 4000, unit: rupees, period: quarter}
  - kind: flat
    categories: [myntra]
    rate: {percent: 7.5}
    cap: {amount: 4000, unit: rupees, period: quarter}
  - kind: flat
    categories: rest
    rate: {percent: 1}
  - kind: fee_waiver
    annual_spend: 350000
    percent: 100
"""

AMAZON_PAY_YAML = """\
id: amazon_pay_icici
name: Amazon Pay ICICI Bank Credit Card
bank: ICICI Bank
reward: cashback
source:
  url: https://www.icicibank.com/personal-banking/cards/credit-card/amazon-pay-credit-card
  checked: 2026-11-20
fees:
  joining: 0
  annual: 0
redemption:
  - method: Cashback
    rupees_per_point: 1
rules:
  - kind: flat
    categories: [amazon]
    rate: {percent: 5}
    when: {amazon_prime: true}
  - kind: flat
    categories: [amazon]
    rate: {percent: 3}
    when: {amazon_prime: false}
  - kind: flat
    categories: rest
    rate: {percent: 1}
"""


@pytest.fixture
def rules_dir(tmp_path):
    d = tmp_path / "card_rules"
    d.mkdir()
    (d / "_catalog.yaml").write_text(CATALOG_YAML, encoding="utf-8")
    (d / "flipkart_axis.yaml").write_text(FLIPKART_AXIS_YAML, encoding="utf-8")
    (d / "amazon_pay_icici.yaml").write_text(AMAZON_PAY_YAML, encoding="utf-8")
    return d


def cli(capsys, *args):
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_text(rules_dir, capsys):
    code, out, err = cli(capsys, "--rules-dir", str(rules_dir), "--amazon", "50000", "--flipkart", "30000", "--confirmed", "80000")
    assert (code, err) == (0, "")
    assert out.index("1. Amazon Pay ICICI Bank Credit Card") < out.index("2. Flipkart Axis Bank Credit Card")
    assert "₹50,000 a month on Amazon earns 5% cashback: ₹2,500 a month, ₹30,000 a year." in out
    assert "Rules as of 2026-11-23, first-year view; amazon_prime=true" in out


def test_cli_json_assume_top_and_as_of(rules_dir, capsys):
    args = ["--rules-dir", str(rules_dir), "--amazon", "50000", "--flipkart", "30000", "--confirmed", "80000", "--json"]
    code, out, _ = cli(capsys, *args, "--assume", "amazon_prime=false")
    assert code == 0
    doc = json.loads(out)
    assert doc["assumptions"] == {"amazon_prime": False}
    by_id = {c["card_id"]: c for c in doc["cards"]}
    assert by_id["amazon_pay_icici"]["amazon_points"] == "1500.00"
    assert by_id["amazon_pay_icici"]["total_savings_yearly"] == "21600.00"  # 1,500 + 300 a month
    # 6,000 a year from Amazon + 16,000 capped Flipkart − the ₹590 joining fee (the renewal waiver counts from year two)
    assert by_id["flipkart_axis"]["net_savings"] == "21410.00"
    assert [c["card_id"] for c in doc["cards"]] == ["amazon_pay_icici", "flipkart_axis"]
    code, out, _ = cli(capsys, *args, "--horizon", "ongoing")
    doc = json.loads(out)
    assert doc["horizon"] == "ongoing"
    assert {c["card_id"]: c["net_savings"] for c in doc["cards"]}["flipkart_axis"] == "22000.00"  # fee waived

    code, out, _ = cli(capsys, *args, "--top", "1")
    assert [c["rank"] for c in json.loads(out)["cards"]] == [1]
    code, out, _ = cli(capsys, *args, "--as-of", "2019-06-30")
    assert [c["card_id"] for c in json.loads(out)["cards"]] == ["amazon_pay_icici"]


def test_cli_errors(rules_dir, capsys):
    code, _, err = cli(capsys, "--rules-dir", str(rules_dir), "--myntra", "-5")
    assert (code, err) == (2, "error: avg_myntra_gmv is negative (-5.00)\n")
    code, _, err = cli(capsys, "--rules-dir", str(rules_dir), "--assume", "prime=true")
    assert code == 2 and "unknown assumption 'prime'" in err
    code, _, err = cli(capsys, "--rules-dir", str(rules_dir), "--top", "0")
    assert code == 2 and "--top must be at least 1" in err
    (rules_dir / "broken.yaml").write_text("id: broken\n", encoding="utf-8")
    code, out, err = cli(capsys, "--rules-dir", str(rules_dir), "--amazon", "1")
    assert code == 1 and out == "" and "card_rules/broken.yaml" in err


REPO_RULES = Path(__file__).resolve().parents[1] / "card_rules"
PRD_USERS = {
    "CK7186246": ("50000.00", "30000.00", "10000.00", "5000.00", "15000.00", "120000.00"),
    "USER4188152": ("120000.00", "20000.00", "5000.00", "2000.00", "8000.00", "160000.00"),
    "CUST3267595": ("10000.00", "5000.00", "2000.00", "1000.00", "3000.00", "22000.00"),
}


@pytest.mark.parametrize("user", sorted(PRD_USERS))
def test_prd_sample_users_on_the_real_catalog(user, capsys):
    values = PRD_USERS[user]
    flags = [x for name, v in zip(("--amazon", "--flipkart", "--myntra", "--ajio", "--grocery", "--confirmed"), values) for x in (name, v)]
    code, out, err = cli(capsys, "--rules-dir", str(REPO_RULES), *flags, "--json")
    assert (code, err) == (0, "")
    cards = json.loads(out)["cards"]
    assert [c["rank"] for c in cards] == list(range(1, 11))
    keys = [(-Decimal(c["net_savings"]), c["card_id"]) for c in cards]
    assert keys == sorted(keys)
    for c in cards:
        net = Decimal(c["total_savings_yearly"]) - Decimal(c["joining_fees"]) + Decimal(c["total_extra_benefits"])
        assert Decimal(c["net_savings"]) == net
        assert all(Decimal(c[f"{k}_points"]).as_tuple().exponent == -2 for k in ("amazon", "ajio", "other_online"))
        assert len(c["explanations"]) >= 6 and all(e.endswith(".") for e in c["explanations"])


# ---- the constructs of W2-1 ---------------------------------------------------------


def test_partner_share_sentence():
    c = card(rules=[{"kind": "flat", "categories": ["grocery"], "share": "instamart_share", "rate": {"percent": 10},
                     "cap": {"amount": 100, "period": "month"}},
                    {"kind": "flat", "categories": "rest", "rate": {"percent": 1}}])
    assert explained(c, spend(grocery=8000))[4] == (
        "₹8,000 a month on grocery earns 10% cashback on its instamart_share part (25%, ₹2,000), capped at ₹100 a month "
        "plus 1% cashback on the rest (₹6,000): ₹160 a month, ₹1,920 a year."
    )


def test_per_order_sentences():
    c = card(reward="points", rules=[
        {"kind": "flat", "categories": ["myntra"], "rate": {"percent": 10}, "per_order": {"cap": 120, "minimum": 500}},
        {"kind": "flat", "categories": ["amazon"], "rate": {"points": 10, "per": 150, "full_blocks": True}}])
    values = {"amazon": 1000, "flipkart": 1500, "myntra": 1800, "ajio": 1600, "grocery": 400, "other_online": 950}
    [(_, _, lines)] = explain_rank(catalog(c, order_values=values), spend(myntra=9000, amazon=20000))
    assert lines[0] == (
        "₹20,000 a month on Amazon earns 10 points per ₹150 (per full ₹150 of each order; an average Amazon order "
        "of ₹1,000 earns 60: 6 per ₹100): 1,200 points a month, worth ₹14,400 a year at ₹1 per point (Cashback)."
    )
    assert lines[2] == (
        "₹9,000 a month on Myntra earns 10% points (at most 120 an order, on orders of ₹500 or more; an average Myntra "
        "order of ₹1,800 earns 120: about 6.67 per ₹100): 600 points a month, worth ₹7,200 a year at ₹1 per point (Cashback)."
    )


def test_caps_inside_caps_name_both_ceilings():
    c = card(caps={"overall": {"amount": 4000, "period": "month"}, "online": {"amount": 2000, "period": "month", "within": "overall"}},
             rules=[{"kind": "flat", "categories": ["amazon", "flipkart"], "rate": {"percent": 5}, "cap": {"pool": "online"}},
                    {"kind": "flat", "categories": ["grocery"], "rate": {"percent": 5},
                     "cap": {"amount": 2500, "period": "month", "within": "overall"}}])
    lines = explained(c, spend(amazon=30000, flipkart=20000, grocery=60000))
    assert lines[1] == (
        "₹20,000 a month on Flipkart earns 5% cashback, capped at ₹2,000 a month shared with Amazon, "
        "within ₹4,000 a month shared with Amazon and grocery: ₹500 a month, ₹6,000 a year."
    )
    assert lines[4] == (
        "₹60,000 a month on grocery earns 5% cashback, capped at ₹2,500 a month, within ₹4,000 a month shared with "
        "Amazon and Flipkart: ₹2,000 a month, ₹24,000 a year."
    )


def test_redemption_ladder_and_travel_options():
    c = card(reward="points",
             rules=[{"kind": "flat", "categories": "rest", "rate": {"points": 4, "per": 100}},
                    {"kind": "welcome", "amount": 2000, "unit": "points", "spend": 15000, "within_days": 90}],
             redemption_options=[{"method": "Statement credit", "rupees_per_point": "0.25", "max_share": 50},
                                 {"method": "Air miles", "rupees_per_point": "0.5", "type": "transfer"},
                                 {"method": "Gift vouchers", "rupees_per_point": "0.2", "min_points": 5000},
                                 {"method": "Catalogue", "rupees_per_point": "0.1"}])
    lines = explained(c, spend(other_online=20000))
    assert lines[5] == "₹20,000 a month on other online shopping earns 4 points per ₹100: 800 points a month, 9,600 points a year (redeemed below)."
    assert lines[7:] == (
        "Welcome benefit: 2,000 points: ₹60,000 spent in the first 90 days reaches ₹15,000.",
        "Not counted: Air miles at ₹0.50 a point (travel_redemption=false: these users are taken to redeem for shopping).",
        "The year's 11,600 points are redeemed: 5,800 as Statement credit at ₹0.25, at most 50% of the points; "
        "5,800 as Gift vouchers at ₹0.20: ₹2,610.00 (the 2,000 bonus points add ₹450.00 on top of the earned points).",
    )
    assert explained(c, spend(other_online=2000))[7:9] == (
        "Welcome benefit not earned: ₹6,000 spent in the first 90 days is below ₹15,000 (it would pay 2,000 points).",
        "Not counted: Air miles at ₹0.50 a point (travel_redemption=false: these users are taken to redeem for shopping).",
    )
    assert explained(c, spend(other_online=2000))[9] == (
        "The year's 960 points are redeemed: 480 as Statement credit at ₹0.25, at most 50% of the points; "
        "480 as Catalogue at ₹0.10: ₹168.00."
    )
    assert explained(c, spend(other_online=2000))[10] == "Gift vouchers needs 5,000 points: not used."


def test_a_travel_only_card_is_worth_nothing_to_shoppers():
    c = card(reward="points", rules=[{"kind": "flat", "categories": "rest", "rate": {"points": 4, "per": 100}}],
             redemption_options=[{"method": "Air miles", "rupees_per_point": "0.5", "type": "transfer"}])
    [(_, r, lines)] = explain_rank(catalog(c), spend(other_online=2000))
    assert (r.total_savings_yearly, r.redemption_method, r.redemption_rate) == (0, "Not redeemable for shopping", 0)
    assert lines[-1] == "Not counted: Air miles at ₹0.50 a point (travel_redemption=false: these users are taken to redeem for shopping)."
    [(_, r, _)] = explain_rank(catalog(c, assumptions={"amazon_prime": True, "travel_redemption": True}), spend(other_online=2000))
    assert (r.total_savings_yearly, r.redemption_method) == (Decimal("480.00"), "Air miles")


def test_explain_shows_each_cards_confidence():
    from pathlib import Path

    from cgcompile.explain import run

    rules = Path(__file__).resolve().parents[1] / "card_rules"
    doc = json.loads(run(rules, {"amazon": "20000"}, json_output=True))
    assert {c["confidence"] for c in doc["cards"]} <= {"verified", "single_source", "unverified"}
    assert next(c for c in doc["cards"] if c["card_id"] == "sbi_cashback")["confidence"] == "verified"
    assert "(sbi_cashback, SBI Card; terms verified)" in run(rules, {"amazon": "20000"})

