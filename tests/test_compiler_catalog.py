"""The compiler's structure: dispatch, naming, determinism, refusals (on the
fixed test catalog of support/catalog.py)."""
from __future__ import annotations

import datetime as dt

import pytest
from support.builders import card, catalog
from support.catalog import CATALOG, RULES_DIR, compiled

from cgcompile.compiler import compile_catalog, models, settings_for
from cgcompile.errors import CgError
from cgcompile.resolve import resolve_catalog


def test_catalog_compiles_every_valid_card_in_id_order():
    cards = resolve_catalog(CATALOG)
    assert [c.id for c in cards] == [
        "amazon_pay", "benefits_only", "cashback_partner", "flipkart_axis", "pooled_yearly", "shop_partner", "tiered_points",
    ]
    files = compiled()
    assert [p for p in files if p.startswith("macros/generated/cards/")] == [
        "macros/generated/cards/int_card_savings__" + c.id + ".sql" for c in cards
    ]
    assert "retired_card" not in "".join(files.values())
    union = files["macros/generated/card_savings.sql"]
    assert union.count("UNION ALL") == len(cards) - 1  # one body: the dialects agree


def test_output_is_deterministic():
    assert compiled() == compiled()


def test_assumptions_and_date_change_the_output_and_header():
    base = compiled()
    other = compiled(amazon_prime=False)
    assert "amazon_prime=true" in base["models/generated/int_card_savings.sql"].splitlines()[0]
    assert "amazon_prime=false" in other["models/generated/int_card_savings.sql"].splitlines()[0]
    assert base["macros/generated/rules_version.sql"] != other["macros/generated/rules_version.sql"]
    later = compiled(as_of=dt.date(2027, 6, 1))
    path = "macros/generated/cards/int_card_savings__pooled_yearly.sql"
    assert "as of 2027-06-01" in later[path].splitlines()[0]
    # the ajio rule valid from 2027 now earns 20%
    assert "ajio * 0.2" in later[path]
    assert "ajio * 0.2" not in base[path]


def test_unknown_rule_kind_is_an_explicit_error():
    weird = card("weird", rules=[{"kind": "flat", "categories": "rest", "rate": {"percent": 1}}, {"kind": "lottery", "amount": 5}])
    cat = catalog(weird)
    with pytest.raises(CgError, match=r"card_rules/weird.yaml:11:1: rules\[1\]: .*no emitter for kind 'lottery'"):
        compile_catalog(cat, settings_for(cat, RULES_DIR, None, {}))


def test_jinja_delimiters_in_card_text_are_refused():
    sneaky = card("sneaky", name="Card {{ run_query('drop table x') }}", rules=[])
    cat = catalog(sneaky)
    with pytest.raises(CgError, match=r"card_rules/sneaky.yaml:1:1: name: contains a Jinja delimiter"):
        compile_catalog(cat, settings_for(cat, RULES_DIR, None, {}))


def test_long_card_ids_get_short_model_names():
    name = models.card_model("a" * 80)
    assert len("__dbt__cte__" + name) <= 64  # MySQL's identifier limit, for dbt's CTE name
    assert name != models.card_model("a" * 81)
    assert models.card_model("flipkart_axis") == "int_card_savings__flipkart_axis"


def test_lanes_and_documentation_do_not_change_the_rules_version():
    base = compiled()
    other = compile_catalog(CATALOG, settings_for(CATALOG, RULES_DIR, None, {}, None, lanes=3))
    assert sorted(p for p in other if "/lanes/" in p)[-1] == "models/generated/lanes/int_top_cards_lane_3.sql"
    assert other["macros/generated/rules_version.sql"] == base["macros/generated/rules_version.sql"]


def test_every_computed_column_names_its_rule():
    text = compiled()["macros/generated/cards/int_card_savings__tiered_points.sql"]
    assert "AS amazon_r0, /* card_rules/tiered_points.yaml:10 rules[0] tiered */" in text
    assert "AS myntra_r2, /* card_rules/tiered_points.yaml:12 rules[2] bonus */" in text


def test_redemption_rate_is_the_best_option_that_applies():
    c = card(
        "conditional_redemption",
        reward="points",
        redemption_options=[
            {"method": "Vouchers", "rupees_per_point": 0.25},
            {"method": "Prime flights", "rupees_per_point": 0.75, "when": {"amazon_prime": True}},
        ],
        rules=[{"kind": "flat", "categories": "rest", "rate": {"points": 1, "per": 100}}],
    )
    cat = catalog(c)
    for prime, method, rate in ((True, "Prime flights", "0.75"), (False, "Vouchers", "0.25")):
        files = compile_catalog(cat, settings_for(cat, RULES_DIR, None, {"amazon_prime": prime}))
        params = files["seeds/generated/int_card_params.csv"].splitlines()
        assert params[1].endswith("," + method + "," + rate + "00,points")
        savings = files["macros/generated/cards/int_card_savings__conditional_redemption.sql"]
        assert "AS DECIMAL(18, 2)) * " + rate + ",\n" in savings  # total units × the chosen rate
