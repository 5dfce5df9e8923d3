"""The fixed test catalog: every rule kind and construct, with odd constants.

The golden SQL under tests/golden/ is this catalog compiled; the DuckDB and
MariaDB compiler tests run it against the reference evaluator, and the fast
path is checked on it.
"""
from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from cgcompile.compiler import compile_catalog, settings_for
from cgcompile.evaluate import evaluate
from cgcompile.resolve import resolve_catalog

from .builders import card, catalog, spend
from .fakedbt import want_figures

CARDS = (
    # docs/rules.md's card file: quarterly caps, `rest`, a fee waiver.
    card(
        "flipkart_axis",
        name="Flipkart Axis Bank Credit Card",
        bank="Axis Bank",
        joining=500,
        annual=500,
        rules=[
            {"kind": "flat", "categories": ["flipkart"], "rate": {"percent": 5}, "cap": {"amount": 4000, "period": "quarter"}},
            {"kind": "flat", "categories": ["myntra"], "rate": {"percent": 7.5}, "cap": {"amount": 4000, "period": "quarter"}},
            {"kind": "flat", "categories": "rest", "rate": {"percent": 1}},
            {"kind": "fee_waiver", "annual_spend": 350000, "percent": 100},
        ],
    ),
    # Tiers across categories with a pooled points cap, points rate rounding,
    # the best of two redemption options, milestones, welcome points, waivers.
    card(
        "tiered_points",
        name="Tiered Points Card",
        bank="Bank of O'Brien \\ Sons",  # quotes and a backslash survive both dialects
        reward="points",
        joining=2500,
        annual=4500,
        redemption_options=[
            {"method": "Vouchers", "rupees_per_point": 0.3},
            {"method": "Flights", "rupees_per_point": 0.5},
        ],
        rules=[
            {
                "kind": "tiered",
                "categories": ["amazon", "flipkart", "grocery"],
                "tiers": [
                    {"from": 0, "to": 5000, "rate": {"points": 4, "per": 150}},
                    {"from": 5000, "to": 40000, "rate": {"points": 10, "per": 150}},
                    {"from": 40000, "rate": {"points": 7, "per": 100}},
                ],
                "cap": {"amount": 4000, "unit": "points", "period": "month"},
            },
            {"kind": "flat", "categories": "rest", "rate": {"points": 2, "per": 150}},
            {"kind": "bonus", "categories": ["myntra", "ajio"], "rate": {"points": 16, "per": 150}, "cap": {"amount": 500.001, "unit": "points", "period": "month", "scope": "each"}},
            {"kind": "milestone", "spend": 100000, "period": "quarter", "repeat": True, "amount": 1000, "unit": "rupees"},
            {"kind": "milestone", "spend": 20000, "period": "month", "repeat": False, "amount": 2500, "unit": "points", "categories": ["amazon", "flipkart"]},
            {"kind": "welcome", "amount": 1333, "unit": "points"},
            {"kind": "fee_waiver", "annual_spend": 90000, "percent": 50},
            {"kind": "fee_waiver", "annual_spend": 150000, "percent": 100},
            {"kind": "joining_fee_waiver", "spend": 10000, "within_days": 45},
            {"kind": "joining_fee_waiver", "spend": 50000, "within_days": 90},
        ],
    ),
    # Conditional rules and a named pool shared by two rules, filled in rule order.
    card(
        "amazon_pay",
        name="Amazon Pay ICICI Credit Card",
        bank="ICICI Bank",
        caps={"partner_pool": {"amount": 1500.005, "unit": "rupees", "period": "month"}},
        rules=[
            {"kind": "flat", "categories": ["amazon"], "rate": {"percent": 5}, "when": {"amazon_prime": True}, "cap": {"pool": "partner_pool"}},
            {"kind": "flat", "categories": ["amazon"], "rate": {"percent": 3}, "when": {"amazon_prime": False}, "cap": {"pool": "partner_pool"}},
            {"kind": "flat", "categories": ["flipkart", "myntra"], "rate": {"percent": 2}, "cap": {"pool": "partner_pool"}},
            {"kind": "flat", "categories": "rest", "rate": {"percent": 1}},
            {"kind": "welcome", "amount": 500, "unit": "rupees", "when": {"amazon_prime": True}},
        ],
    ),
    # A pooled yearly cap with an odd amount, and rules that expired or start later.
    card(
        "pooled_yearly",
        name="Pooled Yearly Card",
        bank="Test Bank",
        joining=999,
        annual=999,
        rules=[
            {"kind": "flat", "categories": ["amazon", "flipkart", "myntra"], "rate": {"points": 1, "per": 30}, "cap": {"amount": 12345.67, "period": "year"}},
            {"kind": "flat", "categories": ["grocery"], "rate": {"percent": 10}, "valid_until": "2025-12-31"},
            {"kind": "flat", "categories": ["grocery"], "rate": {"percent": 4}, "valid_from": "2026-01-01"},
            {"kind": "flat", "categories": ["ajio"], "rate": {"percent": 20}, "valid_from": "2027-01-01"},
            {"kind": "joining_fee_waiver", "spend": 30000, "within_days": 30},
        ],
    ),
    # Caps inside caps, per-order terms, a partner share split off grocery (its
    # rest on a tiered line), redemption limits with a travel option, a welcome
    # benefit on early spend, points benefits redeemed with the balance.
    card(
        "shop_partner",
        name="Shop Partner Card",
        reward="points",
        joining=499,
        annual=999,
        caps={
            "overall": {"amount": 4000, "unit": "points", "period": "month"},
            "online": {"amount": 2000, "unit": "points", "period": "month", "within": "overall"},
        },
        redemption_options=[
            {"method": "Statement credit", "rupees_per_point": 0.25, "type": "statement_credit", "max_share": 50},
            {"method": "Miles transfer", "rupees_per_point": 0.75, "type": "transfer", "max_points": 30000},
            {"method": "Vouchers", "rupees_per_point": 0.2, "type": "vouchers", "min_points": 1000.5},
            {"method": "Catalogue", "rupees_per_point": 0.15, "type": "catalogue"},
        ],
        rules=[
            {"kind": "flat", "categories": ["amazon", "flipkart"], "rate": {"points": 10, "per": 150, "full_blocks": True}, "cap": {"pool": "online"}},
            {"kind": "flat", "categories": ["myntra"], "rate": {"points": 20, "per": 100}, "per_order": {"cap": 150, "minimum": 500}, "cap": {"pool": "online"}},
            {"kind": "flat", "categories": ["grocery"], "share": "instamart_share", "rate": {"points": 10, "per": 100},
             "cap": {"amount": 1500, "unit": "points", "period": "month", "within": "overall"}},
            {"kind": "bonus", "categories": ["grocery"], "share": "instamart_share", "rate": {"points": 2, "per": 100}},
            {"kind": "tiered", "categories": "rest", "tiers": [
                {"from": 0, "to": 10000, "rate": {"points": 2, "per": 150}},
                {"from": 10000, "rate": {"points": 3, "per": 150}}], "cap": {"pool": "overall"}},
            {"kind": "welcome", "amount": 2000, "unit": "points", "spend": 15000, "within_days": 90},
            {"kind": "welcome", "amount": 300, "unit": "rupees"},
            {"kind": "milestone", "spend": 50000, "period": "month", "amount": 500, "unit": "points"},
            {"kind": "fee_waiver", "annual_spend": 200000, "percent": 100},
        ],
    ),
    # A cashback card with a partner share, a per-order cap and a limited statement credit.
    card(
        "cashback_partner",
        name="Cashback Partner Card",
        joining=250,
        annual=250,
        redemption_options=[
            {"method": "Statement credit", "rupees_per_point": 1, "max_points": 2000},
            {"method": "Vouchers", "rupees_per_point": 0.8},
        ],
        rules=[
            {"kind": "flat", "categories": ["grocery"], "share": "instamart_share", "rate": {"percent": 10}, "cap": {"amount": 500, "period": "month"}},
            {"kind": "flat", "categories": ["myntra"], "rate": {"percent": 10}, "per_order": {"cap": 120}},
            {"kind": "flat", "categories": "rest", "rate": {"percent": 1}},
            {"kind": "joining_fee_waiver", "spend": 5000, "within_days": 30},
        ],
    ),
    # Nothing but benefits: every category earns 0.
    card("benefits_only", name="Lounge Card", bank="Test Bank", joining=0, annual=0, rules=[{"kind": "welcome", "amount": 250.5, "unit": "rupees"}]),
    # Not offered on the as-of date: absent from every model.
    card("retired_card", valid_until="2024-01-01", rules=[{"kind": "flat", "categories": "rest", "rate": {"percent": 50}}]),
)

CATALOG = catalog(*CARDS)
RULES_DIR = Path("card_rules")


def settings(as_of=None, horizon=None, **assume):
    return settings_for(CATALOG, RULES_DIR, as_of, assume, horizon)


def compiled(as_of=None, horizon=None, **assume) -> dict[str, str]:
    return compile_catalog(CATALOG, settings(as_of, horizon, **assume))


def sample_users(n: int = 400, seed: int = 20261123) -> list[tuple[str, dict]]:
    """Spend rows that hit every threshold, band edge and cap from both sides."""
    rng = random.Random(seed)
    # Largest per category: six of them stay within model.MAX_MONTHLY_SPEND, the
    # most a user may spend and still be ranked (and past the 64-bit fast path).
    edges = [0, 0.01, 1, 99.99, 9999999.99, 10000000, 100000000, 166666666.66, 1000, 4999.99, 5000, 5000.01, 6666.67, 8000, 10000, 15000, 20000, 30000, 33333.33, 35000, 40000, 40000.01, 75000, 250000, 1234567.89]
    cats = ("amazon", "flipkart", "myntra", "ajio", "grocery", "other_online")
    users = [("u_zero", {c: Decimal(0) for c in cats})]
    users.append(("u_docs_1", {**{c: Decimal(0) for c in cats}, "flipkart": Decimal(30000)}))
    users.append(("u_docs_4", {**{c: Decimal(0) for c in cats}, "amazon": Decimal(15000), "flipkart": Decimal(6000), "myntra": Decimal(2000)}))
    for i in range(n):
        row = {}
        for c in cats:
            r = rng.random()
            if r < 0.3:
                v = Decimal(0)
            elif r < 0.6:
                v = Decimal(str(rng.choice(edges)))
            else:
                v = Decimal(rng.randint(0, 6000000)) / 100
            row[c] = v
        users.append(("u" + str(i).zfill(4), row))
    return users


def expected(users, horizon=None, **assume) -> dict:
    """The evaluator's figures for every (user, card valid on the date), as savings_query gives them."""
    out = {}
    for rc in resolve_catalog(CATALOG, None, {**CATALOG.defaults(), **assume}, horizon):
        for uid, row in users:
            out[(uid, rc.id)] = want_figures(evaluate(rc, spend(**row)))
    return out
