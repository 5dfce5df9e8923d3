"""Load card_rules/ into the model, checking every rule of docs/rules.md.

All problems in all files are collected and raised together as RulesInvalid;
a Catalog is only returned when there are none, so nothing downstream has to
re-validate.  Choices made here beyond the spec:

- A pool declared under `caps:` that no rule names is an error: a ceiling
  nobody fills is a typo or a forgotten rule.
- Overlaps (a category covered twice, two fee waivers with one threshold) are
  checked for every combination of the assumptions the card's rules name, at
  every valid_from / valid_until date of those rules and at the catalog's
  as_of.  Two inclusive date ranges that overlap always share one of their
  start dates (or, with no start, an end date), so those dates suffice.
- `*.yml` files are reported, not silently skipped.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import product
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from . import limits, provenance
from .errors import CgError, Problem, RulesInvalid, did_you_mean
from .money import inr
from .model import (
    CAP_SCOPES,
    CATEGORIES,
    DEFAULT_GST_PERCENT,
    HORIZONS,
    MAX_MONTHLY_SPEND,
    ORDER_VALUE,
    REDEMPTION_TYPES,
    TRAVEL_ASSUMPTION,
    TRAVEL_TYPES,
    PERIOD_MONTHS,
    RATE_PLACES,
    REWARD_KINDS,
    UNITS,
    Assumption,
    Cap,
    Card,
    Catalog,
    Condition,
    PerOrder,
    Rate,
    Redemption,
    Rule,
    Source,
    SourceRef,
    Tier,
    plain,
)
from .kinds import ALL_RULE_KEYS, KINDS, PRIMARY_KINDS, RULE_KINDS
from .resolve import applies
from .yamlpos import Doc, Field, join, shown

CATALOG_FILE = "_catalog.yaml"
LIMIT_TEXT = "DECIMAL(12,2): below " + inr(limits.DECIMAL_12_2)
NAME_TEXT = re.compile(r"[a-z0-9_]+")

CATALOG_KEYS = ("as_of", "horizon", "gst_percent", "categories", "assumptions", "rank_unverified")
ASSUMPTION_KEYS = ("description", "default", "unit", "category", "source")
ASSUMPTION_UNITS = ("rupees", "percent")
CARD_KEYS = (
    "id", "name", "bank", "reward", "points_name", "source", "sources", "valid_from", "valid_until",
    "fees", "redemption", "caps", "rules",
)
CARD_REQUIRED = ("id", "name", "bank", "reward", "source", "fees", "redemption", "rules")
SOURCE_KEYS = ("url", "checked", "note", "alternatives", "issuer")
FEE_KEYS = ("joining", "annual")
TERM_KEYS = ("source",)  # a term's citation, read by provenance.py
REDEMPTION_KEYS = (
    "method", "rupees_per_point", "type", "max_share", "max_points", "min_points", "note", "when",
    "valid_from", "valid_until", "source",
)
CAP_KEYS = ("amount", "unit", "period", "scope", "pool", "within")
CAP_REQUIRED = ("amount", "unit", "period")
NAMED_CAP_KEYS = ("amount", "unit", "period", "within", "source")
RATE_KEYS = ("percent", "points", "per", "full_blocks")
PER_ORDER_KEYS = ("cap", "minimum")
TIER_KEYS = ("from", "to", "rate")



@dataclass(frozen=True)
class Settings:
    """What _catalog.yaml says; `names` is None when the assumptions could not be read."""

    as_of: dt.date | None
    labels: tuple[tuple[str, str], ...]
    assumptions: tuple[Assumption, ...]
    names: frozenset[str] | None
    horizon: str = "first_year"
    gst_percent: Decimal = DEFAULT_GST_PERCENT
    rank_unverified: bool = True

    def assumption(self, name: str) -> Assumption | None:
        return next((a for a in self.assumptions if a.name == name), None)


def load_catalog(rules_dir: Path) -> Catalog:
    """The validated catalog, or RulesInvalid listing every problem in every file."""
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        raise CgError(f"{rules_dir}: no such folder")
    problems: list[Problem] = []
    settings = read_settings(rules_dir / CATALOG_FILE, problems)
    cards: list[Card] = []
    ids: dict[str, str] = {}
    for path in sorted(rules_dir.iterdir()):
        name = path.name
        if name.startswith(".") or name == CATALOG_FILE or not path.is_file():
            continue
        if name.endswith(".yml"):
            Doc(str(path), problems).error(None, "", "card files must end in .yaml; this one is not read")
            continue
        if not name.endswith(".yaml"):
            continue
        reader = CardReader(path, settings, problems)
        card = reader.read()
        if reader.id is not None:
            if reader.id in ids:
                reader.doc.error(reader.id_node, "id", f"card id '{reader.id}' is also used by {ids[reader.id]}")
            else:
                ids[reader.id] = reader.doc.file
        if card is not None:
            cards.append(card)
    if problems:
        raise RulesInvalid(problems)
    assert settings.as_of is not None
    # An analyst may keep cards that nobody public confirms out of the ranking.
    excluded = tuple(c for c in cards if not settings.rank_unverified and confidence(c) == "unverified")
    return Catalog(
        as_of=settings.as_of,
        assumptions=settings.assumptions,
        cards=tuple(c for c in cards if c not in excluded),
        excluded=excluded,
        category_labels=settings.labels,
        horizon=settings.horizon,
        gst_percent=settings.gst_percent,
    )


# -- _catalog.yaml -----------------------------------------------------------


def read_settings(path: Path, problems: list[Problem]) -> Settings:
    doc = Doc(str(path), problems)
    broken = Settings(None, (), (), None)
    if not path.is_file():
        doc.error(None, "", f"missing: the rules folder needs {CATALOG_FILE} (as_of, categories, assumptions)")
        return broken
    root = doc.compose(path)
    if root is None:
        return broken
    f = doc.fields(root, "", CATALOG_KEYS, ("as_of", "categories"))
    if f is None:
        return broken
    as_of = doc.date(f["as_of"].value, "as_of") if "as_of" in f else None
    horizon = doc.choice(f["horizon"].value, "horizon", HORIZONS, "horizon") if "horizon" in f else "first_year"
    gst = DEFAULT_GST_PERCENT
    if "gst_percent" in f:
        gst = read_percent_value(doc, f["gst_percent"].value, "gst_percent")
    labels: tuple[tuple[str, str], ...] = ()
    if "categories" in f:
        # Exactly the six: the input table has these columns and no others.
        cats = doc.fields(f["categories"].value, "categories", CATEGORIES, CATEGORIES) or {}
        read = {c: doc.text(fld.value, join("categories", c)) for c, fld in cats.items()}
        labels = tuple((c, read[c]) for c in CATEGORIES if read.get(c))
    assumptions: tuple[Assumption, ...] = ()
    names: frozenset[str] | None = frozenset()
    if "assumptions" in f:
        assumptions, names = read_assumptions(doc, f["assumptions"].value)
    rank_unverified = doc.boolean(f["rank_unverified"].value, "rank_unverified") if "rank_unverified" in f else True
    return Settings(as_of, labels, assumptions, names, horizon or "first_year", gst if gst is not None else DEFAULT_GST_PERCENT,
                    rank_unverified is not False)


def read_percent_value(doc: Doc, node: Node, path: str) -> Decimal | None:
    value = doc.amount(node, path)
    if value is not None and value > 100:
        doc.error(node, path, f"a percent must be between 0 and 100, got {node.value}")
        return None
    return value


def read_assumptions(doc: Doc, node: Node) -> tuple[tuple[Assumption, ...], frozenset[str] | None]:
    """Yes/no assumptions, numbers (`unit: rupees | percent`) and numbers per category.

    A per-category number (`default: {amazon: 1200, ...}`) becomes one
    assumption per category, named `<name>.<category>` as `--assume` spells it."""
    pairs = doc.pairs(node, "assumptions")
    if pairs is None:
        return (), None
    out: list[Assumption] = []
    names: set[str] = set()
    for fld in pairs:
        name = fld.key.value
        path = join("assumptions", name)
        start = doc.count()
        if not NAME_TEXT.fullmatch(name):
            doc.error(fld.key, path, "assumption names use lowercase letters, digits and _")
        f = doc.fields(fld.value, path, ASSUMPTION_KEYS, ("description", "default")) or {}
        description = doc.text(f["description"].value, join(path, "description")) if "description" in f else None
        unit = doc.choice(f["unit"].value, join(path, "unit"), ASSUMPTION_UNITS, "unit") if "unit" in f else None
        source = read_catalog_source(doc, f["source"].value, join(path, "source")) if "source" in f else None
        pos = doc.pos(fld.key)
        if "unit" not in f:
            for key in ("category", "source"):
                if key in f:
                    doc.error(f[key].key, join(path, key), f"'{key}' applies to a numeric assumption (give it a unit)")
            default = doc.boolean(f["default"].value, join(path, "default")) if "default" in f else None
            names.add(name)
            if doc.count() == start:
                out.append(Assumption(name, description, default, pos))
            continue
        if "default" in f and isinstance(f["default"].value, MappingNode):
            values = read_category_numbers(doc, f["default"].value, join(path, "default"), unit)
            if "category" in f:
                doc.error(f["category"].key, join(path, "category"), "a per-category assumption has a value for every category; remove 'category'")
            names.update(f"{name}.{c}" for c in CATEGORIES)
            if doc.count() == start and values is not None:
                out += [Assumption(f"{name}.{c}", description, values[c], pos, unit, None, source) for c in CATEGORIES]
            continue
        category = None
        if "category" in f:
            category = doc.choice(f["category"].value, join(path, "category"), CATEGORIES, "category")
        elif unit == "percent":
            doc.error(fld.value, path, "a share (unit: percent) names the category it is a share of: add 'category'")
        default = read_number_assumption(doc, f["default"].value, join(path, "default"), unit) if "default" in f and unit else None
        names.add(name)
        if doc.count() == start:
            out.append(Assumption(name, description, default, pos, unit, category, source))
    # Names stay known even when a body is broken, so `when` can still be checked.
    return tuple(out), frozenset(names)


def read_number_assumption(doc: Doc, node: Node, path: str, unit: str) -> Decimal | None:
    if unit == "percent":
        return read_percent_value(doc, node, path)
    return doc.amount(node, path, positive=True)


def read_category_numbers(doc: Doc, node: Node, path: str, unit: str | None) -> dict[str, Decimal] | None:
    f = doc.fields(node, path, CATEGORIES, CATEGORIES)
    if f is None or unit is None:
        return None
    values = {c: read_number_assumption(doc, fld.value, join(path, c), unit) for c, fld in f.items()}
    return None if None in values.values() or len(values) != len(CATEGORIES) else values


def read_catalog_source(doc: Doc, node: Node, path: str) -> Source | None:
    f = doc.fields(node, path, SOURCE_KEYS, ("url", "checked"))
    if f is None:
        return None
    url = doc.text(f["url"].value, join(path, "url")) if "url" in f else None
    if url is not None and not url.startswith(("https://", "http://")):
        doc.error(f["url"].value, join(path, "url"), f"expected a web address (https://...), got '{url}'")
        url = None
    checked = doc.date(f["checked"].value, join(path, "checked")) if "checked" in f else None
    note = doc.text(f["note"].value, join(path, "note")) if "note" in f else ""
    if url is None or checked is None or note is None:
        return None
    return Source(url=url, checked=checked, note=note)


# -- one card file -------------------------------------------------------------


def rate_per_rupee(points: Decimal, per: Decimal) -> Decimal:
    """points/per rounded half-up to RATE_PLACES, computed exactly (no float, no double rounding)."""
    scaled = Fraction(points) / Fraction(per) * 10**RATE_PLACES
    return Decimal(math.floor(scaled + Fraction(1, 2))).scaleb(-RATE_PLACES)


class CardReader:
    """Reads one card file; problems go to the shared list, the Card only if there were none."""

    def __init__(self, path: Path, settings: Settings, problems: list[Problem]):
        self.path = path
        self.doc = Doc(str(path), problems)
        self.settings = settings
        self.id: str | None = None
        self.id_node: Node | None = None
        self.reward: str | None = None
        self.joining: Decimal | None = None
        self.pool_names: dict[str, ScalarNode] = {}
        self.pools: dict[str, Cap] = {}
        self.used_pools: set[str] = set()
        self.declared_within: dict[str, str] = {}  # named cap -> the cap it sits inside
        # Per rule index: value nodes that overlap messages point at.
        self.rule_nodes: dict[int, dict[str, Node]] = {}
        self.category_nodes: dict[int, dict[str, Node]] = {}

    def read(self) -> Card | None:
        doc = self.doc
        start = doc.count()
        root = doc.compose(self.path)
        if root is None:
            return None
        f = doc.fields(root, "", CARD_KEYS, CARD_REQUIRED)
        if f is None:
            return None
        if "id" in f:
            self.read_id(f["id"].value)
        name = self.get(f, "", "name", lambda n, p: self.column_text(n, p, "name"))
        bank = self.get(f, "", "bank", lambda n, p: self.column_text(n, p, "bank"))
        self.reward = self.get(f, "", "reward", lambda n, p: doc.choice(n, p, REWARD_KINDS, "reward"))
        points_name = self.get(f, "", "points_name", doc.text) or self.reward or ""
        source = self.get(f, "", "source", self.read_source)
        valid_from, valid_until = self.read_validity(f, "")
        fees = self.get(f, "", "fees", self.read_fees) or (None, None)
        self.joining = fees[0]
        caps = self.get(f, "", "caps", self.read_named_caps) or ()
        redemption = self.get(f, "", "redemption", self.read_redemption) or ()
        rules = self.get(f, "", "rules", self.read_rules) or ()
        for pool, key in self.pool_names.items():
            if pool not in self.used_pools:
                doc.error(key, join("caps", pool), "declared but no rule uses it")
        self.check_overlaps(rules)
        summary = SourceRef("source", source.url, source.checked, source.issuer) if source else None
        terms = provenance.read(doc, root, summary)
        if doc.count() != start:
            return None
        card = Card(
            id=self.id,
            name=name,
            bank=bank,
            reward=self.reward,
            points_name=points_name,
            joining_fee=fees[0],
            annual_fee=fees[1],
            source=source,
            redemption=redemption,
            rules=rules,
            file=doc.file,
            pos=doc.pos(root),
            valid_from=valid_from,
            valid_until=valid_until,
            caps=caps,
            provenance=terms,
        )
        self.check_bounds(card, root)
        return None if doc.count() != start else card

    def get(self, f: dict[str, Field], path: str, key: str, read, default=None):
        """read(value node, path) when the key is present, else `default`."""
        return read(f[key].value, join(path, key)) if key in f else default

    # -- top-level parts ---------------------------------------------------------

    def read_id(self, node: Node) -> None:
        ident = self.doc.text(node, "id")
        if ident is None:
            return
        self.id, self.id_node = ident, node
        if not NAME_TEXT.fullmatch(ident):
            self.doc.error(node, "id", f"card ids use lowercase letters, digits and _, got '{ident}'")
        elif limits.text_problem("id", ident):
            self.doc.error(node, "id", limits.text_problem("id", ident))
        elif ident != self.path.stem:
            self.doc.error(node, "id", f"'{ident}' must equal the file name '{self.path.stem}'")

    def read_source(self, node: Node, path: str) -> Source | None:
        doc = self.doc
        f = doc.fields(node, path, SOURCE_KEYS, ("url", "checked"))
        if f is None:
            return None
        url = self.get(f, path, "url", doc.text)
        if url is not None and not url.startswith(("https://", "http://")):
            doc.error(f["url"].value, join(path, "url"), f"expected a web address (https://...), got '{url}'")
            url = None
        checked = self.get(f, path, "checked", doc.date)
        note = self.get(f, path, "note", doc.text, "")
        alternatives = self.get(f, path, "alternatives", self.read_texts, ())
        issuer = self.get(f, path, "issuer", doc.boolean, False)
        if url is None or checked is None or note is None or alternatives is None or issuer is None:
            return None
        return Source(url=url, checked=checked, note=note, alternatives=alternatives, issuer=issuer)

    def read_texts(self, node: Node, path: str) -> tuple[str, ...] | None:
        items = self.doc.items(node, path, nonempty=False)
        if items is None:
            return None
        texts = [self.doc.text(item, f"{path}[{i}]") for i, item in enumerate(items)]
        return None if None in texts else tuple(texts)

    def read_validity(self, f: dict[str, Field], path: str) -> tuple[dt.date | None, dt.date | None]:
        doc = self.doc
        start = self.get(f, path, "valid_from", lambda n, p: doc.date(n, p, optional=True))
        end = self.get(f, path, "valid_until", lambda n, p: doc.date(n, p, optional=True))
        if start is not None and end is not None and start > end:
            doc.error(f["valid_from"].value, join(path, "valid_from"), f"{start} is after valid_until {end}")
        return start, end

    def read_fees(self, node: Node, path: str) -> tuple[Decimal | None, Decimal | None] | None:
        f = self.doc.fields(node, path, FEE_KEYS + TERM_KEYS, FEE_KEYS)
        if f is None:
            return None
        return self.get(f, path, "joining", self.read_fee), self.get(f, path, "annual", self.read_fee)

    def read_fee(self, node: Node, path: str) -> Decimal | None:
        fee = self.doc.amount(node, path)
        gst = self.settings.gst_percent
        if fee is not None and limits.with_gst(fee, gst) >= limits.DECIMAL_12_2:
            charged = inr(limits.with_gst(fee, gst), cents=True)
            self.doc.error(node, path, f"with {plain(gst)}% GST the fee is {charged}, more than "
                           f"card_recommendations.joining_fees holds ({LIMIT_TEXT})")
            return None
        return fee

    def column_text(self, node: Node, path: str, field: str) -> str | None:
        """Text that goes into an output column: it must fit, and not be Jinja."""
        text = self.doc.text(node, path)
        problem = limits.text_problem(field, text) if text is not None else None
        if problem:
            self.doc.error(node, path, problem)
            return None
        return text

    def check_bounds(self, card: Card, root: Node) -> None:
        """The card's figures fit card_recommendations for every user the job ranks (limits.py)."""
        savings = limits.savings_bound(card)
        extra = limits.extra_bound(card, self.settings.gst_percent)
        spend = inr(MAX_MONTHLY_SPEND)
        if savings.value >= limits.DECIMAL_12_2:
            node, path = self.rule_node(savings.rule, ("rate", "tiers"), root)
            self.doc.error(node, path, f"at the most a user may spend ({spend} a month) this card's yearly savings "
                           f"could reach {inr(savings.value, cents=True)}, more than card_recommendations holds ({LIMIT_TEXT})")
        elif savings.value + extra.value >= limits.DECIMAL_12_2:
            node, path = self.rule_node(extra.rule, ("amount",), root)
            self.doc.error(node, path, f"this card's extra benefits could reach {inr(extra.value, cents=True)}, more than "
                           f"card_recommendations holds with its savings ({LIMIT_TEXT})")

    def rule_node(self, rule: Rule | None, keys: tuple[str, ...], root: Node) -> tuple[Node, str]:
        if rule is None:
            return root, ""
        nodes = self.rule_nodes[rule.index]
        key = next(k for k in keys if k in nodes)
        return nodes[key], f"rules[{rule.index}].{key}"

    def read_when(self, node: Node, path: str) -> tuple[Condition, ...] | None:
        doc = self.doc
        pairs = doc.pairs(node, path)
        if pairs is None:
            return None
        known = self.settings.names
        out = []
        for fld in pairs:
            name = fld.key.value
            where = join(path, name)
            value = doc.boolean(fld.value, where)
            if known is not None and name not in known:
                doc.error(fld.key, where, f"unknown assumption '{name}'{did_you_mean(name, known)}")
                continue
            declared = self.settings.assumption(name)
            if declared is not None and declared.numeric:
                doc.error(fld.key, where, f"'{name}' is a number ({declared.unit}), not a yes/no assumption")
                continue
            if value is not None:
                out.append(Condition(name, value, doc.pos(fld.key)))
        return tuple(out) if len(out) == len(pairs) else None

    def read_redemption(self, node: Node, path: str) -> tuple[Redemption, ...] | None:
        doc = self.doc
        items = doc.items(node, path)
        if items is None:
            return None
        start = doc.count()
        options = []
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            f = doc.fields(item, where, REDEMPTION_KEYS, ("method", "rupees_per_point"))
            if f is None:
                continue
            get = lambda key, read, default=None: self.get(f, where, key, read, default)  # noqa: E731
            method = get("method", lambda n, p: self.column_text(n, p, "method"))
            value = get("rupees_per_point", self.read_point_value)
            note = get("note", doc.text, "")
            when = get("when", self.read_when, ())
            kind = get("type", lambda n, p: doc.choice(n, p, REDEMPTION_TYPES, "redemption type"))
            max_share = get("max_share", self.read_share_limit)
            max_points = get("max_points", lambda n, p: doc.amount(n, p, positive=True))
            min_points = get("min_points", lambda n, p: doc.amount(n, p, positive=True))
            valid_from, valid_until = self.read_validity(f, where)
            if kind in TRAVEL_TYPES and when is not None:
                when = self.travel_condition(f["type"].value, join(where, "type"), when)
            if None not in (method, value, note, when) and doc.count() == start:
                options.append(
                    Redemption(method, value, doc.pos(item), note, when, kind, max_share, max_points, min_points, valid_from, valid_until)
                )
        if doc.count() != start:
            return None
        # Every situation needs a way to value points; the travel assumption
        # aside, which may leave a travel-only card's points worth nothing.
        dated = any(o.valid_from or o.valid_until for o in options)
        untravelled = [dataclasses.replace(o, when=tuple(c for c in o.when if c.assumption != TRAVEL_ASSUMPTION)) for o in options]
        for values, day in situations(untravelled, self.settings.as_of, ends=True):
            if not any(applies(o, day, values) for o in untravelled):
                when = settings_text(values)
                doc.error(node, path, "no option applies" + (f" when {when}" if when else "") + (f" on {day}" if dated else ""))
        return tuple(options)

    def read_share_limit(self, node: Node, path: str) -> Decimal | None:
        value = self.doc.amount(node, path, positive=True)
        if value is not None and value > 100:
            self.doc.error(node, path, f"a percent must be between 0 and 100, got {node.value}")
            return None
        return value

    def travel_condition(self, node: Node, path: str, when: tuple[Condition, ...]) -> tuple[Condition, ...] | None:
        """Travel and transfer options count only when the catalog's travel assumption holds."""
        declared = self.settings.assumption(TRAVEL_ASSUMPTION)
        if declared is None or declared.numeric:
            self.doc.error(node, path, f"a {node.value} option needs the yes/no assumption '{TRAVEL_ASSUMPTION}' in {CATALOG_FILE}")
            return None
        if any(c.assumption == TRAVEL_ASSUMPTION for c in when):
            return when
        return when + (Condition(TRAVEL_ASSUMPTION, True, self.doc.pos(node)),)

    def read_point_value(self, node: Node, path: str) -> Decimal | None:
        # The PRD stores it as DECIMAL(5,4): below 10, at most 4 places.
        value = self.doc.amount(node, path, positive=True)
        if value is None:
            return None
        if value >= 10:
            self.doc.error(node, path, f"must be below 10, got {node.value}")
            return None
        if -value.normalize().as_tuple().exponent > 4:
            self.doc.error(node, path, f"at most 4 decimal places, got {node.value}")
            return None
        return value

    # -- caps ------------------------------------------------------------------

    def read_named_caps(self, node: Node, path: str) -> tuple[tuple[str, Cap], ...] | None:
        doc = self.doc
        pairs = doc.pairs(node, path)
        if pairs is None:
            return None
        read: list[tuple[str, Cap, Node | None]] = []
        for fld in pairs:
            name = fld.key.value
            where = join(path, name)
            self.pool_names[name] = fld.key
            if not NAME_TEXT.fullmatch(name):
                doc.error(fld.key, where, "cap names use lowercase letters, digits and _")
                continue

            def foreign(key: str) -> str | None:
                if key == "scope":
                    return "a named cap is always shared by the rules naming it; remove 'scope'"
                if key == "pool":
                    return "a named cap cannot name another cap; to put it inside one, use 'within'"
                return None

            f = doc.fields(fld.value, where, NAMED_CAP_KEYS, CAP_REQUIRED, foreign)
            if f is None:
                continue
            cap = self.cap_body(f, fld.value, where, pool=name)
            if cap is not None:
                read.append((name, cap, f["within"].value if "within" in f else None))
        # `within` may name a cap declared further down: checked once all are read.
        out = []
        for name, cap, within_node in read:
            if within_node is not None and not self.check_within(cap.within, within_node, join(join(path, name), "within"), name):
                continue
            self.pools[name] = cap
            out.append((name, cap))
        return tuple(out)

    def check_within(self, parent: str | None, node: Node, path: str, inner: str | None) -> bool:
        """`within` names a declared cap, and caps do not contain themselves."""
        doc = self.doc
        if parent is None:
            return False
        self.used_pools.add(parent)
        if parent not in self.pool_names:
            hint = did_you_mean(parent, self.pool_names) or " (declare it under caps:)"
            doc.error(node, path, f"unknown cap '{parent}'{hint}")
            return False
        seen = [inner] if inner else []
        current: str | None = parent
        while current is not None:
            if current in seen:
                chain = " inside ".join([*seen, current])
                doc.error(node, path, f"caps inside each other in a loop: {chain}")
                return False
            seen.append(current)
            current = self.declared_within.get(current)
        return True

    def read_cap(self, node: Node, path: str) -> Cap | None:
        doc = self.doc
        f = doc.fields(node, path, CAP_KEYS)
        if f is None:
            return None
        if "pool" not in f:
            if not doc.require(f, node, path, CAP_REQUIRED):
                return None
            cap = self.cap_body(f, node, path, pool=None)
            if cap is not None and cap.within is not None:
                if not self.check_within(cap.within, f["within"].value, join(path, "within"), None):
                    return None
            return cap
        pool = doc.text(f["pool"].value, join(path, "pool"))
        if pool is not None:
            self.used_pools.add(pool)
        others = [k for k in f if k != "pool"]
        if others:
            key = others[0]
            hint = " (put 'within' on the cap under caps:)" if key == "within" else ""
            doc.error(f[key].key, join(path, key), f"a cap naming a pool takes no other keys{hint}")
        if pool is None or others:
            return None
        if pool not in self.pool_names:
            hint = did_you_mean(pool, self.pool_names) or " (declare it under caps:)"
            doc.error(f["pool"].value, join(path, "pool"), f"unknown cap '{pool}'{hint}")
            return None
        declared = self.pools.get(pool)
        if declared is None:  # its declaration is broken and already reported
            return None
        return Cap(declared.amount, declared.unit, declared.period, "pooled", pool, doc.pos(node), declared.within)

    def cap_body(self, f: dict[str, Field], node: Node, path: str, pool: str | None) -> Cap | None:
        doc = self.doc
        amount = self.get(f, path, "amount", lambda n, p: doc.amount(n, p, positive=True))
        unit = self.get(f, path, "unit", lambda n, p: doc.choice(n, p, UNITS, "unit"))
        # A cap counts the card's own reward unit: rupees of cashback or points.
        expected = {"cashback": "rupees", "points": "points"}.get(self.reward)
        if unit is not None and expected is not None and unit != expected:
            doc.error(f["unit"].value, join(path, "unit"), f"a {self.reward} card caps {expected}, got '{unit}'")
            unit = None
        period = self.get(f, path, "period", lambda n, p: doc.choice(n, p, PERIOD_MONTHS, "period"))
        scope = self.get(f, path, "scope", lambda n, p: doc.choice(n, p, CAP_SCOPES, "scope"), "pooled")
        within = self.get(f, path, "within", doc.text)
        if pool is not None and within is not None:
            self.declared_within[pool] = within
        if None in (amount, unit, period, scope) or ("within" in f and within is None):
            return None
        return Cap(amount, unit, period, scope, pool, doc.pos(node), within)

    # -- rules -----------------------------------------------------------------

    def read_rules(self, node: Node, path: str) -> tuple[Rule, ...] | None:
        items = self.doc.items(node, path)
        if items is None:
            return None
        rules = [self.read_rule(item, i) for i, item in enumerate(items)]
        return tuple(r for r in rules if r is not None)

    def read_rule(self, node: Node, index: int) -> Rule | None:
        doc = self.doc
        path = f"rules[{index}]"
        if not isinstance(node, MappingNode):
            doc.error(node, path, f"expected a mapping, got {shown(node)}")
            return None
        start = doc.count()
        kind_node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == "kind"), None)
        kind = doc.choice(kind_node, join(path, "kind"), RULE_KINDS, "rule kind") if kind_node is not None else None
        if kind is not None:

            def foreign(key: str) -> str | None:
                return f"'{key}' does not apply to a {kind} rule" if key in ALL_RULE_KEYS else None

            f = doc.fields(node, path, KINDS[kind].keys, ("kind",) + KINDS[kind].required, foreign)
        else:
            # Unknown kind: still catch misspelt keys, but not missing ones.
            f = doc.fields(node, path, ALL_RULE_KEYS, ("kind",))
        if f is None or kind is None:
            return None
        nodes = {k: fld.value for k, fld in f.items()}
        self.rule_nodes[index] = nodes
        get = lambda key, read, default=None: self.get(f, path, key, read, default)  # noqa: E731
        values = RULE_READERS[kind](self, RuleFields(kind, index, node, path, f, get))
        description = get("description", doc.text, "")
        when = get("when", self.read_when, ())
        valid_from, valid_until = self.read_validity(f, path)
        if doc.count() != start:
            return None
        return Rule(
            kind=kind,
            index=index,
            pos=doc.pos(node),
            description=description,
            when=when,
            valid_from=valid_from,
            valid_until=valid_until,
            **values,
        )

    def read_percent(self, node: Node, path: str) -> Decimal | None:
        value = self.doc.amount(node, path)
        if value is not None and value > 100:
            self.doc.error(node, path, f"a percent must be between 0 and 100, got {node.value}")
            return None
        return value

    def read_days(self, node: Node, path: str) -> int | None:
        days = self.doc.integer(node, path)
        if days == 0:
            self.doc.error(node, path, "must be more than 0")
            return None
        return days

    def read_categories(self, node: Node, path: str, index: int, rest_ok: bool) -> tuple[tuple[str, ...], bool] | None:
        doc = self.doc
        self.category_nodes[index] = {}
        if isinstance(node, ScalarNode) and node.value == "rest":
            if not rest_ok:
                doc.error(node, path, "'rest' is allowed only on flat and tiered rules; list the categories")
                return None
            self.category_nodes[index]["rest"] = node
            return (), True
        items = doc.items(node, path)
        if items is None:
            return None
        cats: list[str] = []
        ok = True
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            name = item.value if isinstance(item, ScalarNode) else None
            if name == "rest":
                doc.error(item, where, "'rest' stands alone: write 'categories: rest'")
            elif name not in CATEGORIES:
                hint = did_you_mean(name, CATEGORIES) if name else ""
                doc.error(item, where, f"unknown category {shown(item)}{hint}")
            elif name in cats:
                doc.error(item, where, f"duplicate category '{name}'")
            else:
                cats.append(name)
                self.category_nodes[index][name] = item
                continue
            ok = False
        return (tuple(cats), False) if ok else None

    def read_rate(self, node: Node, path: str) -> Rate | None:
        doc = self.doc
        f = doc.fields(node, path, RATE_KEYS)
        if f is None:
            return None
        if "percent" in f:
            if "points" in f or "per" in f:
                doc.error(node, path, "use either percent or points with per, not both")
                return None
            if "full_blocks" in f:
                doc.error(f["full_blocks"].key, join(path, "full_blocks"), "full_blocks applies to {points: N, per: M}: points per full M of each order")
                return None
            percent = self.get(f, path, "percent", self.read_percent)
            return None if percent is None else Rate(per_rupee=percent.scaleb(-2), percent=percent)
        if "points" not in f and "per" not in f:
            doc.error(node, path, "expected {percent: N} or {points: N, per: M}")
            return None
        if not doc.require(f, node, path, ("points", "per")):
            return None
        points = self.get(f, path, "points", doc.amount)
        per = self.get(f, path, "per", lambda n, p: doc.amount(n, p, positive=True))
        blocks = self.get(f, path, "full_blocks", doc.boolean, False)
        if blocks:
            self.need_order_value(f["full_blocks"].value, join(path, "full_blocks"))
        if points is None or per is None or blocks is None:
            return None
        return Rate(per_rupee=rate_per_rupee(points, per), points=points, per=per, full_blocks=blocks)

    def need_order_value(self, node: Node, path: str) -> None:
        """Per-order terms are turned into monthly ones with the catalog's average order values."""
        if self.settings.names is not None and f"{ORDER_VALUE}.{CATEGORIES[0]}" not in self.settings.names:
            self.doc.error(node, path, f"per-order terms need the assumption '{ORDER_VALUE}' (a value per category) in {CATALOG_FILE}")

    def read_per_order(self, node: Node, path: str) -> PerOrder | None:
        doc = self.doc
        f = doc.fields(node, path, PER_ORDER_KEYS)
        if f is None:
            return None
        if not f:
            doc.error(node, path, "expected 'cap' (most units one order earns) and/or 'minimum' (smallest order that earns)")
            return None
        cap = self.get(f, path, "cap", lambda n, p: doc.amount(n, p, positive=True))
        minimum = self.get(f, path, "minimum", lambda n, p: doc.amount(n, p, positive=True))
        self.need_order_value(node, path)
        if ("cap" in f and cap is None) or ("minimum" in f and minimum is None):
            return None
        return PerOrder(cap, minimum, doc.pos(node))

    def read_share(self, node: Node, path: str, categories, rest) -> str | None:
        """A share assumption: the rule earns on that percent of its one category."""
        doc = self.doc
        name = doc.text(node, path)
        if name is None:
            return None
        known = self.settings.names
        declared = self.settings.assumption(name)
        if known is not None and name not in known:
            doc.error(node, path, f"unknown assumption '{name}'{did_you_mean(name, known)}")
            return None
        if declared is None:  # broken declaration, already reported
            return None
        if declared.unit != "percent" or declared.category is None:
            doc.error(node, path, f"'{name}' is not a share (an assumption with unit: percent and a category)")
            return None
        if rest or (categories is not None and tuple(categories) != (declared.category,)):
            doc.error(node, path, f"'{name}' is a share of {declared.category}: the rule's categories must be [{declared.category}]")
            return None
        return name

    def read_tiers(self, node: Node, path: str) -> tuple[Tier, ...] | None:
        doc = self.doc
        items = doc.items(node, path)
        if items is None:
            return None
        start_count = doc.count()
        tiers: list[Tier] = []
        prev_end: Decimal | None = Decimal(0)  # what the next band must start at
        prev_open = False
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            f = doc.fields(item, where, TIER_KEYS, ("from", "rate"))
            if f is None:
                prev_end = None
                continue
            if prev_open:
                doc.error(items[i - 1], f"{path}[{i - 1}]", "only the last band may leave out 'to'")
            start = self.get(f, where, "from", doc.amount)
            end = self.get(f, where, "to", doc.amount)
            rate = self.get(f, where, "rate", self.read_rate)
            if start is not None and prev_end is not None:
                if i == 0 and start != 0:
                    doc.error(f["from"].value, join(where, "from"), f"the first band must start at 0, got {plain(start)}")
                elif start > prev_end:
                    doc.error(f["from"].value, join(where, "from"), f"gap: the previous band ends at {plain(prev_end)}, this one starts at {plain(start)}")
                elif start < prev_end:
                    doc.error(f["from"].value, join(where, "from"), f"overlaps the previous band, which ends at {plain(prev_end)}")
            if start is not None and end is not None and end <= start:
                doc.error(f["to"].value, join(where, "to"), f"'to' ({plain(end)}) must be more than 'from' ({plain(start)})")
            prev_open = "to" not in f
            prev_end = end
            if i == len(items) - 1 and "to" in f:
                doc.error(f["to"].value, join(where, "to"), "the last band must be open: leave out 'to'")
            if rate is not None and rate.full_blocks:
                doc.error(f["rate"].value, join(where, "rate"), "full_blocks does not apply to a band of a tiered rule")
                rate = None
            if None not in (start, rate) and ("to" not in f or end is not None):
                tiers.append(Tier(start, end, rate, doc.pos(item)))
        return tuple(tiers) if doc.count() == start_count else None

    # -- whole-card checks -------------------------------------------------------

    def check_overlaps(self, rules: tuple[Rule, ...]) -> None:
        """A category covered by two flat/tiered rules, or two fee waivers on one threshold, at once."""
        primary = [r for r in rules if r.kind in PRIMARY_KINDS and r.share is None]
        shared = [r for r in rules if r.share is not None]
        waivers = [r for r in rules if r.kind == "fee_waiver"]
        reported: set[tuple] = set()
        for values, day in situations(primary + shared + waivers, self.settings.as_of):
            self.check_shares([r for r in shared if applies(r, day, values)], reported, values, day)
            active = [r for r in primary if applies(r, day, values)]
            covered: dict[str, Rule] = {}
            rest: Rule | None = None
            for rule in active:
                if rule.rest:
                    if rest is not None:
                        self.clash(reported, rest, rule, "rest", f"'rest' is also used by rules[{rest.index}]", values, day)
                    rest = rest or rule
                    continue
                for cat in rule.categories:
                    if cat in covered:
                        first = covered[cat]
                        self.clash(reported, first, rule, cat, f"'{cat}' is also covered by rules[{first.index}]", values, day)
                    else:
                        covered[cat] = rule
            thresholds: dict[Decimal, Rule] = {}
            for rule in (r for r in waivers if applies(r, day, values)):
                first = thresholds.setdefault(rule.annual_spend, rule)
                if first is not rule:
                    text = f"threshold {plain(rule.annual_spend)} is also used by rules[{first.index}]"
                    self.clash(reported, first, rule, "annual_spend", text, values, day)

    def check_shares(self, active: list[Rule], reported: set, values: dict, day: dt.date) -> None:
        """Per category: one partner share, and at most one flat rule earning on it."""
        share_of: dict[str, Rule] = {}
        flat_on: dict[str, Rule] = {}
        for rule in active:
            cat = rule.categories[0]
            first = share_of.setdefault(cat, rule)
            if first.share != rule.share:
                text = f"'{cat}' is already split by the share '{first.share}' in rules[{first.index}]; a card splits a category once"
                self.clash(reported, first, rule, "share", text, values, day)
            if rule.kind == "flat":
                first = flat_on.setdefault(cat, rule)
                if first is not rule:
                    text = f"the {rule.share} part of '{cat}' is also covered by rules[{first.index}]"
                    self.clash(reported, first, rule, cat, text, values, day)

    def clash(self, reported: set, first: Rule, second: Rule, what: str, text: str, values: dict, day: dt.date) -> None:
        key = (first.index, second.index, what)
        if key in reported:
            return
        reported.add(key)
        if what in ("annual_spend", "share"):
            node, path = self.rule_nodes[second.index][what], f"rules[{second.index}].{what}"
        else:
            node = self.category_nodes[second.index][what]
            cats = self.rule_nodes[second.index]["categories"]
            where = "" if what == "rest" else f"[{cats.value.index(node)}]"
            path = f"rules[{second.index}].categories{where}"
        self.doc.error(node, path, text + situation_text(values, day, (first, second)))


@dataclass(frozen=True)
class RuleFields:
    """One rule's mapping, for the reader of its kind."""

    kind: str
    index: int
    node: Node
    path: str
    present: dict[str, Field]
    get: object  # (key, read, default=None) -> the value read, or the default when absent


def read_earn(r: CardReader, rf: RuleFields) -> dict:
    get, values = rf.get, {}
    cats = get("categories", lambda n, p: r.read_categories(n, p, rf.index, rest_ok=KINDS[rf.kind].primary))
    if cats is not None:
        values["categories"], values["rest"] = cats
    if "tiers" in KINDS[rf.kind].required:
        values["tiers"] = get("tiers", r.read_tiers)
    else:
        values["rate"] = get("rate", r.read_rate)
        values["per_order"] = get("per_order", r.read_per_order)
        values["share"] = get("share", lambda n, p: r.read_share(n, p, values.get("categories"), values.get("rest")))
    values["cap"] = get("cap", r.read_cap)
    return values


def read_milestone(r: CardReader, rf: RuleFields) -> dict:
    doc, get = r.doc, rf.get
    cats = get("categories", lambda n, p: r.read_categories(n, p, rf.index, rest_ok=False))
    return {
        "spend": get("spend", lambda n, p: doc.amount(n, p, positive=True)),
        "period": get("period", lambda n, p: doc.choice(n, p, PERIOD_MONTHS, "period")),
        "repeat": get("repeat", doc.boolean, True),
        "amount": get("amount", doc.amount),
        "unit": get("unit", lambda n, p: doc.choice(n, p, UNITS, "unit")),
        # No categories: all spend counts.
        "categories": cats[0] if cats else CATEGORIES,
    }


def read_welcome(r: CardReader, rf: RuleFields) -> dict:
    doc, get = r.doc, rf.get
    values = {
        "amount": get("amount", doc.amount),
        "unit": get("unit", lambda n, p: doc.choice(n, p, UNITS, "unit")),
        "spend": get("spend", lambda n, p: doc.amount(n, p, positive=True)),
        "within_days": get("within_days", r.read_days),
    }
    # On early spend, like a joining-fee waiver: both keys or neither.
    if ("spend" in rf.present) != ("within_days" in rf.present):
        doc.error(rf.node, rf.path, "a welcome benefit on early spend needs both 'spend' and 'within_days'")
    return values


def read_fee_waiver(r: CardReader, rf: RuleFields) -> dict:
    return {"annual_spend": rf.get("annual_spend", r.doc.amount), "percent": rf.get("percent", r.read_percent)}


def read_joining_fee_waiver(r: CardReader, rf: RuleFields) -> dict:
    values = {"spend": rf.get("spend", r.doc.amount), "within_days": rf.get("within_days", r.read_days)}
    if r.joining is not None and r.joining == 0:
        r.doc.error(rf.node, rf.path, "joining_fee_waiver needs a joining fee above 0 (fees.joining is 0)")
    return values


# One reader per kind (cgcompile/kinds.py): the Rule fields it sets.
RULE_READERS = {
    "flat": read_earn,
    "tiered": read_earn,
    "bonus": read_earn,
    "milestone": read_milestone,
    "welcome": read_welcome,
    "fee_waiver": read_fee_waiver,
    "joining_fee_waiver": read_joining_fee_waiver,
}


def situations(items, as_of: dt.date | None, ends: bool = False):
    """Every (assumption values, date) that can change which of `items` apply.

    With `ends`, also the day after each valid_until (where something stops applying)."""
    names = sorted({c.assumption for r in items for c in r.when})
    dates = {d for r in items for d in (r.valid_from, r.valid_until) if d is not None}
    if ends:
        dates |= {r.valid_until + dt.timedelta(days=1) for r in items if r.valid_until is not None and r.valid_until < dt.date.max}
    if as_of is not None:
        dates.add(as_of)
    days = sorted(dates) or [dt.date.min]
    for combo in product((True, False), repeat=len(names)):
        for day in days:
            yield dict(zip(names, combo)), day


def settings_text(values: dict[str, bool]) -> str:
    return ", ".join(f"{name}={'true' if value else 'false'}" for name, value in values.items())


def situation_text(values: dict[str, bool], day: dt.date, rules) -> str:
    """' (both apply when amazon_prime=true, on 2026-01-01)', naming only what matters."""
    names = sorted({c.assumption for r in rules for c in r.when})
    parts = []
    if names:
        parts.append("when " + settings_text({n: values[n] for n in names}))
    if any(r.valid_from or r.valid_until for r in rules):
        parts.append(f"on {day}")
    return f" (both apply {', '.join(parts)})" if parts else ""


# -- `cgcompile cards` --------------------------------------------------------

EXTRA_CONSTRUCTS = (
    "cap", "pooled_cap", "nested_cap", "points_cap", "per_order", "partner_share", "assumption", "validity",
    "redemption_choice", "redemption_limits", "travel_redemption",
)


def constructs(card: Card) -> list[str]:
    """The card's rule kinds (sorted), then the other constructs it uses, so a reader sees them all."""
    used = set()
    for rule in card.rules:
        if rule.cap is not None:
            used.add("pooled_cap" if rule.cap.pool else "cap")
            if rule.cap.unit == "points":
                used.add("points_cap")
            if rule.cap.within:
                used.add("nested_cap")
        if rule.per_order is not None or (rule.rate is not None and rule.rate.full_blocks):
            used.add("per_order")
        if rule.share:
            used.add("partner_share")
        if rule.when:
            used.add("assumption")
        if rule.valid_from or rule.valid_until:
            used.add("validity")
    if card.valid_from or card.valid_until:
        used.add("validity")
    for option in card.redemption:
        if any(c.assumption == TRAVEL_ASSUMPTION for c in option.when):
            used.add("travel_redemption")
        elif option.when:
            used.add("assumption")
        if option.limited:
            used.add("redemption_limits")
        if option.valid_from or option.valid_until:
            used.add("validity")
    if len(card.redemption) > 1:
        used.add("redemption_choice")
    return sorted({r.kind for r in card.rules}) + [c for c in EXTRA_CONSTRUCTS if c in used]


def confidence(card: Card) -> str:
    """verified, single_source or unverified: the card's least sure term (provenance.py)."""
    return card.provenance.confidence if card.provenance else "unverified"


def card_summaries(catalog: Catalog) -> list[dict]:
    """One plain record per card (the ranked ones, then any left out), for the table and for --json."""
    return [
        {
            "id": card.id,
            "name": card.name,
            "bank": card.bank,
            "joining_fee": card.joining_fee,
            "annual_fee": card.annual_fee,
            "source_url": card.source.url,
            "checked": card.source.checked.isoformat(),
            "confidence": confidence(card),
            "ranked": card not in catalog.excluded,
            "rules": constructs(card),
            "terms": [term_record(t) for t in (card.provenance.terms if card.provenance else ())],
        }
        for card in catalog.cards + catalog.excluded
    ]


def term_record(term) -> dict:
    return {
        "term": term.path,
        "confidence": term.confidence,
        "checked": term.checked.isoformat() if term.checked else None,
        "inherited": term.inherited,
        "sources": [{"key": s.key, "url": s.url, "checked": s.checked.isoformat(), "issuer": s.issuer} for s in term.sources],
    }


def stale_terms(catalog: Catalog, days: int, today: dt.date) -> list[dict]:
    """Terms whose newest source was checked more than `days` before `today`, or never."""
    out = []
    for card in catalog.cards + catalog.excluded:
        for term in card.provenance.terms if card.provenance else ():
            if term.checked is None or (today - term.checked).days > days:
                age = None if term.checked is None else (today - term.checked).days
                out.append({"card": card.id, "file": card.file, **term_record(term), "age_days": age})
    return out


def stale_table(rows: list[dict], days: int) -> str:
    if not rows:
        return f"no term checked more than {days} days ago"
    lines = [f"{len(rows)} term(s) checked more than {days} days ago (or never):"]
    for r in rows:
        when = f"{r['checked']} ({r['age_days']} days)" if r["checked"] else "never (source: none)"
        urls = ", ".join(s["url"] for s in r["sources"]) or "-"
        lines.append(f"  {r['card']}  {r['term']}  checked {when}  {urls}")
    return "\n".join(lines)


CARD_COLUMNS = (
    ("ID", "id"), ("NAME", "name"), ("BANK", "bank"), ("JOINING", "joining_fee"),
    ("ANNUAL", "annual_fee"), ("CHECKED", "checked"), ("CONFIDENCE", "confidence"), ("RULES", "rules"), ("SOURCE", "source_url"),
)


def cards_json(summaries: list[dict]) -> str:
    """A JSON list; fees are JSON numbers written from the decimal text."""

    def number(d: Decimal):
        # Integral fees print as 500; others via float, whose repr keeps 2-place values exact.
        return int(d) if d == d.to_integral_value() else float(plain(d))

    out = [{**s, "joining_fee": number(s["joining_fee"]), "annual_fee": number(s["annual_fee"])} for s in summaries]
    return json.dumps(out, indent=2, ensure_ascii=False)


def cards_table(summaries: list[dict]) -> str:
    """A plain-text table, one card a line; fees right-aligned."""
    shown_as = {"rules": ", ".join, "joining_fee": plain, "annual_fee": plain}
    summaries = [{**s, "confidence": s["confidence"] + ("" if s["ranked"] else " (not ranked)")} for s in summaries]
    rows = [[h for h, _ in CARD_COLUMNS]]
    for s in summaries:
        rows.append([shown_as.get(k, str)(s[k]) for _, k in CARD_COLUMNS])
    widths = [max(len(r[i]) for r in rows) for i in range(len(CARD_COLUMNS))]
    right = {3, 4}
    lines = []
    for row in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def check_json(cards: int | None, problems: list[Problem] = ()) -> dict:
    """`check --json`; every --json command prints it for invalid rules (cards is then null)."""
    errors = [p.as_json() for p in problems]
    return {"ok": not errors, "cards": cards, "errors": errors}
