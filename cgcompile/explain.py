"""`cgcompile explain`: one user's ranked cards, each figure said in plain words.

The sentences are worded from the evaluator's exact figures (evaluate.Figures),
so an explanation can never disagree with the row it explains.  Amounts use
Indian digit grouping (₹1,20,000), as a reader in India writes them.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CgError, did_you_mean
from .model import CATEGORIES, SPEND_COLUMNS, Cap, Catalog, Tier, plain

if TYPE_CHECKING:  # evaluate imports this module; the types are only for reading
    from .evaluate import BenefitFigures, CardResult, Figures, PartFigures, UserSpend

DEFAULT_LABELS = {
    "amazon": "Amazon",
    "flipkart": "Flipkart",
    "myntra": "Myntra",
    "ajio": "Ajio",
    "grocery": "grocery",
    "other_online": "other online shopping",
}
CENT = Decimal("0.01")
COLUMNS = (
    "card_id",
    "card_name",
    "bank",
    "total_savings_yearly",
    "joining_fees",
    "total_extra_benefits",
    "net_savings",
    *(f"{c}_points" for c in CATEGORIES),
    "redemption_method",
    "redemption_rate",
)


# ---- numbers ---------------------------------------------------------------


def grouped(d: Decimal, cents: bool = False) -> str:
    """1,20,000 or 1,333.33: Indian grouping; whole amounts drop '.00' unless `cents`."""
    q = d.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):f}".split(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        pairs = []
        while len(head) > 2:
            pairs.insert(0, head[-2:])
            head = head[:-2]
        whole = ",".join([head, *pairs, tail])
    if frac == "00" and not cents:
        return sign + whole
    return f"{sign}{whole}.{frac}"


def inr(d: Decimal, cents: bool = False) -> str:
    return "₹" + grouped(d, cents)


def per_point(rate: Decimal) -> str:
    """₹ per point as people quote it: 1, 0.20, 0.25, 0.3333."""
    if rate == rate.to_integral_value():
        return str(int(rate))
    n = rate.normalize()
    return f"{n:f}" if n.as_tuple().exponent <= -2 else f"{rate.quantize(CENT):f}"


def listing(words: list[str]) -> str:
    """'Amazon', 'Amazon and Flipkart', 'Amazon, Flipkart and Myntra'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# ---- sentences ---------------------------------------------------------------


def sentences(figures: Figures, labels: dict[str, str]) -> tuple[str, ...]:
    """One sentence per category, in canonical order, then one line per extra benefit."""
    names = {**DEFAULT_LABELS, **labels}
    out = [category_sentence(figures, c, names) for c in CATEGORIES]
    out += benefit_lines(figures, names)
    return tuple(out)


def _cap_text(cap: Cap, points_name: str) -> str:
    amount = inr(cap.amount) if cap.unit == "rupees" else f"{grouped(cap.amount)} {points_name}"
    return f"{amount} a {cap.period}"


def _band_text(tier: Tier) -> str:
    if tier.end is None:
        return f"above {inr(tier.start)}"
    if tier.start == 0:
        return f"up to {inr(tier.end)}"
    return f"{inr(tier.start)}–{inr(tier.end)}"


def _tiered_text(figures: Figures, pf: PartFigures, names: dict[str, str]) -> str:
    """'2% cashback on ₹5,000 and 5% cashback on ₹25,000 (bands up to ₹5,000, then ₹5,000–₹40,000)'."""
    card = figures.resolved.card
    describe = lambda t: t.rate.describe(card.reward, card.points_name)  # noqa: E731
    if len(pf.bands) == 1:
        tier = pf.bands[0][0]
        text = f"{describe(tier)} (band {_band_text(tier)}"
    else:
        text = listing([f"{describe(t)} on {inr(overlap)}" for t, overlap in pf.bands])
        text += " (bands " + ", then ".join(_band_text(t) for t, _ in pf.bands)
    # The bands count the rule's combined spend: say whose spend came first.
    before = [c for c in pf.part.preceding if figures.spend.of(c) > 0]
    if len(before) == 1:
        text += f", after {names[before[0]]}'s {inr(figures.spend.of(before[0]))} on the same bands"
    elif before:
        offset = sum(figures.spend.of(c) for c in before)
        text += f", after {inr(offset)} of {listing([names[c] for c in before])} spend on the same bands"
    return text + ")"


def _earn_clause(figures: Figures, pf: PartFigures, names: dict[str, str]) -> str:
    card = figures.resolved.card
    part = pf.part
    if part.tiers:
        text = _tiered_text(figures, pf, names)
    else:
        text = part.rate.describe(card.reward, card.points_name)
    if part.rule.kind == "bonus":
        text = "a bonus of " + text
    if pf.capped:
        text += ", capped at " + _cap_text(_cap_of(figures, pf), card.points_name)
        others = _pool_neighbours(figures, pf, names)
        if others:
            text += f" shared with {listing(others)}"
        if pf.earned == 0:
            text += ", already used up"
    return text


def _cap_of(figures: Figures, pf: PartFigures) -> Cap:
    cap = pf.part.rule.cap
    if cap.pool is not None:
        return dict(figures.resolved.card.caps)[cap.pool]
    return cap


def _pool_neighbours(figures: Figures, pf: PartFigures, names: dict[str, str]) -> list[str]:
    """The other categories drawing on the same ceiling (labels, in fill order, once each)."""
    pool = next(p for p in figures.resolved.pools if p.key == pf.part.pool)
    seen: list[str] = []
    for i in pool.members:
        other = figures.parts[i]
        label = names[other.part.category]
        if other is not pf and other.part.category != pf.part.category and label not in seen:
            seen.append(label)
    return seen


def _result_text(figures: Figures, category: str) -> str:
    from .evaluate import round2  # a call-time import: evaluate imports this module

    card = figures.resolved.card
    option = figures.resolved.redemption
    yearly = figures.yearly(category)
    monthly = round2(yearly / 12)
    value = round2(yearly * figures.rate)
    if card.reward == "cashback" and figures.rate == 1:
        return f"{inr(monthly)} a month, {inr(value)} a year"
    if card.reward == "cashback":
        return (
            f"{inr(monthly)} of cashback a month, worth {inr(value)} a year "
            f"at ₹{per_point(figures.rate)} per ₹1 ({option.method})"
        )
    return (
        f"{grouped(monthly)} points a month, worth {inr(value)} a year "
        f"at ₹{per_point(figures.rate)} per point ({option.method})"
    )


def category_sentence(figures: Figures, category: str, names: dict[str, str]) -> str:
    label = names[category]
    spend = figures.spend.of(category)
    if spend == 0:
        return f"Nothing spent on {label}."
    parts = [p for p in figures.parts if p.part.category == category]
    head = f"{inr(spend)} a month on {label}"
    if not parts:
        return f"{head} earns nothing on this card."
    # The base rate reads first, then any bonus on top of it.
    parts.sort(key=lambda p: p.part.rule.kind == "bonus")
    clauses = [_earn_clause(figures, p, names) for p in parts]
    return f"{head} earns {' plus '.join(clauses)}: {_result_text(figures, category)}."


def _amount_text(amount: Decimal, unit: str, figures: Figures) -> str:
    if unit == "rupees":
        return inr(amount)
    return f"{grouped(amount)} points worth {inr(amount * figures.rate)}"


def _milestone_line(b: BenefitFigures, figures: Figures, names: dict[str, str]) -> str:
    r = b.rule
    # Spend on every category is just "spend"; name the categories only when they narrow it.
    narrowed = r.categories and set(r.categories) != set(CATEGORIES)
    whose = f"{listing([names[c] for c in r.categories])} " if narrowed else ""
    spent = f"{inr(b.base)} of {whose}spend a {r.period}"
    pays = _amount_text(r.amount, r.unit, figures)
    if not b.reached:
        return f"Milestone not reached: {spent} is below {inr(r.spend)} (it would pay {pays})."
    if not r.repeat:
        return f"Milestone reached: {spent} reaches {inr(r.spend)} and pays {pays} once."
    return f"Milestone reached: {spent} reaches {inr(r.spend)} and pays {pays} every {r.period}: {inr(b.value)} a year."


def benefit_lines(figures: Figures, names: dict[str, str]) -> list[str]:
    card = figures.resolved.card
    by_kind: dict[str, list[BenefitFigures]] = {}
    for b in figures.benefits:
        by_kind.setdefault(b.rule.kind, []).append(b)
    out = []
    for b in by_kind.get("welcome", []):
        about = f" ({b.rule.description})" if b.rule.description else ""
        out.append(f"Welcome benefit: {_amount_text(b.rule.amount, b.rule.unit, figures)}{about}.")
    out += [_milestone_line(b, figures, names) for b in by_kind.get("milestone", [])]
    waivers = by_kind.get("fee_waiver", [])
    if waivers and card.annual_fee > 0:
        fee = inr(card.annual_fee)
        best = next((b for b in waivers if b.counted), None)
        if best is None:
            lowest = min(b.rule.annual_spend for b in waivers)
            out.append(f"The {fee} renewal fee is not waived: annual spend {inr(waivers[0].base)} is below {inr(lowest)}.")
        else:
            r = best.rule
            what = f"The {fee} renewal fee is waived" if r.percent == 100 else f"{plain(r.percent)}% of the {fee} renewal fee ({inr(best.value)}) is waived"
            out.append(f"{what}: annual spend {inr(best.base)} reaches {inr(r.annual_spend)}.")
    joining = by_kind.get("joining_fee_waiver", [])
    if joining and card.joining_fee > 0:
        b = next((b for b in joining if b.counted), joining[0])
        r = b.rule
        spent = f"{inr(b.base)} spent in the first {r.within_days} days"
        fee = inr(card.joining_fee)
        if b.counted:
            out.append(f"The {fee} joining fee is waived: {spent} reaches {inr(r.spend)}.")
        else:
            out.append(f"The {fee} joining fee is not waived: {spent} is below {inr(r.spend)}.")
    return out


# ---- the command ---------------------------------------------------------------


def parse_assumptions(pairs: tuple[str, ...] | list[str], catalog: Catalog) -> dict[str, bool]:
    """`--assume amazon_prime=false` → {'amazon_prime': False}; unknown names are errors."""
    known = catalog.defaults()
    out: dict[str, bool] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip().lower()
        if not sep or value not in ("true", "false"):
            raise CgError(f"--assume {pair}: expected NAME=true or NAME=false")
        if name not in known:
            raise CgError(f"--assume {pair}: unknown assumption '{name}'{did_you_mean(name, known)}")
        out[name] = value == "true"
    return out


def _json_value(v):
    return f"{v:f}" if isinstance(v, Decimal) else v


def as_json(ranked: list[tuple[int, CardResult]], spend: UserSpend, as_of: dt.date, assumptions: dict[str, bool]) -> str:
    """Decimals as strings, so 25500.00 stays exactly 25500.00."""
    doc = {
        "as_of": as_of.isoformat(),
        "assumptions": assumptions,
        "spend": {c: _json_value(spend.of(c)) for c in (*CATEGORIES, "confirmed")},
        "cards": [
            {"rank": n, **{k: _json_value(getattr(r, k)) for k in COLUMNS}, "explanations": list(r.explanations)}
            for n, r in ranked
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def as_text(
    ranked: list[tuple[int, CardResult]],
    spend: UserSpend,
    as_of: dt.date,
    assumptions: dict[str, bool],
    names: dict[str, str],
) -> str:
    names = {**DEFAULT_LABELS, **names}
    lines = [
        "Monthly spend: "
        + ", ".join(f"{names[c]} {inr(spend.of(c))}" for c in CATEGORIES)
        + f" (total {inr(spend.total)}; confirmed {inr(spend.confirmed)})",
        f"Rules as of {as_of.isoformat()}"
        + ("; " + ", ".join(f"{k}={'true' if v else 'false'}" for k, v in assumptions.items()) if assumptions else ""),
    ]
    if not ranked:
        lines.append("No card is offered on that date.")
    for n, r in ranked:
        lines += [
            "",
            f"{n}. {r.card_name} ({r.card_id}, {r.bank})",
            f"   net_savings {grouped(r.net_savings, True)} = total_savings_yearly {grouped(r.total_savings_yearly, True)}"
            f" - joining_fees {grouped(r.joining_fees, True)} + total_extra_benefits {grouped(r.total_extra_benefits, True)}",
            "   " + ", ".join(f"{c}_points {grouped(r.points(c), True)}" for c in CATEGORIES),
            f"   redemption_method {r.redemption_method}, redemption_rate {r.redemption_rate:f}",
        ]
        lines += [f"   - {e}" for e in r.explanations]
    return "\n".join(lines)


def run(
    rules_dir: Path,
    amounts: dict[str, object],
    as_of: dt.date | None = None,
    top: int = 10,
    assume: tuple[str, ...] = (),
    json_output: bool = False,
) -> str:
    """Load the rules, rank the cards for one user, and return the report.

    `amounts` is keyed by category (amazon … grocery) and `confirmed`; missing
    keys count as NULL.
    """
    from .evaluate import rank, user_spend
    from .loader import load_catalog

    if top < 1:
        raise CgError(f"--top must be at least 1, got {top}")
    spend = user_spend(**{k: amounts.get(k) for k in (*SPEND_COLUMNS, "confirmed")})
    catalog = load_catalog(rules_dir)
    overrides = parse_assumptions(assume, catalog)
    values = {**catalog.defaults(), **overrides}
    when = as_of or catalog.as_of
    ranked = rank(catalog, spend, when, overrides, top)
    if json_output:
        return as_json(ranked, spend, when, values)
    return as_text(ranked, spend, when, values, dict(catalog.category_labels))

