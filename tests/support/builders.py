"""Build model dataclasses directly, without YAML, for tests.

Rules are plain dicts shaped like the YAML in docs/rules.md, so a test reads
like the card file it stands for:

    card(rules=[{"kind": "flat", "categories": ["flipkart"], "rate": {"percent": 5},
                 "cap": {"amount": 4000, "period": "quarter"}}],
         joining=500, annual=500)

Numbers may be int, str, float or Decimal (floats go through str()).  Dates
may be date objects or 'YYYY-MM-DD'.  Rates are rounded exactly as the loader
does (docs/rules.md, rounding step 1), and a milestone without categories
counts all six, as the loader fills it in.  Nothing here validates: a test can
build a card the loader would refuse, on purpose.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cgcompile.evaluate import user_spend
from cgcompile.loader import rate_per_rupee
from cgcompile.model import (
    CATEGORIES,
    Assumption,
    Cap,
    Card,
    Catalog,
    Condition,
    PerOrder,
    Pos,
    Rate,
    Redemption,
    Rule,
    Source,
    Tier,
)

FILE = "card_rules/test.yaml"
AS_OF = dt.date(2026, 11, 23)
LABELS = {
    "amazon": "Amazon",
    "flipkart": "Flipkart",
    "myntra": "Myntra",
    "ajio": "Ajio",
    "grocery": "grocery",
    "other_online": "other online shopping",
}


def D(x) -> Decimal | None:
    if x is None or isinstance(x, Decimal):
        return x
    return Decimal(str(x))


def date(x) -> dt.date | None:
    if x is None or isinstance(x, dt.date):
        return x
    return dt.date.fromisoformat(x)


def pos(line: int = 1, col: int = 1, file: str = FILE) -> Pos:
    return Pos(file, line, col)


def rate(spec) -> Rate:
    """{'percent': 5} or {'points': 4, 'per': 150, 'full_blocks': True}; a Rate passes through."""
    if isinstance(spec, Rate):
        return spec
    if "percent" in spec:
        p = D(spec["percent"])
        return Rate(per_rupee=p.scaleb(-2), percent=p)
    n, m = D(spec["points"]), D(spec["per"])
    return Rate(per_rupee=rate_per_rupee(n, m), points=n, per=m, full_blocks=spec.get("full_blocks", False))


def cap(spec, caps: dict[str, Cap] | None = None) -> Cap | None:
    """{'amount': 4000, 'unit': 'rupees', 'period': 'quarter', 'scope': 'each'} or {'pool': name}.

    A pool reference copies the named cap (from `caps`) and records the name,
    which is all resolve() looks at.
    """
    if spec is None or isinstance(spec, Cap):
        return spec
    if "pool" in spec:
        named = (caps or {}).get(spec["pool"])
        base = named or Cap(amount=Decimal(0), unit="rupees", period="month", scope="pooled", pool=None, pos=pos())
        return Cap(amount=base.amount, unit=base.unit, period=base.period, scope="pooled", pool=spec["pool"], pos=pos(), within=base.within)
    return Cap(
        amount=D(spec["amount"]),
        unit=spec.get("unit", "rupees"),
        period=spec.get("period", "month"),
        scope=spec.get("scope", "pooled"),
        pool=None,
        pos=pos(),
        within=spec.get("within"),
    )


def when(spec) -> tuple[Condition, ...]:
    return tuple(Condition(assumption=k, value=bool(v), pos=pos()) for k, v in (spec or {}).items())


def tier(spec) -> Tier:
    """{'from': 0, 'to': 5000, 'rate': {...}}; no 'to' (or None) means open."""
    return Tier(start=D(spec["from"]), end=D(spec.get("to")), rate=rate(spec["rate"]), pos=pos())


def rule(spec: dict, index: int = 0, caps: dict[str, Cap] | None = None, file: str = FILE) -> Rule:
    """A Rule from a dict with the YAML's keys ('categories': 'rest' or a list)."""
    cats = spec.get("categories", ())
    rest = cats == "rest"
    if spec["kind"] == "milestone" and not cats:
        cats = CATEGORIES
    return Rule(
        kind=spec["kind"],
        index=index,
        pos=pos(10 + index, 1, file),
        categories=() if rest else tuple(cats or ()),
        rest=rest,
        rate=rate(spec["rate"]) if "rate" in spec else None,
        tiers=tuple(tier(t) for t in spec.get("tiers", ())),
        cap=cap(spec.get("cap"), caps),
        spend=D(spec.get("spend")),
        period=spec.get("period"),
        repeat=spec.get("repeat", True),
        amount=D(spec.get("amount")),
        unit=spec.get("unit", "rupees" if spec["kind"] in ("milestone", "welcome") else None),
        annual_spend=D(spec.get("annual_spend")),
        percent=D(spec.get("percent")),
        within_days=spec.get("within_days"),
        description=spec.get("description", ""),
        when=when(spec.get("when")),
        valid_from=date(spec.get("valid_from")),
        valid_until=date(spec.get("valid_until")),
        per_order=per_order(spec.get("per_order")),
        share=spec.get("share"),
    )


def per_order(spec) -> PerOrder | None:
    """{'cap': 750, 'minimum': 500} (either may be left out)."""
    if spec is None:
        return None
    return PerOrder(cap=D(spec.get("cap")), minimum=D(spec.get("minimum")), pos=pos())


TRAVEL = ("travel", "transfer")


def redemption(spec) -> Redemption:
    """{'method': 'Vouchers', 'rupees_per_point': 0.25, 'when': {...}, 'max_share': 50, ...}.

    A travel or transfer option gets when: travel_redemption, as the loader adds it."""
    if isinstance(spec, Redemption):
        return spec
    conditions = dict(spec.get("when") or {})
    if spec.get("type") in TRAVEL:
        conditions.setdefault("travel_redemption", True)
    return Redemption(
        method=spec["method"],
        rupees_per_point=D(spec["rupees_per_point"]),
        pos=pos(),
        note=spec.get("note", ""),
        when=when(conditions),
        type=spec.get("type"),
        max_share=D(spec.get("max_share")),
        max_points=D(spec.get("max_points")),
        min_points=D(spec.get("min_points")),
        valid_from=date(spec.get("valid_from")),
        valid_until=date(spec.get("valid_until")),
    )


def card(
    id: str = "test_card",
    rules: list[dict] = (),
    *,
    name: str | None = None,
    bank: str = "Test Bank",
    reward: str = "cashback",
    points_name: str | None = None,
    joining=0,
    annual=0,
    redemption_options: list[dict] | None = None,
    caps: dict[str, dict] | None = None,
    valid_from=None,
    valid_until=None,
) -> Card:
    """A card; by default cashback at ₹1 per unit with no fees."""
    if redemption_options is None:
        redemption_options = [{"method": "Cashback", "rupees_per_point": 1}]
    named = {k: cap(v) for k, v in (caps or {}).items()}
    return Card(
        id=id,
        name=name or id.replace("_", " ").title() + " Credit Card",
        bank=bank,
        reward=reward,
        points_name=points_name or ("cashback" if reward == "cashback" else "points"),
        joining_fee=D(joining),
        annual_fee=D(annual),
        source=Source(url="https://example.invalid/" + id, checked=AS_OF),
        redemption=tuple(redemption(r) for r in redemption_options),
        rules=tuple(rule(r, i, named, f"card_rules/{id}.yaml") for i, r in enumerate(rules)),
        file=f"card_rules/{id}.yaml",
        pos=pos(1, 1, f"card_rules/{id}.yaml"),
        valid_from=date(valid_from),
        valid_until=date(valid_until),
        caps=tuple(named.items()),
    )


# The catalog's figures by default: average order values and one partner share.
ORDER_VALUES = {"amazon": 1200, "flipkart": 1500, "myntra": 1800, "ajio": 1600, "grocery": 700, "other_online": 950}
SHARES = {"instamart_share": ("grocery", 25)}


def catalog(
    *cards: Card,
    as_of=AS_OF,
    assumptions: dict[str, bool] | None = None,
    labels=None,
    horizon: str = "first_year",
    gst_percent=18,
    order_values: dict | None = None,
    shares: dict | None = None,
) -> Catalog:
    """A catalog; by default the yes/no assumptions amazon_prime (true) and
    travel_redemption (false), ORDER_VALUES and SHARES."""
    if assumptions is None:
        assumptions = {"amazon_prime": True, "travel_redemption": False}
    at = pos(1, 1, "card_rules/_catalog.yaml")
    declared = [Assumption(name=k, description=k.replace("_", " "), default=v, pos=at) for k, v in assumptions.items()]
    for c, v in (ORDER_VALUES if order_values is None else order_values).items():
        declared.append(Assumption(name="avg_order_value." + c, description="average order value", default=D(v), pos=at, unit="rupees"))
    for name, (category, percent) in (SHARES if shares is None else shares).items():
        declared.append(Assumption(name=name, description=name, default=D(percent), pos=at, unit="percent", category=category))
    return Catalog(
        as_of=date(as_of),
        assumptions=tuple(declared),
        cards=tuple(cards),
        category_labels=tuple((labels or LABELS).items()),
        horizon=horizon,
        gst_percent=D(gst_percent),
    )


def spend(amazon=None, flipkart=None, myntra=None, ajio=None, grocery=None, confirmed=None, other_online=None):
    """A UserSpend.  Give `confirmed` as the table has it, or `other_online` and let
    confirmed be the named sum plus it; with neither, other_online is 0."""
    if confirmed is None:
        named = sum((D(x) or 0 for x in (amazon, flipkart, myntra, ajio, grocery)), Decimal(0))
        confirmed = named + (D(other_online) or 0)
    elif other_online is not None:
        raise TypeError("give confirmed or other_online, not both")
    return user_spend(amazon, flipkart, myntra, ajio, grocery, confirmed)
