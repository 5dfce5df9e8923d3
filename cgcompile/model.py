"""The validated rule model: frozen dataclasses, as written in card_rules/.

The loader (loader.py) builds these from YAML and guarantees every invariant
documented in docs/rules.md; nothing downstream re-validates.  `resolve.py`
turns a Card into a ResolvedCard for one as-of date and one set of
assumptions; the evaluator and the SQL compiler both start from there, so the
two can only disagree on arithmetic, never on which terms apply.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# The six spend categories of the PRD's input table, in canonical order.  The
# order matters: `rest` expands in this order, and pooled caps and tiers are
# filled in the order categories are listed.
CATEGORIES: tuple[str, ...] = ("amazon", "flipkart", "myntra", "ajio", "grocery", "other_online")

# Input column per named category; other_online is derived (confirmed minus
# the named categories, never below zero).
SPEND_COLUMNS: dict[str, str] = {
    "amazon": "avg_amazon_gmv",
    "flipkart": "avg_flipkart_gmv",
    "myntra": "avg_myntra_gmv",
    "ajio": "avg_ajio_gmv",
    "grocery": "avg_grocery_gmv",
}
CONFIRMED_COLUMN = "avg_confirmed_gmv"

PERIOD_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}

# The two views of a year's fees (docs/rules.md, "Fee horizon").
HORIZONS = ("first_year", "ongoing")
DEFAULT_GST_PERCENT = Decimal(18)
# Redemption types a shopper may not use: valued only when the catalog's
# TRAVEL_ASSUMPTION holds (docs/rules.md, "Redemption").
REDEMPTION_TYPES = ("cashback", "statement_credit", "vouchers", "catalogue", "travel", "transfer")
TRAVEL_TYPES = ("travel", "transfer")
TRAVEL_ASSUMPTION = "travel_redemption"
# The numeric assumption per-order terms read, one value per category.
ORDER_VALUE = "avg_order_value"

# The PRD's outputs are DECIMAL(12,2) (below ₹1,000 crore).  The catalog's
# richest card pays under ₹1 a year per rupee of monthly spend, so a user
# spending more than ₹100 crore a month in all is rejected as bad data (the
# user fails, with this reason) rather than overflowing and failing the batch.
MAX_MONTHLY_SPEND = Decimal("1000000000.00")
REWARD_KINDS = ("cashback", "points")
UNITS = ("rupees", "points")
CAP_SCOPES = ("pooled", "each")

# Rates are stored per rupee, rounded half-up to this many places, so that
# "4 points per ₹150" multiplies exactly in every SQL engine (DuckDB turns
# DECIMAL division into DOUBLE).
RATE_PLACES = 10


@dataclass(frozen=True)
class Pos:
    """Where a value was written: 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Rate:
    """An earn rate.  `per_rupee` is what the arithmetic uses."""

    per_rupee: Decimal
    percent: Decimal | None = None  # set for `{percent: 5}`
    points: Decimal | None = None  # set for `{points: 12, per: 200}`
    per: Decimal | None = None
    full_blocks: bool = False  # points per full `per` of each order (needs the order value)

    def describe(self, reward: str, points_name: str) -> str:
        """'5% cashback', '₹1 per ₹100', '12 EDGE points per ₹200'."""
        if self.percent is not None:
            noun = "cashback" if reward == "cashback" else points_name
            return f"{plain(self.percent)}% {noun}"
        if reward == "cashback":
            return f"₹{plain(self.points)} per ₹{plain(self.per)}"
        return f"{plain(self.points)} {points_name} per ₹{plain(self.per)}"


@dataclass(frozen=True)
class Tier:
    """A marginal band of monthly spend: [start, end) earns `rate`."""

    start: Decimal
    end: Decimal | None  # None: no upper bound
    rate: Rate
    pos: Pos


@dataclass(frozen=True)
class Cap:
    """A ceiling on earned units over a period.

    `pool` names a shared cap (declared in the card's `caps:`); rules that
    name the same pool share one ceiling, filled in rule then category order.
    """

    amount: Decimal
    unit: str  # rupees | points (must match the card's reward kind)
    period: str  # month | quarter | year
    scope: str  # pooled | each
    pool: str | None
    pos: Pos
    within: str | None = None  # the named cap this one sits inside (nested caps)


@dataclass(frozen=True)
class Condition:
    """`when: {assumption: value}` — the rule applies only if it holds."""

    assumption: str
    value: bool
    pos: Pos


@dataclass(frozen=True)
class PerOrder:
    """Per-transaction terms, turned into a monthly rate with the average order value."""

    cap: Decimal | None  # most units one order earns
    minimum: Decimal | None  # smallest order (₹) that earns
    pos: Pos


@dataclass(frozen=True)
class Rule:
    """One entry of a card's `rules:` list.  Which fields are set depends on kind:

    flat       categories, rate, cap?
    tiered     categories, tiers, cap?
    bonus      categories, rate, cap?        (on top of the flat/tiered rate)
    milestone  spend, period, repeat, amount, unit, categories (spend base)
    welcome    amount, unit, spend?, within_days?   (on early spend)
    fee_waiver annual_spend, percent          (of the annual fee)
    joining_fee_waiver  spend, within_days
    """

    kind: str
    index: int  # position in `rules:`, used in messages and ordering
    pos: Pos
    categories: tuple[str, ...] = ()
    rest: bool = False  # `categories: rest`
    rate: Rate | None = None
    tiers: tuple[Tier, ...] = ()
    cap: Cap | None = None
    spend: Decimal | None = None
    period: str | None = None
    repeat: bool = True
    amount: Decimal | None = None
    unit: str | None = None
    annual_spend: Decimal | None = None
    percent: Decimal | None = None
    within_days: int | None = None
    description: str = ""
    when: tuple[Condition, ...] = ()
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    per_order: PerOrder | None = None  # flat, bonus
    share: str | None = None  # flat, bonus: the share assumption naming the part of the category it earns on


@dataclass(frozen=True)
class Redemption:
    method: str
    rupees_per_point: Decimal
    pos: Pos
    note: str = ""
    when: tuple[Condition, ...] = ()
    type: str | None = None  # one of REDEMPTION_TYPES
    max_share: Decimal | None = None  # percent of the year's points this option may take
    max_points: Decimal | None = None  # points a year this option may take
    min_points: Decimal | None = None  # points needed to use it at all
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    @property
    def limited(self) -> bool:
        return self.max_share is not None or self.max_points is not None or self.min_points is not None


# --- provenance: what backs each term of a card (provenance.py reads it) ---

CONFIDENCE_LEVELS = ("unverified", "single_source", "verified")  # least sure first


@dataclass(frozen=True)
class SourceRef:
    key: str
    url: str
    checked: dt.date
    issuer: bool = False


@dataclass(frozen=True)
class Term:
    """One term of a card and what backs it (no sources: unverified)."""

    path: str  # fees, rules[2], caps.online, redemption[0]
    sources: tuple[SourceRef, ...]
    inherited: bool = False  # cites nothing itself: backed by the card's summary source

    @property
    def confidence(self) -> str:
        if any(s.issuer for s in self.sources) or len({s.url for s in self.sources}) >= 2:
            return "verified"
        return "single_source" if self.sources else "unverified"

    @property
    def checked(self) -> dt.date | None:
        """When the newest of its sources was last checked."""
        return max((s.checked for s in self.sources), default=None)


@dataclass(frozen=True)
class Provenance:
    terms: tuple[Term, ...]

    @property
    def confidence(self) -> str:
        return min((t.confidence for t in self.terms), key=CONFIDENCE_LEVELS.index, default="unverified")


@dataclass(frozen=True)
class Source:
    url: str
    checked: dt.date
    note: str = ""
    alternatives: tuple[str, ...] = ()
    issuer: bool = False  # the issuer's own page (its terms, MITC, FAQ)


@dataclass(frozen=True)
class Card:
    id: str
    name: str
    bank: str
    reward: str  # cashback | points
    points_name: str
    joining_fee: Decimal
    annual_fee: Decimal
    source: Source
    redemption: tuple[Redemption, ...]
    rules: tuple[Rule, ...]
    file: str
    pos: Pos
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    caps: tuple[tuple[str, Cap], ...] = ()  # shared pools, by name
    provenance: Provenance | None = None  # each term's sources (provenance.py)


@dataclass(frozen=True)
class Assumption:
    """What the data cannot settle.  A yes/no assumption gates rules (`when`);
    a numeric one is a figure: an average order value in rupees, or the share
    (percent) of a category's spend made at a partner (`category`)."""

    name: str
    description: str
    default: bool | Decimal
    pos: Pos
    unit: str | None = None  # None: yes/no; rupees | percent
    category: str | None = None  # a share's category
    source: Source | None = None

    @property
    def numeric(self) -> bool:
        return self.unit is not None


@dataclass(frozen=True)
class Catalog:
    """Everything under card_rules/: shared settings plus one Card per file."""

    as_of: dt.date
    assumptions: tuple[Assumption, ...]
    cards: tuple[Card, ...] = field(default_factory=tuple)
    category_labels: tuple[tuple[str, str], ...] = ()
    horizon: str = "first_year"
    gst_percent: Decimal = DEFAULT_GST_PERCENT
    # Cards left out of the ranking by rank_unverified: false (the loader's decision).
    excluded: tuple[Card, ...] = ()

    def label(self, category: str) -> str:
        return dict(self.category_labels).get(category, category)

    def defaults(self) -> dict[str, bool | Decimal]:
        return {a.name: a.default for a in self.assumptions}


def plain(d: Decimal | None) -> str:
    """A decimal as an analyst wrote it: 5, 7.5, 0.25 (no trailing zeros)."""
    if d is None:
        return ""
    return format(d.normalize(), "f")
