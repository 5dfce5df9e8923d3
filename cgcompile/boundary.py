"""Boundary users: spend exactly at, just below and just above every edge the catalog has.

Random users rarely land on the paisa where a cap starts to bite or a waiver
is earned, which is where a compiled `>=` written as `>` or a cap applied per
year instead of per quarter would show.  For each card valid on the date this
module finds, from the resolved rules themselves:

- caps: the smallest monthly spend (paise) at which the capped rules' yearly
  units, after any caps inside them, reach the ceiling — one category alone,
  and for pools of several categories the second category topping up the first;
- tier edges: the combined spend at every band's from/to, on the rule's first
  category and split across its first two;
- milestones, fee waivers, joining-fee waivers, welcome benefits on early
  spend: the threshold turned into a monthly spend (rounded up to the paisa);
- redemption limits: the spend at which the year's points reach an option's
  minimum or its points a year;
- partner shares: spends whose share ends in exactly half a paisa;

and emits each at −0.01, exact and +0.01.  Then fixed users for the PRD's edge
cases (zero, NULL, huge, confirmed below the named categories) and rounding
edges (a spend whose product with a rate ends in exactly half a paisa).
Ids are BND000001… in generation order; duplicates are dropped.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import Decimal
from typing import Callable, Iterator

from .evaluate import compute, user_spend
from .model import CATEGORIES, MAX_MONTHLY_SPEND, PERIOD_MONTHS, Catalog, Rule
from .resolve import ResolvedCard, resolve_catalog

NAMED = CATEGORIES[:-1]
# The largest monthly spend per category a boundary user has: ₹1 crore, far
# inside DECIMAL(12,2) for the input and for every yearly output figure.
MAX_PAISE = 10_000_000 * 100
PREFIX = "BND"

Vector = dict[str, int]  # category -> monthly spend in paise (missing = 0)
Row = tuple[str | None, ...]  # datagen.COLUMNS order, text or None (NULL)


def paise_text(n: int) -> str:
    return str(n // 100) + "." + str(n % 100).zfill(2)


def ceil_paise(d: Decimal) -> int:
    """The smallest whole number of paise that is >= d rupees."""
    return math.ceil(d * 100)


def row(vector: Vector, confirmed: int | None = None) -> tuple[str, ...]:
    """Spend per category as the input table holds it: other_online through confirmed."""
    named = [vector.get(c, 0) for c in NAMED]
    if confirmed is None:
        confirmed = sum(named) + vector.get("other_online", 0)
    return (*(paise_text(v) for v in named), paise_text(confirmed))


def around(vector: Vector, category: str) -> Iterator[tuple[str, ...]]:
    """The vector with `category` 0.01 below, at and 0.01 above its value (never below 0)."""
    at = vector.get(category, 0)
    for v in (at - 1, at, at + 1):
        if 0 <= v <= MAX_PAISE:
            yield row({**vector, category: v})


def first_reaching(reached: Callable[[int], bool], high: int = MAX_PAISE) -> int | None:
    """The smallest paise amount in [0, high] for which `reached` holds (it must be monotone)."""
    if not reached(high):
        return None
    lo, hi = 0, high
    while lo < hi:
        mid = (lo + hi) // 2
        if reached(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _spend(vector: Vector):
    named = {c: paise_text(vector.get(c, 0)) for c in NAMED}
    return user_spend(**named, confirmed=row(vector)[-1])


def _pool_filled(rc: ResolvedCard, pool_index: int) -> Callable[[Vector], bool]:
    """Whether the pool's members earn, after the pools inside it, at least its yearly ceiling."""
    pool = rc.pools[pool_index]

    def filled(vector: Vector) -> bool:
        parts = compute(rc, _spend(vector)).parts
        amounts = [p.yearly for p in parts]
        for inner in rc.pools[:pool_index]:  # inner pools come first
            left = inner.yearly_amount
            for i in inner.members:
                amounts[i] = min(amounts[i], left)
                left -= amounts[i]
        return sum((amounts[i] for i in pool.members), Decimal(0)) >= pool.yearly_amount

    return filled


def cap_users(rc: ResolvedCard) -> Iterator[tuple[str, ...]]:
    for n, pool in enumerate(rc.pools):
        filled = _pool_filled(rc, n)
        cats = list(dict.fromkeys(rc.earn[i].category for i in pool.members))
        alone: dict[str, int] = {}
        for cat in cats:
            at = first_reaching(lambda v: filled({cat: v}))
            if at is not None:
                alone[cat] = at
                yield from around({cat: at}, cat)
        # Two categories share the ceiling: the first takes about half of it.
        if len(cats) >= 2 and cats[0] in alone:
            base = {cats[0]: alone[cats[0]] // 2}
            second = cats[1]
            at = first_reaching(lambda v: filled({**base, second: v}))
            if at is not None:
                yield from around({**base, second: at}, second)


def redemption_users(rc: ResolvedCard) -> Iterator[tuple[str, ...]]:
    """Where a redemption limit starts to bind: the balance at an option's minimum or its points a year."""
    if not rc.blended:
        return
    thresholds = [o.min_points for o in rc.ladder if o.min_points is not None]
    thresholds += [o.max_points for o in rc.ladder if o.max_points is not None]
    cats = list(dict.fromkeys(p.category for p in rc.earn)) or ["amazon"]
    for threshold in thresholds:
        for cat in cats[:2]:
            at = first_reaching(lambda v: compute(rc, _spend({cat: v})).balance.points >= threshold)
            if at is not None:
                yield from around({cat: at}, cat)


def share_users(rc: ResolvedCard) -> Iterator[tuple[str, ...]]:
    """Spends whose partner share is exactly half a paisa (the split must round up), and near it."""
    for cat, portion in rc.splits:
        rate = portion.fraction
        if rate == 0:
            continue
        for s in list(dict.fromkeys(half_paisa_spends(rate) + near_half_spends(rate))):
            yield row({cat: s})


def _rate_users(rc: ResolvedCard, rules: tuple[Rule, ...]) -> Iterator[tuple[str, ...]]:
    """None of their own: a rate's edges are its caps (cap_users) and roundings (rounding_users)."""
    return iter(())


def _tier_users(rc: ResolvedCard, rules: tuple[Rule, ...]) -> Iterator[tuple[str, ...]]:
    for rule in rules:
        cats = [p.category for p in rc.earn if p.rule is rule]
        if not cats:
            continue
        edges = sorted({t.start for t in rule.tiers if t.start > 0} | {t.end for t in rule.tiers if t.end is not None})
        for edge in edges:
            at = ceil_paise(edge)
            yield from around({cats[0]: at}, cats[0])
            if len(cats) >= 2:
                half = at // 2
                yield from around({cats[0]: half, cats[1]: at - half}, cats[1])


def _milestone_users(rc: ResolvedCard, rules: tuple[Rule, ...]) -> Iterator[tuple[str, ...]]:
    for rule in rules:
        cat = (rule.categories or CATEGORIES)[0]
        yield from around({cat: ceil_paise(rule.spend / PERIOD_MONTHS[rule.period])}, cat)


# Waivers and early-spend offers depend on the total only: tried on Amazon
# (the fee waiver) and on other online spend (the early-spend ones).
def _fee_waiver_users(rc: ResolvedCard, rules: tuple[Rule, ...]) -> Iterator[tuple[str, ...]]:
    for rule in rules:
        yield from around({"amazon": ceil_paise(rule.annual_spend / 12)}, "amazon")


def _early_spend_users(rc: ResolvedCard, rules: tuple[Rule, ...]) -> Iterator[tuple[str, ...]]:
    for rule in rules:
        if rule.spend is not None:
            yield from around({"other_online": ceil_paise(rule.spend * 30 / rule.within_days)}, "other_online")


# Per kind (cgcompile/kinds.py): the spends where a rule of that kind changes the result.
KIND_USERS = {
    "flat": _rate_users,
    "tiered": _tier_users,
    "bonus": _rate_users,
    "milestone": _milestone_users,
    "welcome": _early_spend_users,
    "fee_waiver": _fee_waiver_users,
    "joining_fee_waiver": _early_spend_users,
}


def kind_users(rc: ResolvedCard) -> Iterator[tuple[str, ...]]:
    earn_rules = tuple(dict.fromkeys(p.rule for p in rc.earn))
    for kind, users in KIND_USERS.items():
        rules = tuple(r for r in earn_rules if r.kind == kind) + rc.of_kind(kind)
        yield from users(rc, rules)


def half_paisa_spends(per_rupee: Decimal, below: int = MAX_PAISE, count: int = 2) -> list[int]:
    """Spends (paise) whose product with the rate is x.xx5 exactly, so round2 must round up.

    With the rate n / 10^k and the spend s paise, the product is s·n / 10^(k+2);
    it has exactly three decimals ending in 5 when s·n / 10^(k-1) is a whole
    number ending in 5.  s must then be a multiple of q = 10^(k-1) / gcd(n, 10^(k-1)).
    """
    exponent = per_rupee.normalize().as_tuple().exponent
    k = max(0, -exponent)
    if k < 1:
        return []
    n = int(per_rupee.scaleb(k))
    unit = 10 ** (k - 1)
    q = unit // math.gcd(n, unit)
    found = []
    for m in range(1, 200):
        s = m * q
        if s > below:
            break
        if (s * n // unit) % 10 == 5:
            found.append(s)
            if len(found) == count:
                break
    return found


@functools.lru_cache(maxsize=None)
def near_half_spends(per_rupee: Decimal, below: int = MAX_PAISE, search: int = 20_000) -> list[int]:
    """The spends up to ₹200 (paise) whose product with the rate comes closest to half a
    paisa from below and from above (or hits it): where a rate carried with fewer
    places, or a rounding done in another order, would change the result."""
    exponent = per_rupee.normalize().as_tuple().exponent
    k = max(0, -exponent)
    if k < 1:
        return []
    n = int(per_rupee.scaleb(k))
    paisa = 10**k  # the product s·n is in units of 10^-(k+2) rupees
    half = paisa // 2
    under = over = None  # (distance, spend)
    for s in range(1, min(search, below) + 1):
        r = (s * n) % paisa
        if r >= half:
            if over is None or r - half < over[0]:
                over = (r - half, s)
        elif under is None or half - r < under[0]:
            under = (half - r, s)
    return [found[1] for found in (under, over) if found is not None]


def rounding_users(rc: ResolvedCard) -> Iterator[tuple[str, ...]]:
    for part in rc.earn:
        if part.tiers:
            if part.preceding:
                continue  # only the first category starts at 0 on the line
            first = part.tiers[0]
            below = MAX_PAISE if first.end is None else ceil_paise(first.end) - 1
            rate = first.rate.per_rupee
        else:
            below, rate = MAX_PAISE, part.rate.per_rupee
        spends = list(dict.fromkeys(half_paisa_spends(rate, below) + near_half_spends(rate, below)))
        for s in spends:
            yield row({part.category: s})


def edge_case_rows() -> list[Row]:
    """The PRD's edge cases (4.1) and the derived-column cases, in datagen.COLUMNS order minus user_id."""
    crore = paise_text(MAX_PAISE)
    bound = paise_text(ceil_paise(MAX_MONTHLY_SPEND))
    return [
        ("0.00",) * 6,  # zero spend
        (None,) * 6,  # all NULL: counts as 0
        (None, "25000.00", None, None, "4000.00", None),  # partly NULL, no confirmed
        ("12000.00", None, "0.00", None, "3000.00", "20000.00"),  # NULL named, confirmed given
        (None, None, None, None, None, "45000.00"),  # confirmed only: all other online
        ("1000000.01", "1500000.00", "1000000.00", "1000000.00", "1000000.00", "9000000.00"),  # ₹10L+ a month
        (crore, crore, crore, crore, crore, paise_text(6 * MAX_PAISE)),  # ₹1 crore in every category
        (crore, "0.00", "0.00", "0.00", "0.00", crore),  # ₹1 crore on Amazon alone
        ("40000.00", "20000.00", "5000.00", "0.00", "8000.00", "10000.00"),  # confirmed below the named sum
        ("30000.00", "30000.00", "0.00", "0.00", "0.00", "59999.99"),  # confirmed 0.01 below
        ("30000.00", "30000.00", "0.00", "0.00", "0.00", "60000.01"),  # other online 0.01
        ("0.01", "0.01", "0.01", "0.01", "0.01", "0.06"),  # one paisa everywhere
        ("1000.00", "-0.01", "0.00", "0.00", "0.00", "1000.00"),  # negative: the user fails
        # The input bound (model.MAX_MONTHLY_SPEND): at it the user is ranked, 0.01 above it fails.
        (bound, "0.00", "0.00", "0.00", "0.00", bound),
        ("0.00", "0.00", "0.00", "0.00", "0.00", bound),
        (bound, "0.01", "0.00", "0.00", "0.00", paise_text(ceil_paise(MAX_MONTHLY_SPEND) + 1)),
        ("9999999999.99",) * 6,  # the largest DECIMAL(12,2) everywhere: fails
    ]


def boundary_users(
    catalog: Catalog,
    as_of: dt.date | None = None,
    assumptions: dict | None = None,
    prefix: str = PREFIX,
    horizon: str | None = None,
) -> list[Row]:
    """Every boundary user of the catalog, as rows (user_id first) in datagen.COLUMNS order."""
    spends: list[tuple[str | None, ...]] = list(edge_case_rows())
    for rc in resolve_catalog(catalog, as_of, assumptions, horizon):
        for source in (cap_users, kind_users, rounding_users, redemption_users, share_users):
            spends.extend(source(rc))
    unique = list(dict.fromkeys(spends))
    return [(prefix + str(i).zfill(6), *s) for i, s in enumerate(unique, start=1)]
