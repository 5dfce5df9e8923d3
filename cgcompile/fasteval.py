"""The reference evaluator's figures for many users: integers instead of Decimal, no sentences.

evaluate.py is docs/rules.md written for one user and explained line by line;
`cgcompile verify` needs the same figures for 50,000 users × every card in
seconds.  This module does exactly the arithmetic of evaluate.compute and
evaluate.result, with every amount held as an integer count of a fixed decimal
unit (spend in paise, rates in 10^-scale rupees), so each rounding step is an
integer division written out half-up.  Each card is turned into a Plan once.
tests/test_fasteval.py checks it against evaluate.rank.

A card whose constants do not fit the integer layout (a tier edge with more
than 2 decimal places) falls back to the evaluator itself, unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Callable

from .evaluate import CONTEXT, RATE_QUANTUM, UserSpend, evaluate, round2
from .model import CATEGORIES, PERIOD_MONTHS
from .resolve import ResolvedCard

CATEGORY_INDEX = {c: i for i, c in enumerate(CATEGORIES)}


class DoesNotFit(Exception):
    """A constant needs more decimal places than the integer layout allows."""


def scale_of(d: Decimal) -> int:
    exponent = d.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def scaled(d: Decimal, scale: int) -> int:
    """d × 10^scale, which must be a whole number."""
    v = d.scaleb(scale, context=CONTEXT)
    if v != v.to_integral_value():
        raise DoesNotFit(f"{d} has more than {scale} decimal places")
    return int(v)


def ceil_scaled(d: Decimal, scale: int) -> int:
    """The smallest integer n with n >= d × 10^scale (a threshold compared with integers)."""
    v = d.scaleb(scale, context=CONTEXT)
    n = int(v.to_integral_value(rounding="ROUND_CEILING"))
    return n


def half_up(n: int, divisor: int) -> int:
    """round(n / divisor) half-up, for n >= 0 and divisor >= 1."""
    return (2 * n + divisor) // (2 * divisor)


def cents(n: int) -> Decimal:
    return Decimal(n).scaleb(-2)


@dataclass(frozen=True)
class PartPlan:
    category: int  # index into CATEGORIES
    rate: int  # flat/bonus: rupees of units per rupee × 10^rate_scale
    tiers: tuple[tuple[int, int | None, int], ...]  # (from, to or None, rate): paise, paise, scaled rate
    preceding: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """One resolved card as integer constants."""

    resolved: ResolvedCard
    card_id: str
    constant_columns: tuple  # card_name, joining_fees, redemption_method, redemption_rate (Decimal)
    rate_divisor: int  # 10^rate_scale: monthly units = half_up(paise × rate, rate_divisor)
    parts: tuple[PartPlan, ...]
    pools: tuple[tuple[int, tuple[int, ...]], ...]  # (ceiling × 10^yearly_scale, member part indexes)
    to_yearly: int  # 10^(yearly_scale − 2): monthly cents → yearly units at yearly_scale
    points_divisor: int  # 12 × 10^(yearly_scale − 2)
    redemption: int  # rupees_per_point × 10^redemption_scale
    savings_divisor: int  # 10^(yearly_scale + redemption_scale − 2)
    joining_paise: int
    # Benefits, valued at benefit_scale (exact); thresholds in paise, rounded up.
    benefit_divisor: int  # 10^(benefit_scale − 2)
    welcome: int
    milestones: tuple[tuple[tuple[int, ...], int, int, int], ...]  # (categories, months, threshold, value)
    fee_waivers: tuple[tuple[int, int], ...]  # (12 × T threshold, value), best percent first
    joining_waivers: tuple[tuple[int, int], ...]  # (within_days, spend × 30): met when T × within_days >= it
    joining_waiver_value: int


def _benefit_values(rc: ResolvedCard) -> list[Decimal]:
    rate = rc.redemption.rupees_per_point
    values = []
    for r in rc.welcome:
        values.append(r.amount * rate if r.unit == "points" else r.amount)
    for r in rc.milestones:
        times = Decimal(12 // PERIOD_MONTHS[r.period]) if r.repeat else Decimal(1)
        values.append((r.amount * rate if r.unit == "points" else r.amount) * times)
    for r in rc.fee_waivers:
        values.append(rc.card.annual_fee * r.percent / 100)
    values.append(rc.card.joining_fee)
    return values


def plan(rc: ResolvedCard) -> Plan:
    """Raises DoesNotFit when a constant cannot be laid out (the caller falls back)."""
    with localcontext(CONTEXT):
        return _plan(rc)


def _plan(rc: ResolvedCard) -> Plan:
    card = rc.card
    rates = [p.rate.per_rupee for p in rc.earn if not p.tiers]
    rates += [t.rate.per_rupee for p in rc.earn for t in p.tiers]
    rate_scale = max([scale_of(r) for r in rates] + [0])
    parts = []
    for p in rc.earn:
        tiers = tuple(
            (scaled(t.start, 2), None if t.end is None else scaled(t.end, 2), scaled(t.rate.per_rupee, rate_scale))
            for t in p.tiers
        )
        parts.append(
            PartPlan(
                category=CATEGORY_INDEX[p.category],
                rate=0 if p.tiers else scaled(p.rate.per_rupee, rate_scale),
                tiers=tiers,
                preceding=tuple(CATEGORY_INDEX[c] for c in p.preceding),
            )
        )
    yearly_scale = max([2] + [scale_of(p.yearly_amount) for p in rc.pools])
    pools = tuple((scaled(p.yearly_amount, yearly_scale), p.members) for p in rc.pools)
    redemption = rc.redemption.rupees_per_point
    redemption_scale = scale_of(redemption)
    values = _benefit_values(rc)
    benefit_scale = max([2] + [scale_of(v) for v in values])

    def value(d: Decimal) -> int:
        return scaled(d, benefit_scale)

    rate = redemption
    milestones = []
    for r in rc.milestones:
        months = PERIOD_MONTHS[r.period]
        times = Decimal(12 // months) if r.repeat else Decimal(1)
        amount = r.amount * rate if r.unit == "points" else r.amount
        cats = tuple(CATEGORY_INDEX[c] for c in (r.categories or CATEGORIES))
        milestones.append((cats, months, ceil_scaled(r.spend, 2), value(amount * times)))
    # max() in the evaluator keeps the first of equal percents: sort stably by percent.
    best_first = sorted(rc.fee_waivers, key=lambda r: -r.percent)
    fee_waivers = tuple(
        (ceil_scaled(r.annual_spend, 2), value(card.annual_fee * r.percent / 100)) for r in best_first
    )
    joining_waivers = tuple((r.within_days, ceil_scaled(r.spend * 30, 2)) for r in rc.joining_fee_waivers)
    return Plan(
        resolved=rc,
        card_id=card.id,
        constant_columns=(
            card.name,
            round2(card.joining_fee),
            rc.redemption.method,
            redemption.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP, context=CONTEXT),
        ),
        rate_divisor=10**rate_scale,
        parts=tuple(parts),
        pools=pools,
        to_yearly=10 ** (yearly_scale - 2),
        points_divisor=12 * 10 ** (yearly_scale - 2),
        redemption=scaled(redemption, redemption_scale),
        savings_divisor=10 ** (yearly_scale + redemption_scale - 2),
        joining_paise=scaled(round2(card.joining_fee), 2),
        benefit_divisor=10 ** (benefit_scale - 2),
        welcome=sum((value(v) for v in values[: len(rc.welcome)]), 0),
        milestones=tuple(milestones),
        fee_waivers=fee_waivers,
        joining_waivers=joining_waivers,
        joining_waiver_value=value(card.joining_fee),
    )


# A figures row: net_savings first (for ranking), then OUTPUT_COLUMNS' figures in paise.
Figures = tuple[int, int, int, tuple[int, ...]]  # net, savings, extra, points by category


def figures(p: Plan, s: tuple[int, ...]) -> Figures:
    """One card for one user; `s` is the six categories' monthly spend in paise."""
    monthly = []
    for part in p.parts:
        if part.tiers:
            lo = 0
            for c in part.preceding:
                lo += s[c]
            hi = lo + s[part.category]
            acc = 0
            for start, end, rate in part.tiers:
                top = hi if end is None or end > hi else end
                overlap = top - (lo if lo > start else start)
                if overlap > 0:
                    acc += overlap * rate
        else:
            acc = s[part.category] * part.rate
        monthly.append(half_up(acc, p.rate_divisor))
    earned = [12 * m * p.to_yearly for m in monthly]
    for ceiling, members in p.pools:
        left = ceiling
        for i in members:
            if earned[i] > left:
                earned[i] = left
            left -= earned[i]
    yearly = [0, 0, 0, 0, 0, 0]
    for part, e in zip(p.parts, earned):
        yearly[part.category] += e
    points = tuple(half_up(y, p.points_divisor) for y in yearly)
    savings = half_up(sum(yearly) * p.redemption, p.savings_divisor)

    total = s[0] + s[1] + s[2] + s[3] + s[4] + s[5]
    extra = p.welcome
    for cats, months, threshold, value in p.milestones:
        base = 0
        for c in cats:
            base += s[c]
        if base * months >= threshold:
            extra += value
    annual = 12 * total
    for threshold, value in p.fee_waivers:
        if annual >= threshold:
            extra += value
            break
    # The joining fee is waived once, however many early-spend offers are met.
    for within_days, threshold in p.joining_waivers:
        if total * within_days >= threshold:
            extra += p.joining_waiver_value
            break
    extra = half_up(extra, p.benefit_divisor)
    return savings - p.joining_paise + extra, savings, extra, points


def spend_paise(spend: UserSpend) -> tuple[int, ...]:
    return tuple(int(spend.of(c).scaleb(2)) for c in CATEGORIES)


Row = tuple  # OUTPUT_COLUMNS of verify.py


@dataclass(frozen=True)
class Ranker:
    """Ranks users' cards with Plans; cards that did not fit use the evaluator."""

    plans: tuple[Plan | ResolvedCard, ...]

    @classmethod
    def of(cls, resolved: tuple[ResolvedCard, ...]) -> "Ranker":
        out: list[Plan | ResolvedCard] = []
        for rc in resolved:
            try:
                out.append(plan(rc))
            except DoesNotFit:
                out.append(rc)
        return cls(tuple(out))

    def rank(self, spend: UserSpend, top: int = 10) -> list[Row]:
        """The user's top cards as OUTPUT_COLUMNS rows (card_id ... redemption_rate)."""
        s = spend_paise(spend)
        scored: list[tuple[int, str, Callable[[], Row]]] = []
        for p in self.plans:
            if isinstance(p, Plan):
                f = figures(p, s)
                scored.append((-f[0], p.card_id, _row_maker(p, f)))
            else:
                r = evaluate(p, spend)
                scored.append((-scaled(r.net_savings, 2), r.card_id, _evaluated_row(r)))
        scored.sort(key=lambda t: (t[0], t[1]))
        return [make() for _, _, make in scored[:top]]


def _row_maker(p: Plan, f: Figures) -> Callable[[], Row]:
    def make() -> Row:
        net, savings, extra, points = f
        name, joining, method, rate = p.constant_columns
        return (p.card_id, name, cents(savings), joining, cents(extra), cents(net), *map(cents, points), method, rate)

    return make


def _evaluated_row(r) -> Callable[[], Row]:
    def make() -> Row:
        return (
            r.card_id,
            r.card_name,
            r.total_savings_yearly,
            r.joining_fees,
            r.total_extra_benefits,
            r.net_savings,
            *(r.points(c) for c in CATEGORIES),
            r.redemption_method,
            r.redemption_rate,
        )

    return make
