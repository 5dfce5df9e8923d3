"""The reference evaluator's figures for many users: integers instead of Decimal.

evaluate.py is docs/rules.md written for one user; `cgcompile verify` needs
the same figures for 50,000 users × every card in seconds.  This module does
exactly the arithmetic of evaluate.compute and evaluate.result, with every
amount held as an integer count of a fixed decimal unit (spend in paise, rates
in 10^-scale rupees), so each rounding step is an integer division written out
half-up.  Each card is turned into a Plan once.  tests/test_fasteval.py checks
it against evaluate.rank.

A card whose constants do not fit the integer layout (a tier edge with more
than 2 decimal places) falls back to the evaluator itself, unchanged.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Callable

from .evaluate import CONTEXT, RATE_QUANTUM, UserSpend, evaluate, redeem, round2
from .model import CATEGORIES, PERIOD_MONTHS
from .resolve import EarnPart, ResolvedCard

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
    return int(v.to_integral_value(rounding="ROUND_CEILING"))


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
    portion: int  # 0: the whole category; 1: its partner share; 2: the rest of it


@dataclass(frozen=True)
class Benefit:
    """Met when (the spend of `categories`, paise) × times >= threshold; then worth
    `value`, unless `once` names a group of which an earlier member was met."""

    categories: tuple[int, ...]
    times: int
    threshold: int
    value: Decimal | int  # Decimal as planned, int at benefit_scale in the Plan
    in_points: bool = False
    once: str = ""


ALL = tuple(range(len(CATEGORIES)))


def _welcome(rules, rc: ResolvedCard, worth) -> list[Benefit]:
    # Without a spend condition: 0 × 0 >= 0, always met.
    return [
        Benefit(ALL if r.spend else (), r.within_days or 0, 0 if r.spend is None else ceil_scaled(r.spend * 30, 2), *worth(r.amount, r.unit))
        for r in rules
    ]


def _milestones(rules, rc: ResolvedCard, worth) -> list[Benefit]:
    out = []
    for r in rules:
        value, in_points = worth(r.amount, r.unit)
        times = Decimal(12 // PERIOD_MONTHS[r.period]) if r.repeat else Decimal(1)
        cats = tuple(CATEGORY_INDEX[c] for c in (r.categories or CATEGORIES))
        out.append(Benefit(cats, PERIOD_MONTHS[r.period], ceil_scaled(r.spend, 2), value * times, in_points))
    return out


def _fee_waivers(rules, rc: ResolvedCard, worth) -> list[Benefit]:
    if rc.annual_fee == 0:
        return []
    # max() in the evaluator keeps the first of equal percents: sort stably by percent.
    best_first = sorted(rules, key=lambda r: -r.percent)
    return [Benefit(ALL, 12, ceil_scaled(r.annual_spend, 2), rc.annual_fee * r.percent / 100, once="fee") for r in best_first]


def _joining_fee_waivers(rules, rc: ResolvedCard, worth) -> list[Benefit]:
    # The joining fee is waived once, however many early-spend offers are met.
    return [Benefit(ALL, r.within_days, ceil_scaled(r.spend * 30, 2), rc.joining_fee, once="joining") for r in rules]


# Per kind (cgcompile/kinds.py): the card's rules of that kind as integer tests.
BENEFITS = {
    "milestone": _milestones,
    "welcome": _welcome,
    "fee_waiver": _fee_waivers,
    "joining_fee_waiver": _joining_fee_waivers,
}


@dataclass(frozen=True)
class Plan:
    """One resolved card as integer constants."""

    resolved: ResolvedCard
    card_id: str
    card_name: str
    joining_paise: int  # the fee the horizon charges
    rate_divisor: int  # 10^rate_scale: monthly units = half_up(paise × rate, rate_divisor)
    parts: tuple[PartPlan, ...]
    shares: tuple[tuple[int, int], ...]  # per category: (fraction × divisor, divisor); (0, 1) when not split
    pools: tuple[tuple[int, tuple[int, ...]], ...]  # (ceiling × 10^yearly_scale, member part indexes), inner first
    yearly_scale: int
    to_yearly: int  # 10^(yearly_scale − 2): monthly cents → yearly units at yearly_scale
    points_divisor: int  # 12 × 10^(yearly_scale − 2)
    # Benefits at benefit_scale: rupees; points benefits are in rupees at the
    # best rate, except on a blended card, where they are points (`in_points`).
    benefit_scale: int
    benefits: tuple[Benefit, ...]
    redemption: int  # best rupees_per_point × 10^redemption_scale
    savings_divisor: int  # 10^(yearly_scale + redemption_scale − 2)
    blended: bool
    methods: tuple[str, ...]
    best_rate: Decimal  # the best option's rate, 4 places


def _share(rc: ResolvedCard) -> tuple[tuple[int, int], ...]:
    splits = dict(rc.splits)
    out = []
    for c in CATEGORIES:
        portion = splits.get(c)
        if portion is None:
            out.append((0, 1))
        else:
            k = scale_of(portion.fraction)
            out.append((scaled(portion.fraction, k), 10**k))
    return tuple(out)


def _part(p: EarnPart, rate: int = 0, tiers: tuple = ()) -> PartPlan:
    portion = 0 if p.portion is None else (1 if p.portion.kept else 2)
    return PartPlan(CATEGORY_INDEX[p.category], rate, tiers, tuple(CATEGORY_INDEX[c] for c in p.preceding), portion)


def _rate_part(p: EarnPart, rate_scale: int) -> PartPlan:
    return _part(p, rate=scaled(p.rate.per_rupee, rate_scale))


def _tiered_part(p: EarnPart, rate_scale: int) -> PartPlan:
    return _part(p, tiers=tuple(
        (scaled(t.start, 2), None if t.end is None else scaled(t.end, 2), scaled(t.rate.per_rupee, rate_scale)) for t in p.tiers
    ))


# Per kind (cgcompile/kinds.py): one part of the card's earn as integers.
EARN = {"flat": _rate_part, "tiered": _tiered_part, "bonus": _rate_part}


def plan(rc: ResolvedCard) -> Plan:
    """Raises DoesNotFit when a constant cannot be laid out (the caller falls back)."""
    with localcontext(CONTEXT):
        return _plan(rc)


def _plan(rc: ResolvedCard) -> Plan:
    card = rc.card
    rates = [p.rate.per_rupee for p in rc.earn if not p.tiers]
    rates += [t.rate.per_rupee for p in rc.earn for t in p.tiers]
    rate_scale = max([scale_of(r) for r in rates] + [0])
    parts = [EARN[p.rule.kind](p, rate_scale) for p in rc.earn]
    yearly_scale = max([2] + [scale_of(p.yearly_amount) for p in rc.pools])
    pools = tuple((scaled(p.yearly_amount, yearly_scale), p.members) for p in rc.pools)
    best = rc.redemption.rupees_per_point
    redemption_scale = scale_of(best)
    blended = rc.blended

    def worth(amount: Decimal, unit: str) -> tuple[Decimal, bool]:
        # Blended cards keep points benefits in points: the ladder values them.
        if unit == "points":
            return (amount, True) if blended else (amount * best, False)
        return amount, False

    benefits = [b for kind, planned in BENEFITS.items() for b in planned(rc.of_kind(kind), rc, worth)]
    benefit_scale = max([2] + [scale_of(b.value) for b in benefits])
    return Plan(
        resolved=rc,
        card_id=card.id,
        card_name=card.name,
        joining_paise=scaled(round2(rc.fee), 2),
        rate_divisor=10**rate_scale,
        parts=tuple(parts),
        shares=_share(rc),
        pools=pools,
        yearly_scale=yearly_scale,
        to_yearly=10 ** (yearly_scale - 2),
        points_divisor=12 * 10 ** (yearly_scale - 2),
        benefit_scale=benefit_scale,
        benefits=tuple(dataclasses.replace(b, value=scaled(b.value, benefit_scale)) for b in benefits),
        redemption=scaled(best, redemption_scale),
        savings_divisor=10 ** (yearly_scale + redemption_scale - 2),
        blended=blended,
        methods=tuple(o.method for o in rc.ladder),
        best_rate=best.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP, context=CONTEXT),
    )


# A figures row: net_savings first (for ranking), then OUTPUT_COLUMNS' figures in paise.
Figures = tuple  # (net, savings, extra, points by category, redemption method, redemption rate)


def _monthly(p: Plan, s: tuple[int, ...]) -> list[int]:
    """Each part's monthly units in cents (rounded, before caps)."""
    split = []
    for c, (num, den) in enumerate(p.shares):
        kept = half_up(s[c] * num, den) if num else 0
        split.append((kept, s[c] - kept))
    monthly = []
    for part in p.parts:
        if part.tiers:
            lo = 0
            for c in part.preceding:
                lo += split[c][1] if p.shares[c][0] else s[c]
            c = part.category
            hi = lo + (split[c][1] if p.shares[c][0] else s[c])
            acc = 0
            for start, end, rate in part.tiers:
                top = hi if end is None or end > hi else end
                overlap = top - (lo if lo > start else start)
                if overlap > 0:
                    acc += overlap * rate
        else:
            amount = s[part.category] if part.portion == 0 else split[part.category][part.portion - 1]
            acc = amount * part.rate
        monthly.append(half_up(acc, p.rate_divisor))
    return monthly


def _benefits(p: Plan, s: tuple[int, ...]) -> tuple[int, int]:
    """(rupees, points) of the extra benefits at benefit_scale; points only on a blended card."""
    rupees = points = 0
    met: set[str] = set()
    for b in p.benefits:
        if b.once and b.once in met:
            continue
        base = 0
        for c in b.categories:
            base += s[c]
        if base * b.times >= b.threshold:
            if b.in_points:
                points += b.value
            else:
                rupees += b.value
            if b.once:
                met.add(b.once)
    return rupees, points


def figures(p: Plan, s: tuple[int, ...]) -> Figures:
    """One card for one user; `s` is the six categories' monthly spend in paise."""
    earned = [12 * m * p.to_yearly for m in _monthly(p, s)]
    # Inner pools first; each fills its members in order.
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
    rupees, bonus = _benefits(p, s)
    if p.blended:
        return _blended(p, points, sum(yearly), rupees, bonus)
    savings = half_up(sum(yearly) * p.redemption, p.savings_divisor)
    extra = half_up(rupees, 10 ** (p.benefit_scale - 2))
    return savings - p.joining_paise + extra, savings, extra, points, p.methods[0], p.best_rate


def _blended(p: Plan, points: tuple[int, ...], units: int, rupees: int, bonus: int) -> Figures:
    """Points sent down the ladder by evaluate.redeem itself, in exact Decimal: few cards have one."""
    ladder = p.resolved.ladder
    earned_units = Decimal(units).scaleb(-p.yearly_scale)
    balance = earned_units + Decimal(bonus).scaleb(-p.benefit_scale)
    earned, whole = redeem(ladder, earned_units), redeem(ladder, balance)
    with localcontext(CONTEXT):
        savings = round2(earned.value)
        extra = round2(Decimal(rupees).scaleb(-p.benefit_scale) + whole.value - earned.value)
        if balance == 0:
            method, rate = p.methods[0], p.best_rate
        else:
            method = max(whole.taken, key=lambda t: t[1])[0].method
            rate = (whole.value / balance).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)
    savings_paise, extra_paise = int(savings.scaleb(2)), int(extra.scaleb(2))
    return savings_paise - p.joining_paise + extra_paise, savings_paise, extra_paise, points, method, rate


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
        net, savings, extra, points, method, rate = f
        return (p.card_id, p.card_name, cents(savings), cents(p.joining_paise), cents(extra), cents(net), *map(cents, points), method, rate)

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
