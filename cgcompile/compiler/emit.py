"""One SQL emitter per rule kind (docs/rules.md, "Rule kinds").

Earn kinds (flat, tiered, bonus) turn one EarnPart into its monthly units,
rounded to 2 places, as an expression over the spend columns.  Benefit kinds
(welcome, milestone, fee_waiver, joining_fee_waiver) turn all of a card's rules
of that kind into terms of total_extra_benefits (exact, unrounded); they are
emitted per kind because waivers of one kind interact (only the best fee waiver
counts, the joining fee is waived once).  A kind with no emitter is an explicit
error, never silently skipped.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from sqlglot import exp

from ..errors import CgError
from ..model import CATEGORIES, PERIOD_MONTHS, Rule
from ..resolve import EarnPart, ResolvedCard
from . import exprs as x

TOTAL_SPEND = "total_spend"  # T, computed once per user in the spend CTE


@dataclass(frozen=True)
class Spend:
    """Where the spend columns live: column names of the CTE the card reads.

    `wide` reads each category as DECIMAL(20,2), so products with a 10-place
    rate are computed in DuckDB's 128-bit decimals (see monthly_units).
    """

    wide: bool = False
    # Sums of several categories the spend CTE already holds, by category list
    # (a tiered rule's positions on its combined-spend line).
    lines: tuple[tuple[tuple[str, ...], str], ...] = ()
    # Categories split by a partner share (the spend CTE holds both parts).
    split: tuple[str, ...] = ()

    def _read(self, column: str) -> exp.Expression:
        if self.wide:
            return x.cast_decimal(x.col(column), WIDE_SPEND, 2)
        return x.col(column)

    def of(self, category: str) -> exp.Expression:
        return self._read(category)

    def part(self, part: EarnPart) -> exp.Expression:
        """The spend an earn part earns on: the category, or its share, or the rest of it."""
        if part.portion is None:
            return self.of(part.category)
        return self._read(portion_column(part.category, part.portion.kept))

    def on_line(self, category: str) -> exp.Expression:
        """A category on a tiered rule's line: the rest of it when a share is split off."""
        if category in self.split:
            return self._read(portion_column(category, False))
        return self.of(category)

    def line(self, categories: tuple[str, ...]) -> exp.Expression:
        """Σ line spend of `categories`: a column when the spend CTE computed it, else the sum."""
        held = dict(self.lines).get(tuple(categories))
        if held is not None:
            return self._read(held)
        return x.add(*(self.on_line(c) for c in categories))

    def total(self) -> exp.Expression:
        return x.col(TOTAL_SPEND)

    def sum_of(self, categories: tuple[str, ...]) -> exp.Expression:
        if not categories or set(categories) == set(CATEGORIES):
            return self.total()
        return x.add(*(self.of(c) for c in categories))


def portion_column(category: str, kept: bool) -> str:
    """The spend CTE's column for a split category: its partner share, or the rest."""
    return category + ("_partner_share" if kept else "_rest")


# Spend columns are DECIMAL(12,2): every amount is below 10^10.
SPEND_BOUND = Decimal(10) ** 10
WIDE_SPEND = 20
INT64_DIGITS = 18  # DuckDB keeps DECIMAL(<=18, s) in 64 bits


# --- earn kinds: monthly units of one part, as products to add then round ---


@dataclass(frozen=True)
class Earned:
    """Σ term × rate over the bands of one part, before the one rounding."""

    terms: tuple[exp.Expression, ...]
    rates: tuple[Decimal, ...]


def emit_flat(part: EarnPart, spend: Spend) -> Earned:
    """spend × rate; also `bonus`, whose cap is applied with the pools."""
    rate = part.rate.per_rupee
    return Earned((x.mul(spend.part(part), x.number(rate)),), (rate,))


def emit_tiered(part: EarnPart, spend: Spend) -> Earned:
    """Σ_band overlap([offset, offset+spend), [from, to)) × rate_band."""
    lo = spend.line(part.preceding)
    hi = spend.line(part.preceding + (part.category,))
    lo_is_zero = x.const_value(lo) == 0
    terms, rates = [], []
    for tier in part.tiers:
        rate = tier.rate.per_rupee
        if rate == 0:
            continue
        top = hi if tier.end is None else x.least(hi, x.number(tier.end))
        if tier.start == 0:
            bottom = lo  # lo >= 0, so GREATEST(lo, 0) = lo
        elif lo_is_zero:
            bottom = x.number(tier.start)
        else:
            bottom = x.greatest(lo, x.number(tier.start))
        overlap = x.sub(top, bottom)
        if not (lo_is_zero and tier.start == 0):
            # A stretch entirely above or below the band gives a negative difference.
            overlap = x.greatest(overlap, x.number(0))
        terms.append(x.mul(overlap, x.number(rate)))
        rates.append(rate)
    return Earned(tuple(terms), tuple(rates))


EarnEmitter = Callable[[EarnPart, Spend], Earned]

EARN_EMITTERS: dict[str, EarnEmitter] = {
    "flat": emit_flat,
    "bonus": emit_flat,
    "tiered": emit_tiered,
}


def line_sums(parts: tuple[EarnPart, ...]) -> list[tuple[str, ...]]:
    """The multi-category sums tiered parts read (each computed once, in the spend CTE)."""
    out: list[tuple[str, ...]] = []
    for p in parts:
        if p.tiers:
            for cats in (p.preceding, p.preceding + (p.category,)):
                if len(cats) > 1 and cats not in out:
                    out.append(cats)
    return out


def monthly_units(part: EarnPart, dialect: str, spend: Spend) -> exp.Expression:
    """round2 of the part's earned sum, in a form that is exact and fast on `dialect`.

    MySQL/MariaDB decimals are exact to 65 digits: the plain expression.  DuckDB
    keeps a product of DECIMAL(12,2) and a 10-place rate in 64 bits as
    DECIMAL(18,12), raising an overflow error past 10^6 units, and its 128-bit
    ROUND is some 50 times slower.  So on DuckDB, when the largest possible
    spend could overflow, the part is computed in 64 bits below a spend bound
    that cannot, and in 128 bits (wide) at or above it; both branches are exact.
    """
    emitter = EARN_EMITTERS.get(part.rule.kind)
    if emitter is None:
        raise CgError(f"{part.rule.pos}: rules[{part.rule.index}]: the SQL compiler has no emitter for kind '{part.rule.kind}'")
    earned = emitter(part, spend)
    if not earned.terms:
        return x.number(0)
    if dialect != "duckdb":
        return x.round2(x.add(*earned.terms))
    places = 2 + max(x.scale_of(r) for r in earned.rates)
    fast = x.add(*earned.terms)
    if len(earned.terms) > 1:
        # a sum of 64-bit products is typed 128-bit; it fits back (see the bound)
        fast = x.cast_decimal(fast, INT64_DIGITS, places)
    fast = x.round2(fast)
    # |Σ overlap × rate| <= spend_c × max rate: DECIMAL(18, places) holds < 10^(18-places).
    limit = Decimal(10) ** (INT64_DIGITS - places)
    top_rate = max(earned.rates)
    if SPEND_BOUND * top_rate < limit:
        return fast
    bound = Decimal(10) ** ((limit / top_rate).adjusted())
    if bound * top_rate >= limit:
        bound /= 10
    wide = x.round2(x.add(*emitter(part, dataclasses.replace(spend, wide=True)).terms))
    return x.case_when([(exp.LT(this=x.col(part.category), expression=x.number(bound)), fast)], wide)


# --- benefit kinds: terms of total_extra_benefits ---------------------------
#
# Each emitter gives (term, unit) pairs: rupees, or points that the card's
# redemption values (docs/rules.md, "Redemption").


Term = tuple[exp.Expression, str]


def _early(spend: Spend, rule: Rule) -> exp.Expression:
    """T × within_days >= spend × 30: the early-spend offer is met (a month is 30 days)."""
    return x.ge(x.mul(spend.total(), x.number(rule.within_days)), x.number(rule.spend * 30))


def emit_welcome(rules: tuple[Rule, ...], rc: ResolvedCard, spend: Spend) -> list[Term]:
    out = []
    for r in rules:
        value = x.number(r.amount)
        if r.spend is not None:
            value = x.case_when([(_early(spend, r), value)], x.number(0))
        out.append((value, r.unit))
    return out


def emit_milestones(rules: tuple[Rule, ...], rc: ResolvedCard, spend: Spend) -> list[Term]:
    """Reached when (spend of its categories) × months in the period >= threshold."""
    out = []
    for r in rules:
        months = PERIOD_MONTHS[r.period]
        times = Decimal(12 // months) if r.repeat else Decimal(1)
        value = x.number(r.amount * times)
        if r.spend > 0:
            reached = x.ge(x.mul(spend.sum_of(r.categories), x.number(months)), x.number(r.spend))
            value = x.case_when([(reached, value)], x.number(0))
        out.append((value, r.unit))
    return out


def emit_fee_waivers(rules: tuple[Rule, ...], rc: ResolvedCard, spend: Spend) -> list[Term]:
    """Of the waivers reached (12 × T >= annual_spend), the highest percent counts."""
    fee = rc.annual_fee
    if not rules or fee == 0:
        return []
    # sorted() is stable: on equal percents the first listed is tried first.
    best_first = sorted(rules, key=lambda r: -r.percent)
    annual = x.mul(spend.total(), x.number(12))
    branches = [(x.ge(annual, x.number(r.annual_spend)), x.number(fee * r.percent / 100)) for r in best_first]
    return [(x.case_when(branches, x.number(0)), "rupees")]


def emit_joining_fee_waivers(rules: tuple[Rule, ...], rc: ResolvedCard, spend: Spend) -> list[Term]:
    """The joining fee, once, when T × within_days >= spend × 30 for any offer."""
    fee = rc.joining_fee
    if not rules or fee == 0:
        return []
    met = [_early(spend, r) for r in rules]
    return [(x.case_when([(x.either(met), x.number(fee))], x.number(0)), "rupees")]


BenefitEmitter = Callable[[tuple[Rule, ...], ResolvedCard, Spend], list[Term]]

BENEFIT_EMITTERS: dict[str, BenefitEmitter] = {
    "welcome": emit_welcome,
    "milestone": emit_milestones,
    "fee_waiver": emit_fee_waivers,
    "joining_fee_waiver": emit_joining_fee_waivers,
}


def check_kinds(rules: tuple[Rule, ...], card_file: str) -> None:
    """Every applicable rule must have an emitter; anything else is a compiler gap."""
    for r in rules:
        if r.kind not in EARN_EMITTERS and r.kind not in BENEFIT_EMITTERS:
            raise CgError(f"{r.pos}: rules[{r.index}]: the SQL compiler has no emitter for kind '{r.kind}' ({card_file})")


def benefit_terms(rc: ResolvedCard, spend: Spend) -> tuple[list[exp.Expression], list[exp.Expression]]:
    """(rupee terms, points terms) of the card's extra benefits."""
    rupees: list[exp.Expression] = []
    points: list[exp.Expression] = []
    for kind, emitter in BENEFIT_EMITTERS.items():
        for term, unit in emitter(rc.of_kind(kind), rc, spend):
            (points if unit == "points" else rupees).append(term)
    return rupees, points


# --- redemption: the value of a balance of points ---------------------------


def redeemed(rc: ResolvedCard, balance: exp.Expression) -> list[exp.Expression]:
    """Points each option of the ladder takes from `balance` (a column), in ladder order.

    Each takes what is left, at most its share of the balance and its points a
    year, nothing below its minimum (docs/rules.md, "Redemption")."""
    taken: list[exp.Expression] = []
    for option in rc.ladder:
        left = x.sub(balance, x.add(*taken)) if taken else balance
        room = left
        if option.max_share is not None:
            room = x.least(room, x.mul(balance, x.number(option.max_share / 100)))
        if option.max_points is not None:
            room = x.least(room, x.number(option.max_points))
        if option.min_points is not None:
            room = x.case_when([(x.ge(balance, x.number(option.min_points)), room)], x.number(0))
        taken.append(room)
    return taken


def redeemed_value(rc: ResolvedCard, taken: list[exp.Expression]) -> exp.Expression:
    return x.add(*(x.mul(t, x.number(o.rupees_per_point)) for o, t in zip(rc.ladder, taken)))
