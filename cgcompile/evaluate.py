"""The reference evaluator: one user's spend against resolved cards, in Decimal.

This is docs/rules.md turned into Python line by line, and nothing more: the
compiled SQL must agree with it to the paisa (`cgcompile verify`), so every
rounding step here is one the doc names, and none is added.  It returns
figures only; explain.py words them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from .errors import CgError
from .model import CATEGORIES, CONFIRMED_COLUMN, MAX_MONTHLY_SPEND, PERIOD_MONTHS, SPEND_COLUMNS, Catalog, Redemption, Rule, Tier
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
    spend: Decimal  # the monthly spend the part earns on (its share of the category, if split)
    monthly: Decimal
    yearly: Decimal  # 12 × monthly
    earned: Decimal  # yearly units after the part's pools, if any
    bands: tuple[tuple[Tier, Decimal], ...]  # tiered: (tier, overlapping spend) with overlap > 0

    @property
    def capped(self) -> bool:
        return self.earned < self.yearly


@dataclass(frozen=True)
class BenefitFigures:
    """One extra-benefit rule: reached or not, and what it pays this year.

    `value` is in rupees for a rupee benefit and a waiver, in points for a
    points benefit (valued with the card's other points, see Redeemed)."""

    rule: Rule
    reached: bool
    value: Decimal
    base: Decimal  # the spend compared with the threshold (per period / per year / in the window)
    counted: bool  # reached and the one that pays (the best fee waiver, the first joining waiver met)

    @property
    def in_points(self) -> bool:
        return self.rule.unit == "points"


@dataclass(frozen=True)
class Redeemed:
    """Points sent to each redemption option, best rate first (docs/rules.md, "Redemption")."""

    points: Decimal  # the balance
    taken: tuple[tuple[Redemption, Decimal], ...]  # (option, points) for every option on the ladder

    @property
    def value(self) -> Decimal:
        return sum((points * option.rupees_per_point for option, points in self.taken), ZERO)


def redeem(ladder: tuple[Redemption, ...], points: Decimal) -> Redeemed:
    """Fill the options in ladder order, each up to its limits; points left over are worth nothing."""
    left = points
    taken = []
    for option in ladder:
        room = left
        if option.min_points is not None and points < option.min_points:
            room = ZERO
        if option.max_share is not None:
            room = min(room, points * option.max_share / 100)
        if option.max_points is not None:
            room = min(room, option.max_points)
        taken.append((option, room))
        left -= room
    return Redeemed(points, tuple(taken))


@dataclass(frozen=True)
class Figures:
    """Everything computed for one card and one user, before formatting."""

    resolved: ResolvedCard
    spend: UserSpend
    parts: tuple[PartFigures, ...]
    category_yearly: tuple[tuple[str, Decimal], ...]
    benefits: tuple[BenefitFigures, ...]
    earned: Redeemed  # the year's earned units alone
    balance: Redeemed  # earned units plus the points benefits

    def yearly(self, category: str) -> Decimal:
        return dict(self.category_yearly)[category]

    @property
    def units(self) -> Decimal:
        return sum((y for _, y in self.category_yearly), ZERO)

    @property
    def bonus_points(self) -> Decimal:
        return sum((b.value for b in self.benefits if b.in_points), ZERO)

    @property
    def rate(self) -> Decimal:
        """Rupees per point of the best option (all points go there when it has no limits)."""
        return self.resolved.redemption.rupees_per_point


@dataclass(frozen=True)
class CardResult:
    """One card's row of card_recommendations."""

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

    def points(self, category: str) -> Decimal:
        return getattr(self, f"{category}_points")


def portion_spend(part: EarnPart, spend: UserSpend) -> Decimal:
    """The part's monthly spend: the category's, or its share or the rest of it."""
    whole = spend.of(part.category)
    if part.portion is None:
        return whole
    kept = round2(whole * part.portion.fraction)
    return kept if part.portion.kept else whole - kept


def line_spend(resolved: ResolvedCard, spend: UserSpend, category: str) -> Decimal:
    """A category's spend on a tiered rule's line: the rest of it when a share is split off."""
    split = dict(resolved.splits).get(category)
    whole = spend.of(category)
    return whole if split is None else whole - round2(whole * split.fraction)


def _tier_bands(resolved: ResolvedCard, part: EarnPart, spend: UserSpend) -> tuple[tuple[Tier, Decimal], ...]:
    """The category's stretch [offset, offset + spend) of the rule's combined line, by band."""
    offset = sum((line_spend(resolved, spend, c) for c in part.preceding), ZERO)
    lo, hi = offset, offset + line_spend(resolved, spend, part.category)
    bands = []
    for tier in part.tiers:
        top = hi if tier.end is None else min(hi, tier.end)
        overlap = top - max(lo, tier.start)
        if overlap > 0:
            bands.append((tier, overlap))
    return tuple(bands)


Monthly = tuple[Decimal, tuple[tuple[Tier, Decimal], ...]]  # units, and the tier bands they came from


def _rate_monthly(resolved: ResolvedCard, part: EarnPart, spend: UserSpend) -> Monthly:
    return round2(portion_spend(part, spend) * part.rate.per_rupee), ()


def _tiered_monthly(resolved: ResolvedCard, part: EarnPart, spend: UserSpend) -> Monthly:
    bands = _tier_bands(resolved, part, spend)
    return round2(sum((overlap * tier.rate.per_rupee for tier, overlap in bands), ZERO)), bands


# Per kind (cgcompile/kinds.py): a part's monthly units before caps.
EARN = {"flat": _rate_monthly, "tiered": _tiered_monthly, "bonus": _rate_monthly}


def _earn(resolved: ResolvedCard, spend: UserSpend) -> tuple[PartFigures, ...]:
    raw = []
    for part in resolved.earn:
        monthly, bands = EARN[part.rule.kind](resolved, part, spend)
        raw.append((part, monthly, bands))
    earned = [12 * monthly for _, monthly, _ in raw]
    # Inner pools come first; each fills its members in order with what they
    # have left after the inner ones: a part gets what is left.
    for pool in resolved.pools:
        left = pool.yearly_amount
        for i in pool.members:
            earned[i] = min(earned[i], left)
            left -= earned[i]
    return tuple(
        PartFigures(part=p, spend=portion_spend(p, spend), monthly=m, yearly=12 * m, earned=e, bands=b)
        for (p, m, b), e in zip(raw, earned)
    )


def _milestones(rules: tuple[Rule, ...], resolved: ResolvedCard, spend: UserSpend) -> list[BenefitFigures]:
    out = []
    for rule in rules:
        months = PERIOD_MONTHS[rule.period]
        base = sum((spend.of(c) for c in rule.categories or CATEGORIES), ZERO) * months
        reached = base >= rule.spend
        times = Decimal(12 // months) if rule.repeat else Decimal(1)
        value = rule.amount * times if reached else ZERO
        out.append(BenefitFigures(rule=rule, reached=reached, value=value, base=base, counted=reached))
    return out


def _early(total: Decimal, rule: Rule) -> tuple[bool, Decimal]:
    """Spend in the first `within_days` days (a month is 30 days) against the threshold."""
    return total * rule.within_days >= rule.spend * 30, total * rule.within_days / 30


def _welcome(rules: tuple[Rule, ...], resolved: ResolvedCard, spend: UserSpend) -> list[BenefitFigures]:
    out = []
    for rule in rules:
        reached, base = (True, ZERO) if rule.spend is None else _early(spend.total, rule)
        out.append(BenefitFigures(rule=rule, reached=reached, value=rule.amount if reached else ZERO, base=base, counted=reached))
    return out


def _fee_waivers(rules: tuple[Rule, ...], resolved: ResolvedCard, spend: UserSpend) -> list[BenefitFigures]:
    annual = 12 * spend.total
    # Only the highest percent reached counts; max() keeps the first on a tie.
    best = max((r for r in rules if annual >= r.annual_spend), key=lambda r: r.percent, default=None)
    return [
        BenefitFigures(
            rule=r, reached=annual >= r.annual_spend, value=resolved.annual_fee * r.percent / 100 if r is best else ZERO,
            base=annual, counted=r is best,
        )
        for r in rules
    ]


def _joining_fee_waivers(rules: tuple[Rule, ...], resolved: ResolvedCard, spend: UserSpend) -> list[BenefitFigures]:
    # The joining fee is waived once, however many early-spend offers are met.
    out, waived = [], False
    for r in rules:
        ok, base = _early(spend.total, r)
        pays = ok and not waived
        out.append(BenefitFigures(rule=r, reached=ok, value=resolved.joining_fee if pays else ZERO, base=base, counted=pays))
        waived = waived or ok
    return out


# Per kind (cgcompile/kinds.py): the figures of the card's rules of that kind.
BENEFITS = {
    "milestone": _milestones,
    "welcome": _welcome,
    "fee_waiver": _fee_waivers,
    "joining_fee_waiver": _joining_fee_waivers,
}


def _benefits(resolved: ResolvedCard, spend: UserSpend) -> tuple[BenefitFigures, ...]:
    return tuple(b for kind, figures in BENEFITS.items() for b in figures(resolved.of_kind(kind), resolved, spend))


def compute(resolved: ResolvedCard, spend: UserSpend) -> Figures:
    """The exact figures for one card (docs/rules.md, steps 2–3, the benefits and redemption)."""
    with localcontext(CONTEXT):
        parts = _earn(resolved, spend)
        yearly = {c: ZERO for c in CATEGORIES}
        for p in parts:
            yearly[p.part.category] += p.earned
        benefits = _benefits(resolved, spend)
        units = sum(yearly.values(), ZERO)
        bonus = sum((b.value for b in benefits if b.in_points), ZERO)
        return Figures(
            resolved=resolved,
            spend=spend,
            parts=parts,
            category_yearly=tuple(yearly.items()),
            benefits=benefits,
            earned=redeem(resolved.ladder, units),
            balance=redeem(resolved.ladder, units + bonus),
        )


def redemption_columns(figures: Figures) -> tuple[str, Decimal]:
    """redemption_method and redemption_rate for the whole balance.

    The method is the option taking the most points (the earlier on a tie);
    the rate is the balance's value ÷ its points, half-up to 4 places: what a
    point fetched on average.  With no points, the best option."""
    balance = figures.balance
    best = figures.resolved.redemption
    if balance.points == 0 or not figures.resolved.blended:
        return best.method, best.rupees_per_point.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP, context=CONTEXT)
    method = max(balance.taken, key=lambda t: t[1])[0].method
    rate = (balance.value / balance.points).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP, context=CONTEXT)
    return method, rate


def result(figures: Figures) -> CardResult:
    """The rounded output row (docs/rules.md, steps 4–5)."""
    with localcontext(CONTEXT):
        resolved = figures.resolved
        card = resolved.card
        points = {c: round2(figures.yearly(c) / 12) for c in CATEGORIES}
        savings = round2(figures.earned.value)
        rupees = sum((b.value for b in figures.benefits if not b.in_points), ZERO)
        # The points benefits are worth what they add to the balance on top of the earned points.
        extra = round2(rupees + figures.balance.value - figures.earned.value)
        fee = round2(resolved.fee)
        method, rate = redemption_columns(figures)
        return CardResult(
            card_id=card.id,
            card_name=card.name,
            bank=card.bank,
            total_savings_yearly=savings,
            joining_fees=fee,
            total_extra_benefits=extra,
            net_savings=savings - fee + extra,
            **{f"{c}_points": points[c] for c in CATEGORIES},
            redemption_method=method,
            redemption_rate=rate,
        )


def evaluate(resolved: ResolvedCard, spend: UserSpend) -> CardResult:
    return result(compute(resolved, spend))


def ranked(results: list) -> list:
    """net_savings descending, card_id ascending on a tie."""
    return sorted(results, key=lambda r: (-r.net_savings, r.card_id))


def rank(
    catalog: Catalog,
    spend: UserSpend,
    as_of: dt.date | None = None,
    assumptions: dict | None = None,
    top: int = 10,
    horizon: str | None = None,
) -> list[tuple[int, CardResult]]:
    """The user's best cards: net_savings descending, card_id ascending on a tie."""
    results = [evaluate(r, spend) for r in resolve_catalog(catalog, as_of, assumptions, horizon)]
    return list(enumerate(ranked(results)[:top], start=1))
