"""The reference evaluator: one user's spend against resolved cards, in Decimal.

This is docs/rules.md turned into Python line by line, and nothing more: the
compiled SQL must agree with it to the paisa (`cgcompile verify`), so every
rounding step here is one the doc names, and none is added.  Explanations are
worded in explain.py from the figures computed here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from . import explain
from .errors import CgError
from .model import CATEGORIES, CONFIRMED_COLUMN, MAX_MONTHLY_SPEND, PERIOD_MONTHS, SPEND_COLUMNS, Catalog, Rule, Tier
from .resolve import EarnPart, ResolvedCard, resolve_catalog

# Ample precision: spend × a 10-place rate × 12 never comes near 60 digits, so
# the only roundings are the explicit quantize calls below.
CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)
CENT = Decimal("0.01")
RATE_QUANTUM = Decimal("0.0001")  # redemption_rate is DECIMAL(5,4) in the PRD
ZERO = Decimal(0)
NAMED = CATEGORIES[:-1]  # the five categories read from the input table


class InvalidSpend(CgError):
    """A spend figure that cannot be used (negative or not a number)."""


def round2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP, context=CONTEXT)


@dataclass(frozen=True)
class UserSpend:
    """Average monthly spend per category, 2 places, never negative."""

    amazon: Decimal
    flipkart: Decimal
    myntra: Decimal
    ajio: Decimal
    grocery: Decimal
    other_online: Decimal
    confirmed: Decimal

    def of(self, category: str) -> Decimal:
        return getattr(self, category)

    @property
    def total(self) -> Decimal:
        """T: the sum of the six categories (which may exceed `confirmed`)."""
        return sum((self.of(c) for c in CATEGORIES), ZERO)


def _amount(column: str, value) -> Decimal:
    if value is None:
        return round2(ZERO)
    try:
        # str() first so a float such as 0.1 means 0.1, not its binary expansion.
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidSpend(f"{column} is not a number ({value!r})") from None
    if not d.is_finite():
        raise InvalidSpend(f"{column} is not a finite number ({value!r})")
    if d < 0:
        shown = round2(d) if round2(d) < 0 else d
        raise InvalidSpend(f"{column} is negative ({shown})")
    return round2(d)


def user_spend(amazon=None, flipkart=None, myntra=None, ajio=None, grocery=None, confirmed=None) -> UserSpend:
    """Build a UserSpend from one row of user_spending_data (NULL counts as 0)."""
    given = {"amazon": amazon, "flipkart": flipkart, "myntra": myntra, "ajio": ajio, "grocery": grocery}
    named = {c: _amount(SPEND_COLUMNS[c], given[c]) for c in NAMED}
    total_confirmed = _amount(CONFIRMED_COLUMN, confirmed)
    other = round2(max(total_confirmed - sum(named.values(), ZERO), ZERO))
    spend = UserSpend(**named, other_online=other, confirmed=total_confirmed)
    if spend.total > MAX_MONTHLY_SPEND:
        raise InvalidSpend(f"total monthly spend {spend.total} is above {MAX_MONTHLY_SPEND}")
    return spend


@dataclass(frozen=True)
class PartFigures:
    """One EarnPart's units: monthly (rounded, before caps), yearly, and after caps."""

    part: EarnPart
    spend: Decimal  # the category's monthly spend
    monthly: Decimal
    yearly: Decimal  # 12 × monthly
    earned: Decimal  # yearly units after the part's pool, if any
    bands: tuple[tuple[Tier, Decimal], ...]  # tiered: (tier, overlapping spend) with overlap > 0

    @property
    def capped(self) -> bool:
        return self.earned < self.yearly


@dataclass(frozen=True)
class BenefitFigures:
    """One extra-benefit rule and what it is worth this year (exact, in rupees)."""

    rule: Rule
    reached: bool
    value: Decimal
    base: Decimal  # the spend compared with the threshold (per period / per year / in the window)
    counted: bool  # reached and the one that pays (the best fee waiver, the first joining waiver met)


@dataclass(frozen=True)
class Figures:
    """Everything computed for one card and one user, before formatting."""

    resolved: ResolvedCard
    spend: UserSpend
    parts: tuple[PartFigures, ...]
    category_yearly: tuple[tuple[str, Decimal], ...]
    benefits: tuple[BenefitFigures, ...]
    rate: Decimal  # rupees per point of the chosen redemption

    def yearly(self, category: str) -> Decimal:
        return dict(self.category_yearly)[category]


@dataclass(frozen=True)
class CardResult:
    """One card's row of card_recommendations, plus why."""

    card_id: str
    card_name: str
    bank: str
    total_savings_yearly: Decimal
    joining_fees: Decimal
    total_extra_benefits: Decimal
    net_savings: Decimal
    amazon_points: Decimal
    flipkart_points: Decimal
    myntra_points: Decimal
    ajio_points: Decimal
    grocery_points: Decimal
    other_online_points: Decimal
    redemption_method: str
    redemption_rate: Decimal
    explanations: tuple[str, ...]

    def points(self, category: str) -> Decimal:
        return getattr(self, f"{category}_points")


def _tier_bands(part: EarnPart, spend: UserSpend) -> tuple[tuple[Tier, Decimal], ...]:
    """The category's stretch [offset, offset + spend) of the rule's combined line, by band."""
    offset = sum((spend.of(c) for c in part.preceding), ZERO)
    lo, hi = offset, offset + spend.of(part.category)
    bands = []
    for tier in part.tiers:
        top = hi if tier.end is None else min(hi, tier.end)
        overlap = top - max(lo, tier.start)
        if overlap > 0:
            bands.append((tier, overlap))
    return tuple(bands)


def _part_monthly(part: EarnPart, spend: UserSpend) -> tuple[Decimal, tuple[tuple[Tier, Decimal], ...]]:
    if part.tiers:
        bands = _tier_bands(part, spend)
        return round2(sum((overlap * tier.rate.per_rupee for tier, overlap in bands), ZERO)), bands
    return round2(spend.of(part.category) * part.rate.per_rupee), ()


def _earn(resolved: ResolvedCard, spend: UserSpend) -> tuple[PartFigures, ...]:
    raw = []
    for part in resolved.earn:
        monthly, bands = _part_monthly(part, spend)
        raw.append((part, monthly, bands))
    earned = [12 * monthly for _, monthly, _ in raw]
    # Each pool is filled in its members' order: a part gets what is left.
    for pool in resolved.pools:
        left = pool.yearly_amount
        for i in pool.members:
            earned[i] = min(earned[i], left)
            left -= earned[i]
    return tuple(
        PartFigures(part=p, spend=spend.of(p.category), monthly=m, yearly=12 * m, earned=e, bands=b)
        for (p, m, b), e in zip(raw, earned)
    )


def _points_value(amount: Decimal, unit: str, rate: Decimal) -> Decimal:
    return amount * rate if unit == "points" else amount


def _milestone(rule: Rule, spend: UserSpend, rate: Decimal) -> BenefitFigures:
    months = PERIOD_MONTHS[rule.period]
    cats = rule.categories or CATEGORIES
    base = sum((spend.of(c) for c in cats), ZERO) * months
    reached = base >= rule.spend
    times = Decimal(12 // months) if rule.repeat else Decimal(1)
    value = _points_value(rule.amount, rule.unit, rate) * times if reached else ZERO
    return BenefitFigures(rule=rule, reached=reached, value=value, base=base, counted=reached)


def _benefits(resolved: ResolvedCard, spend: UserSpend, rate: Decimal) -> tuple[BenefitFigures, ...]:
    card = resolved.card
    total = spend.total
    out = [
        BenefitFigures(rule=r, reached=True, value=_points_value(r.amount, r.unit, rate), base=ZERO, counted=True)
        for r in resolved.welcome
    ]
    out += [_milestone(r, spend, rate) for r in resolved.milestones]
    annual = 12 * total
    reached = [r for r in resolved.fee_waivers if annual >= r.annual_spend]
    # Only the highest percent reached counts; max() keeps the first on a tie.
    best = max(reached, key=lambda r: r.percent, default=None)
    for r in resolved.fee_waivers:
        ok = annual >= r.annual_spend
        value = card.annual_fee * r.percent / 100 if r is best else ZERO
        out.append(BenefitFigures(rule=r, reached=ok, value=value, base=annual, counted=r is best))
    # The joining fee is waived once, however many early-spend offers are met.
    waived = False
    for r in resolved.joining_fee_waivers:
        ok = total * r.within_days >= r.spend * 30
        pays = ok and not waived
        value = card.joining_fee if pays else ZERO
        out.append(BenefitFigures(rule=r, reached=ok, value=value, base=total * r.within_days / 30, counted=pays))
        waived = waived or ok
    return tuple(out)


def compute(resolved: ResolvedCard, spend: UserSpend) -> Figures:
    """The exact figures for one card (docs/rules.md, steps 2–3 and the benefits)."""
    with localcontext(CONTEXT):
        rate = resolved.redemption.rupees_per_point
        parts = _earn(resolved, spend)
        yearly = {c: ZERO for c in CATEGORIES}
        for p in parts:
            yearly[p.part.category] += p.earned
        return Figures(
            resolved=resolved,
            spend=spend,
            parts=parts,
            category_yearly=tuple(yearly.items()),
            benefits=_benefits(resolved, spend, rate),
            rate=rate,
        )


def result(figures: Figures, labels: dict[str, str] | None = None) -> CardResult:
    """The rounded output row (docs/rules.md, steps 4–5) and its explanations."""
    with localcontext(CONTEXT):
        card = figures.resolved.card
        rate = figures.rate
        points = {c: round2(figures.yearly(c) / 12) for c in CATEGORIES}
        total_units = sum((y for _, y in figures.category_yearly), ZERO)
        savings = round2(total_units * rate)
        extra = round2(sum((b.value for b in figures.benefits), ZERO))
        joining = round2(card.joining_fee)
        return CardResult(
            card_id=card.id,
            card_name=card.name,
            bank=card.bank,
            total_savings_yearly=savings,
            joining_fees=joining,
            total_extra_benefits=extra,
            net_savings=savings - joining + extra,
            **{f"{c}_points": points[c] for c in CATEGORIES},
            redemption_method=figures.resolved.redemption.method,
            redemption_rate=rate.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP, context=CONTEXT),
            explanations=explain.sentences(figures, labels or {}),
        )


def evaluate(resolved: ResolvedCard, spend: UserSpend, labels: dict[str, str] | None = None) -> CardResult:
    return result(compute(resolved, spend), labels)


def rank(
    catalog: Catalog,
    spend: UserSpend,
    as_of: dt.date | None = None,
    assumptions: dict[str, bool] | None = None,
    top: int = 10,
) -> list[tuple[int, CardResult]]:
    """The user's best cards: net_savings descending, card_id ascending on a tie."""
    labels = dict(catalog.category_labels)
    results = [evaluate(r, spend, labels) for r in resolve_catalog(catalog, as_of, assumptions)]
    results.sort(key=lambda r: (-r.net_savings, r.card_id))
    return list(enumerate(results[:top], start=1))
