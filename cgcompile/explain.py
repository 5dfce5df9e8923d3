"""`cgcompile explain`: one user's ranked cards, each figure said in plain words.

The sentences are worded from the evaluator's exact figures (evaluate.Figures),
so an explanation can never disagree with the row it explains.  Amounts use
Indian digit grouping (₹1,20,000), as a reader in India writes them.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from .errors import CgError
from .kinds import KINDS
from .evaluate import BenefitFigures, CardResult, Figures, PartFigures, UserSpend, compute, ranked, result, round2
from .model import CATEGORIES, SPEND_COLUMNS, TRAVEL_ASSUMPTION, Cap, Catalog, Tier, plain
from .money import CENT, grouped, inr, listing, per_point
from .resolve import ResolvedCard, resolve_catalog

DEFAULT_LABELS = {
    "amazon": "Amazon",
    "flipkart": "Flipkart",
    "myntra": "Myntra",
    "ajio": "Ajio",
    "grocery": "grocery",
    "other_online": "other online shopping",
}
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


# ---- sentences ---------------------------------------------------------------


def sentences(figures: Figures, labels: dict[str, str]) -> tuple[str, ...]:
    """One sentence per category, in canonical order, then the fees, the extra benefits and the redemption."""
    names = {**DEFAULT_LABELS, **labels}
    out = [category_sentence(figures, c, names) for c in CATEGORIES]
    out += fee_lines(figures)
    out += benefit_lines(figures, names)
    out += redemption_lines(figures)
    return tuple(out)


def _units_text(amount: Decimal, unit: str, points_name: str) -> str:
    return inr(amount) if unit == "rupees" else f"{grouped(amount)} {points_name}"


def _cap_text(cap: Cap, points_name: str) -> str:
    return f"{_units_text(cap.amount, cap.unit, points_name)} a {cap.period}"


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


def _order_text(pf: PartFigures, names: dict[str, str]) -> str:
    """What per-order terms make of the rate at the category's average order value."""
    order = pf.part.order
    terms = []
    if order.published.full_blocks:
        terms.append(f"per full ₹{plain(order.published.per)} of each order")
    if order.per_order is not None and order.per_order.cap is not None:
        terms.append(f"at most {plain(order.per_order.cap)} an order")
    if order.per_order is not None and order.per_order.minimum is not None:
        terms.append(f"on orders of {inr(order.per_order.minimum)} or more")
    units = order.units_per_order
    earned = Decimal(units.numerator) / Decimal(units.denominator)
    effective = (pf.part.rate.per_rupee * 100).normalize()
    rate = plain(effective) if -effective.as_tuple().exponent <= 2 else "about " + plain(effective.quantize(CENT))
    return (
        f" ({', '.join(terms)}; an average {names[pf.part.category]} order of {inr(order.order_value)} earns "
        f"{grouped(earned)}: {rate} per ₹100)"
    )


def _rate_text(figures: Figures, pf: PartFigures, names: dict[str, str]) -> str:
    card = figures.resolved.card
    if pf.part.order is not None:
        return pf.part.order.published.describe(card.reward, card.points_name) + _order_text(pf, names)
    return pf.part.rate.describe(card.reward, card.points_name)


def _bonus_text(figures: Figures, pf: PartFigures, names: dict[str, str]) -> str:
    return "a bonus of " + _rate_text(figures, pf, names)


def _earn_clause(figures: Figures, pf: PartFigures, names: dict[str, str]) -> str:
    part = pf.part
    text = EARN_TEXT[part.rule.kind](figures, pf, names)
    if part.portion is not None:
        portion = part.portion
        if portion.kept:
            text = f"{text} on its {portion.share} part ({plain(portion.fraction * 100)}%, {inr(pf.spend)})"
        else:
            text = f"{text} on the rest ({inr(pf.spend)})"
    if pf.capped:
        text += ", capped at " + _caps_text(figures, pf, names)
        if pf.earned == 0:
            text += ", already used up"
    return text


def _caps_text(figures: Figures, pf: PartFigures, names: dict[str, str]) -> str:
    """The part's ceiling and any it sits within, each with the categories sharing it."""
    card = figures.resolved.card
    pools = {p.key: p for p in figures.resolved.pools}
    texts = []
    for key in pf.part.chain:
        pool = pools[key]
        text = _cap_text(pool.cap, card.points_name)
        others = _pool_neighbours(figures, pool, pf, names)
        if others:
            text += f" shared with {listing(others)}"
        texts.append(text)
    return ", within ".join(texts)


def _pool_neighbours(figures: Figures, pool, pf: PartFigures, names: dict[str, str]) -> list[str]:
    """The other categories drawing on the same ceiling (labels, in fill order, once each)."""
    seen: list[str] = []
    for i in pool.members:
        other = figures.parts[i]
        label = names[other.part.category]
        if other is not pf and other.part.category != pf.part.category and label not in seen:
            seen.append(label)
    return seen


def _result_text(figures: Figures, category: str) -> str:
    card = figures.resolved.card
    option = figures.resolved.redemption
    yearly = figures.yearly(category)
    monthly = round2(yearly / 12)
    if figures.resolved.blended:
        unit = "" if card.reward == "cashback" else " points"
        amount = inr(monthly) if card.reward == "cashback" else grouped(monthly)
        return f"{amount}{unit} a month, {grouped(yearly)}{unit} a year (redeemed below)"
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
    # The partner share first, then the base rate, then any bonus on top of it.
    parts.sort(key=lambda p: (p.part.portion is None or not p.part.portion.kept, not KINDS[p.part.rule.kind].primary))
    clauses = [_earn_clause(figures, p, names) for p in parts]
    return f"{head} earns {' plus '.join(clauses)}: {_result_text(figures, category)}."


def _amount_text(amount: Decimal, unit: str, figures: Figures) -> str:
    if unit == "rupees":
        return inr(amount)
    if figures.resolved.blended:
        return f"{grouped(amount)} points"
    return f"{grouped(amount)} points worth {inr(amount * figures.rate)}"


def _gross(fee: Decimal, resolved: ResolvedCard) -> str:
    """'₹999 + 18% GST = ₹1,178.82'."""
    if fee == 0:
        return inr(fee)
    if resolved.gst_percent == 0:
        return inr(fee, True)
    return f"{inr(fee)} + {plain(resolved.gst_percent)}% GST"


def fee_lines(figures: Figures) -> list[str]:
    """Which fee the horizon charges, with GST, and what it leaves out."""
    resolved = figures.resolved
    card = resolved.card
    waiver = next((r for r in card.rules if r.kind == "fee_waiver"), None)
    if resolved.horizon == "first_year":
        charged = f"the joining fee {_gross(card.joining_fee, resolved)} = {inr(resolved.joining_fee, True)}"
        if card.joining_fee == 0:
            charged = "no joining fee"
        line = f"First-year view: {charged} is charged"
        if card.annual_fee > 0:
            line += f"; the {inr(card.annual_fee)} renewal fee falls due in the second year"
            if waiver is not None:
                line += ", so its waiver on annual spend is not counted"
        return [line + "."]
    charged = f"the annual fee {_gross(card.annual_fee, resolved)} = {inr(resolved.annual_fee, True)}"
    if card.annual_fee == 0:
        charged = "no annual fee"
    return [f"Ongoing view (a year after the first): {charged} is charged; welcome benefits and joining-fee waivers are not counted."]


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
    if r.unit == "rupees":
        total = inr(b.value)
    elif figures.resolved.blended:
        total = f"{grouped(b.value)} points"
    else:
        total = inr(b.value * figures.rate)
    return f"Milestone reached: {spent} reaches {inr(r.spend)} and pays {pays} every {r.period}: {total} a year."


def _welcome_line(b: BenefitFigures, figures: Figures) -> str:
    r = b.rule
    about = f" ({r.description})" if r.description else ""
    pays = _amount_text(r.amount, r.unit, figures)
    if r.spend is None:
        return f"Welcome benefit: {pays}{about}."
    spent = f"{inr(b.base)} spent in the first {r.within_days} days"
    if b.reached:
        return f"Welcome benefit: {pays}{about}: {spent} reaches {inr(r.spend)}."
    return f"Welcome benefit not earned: {spent} is below {inr(r.spend)} (it would pay {pays}{about})."


def _welcome_lines(found: list[BenefitFigures], figures: Figures, names: dict[str, str]) -> list[str]:
    return [_welcome_line(b, figures) for b in found]


def _milestone_lines(found: list[BenefitFigures], figures: Figures, names: dict[str, str]) -> list[str]:
    return [_milestone_line(b, figures, names) for b in found]


def _fee_waiver_lines(found: list[BenefitFigures], figures: Figures, names: dict[str, str]) -> list[str]:
    resolved = figures.resolved
    if resolved.card.annual_fee == 0:
        return []
    fee = inr(resolved.annual_fee, True)
    best = next((b for b in found if b.counted), None)
    if best is None:
        lowest = min(b.rule.annual_spend for b in found)
        return [f"The {fee} annual fee is not waived: annual spend {inr(found[0].base)} is below {inr(lowest)}."]
    r = best.rule
    what = f"The {fee} annual fee is waived" if r.percent == 100 else f"{plain(r.percent)}% of the {fee} annual fee ({inr(best.value, True)}) is waived"
    return [f"{what}: annual spend {inr(best.base)} reaches {inr(r.annual_spend)}."]


def _joining_fee_waiver_lines(found: list[BenefitFigures], figures: Figures, names: dict[str, str]) -> list[str]:
    resolved = figures.resolved
    if resolved.card.joining_fee == 0:
        return []
    b = next((b for b in found if b.counted), found[0])
    r = b.rule
    spent = f"{inr(b.base)} spent in the first {r.within_days} days"
    fee = inr(resolved.joining_fee, True)
    if b.counted:
        return [f"The {fee} joining fee is waived: {spent} reaches {inr(r.spend)}."]
    return [f"The {fee} joining fee is not waived: {spent} is below {inr(r.spend)}."]


# Per kind (cgcompile/kinds.py), in the order the lines are shown.
EARN_TEXT = {"flat": _rate_text, "tiered": _tiered_text, "bonus": _bonus_text}
BENEFIT_TEXT = {
    "welcome": _welcome_lines,
    "milestone": _milestone_lines,
    "fee_waiver": _fee_waiver_lines,
    "joining_fee_waiver": _joining_fee_waiver_lines,
}


def benefit_lines(figures: Figures, names: dict[str, str]) -> list[str]:
    out: list[str] = []
    for kind, lines in BENEFIT_TEXT.items():
        found = [b for b in figures.benefits if b.rule.kind == kind]
        if found:
            out += lines(found, figures, names)
    return out


def _ignored_options(resolved: ResolvedCard) -> list[str]:
    """Travel options the catalog's travel assumption leaves out."""
    out = []
    for option in resolved.card.redemption:
        gated = any(c.assumption == TRAVEL_ASSUMPTION for c in option.when)
        if gated and option not in resolved.ladder and option.rupees_per_point > resolved.redemption.rupees_per_point:
            out.append(f"{option.method} at ₹{per_point(option.rupees_per_point)}")
    return out


def redemption_lines(figures: Figures) -> list[str]:
    """How the balance is redeemed when points go to several options, and what is left out."""
    resolved = figures.resolved
    out = []
    ignored = _ignored_options(resolved)
    if ignored:
        out.append(f"Not counted: {listing(ignored)} a point ({TRAVEL_ASSUMPTION}=false: these users are taken to redeem for shopping).")
    if not resolved.blended:
        return out
    balance = figures.balance
    if balance.points == 0:
        return out + ["No points to redeem."]
    shares = []
    for option, points in balance.taken:
        if points == 0:
            continue
        limits = []
        if option.max_share is not None:
            limits.append(f"at most {plain(option.max_share)}% of the points")
        if option.max_points is not None:
            limits.append(f"at most {grouped(option.max_points)} points a year")
        limit = f", {' and '.join(limits)}" if limits else ""
        shares.append(f"{grouped(points)} as {option.method} at ₹{per_point(option.rupees_per_point)}{limit}")
    skipped = [o for o, p in balance.taken if o.min_points is not None and balance.points < o.min_points]
    line = f"The year's {grouped(balance.points)} points are redeemed: {'; '.join(shares)}: {inr(balance.value, True)}"
    bonus = figures.bonus_points
    if bonus:
        line += f" (the {grouped(bonus)} bonus points add {inr(balance.value - figures.earned.value, True)} on top of the earned points)"
    out.append(line + ".")
    for option in skipped:
        out.append(f"{option.method} needs {grouped(option.min_points)} points: not used.")
    return out


# ---- the command ---------------------------------------------------------------


def _json_value(v):
    return f"{v:f}" if isinstance(v, Decimal) else v



def _value_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return plain(v)


def as_json(explained: list[tuple[int, CardResult, tuple[str, ...]]], spend: UserSpend, as_of: dt.date, assumptions: dict,
            horizon: str = "first_year", confidence: dict[str, str] | None = None) -> str:
    """Decimals as strings, so 25500.00 stays exactly 25500.00."""
    doc = {
        "as_of": as_of.isoformat(),
        "horizon": horizon,
        "assumptions": {k: _json_value(v) for k, v in assumptions.items()},
        "spend": {c: _json_value(spend.of(c)) for c in (*CATEGORIES, "confirmed")},
        "cards": [
            {"rank": n, **{k: _json_value(getattr(r, k)) for k in COLUMNS},
             "confidence": (confidence or {}).get(r.card_id), "explanations": list(lines)}
            for n, r, lines in explained
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def as_text(
    explained: list[tuple[int, CardResult, tuple[str, ...]]],
    spend: UserSpend,
    as_of: dt.date,
    assumptions: dict,
    names: dict[str, str],
    horizon: str = "first_year",
    confidence: dict[str, str] | None = None,
) -> str:
    names = {**DEFAULT_LABELS, **names}
    lines = [
        "Monthly spend: "
        + ", ".join(f"{names[c]} {inr(spend.of(c))}" for c in CATEGORIES)
        + f" (total {inr(spend.total)}; confirmed {inr(spend.confirmed)})",
        f"Rules as of {as_of.isoformat()}, {horizon.replace('_', '-')} view"
        + ("; " + ", ".join(f"{k}={_value_text(v)}" for k, v in assumptions.items()) if assumptions else ""),
    ]
    if not explained:
        lines.append("No card is offered on that date.")
    for n, r, why in explained:
        lines += [
            "",
            f"{n}. {r.card_name} ({r.card_id}, {r.bank}"
            + (f"; terms {confidence[r.card_id].replace('_', ' ')}" if confidence and r.card_id in confidence else "") + ")",
            f"   net_savings {grouped(r.net_savings, True)} = total_savings_yearly {grouped(r.total_savings_yearly, True)}"
            f" - joining_fees {grouped(r.joining_fees, True)} + total_extra_benefits {grouped(r.total_extra_benefits, True)}",
            "   " + ", ".join(f"{c}_points {grouped(r.points(c), True)}" for c in CATEGORIES),
            f"   redemption_method {r.redemption_method}, redemption_rate {r.redemption_rate:f}",
        ]
        lines += [f"   - {e}" for e in why]
    return "\n".join(lines)


def explain_rank(
    catalog: Catalog,
    spend: UserSpend,
    as_of: dt.date | None = None,
    assumptions: dict | None = None,
    top: int = 10,
    horizon: str | None = None,
) -> list[tuple[int, CardResult, tuple[str, ...]]]:
    """evaluate.rank with every figure explained: (rank, row, sentences)."""
    labels = dict(catalog.category_labels)
    rows = []
    for rc in resolve_catalog(catalog, as_of, assumptions, horizon):
        figures = compute(rc, spend)
        rows.append((result(figures), figures))
    best = ranked([r for r, _ in rows])[:top]
    figures_of = {r.card_id: f for r, f in rows}
    return [(n, r, sentences(figures_of[r.card_id], labels)) for n, r in enumerate(best, start=1)]


def run(
    rules_dir: Path,
    amounts: dict[str, object],
    as_of: dt.date | None = None,
    top: int = 10,
    assume: tuple[str, ...] = (),
    json_output: bool = False,
    horizon: str | None = None,
) -> str:
    """Load the rules, rank the cards for one user, and return the report.

    `amounts` is keyed by category (amazon … grocery) and `confirmed`; missing
    keys count as NULL.
    """
    from .evaluate import user_spend
    from .loader import confidence, load_catalog
    from .options import horizon_choice, parse_assumptions

    if top < 1:
        raise CgError(f"--top must be at least 1, got {top}")
    spend = user_spend(**{k: amounts.get(k) for k in (*SPEND_COLUMNS, "confirmed")})
    catalog = load_catalog(rules_dir)
    overrides = parse_assumptions(assume, catalog)
    view = horizon_choice(horizon, catalog)
    values = {**catalog.defaults(), **overrides}
    when = as_of or catalog.as_of
    explained = explain_rank(catalog, spend, when, overrides, top, view)
    sure = {card.id: confidence(card) for card in catalog.cards}
    if json_output:
        return as_json(explained, spend, when, values, view, sure)
    return as_text(explained, spend, when, values, dict(catalog.category_labels), view, sure)
