"""The generated dbt models as sqlglot SELECTs, one tree per dialect where the
arithmetic differs (see emit.monthly_units).

Savings are one generated macro per card valid on the as-of date,
int_card_savings__<id>() (its query in parentheses), each reading the users
through these CTEs:

  spend     the six categories, their total T, partner shares split off a
            category, and any tiered line positions
  units     monthly units per earn part (rounded) and the extra benefits
  capped_n  caps inside caps: each part's yearly units after the inner caps
            (one CTE per inner level; none without nesting)
  yearly    yearly units per category after caps
  figures   the output figures
  redeemed, valued   when points go to several redemption options: what each
            option takes and what the points fetch
  final     those plus net savings and the ranking key

and int_card_savings is the UNION ALL of the macros' derived tables.  Macros,
not ephemeral models: dbt lifts every ephemeral model into the outermost WITH,
which MariaDB caps at 64 elements; and dbt parses a model that refs an
ephemeral one with sqlparse (refusing more than 10,000 tokens), which only the
small models that ref int_card_savings go through.

Caps use the non-recursive form of "fill in order": a part's share of a pool
is LEAST(cumulative units including it, ceiling) − LEAST(cumulative before it,
ceiling).  int_card_params is one literal row per card and redemption option
points may go to.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlglot import exp

from ..model import CATEGORIES
from ..resolve import EarnPart, ResolvedCard, active_rules
from . import emit
from . import exprs as x

# The chunk's users come from a dbt macro, not a ref to an ephemeral model
# (there was one, int_users_to_process): dbt splices an ephemeral ref into a model by parsing the
# model's whole SQL with sqlparse, which for 44 card models cost ~3 s of every
# run (issue 5).  The macro reads int_batch, a table, which needs no splicing.
USERS_MACRO = "cg_batch_users"
USERS_ALIAS = "chunk_users"
SAVINGS_MODEL = "int_card_savings"
SAVINGS_MACRO = "card_savings"
PARAMS_MODEL = "int_card_params"
CARD_MODEL_PREFIX = "int_card_savings__"
# Tables named REF_MARKER + model stand in for {{ ref('model') }}, and MACRO_MARKER
# + macro for {{ macro() }}, until render.py writes the Jinja.
REF_MARKER = "cgcompile_ref__"
MACRO_MARKER = "cgcompile_macro__"

USERS_CTE = "users"
SPEND_CTE = "spend"
UNITS_CTE = "units"
YEARLY_CTE = "yearly"
FIGURES_CTE = "figures"
FINAL_CTE = "final"
# The users and cards are numbered (int_batch.user_no, int_card_params.card_no)
# so the batch × catalog rows carry integers, not VARCHAR ids: DuckDB ranked a
# 250K-user chunk in 4.7 s instead of 7.4 s that way (measured by hand, issue 5).
# The ids are joined back on the ten rows kept per user.
USER_KEY = "user_no"
CARD_KEY = "card_no"
REDEMPTION_KEY = "redemption_no"
# rank_key = net savings in paise × CARD_SLOTS + (CARD_SLOTS − 1 − card_no): one
# integer that orders by net savings descending, then card_id ascending, so the
# top 10 is ROW_NUMBER over a single key (DuckDB turns that into a top-N
# aggregate; two keys keep it a full sort).  It bounds the catalog's size.
CARD_SLOTS = 1000
# dbt names an inlined ephemeral model __dbt__cte__<model>; MySQL allows 64 characters.
MAX_MODEL_NAME = 64 - len("__dbt__cte__")

SAVINGS_COLUMNS = (
    (USER_KEY, "the user's number in this run's batch (int_batch.user_no)"),
    (CARD_KEY, "the card's number: its place among the cards in card_id order (int_card_params.card_no)"),
    *((f"{c}_points", f"monthly {c} units after caps (yearly ÷ 12, rounded half-up)") for c in CATEGORIES),
    ("total_savings_yearly", "the year's units × the redemption rate, rounded half-up"),
    ("total_extra_benefits", "welcome + milestones + fee waivers, rounded half-up once"),
    ("redemption_no", "which of the card's redemption options takes the most points (int_card_params.redemption_no)"),
    ("redemption_rate", "rupees per point: the option's rate, or the balance's value ÷ its points when points go to several options"),
    ("net_savings", "total_savings_yearly − the fee charged + total_extra_benefits"),
    ("rank_key", f"net savings in paise × {CARD_SLOTS} + ({CARD_SLOTS - 1} − card_no): orders by net savings, then card_id"),
)

def ref_table(model: str) -> exp.Table:
    return exp.to_table(REF_MARKER + model)


def macro_table(macro: str, alias: str) -> exp.Table:
    return exp.alias_(exp.to_table(MACRO_MARKER + macro), alias, table=True)


def card_model(card_id: str) -> str:
    """int_card_savings__<id>, shortened with a hash when dbt's CTE name would pass 64 characters."""
    name = CARD_MODEL_PREFIX + card_id
    if len(name) <= MAX_MODEL_NAME:
        return name
    digest = hashlib.sha256(card_id.encode()).hexdigest()[:8]
    return name[: MAX_MODEL_NAME - 9] + "_" + digest


def units_column(part: EarnPart) -> str:
    """The monthly (then yearly) units one rule earns in one category: amazon_r0 is rules[0] on amazon."""
    return part.category + "_r" + str(part.rule.index)


def rule_note(part: EarnPart) -> str:
    """What a units column is, and where it was written: 'card_rules/x.yaml:14 rules[0] flat'."""
    pos = part.rule.pos
    share = f" on {part.portion.share}" if part.portion is not None and part.portion.kept else ""
    rest = f" on the rest after {part.portion.share}" if part.portion is not None and not part.portion.kept else ""
    return f"{shown_file(pos.file)}:{pos.line} rules[{part.rule.index}] {part.rule.kind}{share}{rest}"


def shown_file(path: str) -> str:
    """card_rules/x.yaml however the rules folder was spelled: the output must not depend on it."""
    p = Path(path)
    return p.parent.name + "/" + p.name


def yearly_column(category: str) -> str:
    return category + "_yearly"


def yearly_scale(rc: ResolvedCard) -> int:
    """Decimal places of the yearly units: 2 from rounding, more only if a ceiling has them."""
    return max([2] + [x.scale_of(p.yearly_amount) for p in rc.pools])


def _spend(rc: ResolvedCard) -> emit.Spend:
    sums = emit.line_sums(rc.earn)
    return emit.Spend(
        lines=tuple((cats, "line_" + "_".join(cats)) for cats in sums),
        split=tuple(c for c, _ in rc.splits),
    )


def _benefit_columns(rc: ResolvedCard) -> list[exp.Expression]:
    """total_extra_benefits; or, when points go to several options, the rupee benefits and the bonus points apart."""
    rupees, points = emit.benefit_terms(rc, emit.Spend())
    if rc.blended:
        return [
            x.alias(_exact(x.add(*rupees)), RUPEE_BENEFITS),
            x.alias(_exact(x.add(*points)), BONUS_POINTS),
        ]
    rate = rc.redemption.rupees_per_point
    extra = x.add(*rupees, *(x.mul(t, x.number(rate)) for t in points))
    if x.value_scale(extra) > 2:
        extra = x.round2(extra)
    return [x.alias(x.cast_output(extra), "total_extra_benefits")]


def _exact(e: exp.Expression) -> exp.Expression:
    """A sum of benefit values, typed with the places its values have (at least 2)."""
    return x.cast_decimal(e, x.UNITS_PRECISION, max(2, x.value_scale(e)))


RUPEE_BENEFITS = "rupee_benefits"
BONUS_POINTS = "bonus_points"


def _units_select(rc: ResolvedCard, dialect: str) -> exp.Select:
    spend = _spend(rc)
    cols = [x.col(USER_KEY)]
    for i, part in enumerate(rc.earn):
        units = emit.monthly_units(part, dialect, spend)
        column = x.alias(x.cast_decimal(units, x.UNITS_PRECISION, 2), units_column(part))
        column.add_comments([rule_note(part)])
        cols.append(column)
    cols += _benefit_columns(rc)
    query = exp.select(*cols).from_(SPEND_CTE)
    if dialect == "mysql" and _reuses_parts(rc):
        # MariaDB/MySQL merge a CTE into its reader by substituting expressions, so
        # a part read by several pool members' cumulative sums would be recomputed
        # each time (4x slower on tiered pools).  A LIMIT keeps the CTE from being
        # merged: it is computed once per user.  The number is MySQL's "all rows".
        query = query.limit(ALL_ROWS)
    return query


ALL_ROWS = 18446744073709551615


def _reuses_parts(rc: ResolvedCard) -> bool:
    return any(len(p.members) > 1 for p in rc.pools) or any(p.tiers for p in rc.earn)


def _depth(rc: ResolvedCard) -> int:
    return max((p.depth for p in rc.pools), default=0)


def _capped(rc: ResolvedCard, i: int, depth: int, read) -> exp.Expression:
    """Part i's yearly units after the pools of `depth`; read(j) gives part j's before them.

    Fill in order, non-recursively: a part's share of a pool is LEAST(the
    cumulative units including it, ceiling) − LEAST(the cumulative before it,
    ceiling)."""
    pool = next((p for p in rc.pools if p.depth == depth and i in p.members), None)
    if pool is None:
        return read(i)
    order = list(pool.members)
    upto = order.index(i)
    ceiling = x.number(pool.yearly_amount)
    including = x.least(x.add(*(read(m) for m in order[: upto + 1])), ceiling)
    if upto == 0:
        return including
    return x.sub(including, x.least(x.add(*(read(m) for m in order[:upto])), ceiling))


def _reader(rc: ResolvedCard, capped_level: bool):
    """Part j's yearly units in the CTE read: the units CTE holds monthly units; a
    capped_<n> CTE holds yearly units for capped parts and passes the others on monthly."""

    def read(j: int) -> exp.Expression:
        if capped_level and rc.earn[j].pool is not None:
            return x.col(units_column(rc.earn[j]))
        return x.mul(x.col(units_column(rc.earn[j])), x.number(12))

    return read


def _inner_levels(rc: ResolvedCard) -> list[tuple[str, exp.Select]]:
    """Caps inside caps: one CTE per inner level, each capped part's yearly units after the pools of that depth.

    The outermost level is applied in the yearly CTE itself; with no nesting there is none of these."""
    levels = []
    source, read = UNITS_CTE, _reader(rc, False)
    scale = yearly_scale(rc)
    for depth in range(1, _depth(rc)):
        cols = [x.col(USER_KEY)]
        for i, part in enumerate(rc.earn):
            if part.pool is None:
                cols.append(x.col(units_column(part)))  # uncapped: monthly, as the units CTE has it
                continue
            capped = x.cast_decimal(_capped(rc, i, depth, read), x.YEARLY_PRECISION, scale)
            cols.append(x.alias(capped, units_column(part)))
        cols += [x.col(c) for c in _benefit_names(rc)]
        name = CAPPED_CTE + str(depth)
        levels.append((name, exp.select(*cols).from_(source)))
        source, read = name, _reader(rc, True)
    return levels


CAPPED_CTE = "capped_"


def _benefit_names(rc: ResolvedCard) -> list[str]:
    return [RUPEE_BENEFITS, BONUS_POINTS] if rc.blended else ["total_extra_benefits"]


def earning_categories(rc: ResolvedCard) -> list[str]:
    cats = {p.category for p in rc.earn}
    return [c for c in CATEGORIES if c in cats]


def uncapped_categories(rc: ResolvedCard) -> set[str]:
    capped = {p.category for p in rc.earn if p.pool is not None}
    return {p.category for p in rc.earn} - capped


def _yearly_select(rc: ResolvedCard, source: str) -> exp.Select:
    scale = yearly_scale(rc)
    depth = _depth(rc)
    read = _reader(rc, depth > 1)
    cols = [x.col(USER_KEY)]
    for cat in earning_categories(rc):
        parts = [_capped(rc, i, max(depth, 1), read) for i, p in enumerate(rc.earn) if p.category == cat]
        cols.append(x.alias(x.cast_decimal(x.add(*parts), x.YEARLY_PRECISION, scale), yearly_column(cat)))
        if cat in uncapped_categories(rc):
            # yearly = 12 × Σ monthly exactly, so yearly ÷ 12 needs no rounding
            monthly = x.add(*(x.col(units_column(p)) for p in rc.earn if p.category == cat))
            cols.append(x.alias(x.cast_output(monthly), cat + "_points"))
    cols += [x.col(c) for c in _benefit_names(rc)]
    return exp.select(*cols).from_(source)


def _points_columns(rc: ResolvedCard) -> list[exp.Expression]:
    scale = yearly_scale(rc)
    earning = earning_categories(rc)
    uncapped = uncapped_categories(rc)
    cols = []
    for cat in CATEGORIES:
        if cat in uncapped:
            cols.append(x.col(cat + "_points"))
            continue
        points = x.twelfth_round2(x.col(yearly_column(cat)), scale) if cat in earning else x.number(0)
        cols.append(x.alias(x.cast_output(points), cat + "_points"))
    return cols


def _total_units(rc: ResolvedCard) -> exp.Expression:
    earning = earning_categories(rc)
    total = x.add(*(x.col(yearly_column(c)) for c in earning))
    if len(earning) > 1:
        # the sum is typed wider than its values need; narrow it to stay in 64 bits on DuckDB
        total = x.cast_decimal(total, x.YEARLY_PRECISION, yearly_scale(rc))
    return total


def _figures_select(rc: ResolvedCard, card_no: int, yearly_cte: str) -> exp.Select:
    scale = yearly_scale(rc)
    cols = [x.col(USER_KEY), x.alias(x.smallint(card_no), CARD_KEY), *_points_columns(rc)]
    if rc.blended:
        units = _total_units(rc)
        cols.append(x.alias(units, EARNED_UNITS))
        cols.append(x.alias(x.cast_decimal(x.add(units.copy(), x.col(BONUS_POINTS)), x.YEARLY_PRECISION, _balance_scale(rc)), BALANCE))
        cols.append(x.col(RUPEE_BENEFITS))
        return exp.select(*cols).from_(yearly_cte)
    rate = rc.redemption.rupees_per_point
    total_units = _total_units(rc) if rate != 1 else x.add(*(x.col(yearly_column(c)) for c in earning_categories(rc)))
    savings = x.mul(total_units, x.number(rate))
    if scale + x.scale_of(rate) > 2:
        savings = x.round2(savings)
    cols.append(x.alias(x.cast_output(savings), "total_savings_yearly"))
    cols.append(x.col("total_extra_benefits"))
    cols.append(x.alias(x.smallint(0), REDEMPTION_KEY))
    cols.append(x.alias(x.cast_decimal(x.number(rate), 5, 4), "redemption_rate"))
    return exp.select(*cols).from_(yearly_cte)


EARNED_UNITS = "earned_units"
BALANCE = "balance_points"
REDEEMED_CTE = "redeemed"
VALUED_CTE = "valued"


def _balance_scale(rc: ResolvedCard) -> int:
    amounts = [r.amount for r in rc.benefits if r.unit == "points"]
    return max([yearly_scale(rc)] + [x.scale_of(a) for a in amounts])


def taken_column(k: int) -> str:
    return "taken_" + str(k + 1)


def _redeemed_select(rc: ResolvedCard, figures_cte: str) -> exp.Select:
    """The points each option takes from the balance, and what the earned units alone fetch."""
    earned = emit.redeemed_value(rc, emit.redeemed(rc, x.col(EARNED_UNITS)))
    cols = [x.col(USER_KEY), x.col(CARD_KEY), *(x.col(c + "_points") for c in CATEGORIES)]
    cols += [x.col(RUPEE_BENEFITS), x.col(BALANCE), x.alias(x.cast_decimal(earned, VALUE_PRECISION, _value_scale(rc)), "earned_value")]
    for k, taken in enumerate(emit.redeemed(rc, x.col(BALANCE))):
        cols.append(x.alias(x.cast_decimal(taken, x.YEARLY_PRECISION, _taken_scale(rc)), taken_column(k)))
    return exp.select(*cols).from_(figures_cte)


VALUE_PRECISION = 30


def _taken_scale(rc: ResolvedCard) -> int:
    limits = [x.scale_of(o.max_share / 100) for o in rc.ladder if o.max_share is not None]
    limits += [x.scale_of(o.max_points) for o in rc.ladder if o.max_points is not None]
    return _balance_scale(rc) + max(limits, default=0)


def _value_scale(rc: ResolvedCard) -> int:
    return _taken_scale(rc) + max(x.scale_of(o.rupees_per_point) for o in rc.ladder)


def _valued_select(rc: ResolvedCard, redeemed_cte: str, dialect: str) -> exp.Select:
    """Savings, extra benefits and the redemption columns from the points redeemed."""
    taken = [x.col(taken_column(k)) for k in range(len(rc.ladder))]
    value = x.cast_decimal(emit.redeemed_value(rc, taken), VALUE_PRECISION, _value_scale(rc))
    savings = x.cast_output(x.round2(x.col("earned_value")))
    extra = x.cast_output(x.round2(x.sub(x.add(x.col(RUPEE_BENEFITS), value), x.col("earned_value"))))
    # The option taking the most points; the earlier one on a tie.
    branches = []
    for k in range(len(rc.ladder) - 1):
        wins = [x.ge(taken[k], taken[j]) for j in range(k + 1, len(rc.ladder))]
        branches.append((x.every(wins), x.smallint(k)))
    option = x.case_when(branches, x.smallint(len(rc.ladder) - 1)) if branches else x.smallint(0)
    best = x.cast_decimal(x.number(rc.redemption.rupees_per_point), 5, 4)
    average = x.ratio_round(value.copy(), _value_scale(rc), x.col(BALANCE), _balance_scale(rc), 4, dialect)
    rate = x.case_when([(exp.EQ(this=x.col(BALANCE), expression=x.number(0)), best)], x.cast_decimal(average, 5, 4))
    cols = [x.col(USER_KEY), x.col(CARD_KEY), *(x.col(c + "_points") for c in CATEGORIES)]
    cols += [
        x.alias(savings, "total_savings_yearly"),
        x.alias(extra, "total_extra_benefits"),
        x.alias(x.case_when([(exp.EQ(this=x.col(BALANCE), expression=x.number(0)), x.smallint(0))], option), REDEMPTION_KEY),
        x.alias(rate, "redemption_rate"),
    ]
    return exp.select(*cols).from_(redeemed_cte)


def _materialized(query: exp.Select, dialect: str) -> exp.Select:
    """MariaDB/MySQL: keep this CTE from being merged into its reader.

    Merging substitutes expressions: final reads total_savings_yearly in
    net_savings and again in rank_key, each the whole yearly arithmetic once
    more (figures kept apart: a 20K-user chunk of the 44 cards 19.8 s → 12.9 s);
    units reads total_spend and the tiered line sums several times each (spend
    kept apart: the 44 cards one by one 6.9 s → 6.1 s for 20K users).  MariaDB
    10.11, issue 5."""
    return query.limit(ALL_ROWS) if dialect == "mysql" else query


def _final_select(rc: ResolvedCard, card_no: int, figures_cte: str) -> exp.Select:
    net = x.cast_output(x.add(x.sub(x.col("total_savings_yearly"), x.number(rc.fee)), x.col("total_extra_benefits")))
    return exp.select("*", x.alias(net, "net_savings"), x.alias(rank_key(net.copy(), card_no), "rank_key")).from_(figures_cte)


def rank_key(net: exp.Expression, card_no: int) -> exp.Expression:
    """The single ranking key (CARD_SLOTS above): exact in 64 bits for any DECIMAL(12,2)."""
    paise = x.bigint(x.mul(net, x.number(100)))
    return x.add(x.mul(paise, x.number(CARD_SLOTS)), x.number(CARD_SLOTS - 1 - card_no))


def _union(selects: list[exp.Select]) -> exp.Expression:
    out: exp.Expression = selects[0]
    for s in selects[1:]:
        out = exp.union(out, s, distinct=False, copy=False)
    return out


def _spend_select(rc: ResolvedCard) -> exp.Select:
    cols = [x.col(USER_KEY), *(x.col(c) for c in CATEGORIES)]
    cols.append(x.alias(x.add(*(x.col(c) for c in CATEGORIES)), emit.TOTAL_SPEND))
    for cat, portion in rc.splits:
        share = x.cast_decimal(x.round2(x.mul(x.col(cat), x.number(portion.fraction))), 12, 2)
        cols.append(x.alias(share, emit.portion_column(cat, True)))
        cols.append(x.alias(x.sub(x.col(cat), share.copy()), emit.portion_column(cat, False)))
    split = dict(rc.splits)

    def on_line(cat: str) -> exp.Expression:
        if cat not in split:
            return x.col(cat)
        return x.sub(x.col(cat), x.cast_decimal(x.round2(x.mul(x.col(cat), x.number(split[cat].fraction))), 12, 2))

    for cats, name in _spend(rc).lines:
        cols.append(x.alias(x.add(*(on_line(c) for c in cats)), name))
    return exp.select(*cols).from_(USERS_CTE)


def _users() -> exp.Select:
    return exp.select("*").from_(macro_table(USERS_MACRO, USERS_ALIAS))


def card_savings_model(rc: ResolvedCard, card_no: int, as_of, assumptions: dict, dialect: str) -> exp.Select:
    """int_card_savings__<id>: this card's figures for every user, for one SQL dialect."""
    emit.check_kinds(active_rules(rc.card, as_of, assumptions), rc.card.file)
    levels = _inner_levels(rc)
    ctes = [
        (USERS_CTE, _users()),
        (SPEND_CTE, _materialized(_spend_select(rc), dialect)),
        (UNITS_CTE, _units_select(rc, dialect)),
        *((name, _materialized(q, dialect)) for name, q in levels),
        (YEARLY_CTE, _yearly_select(rc, levels[-1][0] if levels else UNITS_CTE)),
        (FIGURES_CTE, _materialized(_figures_select(rc, card_no, YEARLY_CTE), dialect)),
    ]
    last = FIGURES_CTE
    if rc.blended:
        ctes.append((REDEEMED_CTE, _materialized(_redeemed_select(rc, FIGURES_CTE), dialect)))
        ctes.append((VALUED_CTE, _valued_select(rc, REDEEMED_CTE, dialect)))
        last = VALUED_CTE
    ctes.append((FINAL_CTE, _final_select(rc, card_no, last)))
    query = exp.select("*").from_(FINAL_CTE)
    for name, body in ctes:
        query = query.with_(name, as_=body, copy=False)
    return query


def _empty_savings() -> exp.Select:
    """No card is valid on the date: the right columns, no rows."""
    cols = [x.col(USER_KEY), x.alias(x.smallint(0), CARD_KEY)]
    for name, _ in SAVINGS_COLUMNS[2:-1]:
        if name == REDEMPTION_KEY:
            cols.append(x.alias(x.smallint(0), name))
        elif name == "redemption_rate":
            cols.append(x.alias(x.cast_decimal(x.number(0), 5, 4), name))
        else:
            cols.append(x.alias(x.cast_output(x.number(0)), name))
    cols.append(x.alias(x.bigint(x.number(0)), "rank_key"))
    return exp.select(*cols).from_(USERS_CTE).where(exp.false())


def savings_reader() -> exp.Select:
    """int_card_savings, the model: what the card_savings macro returns."""
    return exp.select("*").from_(macro_table(SAVINGS_MACRO, SAVINGS_MACRO))


def savings_model(card_models: list[str]) -> exp.Select:
    """card_savings: one row per (user, card valid on the as-of date)."""
    query = exp.select("*").from_(FINAL_CTE)
    if card_models:
        body = _union([exp.select("*").from_(macro_table(m, "card_" + str(i))) for i, m in enumerate(card_models)])
    else:
        query = query.with_(USERS_CTE, as_=_users(), copy=False)
        body = _empty_savings()
    return query.with_(FINAL_CTE, as_=body, copy=False)


def card_numbers(cards: tuple[ResolvedCard, ...]) -> dict[str, int]:
    """card_no of each card: its place in card_id order."""
    return {card_id: i for i, card_id in enumerate(sorted(rc.id for rc in cards))}
