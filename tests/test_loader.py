"""The loader: the valid fixture becomes the expected model; every invalid
fixture gives exactly the expected problems, each at file:line:col."""
from __future__ import annotations

import datetime as dt
import shutil
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cgcompile.errors import CgError, RulesInvalid
from cgcompile.loader import load_catalog, rate_per_rupee
from cgcompile.model import CATEGORIES, RATE_PLACES, Cap

TESTS = Path(__file__).parent
D = Decimal


@pytest.fixture
def in_tests(monkeypatch):
    """Run from tests/ so reported paths read fixtures/... as a user would type them."""
    monkeypatch.chdir(TESTS)


@pytest.fixture
def catalog(in_tests):
    return load_catalog(Path("fixtures/valid"))


def card(catalog, card_id):
    return next(c for c in catalog.cards if c.id == card_id)


def test_catalog_settings(catalog):
    assert catalog.as_of == dt.date(2026, 11, 23)
    assert [c for c, _ in catalog.category_labels] == list(CATEGORIES)
    assert catalog.label("other_online") == "other online shopping"
    assert (catalog.horizon, catalog.gst_percent) == ("ongoing", D(12))
    defaults = catalog.defaults()
    assert [k for k, v in defaults.items() if isinstance(v, bool)] == ["amazon_prime", "four_swipes", "travel_redemption"]
    assert defaults["avg_order_value.myntra"] == D(1800) and defaults["instamart_share"] == D("12.5")
    share = next(a for a in catalog.assumptions if a.name == "instamart_share")
    assert (share.unit, share.category, share.source) == ("percent", "grocery", None)
    aov = next(a for a in catalog.assumptions if a.name == "avg_order_value.grocery")
    assert (aov.unit, aov.default, aov.source.url, str(aov.pos)) == ("rupees", D(700), "https://example.com/aov", "fixtures/valid/_catalog.yaml:21:3")
    assert [c.id for c in catalog.cards] == ["partner_points", "shop_cashback", "travel_points"]


def test_new_constructs(catalog):
    p = card(catalog, "partner_points")
    caps = dict(p.caps)
    assert (caps["online"].within, caps["overall"].within) == ("overall", None)
    amazon, myntra, grocery, _, welcome = p.rules
    assert amazon.rate.full_blocks and amazon.cap.pool == "online" and amazon.cap.within == "overall"
    assert (myntra.per_order.cap, myntra.per_order.minimum, myntra.cap.within) == (D(150), D(500), "overall")
    assert (grocery.share, grocery.categories) == ("instamart_share", ("grocery",))
    assert (welcome.spend, welcome.within_days) == (D(15000), 90)
    credit, miles, vouchers, catalogue = p.redemption
    assert (credit.type, credit.max_share, credit.limited) == ("statement_credit", D(50), True)
    # A transfer option counts only when the user redeems for travel.
    assert [(c.assumption, c.value) for c in miles.when] == [("travel_redemption", True)]
    assert (miles.max_points, vouchers.min_points, vouchers.valid_until) == (D(500000), D(1000), dt.date(2026, 12, 31))
    assert not catalogue.limited and catalogue.type is None


def test_card_header(catalog):
    shop = card(catalog, "shop_cashback")
    assert (shop.name, shop.bank, shop.reward, shop.points_name) == ("Shop Cashback Card", "Test Bank", "cashback", "cashback")
    # Numbers come from the source text: 499.50 keeps its two places.
    assert str(shop.annual_fee) == "499.50" and shop.joining_fee == D(500)
    assert shop.source.url == "https://example.com/shop-cashback"
    assert shop.source.checked == dt.date(2026, 11, 20)
    assert shop.source.alternatives == ("Another site lists the Myntra cap as 4,000 a month.",)
    assert str(shop.pos) == "fixtures/valid/shop_cashback.yaml:1:1"
    travel = card(catalog, "travel_points")
    assert travel.points_name == "EDGE points"
    assert (travel.valid_from, travel.valid_until) == (dt.date(2024, 1, 1), None)


def test_rates_are_exact_per_rupee(catalog):
    shop = card(catalog, "shop_cashback")
    assert shop.rules[2].rate.per_rupee == D("0.075") and shop.rules[2].rate.percent == D("7.5")
    travel = card(catalog, "travel_points")
    flat = travel.rules[1].rate
    assert (flat.points, flat.per, flat.per_rupee) == (D(4), D(150), D("0.0266666667"))
    assert travel.rules[2].rate.per_rupee == D("0.1066666667")


def test_rate_rounding_is_half_up_and_exact():
    assert rate_per_rupee(D(4), D(150)) == D("0.0266666667")
    assert rate_per_rupee(D(2), D(3)) == D("0.6666666667")
    # Exactly half a unit in the 10th place rounds up (half-even would give 0).
    assert rate_per_rupee(D(1), D(20_000_000_000)) == D("0.0000000001")
    assert rate_per_rupee(D("0.1"), D(3)) == D("0.0333333333")


def test_caps_and_pools(catalog):
    shop = card(catalog, "shop_cashback")
    assert dict(shop.caps)["partner_pool"].amount == D(4000)
    flat, bonus = shop.rules[2], shop.rules[3]
    for rule in (flat, bonus):
        assert (rule.cap.pool, rule.cap.amount, rule.cap.unit, rule.cap.period) == ("partner_pool", D(4000), "rupees", "quarter")
    assert str(flat.cap.pos) == "fixtures/valid/shop_cashback.yaml:31:10"
    travel = card(catalog, "travel_points")
    assert travel.caps == ()
    assert travel.rules[0].cap == Cap(D(50000), "points", "month", "each", None, travel.rules[0].cap.pos)
    assert travel.rules[2].cap.scope == "pooled" and travel.rules[2].cap.unit == "points"


def test_tiers(catalog):
    tiered = card(catalog, "travel_points").rules[0]
    assert tiered.kind == "tiered" and tiered.categories == ("amazon", "flipkart") and not tiered.rest
    assert [(t.start, t.end) for t in tiered.tiers] == [(0, 150000), (150000, None)]
    assert [t.rate.per_rupee for t in tiered.tiers] == [D("0.06"), D("0.175")]
    assert str(tiered.tiers[1].pos) == "fixtures/valid/travel_points.yaml:28:9"


def test_when_and_validity(catalog):
    shop = card(catalog, "shop_cashback")
    assert [(c.assumption, c.value) for c in shop.rules[0].when] == [("amazon_prime", True)]
    assert [(c.assumption, c.value) for c in shop.rules[1].when] == [("amazon_prime", False)]
    old, new = shop.rules[4], shop.rules[5]
    assert old.rest and new.rest and old.categories == ()
    assert (old.valid_from, old.valid_until) == (None, dt.date(2026, 6, 19))
    assert (new.valid_from, new.valid_until) == (dt.date(2026, 6, 20), None)
    travel = card(catalog, "travel_points")
    assert [o.method for o in travel.redemption] == ["Catalogue", "Air miles", "Partner vouchers"]
    assert travel.redemption[2].rupees_per_point == D("0.3125")
    assert travel.redemption[2].when[0].assumption == "four_swipes"


def test_benefit_rules(catalog):
    shop = card(catalog, "shop_cashback")
    assert [r.index for r in shop.rules] == list(range(10))
    waivers = [(r.annual_spend, r.percent) for r in shop.rules if r.kind == "fee_waiver"]
    assert waivers == [(350000, 100), (90000, 50)]
    joining = shop.rules[8]
    assert (joining.kind, joining.spend, joining.within_days) == ("joining_fee_waiver", D(10000), 45)
    assert (shop.rules[9].amount, shop.rules[9].unit, shop.rules[9].description) == (D(250), "rupees", "Voucher on activation")
    travel = card(catalog, "travel_points")
    quarterly, yearly = travel.rules[3], travel.rules[4]
    assert (quarterly.spend, quarterly.period, quarterly.repeat, quarterly.unit) == (D(100000), "quarter", True, "points")
    assert quarterly.categories == ("amazon", "flipkart")
    # A milestone without categories counts all spend.
    assert yearly.categories == CATEGORIES and yearly.repeat is False


# Each case is a folder under fixtures/invalid/; the lines are the exact
# report, each file name relative to that folder (<dir> stands for it).
INVALID = {
    "bad_catalog": [
        "_catalog.yaml:1:8: as_of: expected a date (YYYY-MM-DD), got '2026-11-31'",
        "_catalog.yaml:3:3: categories: missing keys 'grocery', 'other_online'",
        "_catalog.yaml:7:3: categories.groceries: unknown key 'groceries' (did you mean 'grocery'?)",
        "_catalog.yaml:11:14: assumptions.amazon_prime.default: expected true or false, got 'yes please'",
        '_catalog.yaml:12:3: assumptions.Prime-Video: assumption names use lowercase letters, digits and _',
    ],
    "bad_catalog_figures": [
        "_catalog.yaml:2:10: horizon: unknown horizon 'first-year' (did you mean 'first_year'?)",
        '_catalog.yaml:3:14: gst_percent: a percent must be between 0 and 100, got 120',
        "_catalog.yaml:14:14: assumptions.prime_share.default: expected true or false, got '80'",
        "_catalog.yaml:17:11: assumptions.order_value.unit: unknown unit 'paise' (expected one of: rupees, percent)",
        "_catalog.yaml:20:5: assumptions.blinkit_share: a share (unit: percent) names the category it is a share of: add 'category'",
        "_catalog.yaml:26:14: assumptions.avg_order_value.default: missing key 'other_online'",
        '_catalog.yaml:26:80: assumptions.avg_order_value.default.grocery: must be more than 0',
        '_catalog.yaml:31:14: assumptions.big_share.default: a percent must be between 0 and 100, got 110',
        "c.yaml:16:10: rules[0].when.ok_share: 'ok_share' is a number (percent), not a yes/no assumption",
    ],
    "nested_caps": [
        'c.yaml:13:64: caps.overall.within: caps inside each other in a loop: overall inside outer inside overall',
        'c.yaml:14:62: caps.outer.within: caps inside each other in a loop: outer inside overall inside outer',
        "c.yaml:15:63: caps.online.within: unknown cap 'overal' (did you mean 'overall'?)",
        "c.yaml:20:23: rules[0].cap.within: a cap naming a pool takes no other keys (put 'within' on the cap under caps:)",
        "c.yaml:24:59: rules[1].cap.within: unknown cap 'nowhere' (declare it under caps:)",
    ],
    "per_order_terms": [
        "c.yaml:16:14: rules[0].per_order: expected 'cap' (most units one order earns) and/or 'minimum' (smallest order that earns)",
        'c.yaml:19:22: rules[1].rate.full_blocks: full_blocks applies to {points: N, per: M}: points per full M of each order',
        "c.yaml:20:20: rules[1].per_order.cap: expected a number, got 'abc'",
        'c.yaml:20:34: rules[1].per_order.minimum: must be more than 0',
        'c.yaml:24:31: rules[2].tiers[0].rate: full_blocks does not apply to a band of a tiered rule',
        "c.yaml:26:3: rules[2].per_order: 'per_order' does not apply to a tiered rule",
    ],
    "per_order_without_order_values": [
        "c.yaml:15:44: rules[0].rate.full_blocks: per-order terms need the assumption 'avg_order_value' (a value per category) in _catalog.yaml",
        "c.yaml:19:14: rules[1].per_order: per-order terms need the assumption 'avg_order_value' (a value per category) in _catalog.yaml",
    ],
    "partner_shares": [
        "c.yaml:15:10: rules[0].share: unknown assumption 'instamrt_share' (did you mean 'instamart_share'?)",
        "c.yaml:19:10: rules[1].share: 'amazon_prime' is not a share (an assumption with unit: percent and a category)",
        "c.yaml:23:10: rules[2].share: 'instamart_share' is a share of grocery: the rule's categories must be [grocery]",
        "c.yaml:27:10: rules[3].share: 'instamart_share' is a share of grocery: the rule's categories must be [grocery]",
        "c.yaml:35:10: rules[5].share: 'grocery' is already split by the share 'instamart_share' in rules[4]; a card splits a category once",
        "c.yaml:38:16: rules[6].categories[0]: the instamart_share part of 'grocery' is also covered by rules[4]",
        "c.yaml:43:3: rules[7].share: 'share' does not apply to a tiered rule",
    ],
    "redemption_limits": [
        'c.yaml:12:16: redemption[0].max_share: a percent must be between 0 and 100, got 150',
        'c.yaml:13:17: redemption[0].max_points: must be more than 0',
        "c.yaml:16:17: redemption[1].min_points: expected a number, got 'lots'",
        "c.yaml:17:11: redemption[1].type: unknown redemption type 'voucher' (did you mean 'vouchers'?)",
        "c.yaml:20:11: redemption[2].type: a transfer option needs the yes/no assumption 'travel_redemption' in _catalog.yaml",
    ],
    "welcome_on_spend": [
        "c.yaml:16:3: rules[1]: a welcome benefit on early spend needs both 'spend' and 'within_days'",
        "c.yaml:20:3: rules[2]: a welcome benefit on early spend needs both 'spend' and 'within_days'",
        'c.yaml:23:16: rules[2].within_days: must be more than 0',
    ],
    "bad_date": [
        "c.yaml:7:12: source.checked: expected a date (YYYY-MM-DD), got '2026-13-01'",
        "c.yaml:16:15: rules[0].valid_from: expected a date (YYYY-MM-DD), got '2026-02-30'",
        "c.yaml:17:16: rules[0].valid_until: expected a date (YYYY-MM-DD), got '1 June 2026'",
    ],
    "bad_number": [
        "c.yaml:8:17: fees.joining: expected a number, got '₹500'",
        "c.yaml:8:33: fees.500: unknown key '500' (a comma inside {...} starts a new key; drop it or quote the text)",
        "c.yaml:16:17: rules[0].cap.amount: expected a number, got 'abc'",
        "c.yaml:18:11: rules[1].amount: expected a number, got '500' (remove the quotes)",
        "c.yaml:22:16: rules[2].within_days: expected a whole number, got '4.5'",
    ],
    "bad_redemption_rate": [
        'c.yaml:11:23: redemption[0].rupees_per_point: at most 4 decimal places, got 0.12345',
        'c.yaml:13:23: redemption[1].rupees_per_point: must be below 10, got 12',
        'c.yaml:15:23: redemption[2].rupees_per_point: must be more than 0',
        'c.yaml:19:26: rules[0].rate.per: must be more than 0',
    ],
    "bad_top_level": [
        "c.yaml:4:9: reward: unknown reward 'cashbak' (did you mean 'cashback'?)",
        "c.yaml:8:1: points: unknown key 'points' (did you mean 'points_name'?)",
        "c.yaml:14:3: rules[0]: expected a mapping, got 'just text'",
        'd.yml:1:1: card files must end in .yaml; this one is not read',
        'e.yaml:1:1: expected a mapping, got a list',
        'f.yaml:1:1: the file is empty',
    ],
    "bad_yaml": [
        "c.yaml:15:7: invalid YAML: expected ',' or ']', but got ':'",
        "d.yaml:4:1: invalid YAML: expected <block end>, but found '-'",
    ],
    "cap_unit_mismatch": [
        "c.yaml:16:29: rules[0].cap.unit: a cashback card caps rupees, got 'points'",
        "p.yaml:16:29: rules[0].cap.unit: a points card caps points, got 'rupees'",
    ],
    "cap_without_period": [
        "c.yaml:16:8: rules[0].cap: missing key 'period'",
    ],
    "double_coverage": [
        "c.yaml:17:24: rules[1].categories[1]: 'flipkart' is also covered by rules[0]",
        "c.yaml:24:15: rules[3].categories: 'rest' is also used by rules[2]",
    ],
    "double_coverage_by_assumption": [
        "c.yaml:18:16: rules[1].categories[0]: 'amazon' is also covered by rules[0] (both apply when amazon_prime=true)",
    ],
    "double_coverage_by_date": [
        "c.yaml:18:15: rules[1].categories: 'rest' is also used by rules[0] (both apply on 2026-06-20)",
    ],
    "duplicate_card_id": [
        "b.yaml:1:5: id: 'a' must equal the file name 'b'",
        "b.yaml:1:5: id: card id 'a' is also used by <dir>/a.yaml",
    ],
    "duplicate_category": [
        "c.yaml:14:34: rules[0].categories[2]: duplicate category 'amazon'",
    ],
    "duplicate_key": [
        "c.yaml:16:3: rules[0].rate: duplicate key 'rate'",
    ],
    "fee_waivers": [
        'c.yaml:8:28: fees.annual: must not be negative, got -500',
        'c.yaml:18:12: rules[1].percent: a percent must be between 0 and 100, got 150',
        'c.yaml:23:17: rules[3].annual_spend: threshold 90000 is also used by rules[2]',
        'c.yaml:25:3: rules[4]: joining_fee_waiver needs a joining fee above 0 (fees.joining is 0)',
        'c.yaml:27:16: rules[4].within_days: must be more than 0',
    ],
    "id_mismatch": [
        "bad-name.yaml:1:5: id: card ids use lowercase letters, digits and _, got 'Bad-Name'",
        "my_card.yaml:1:5: id: 'my_card_v2' must equal the file name 'my_card'",
    ],
    "joining_waiver_no_fee": [
        'c.yaml:13:3: rules[0]: joining_fee_waiver needs a joining fee above 0 (fees.joining is 0)',
    ],
    "missing_key": [
        "c.yaml:13:3: rules[0]: missing key 'rate'",
        "c.yaml:15:3: rules[1]: missing keys 'period', 'unit'",
        'c.yaml:16:10: rules[1].spend: must be more than 0',
        "c.yaml:18:3: rules[2]: missing key 'amount'",
        'c.yaml:22:9: rules[3].rate: use either percent or points with per, not both',
        "c.yaml:25:9: rules[4].rate: missing key 'per'",
    ],
    "missing_source": [
        "c.yaml:1:1: missing key 'source'",
        "d.yaml:6:3: source: missing key 'checked'",
        "d.yaml:6:8: source.url: expected a web address (https://...), got 'example.com/card'",
    ],
    "negative_rate": [
        'c.yaml:15:19: rules[0].rate.percent: must not be negative, got -5',
    ],
    "overlapping_tiers": [
        'c.yaml:17:14: rules[0].tiers[1].from: overlaps the previous band, which ends at 5000',
    ],
    "redemption_gap": [
        'c.yaml:10:3: redemption: no option applies when amazon_prime=false',
    ],
    "rest_only_primary": [
        "c.yaml:14:15: rules[0].categories: 'rest' is allowed only on flat and tiered rules; list the categories",
        "c.yaml:21:15: rules[1].categories: 'rest' is allowed only on flat and tiered rules; list the categories",
    ],
    "tier_bounds": [
        "c.yaml:16:7: rules[0].tiers[0]: only the last band may leave out 'to'",
        "c.yaml:17:21: rules[0].tiers[1].to: 'to' (0) must be more than 'from' (0)",
        "c.yaml:17:21: rules[0].tiers[1].to: the last band must be open: leave out 'to'",
    ],
    "tier_gap": [
        'c.yaml:16:14: rules[0].tiers[0].from: the first band must start at 0, got 1000',
        'c.yaml:17:14: rules[0].tiers[1].from: gap: the previous band ends at 5000, this one starts at 6000',
    ],
    "unknown_assumption": [
        "c.yaml:16:10: rules[0].when.amazon_prme: unknown assumption 'amazon_prme' (did you mean 'amazon_prime'?)",
        "c.yaml:20:24: rules[1].when.amazon_prime: expected true or false, got 'maybe'",
    ],
    "unknown_category": [
        "c.yaml:14:16: rules[0].categories[0]: unknown category 'amazn' (did you mean 'amazon'?)",
        "c.yaml:14:23: rules[0].categories[1]: unknown category 'groceries' (did you mean 'grocery'?)",
        "c.yaml:14:34: rules[0].categories[2]: 'rest' stands alone: write 'categories: rest'",
    ],
    "unknown_key": [
        "c.yaml:16:3: rules[0].cpa: unknown key 'cpa' (did you mean 'cap'?)",
    ],
    "unknown_kind": [
        "c.yaml:13:9: rules[0].kind: unknown rule kind 'flatt' (did you mean 'flat'?)",
    ],
    "unknown_pool": [
        "c.yaml:18:15: rules[0].cap.pool: unknown cap 'partner_pol' (did you mean 'partner_pool'?)",
        'c.yaml:22:29: rules[1].cap.amount: a cap naming a pool takes no other keys',
    ],
    "unused_pool": [
        'c.yaml:9:3: caps.partner_pool: declared but no rule uses it',
        "c.yaml:9:63: caps.partner_pool.scope: a named cap is always shared by the rules naming it; remove 'scope'",
        'c.yaml:10:3: caps.spare: declared but no rule uses it',
    ],
    "valid_from_after_until": [
        'c.yaml:8:13: valid_from: 2026-06-01 is after valid_until 2026-01-01',
    ],
    "wrong_kind_keys": [
        "c.yaml:15:11: rules[0].period: unknown period 'quartr' (did you mean 'quarter'?)",
        "c.yaml:17:9: rules[0].unit: unknown unit 'rupee' (did you mean 'rupees'?)",
        "c.yaml:18:3: rules[0].cap: 'cap' does not apply to a milestone rule",
    ],
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_fixture(in_tests, case):
    folder = f"fixtures/invalid/{case}"
    with pytest.raises(RulesInvalid) as raised:
        load_catalog(Path(folder))
    lines = [f"{folder}/" + line.replace("<dir>", folder) for line in INVALID[case]]
    count = len(lines)
    lines.append(f"{count} error{'s' if count != 1 else ''} in the card rules")
    assert str(raised.value) == "\n".join(lines)


def test_every_invalid_fixture_is_listed():
    assert sorted(p.name for p in (TESTS / "fixtures/invalid").iterdir()) == sorted(INVALID)


def test_all_problems_in_all_files_are_reported_at_once(tmp_path, monkeypatch):
    shutil.copytree(TESTS / "fixtures/valid", tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    edit(Path("rules/_catalog.yaml"), "default: false", "default: maybe")
    edit(Path("rules/shop_cashback.yaml"), "period: quarter}", "period: quartr}")
    edit(Path("rules/shop_cashback.yaml"), "percent: 50", "percent: 500")
    edit(Path("rules/travel_points.yaml"), "{from: 150000,", "{from: 160000,")
    with pytest.raises(RulesInvalid) as raised:
        load_catalog(Path("rules"))
    assert str(raised.value).splitlines() == [
        "rules/_catalog.yaml:17:14: assumptions.four_swipes.default: expected true or false, got 'maybe'",
        "rules/shop_cashback.yaml:18:54: caps.partner_pool.period: unknown period 'quartr' (did you mean 'quarter'?)",
        "rules/shop_cashback.yaml:49:14: rules[7].percent: a percent must be between 0 and 100, got 500",
        "rules/travel_points.yaml:28:16: rules[0].tiers[1].from: gap: the previous band ends at 150000, this one starts at 160000",
        "4 errors in the card rules",
    ]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_numbers_keep_their_source_text(tmp_path, monkeypatch):
    shutil.copytree(TESTS / "fixtures/valid", tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    edit(Path("rules/shop_cashback.yaml"), "annual_spend: 350000", "annual_spend: 3_50_000")
    edit(Path("rules/shop_cashback.yaml"), "{percent: 7.5}", "{percent: 0.1}")
    shop = next(c for c in load_catalog(Path("rules")).cards if c.id == "shop_cashback")
    assert shop.rules[6].annual_spend == D(350000)
    assert shop.rules[2].rate.percent == D("0.1") and shop.rules[2].rate.per_rupee == D("0.001")


def test_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(CgError) as raised:
        load_catalog(tmp_path / "nowhere")
    assert not isinstance(raised.value, RulesInvalid)
    assert str(raised.value).endswith("nowhere: no such folder")


def test_missing_catalog_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("rules").mkdir()
    with pytest.raises(RulesInvalid) as raised:
        load_catalog(Path("rules"))
    assert str(raised.value).splitlines()[0] == (
        "rules/_catalog.yaml:1:1: missing: the rules folder needs _catalog.yaml (as_of, categories, assumptions)"
    )


@given(st.integers(0, 10**6), st.integers(1, 10**6), st.integers(0, 4))
def test_rate_rounding_matches_decimal_half_up(points, per, places):
    """Against Decimal at ample precision: exact quotient, then half-up to RATE_PLACES."""
    n = Decimal(points).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = 80
        expected = (n / Decimal(per)).quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP)
    assert rate_per_rupee(n, Decimal(per)) == expected
