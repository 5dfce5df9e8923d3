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

from .errors import CgError, Problem, RulesInvalid, did_you_mean
from .model import (
    CAP_SCOPES,
    CATEGORIES,
    PERIOD_MONTHS,
    RATE_PLACES,
    REWARD_KINDS,
    UNITS,
    Assumption,
    Cap,
    Card,
    Catalog,
    Condition,
    Rate,
    Redemption,
    Rule,
    Source,
    Tier,
    plain,
)
from .resolve import PRIMARY_KINDS, applies
from .yamlpos import Doc, Field, join, shown

CATALOG_FILE = "_catalog.yaml"
NAME_TEXT = re.compile(r"[a-z0-9_]+")

CATALOG_KEYS = ("as_of", "categories", "assumptions")
ASSUMPTION_KEYS = ("description", "default")
CARD_KEYS = (
    "id", "name", "bank", "reward", "points_name", "source", "valid_from", "valid_until",
    "fees", "redemption", "caps", "rules",
)
CARD_REQUIRED = ("id", "name", "bank", "reward", "source", "fees", "redemption", "rules")
SOURCE_KEYS = ("url", "checked", "note", "alternatives")
FEE_KEYS = ("joining", "annual")
REDEMPTION_KEYS = ("method", "rupees_per_point", "note", "when")
CAP_KEYS = ("amount", "unit", "period", "scope", "pool")
CAP_REQUIRED = ("amount", "unit", "period")
RATE_KEYS = ("percent", "points", "per")
TIER_KEYS = ("from", "to", "rate")

RULE_COMMON = ("kind", "description", "when", "valid_from", "valid_until")
# kind -> (required keys, optional keys)
RULE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "flat": (("categories", "rate"), ("cap",)),
    "tiered": (("categories", "tiers"), ("cap",)),
    "bonus": (("categories", "rate"), ("cap",)),
    "milestone": (("spend", "period", "amount", "unit"), ("repeat", "categories")),
    "welcome": (("amount", "unit"), ()),
    "fee_waiver": (("annual_spend", "percent"), ()),
    "joining_fee_waiver": (("spend", "within_days"), ()),
}
RULE_KINDS = tuple(RULE_KEYS)
ALL_RULE_KEYS = RULE_COMMON + tuple(dict.fromkeys(k for req, opt in RULE_KEYS.values() for k in req + opt))


@dataclass(frozen=True)
class Settings:
    """What _catalog.yaml says; `names` is None when the assumptions could not be read."""

    as_of: dt.date | None
    labels: tuple[tuple[str, str], ...]
    assumptions: tuple[Assumption, ...]
    names: frozenset[str] | None


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
    return Catalog(
        as_of=settings.as_of,
        assumptions=settings.assumptions,
        cards=tuple(cards),
        category_labels=settings.labels,
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
    return Settings(as_of, labels, assumptions, names)


def read_assumptions(doc: Doc, node: Node) -> tuple[tuple[Assumption, ...], frozenset[str] | None]:
    pairs = doc.pairs(node, "assumptions")
    if pairs is None:
        return (), None
    out = []
    for fld in pairs:
        name = fld.key.value
        path = join("assumptions", name)
        start = doc.count()
        if not NAME_TEXT.fullmatch(name):
            doc.error(fld.key, path, "assumption names use lowercase letters, digits and _")
        f = doc.fields(fld.value, path, ASSUMPTION_KEYS, ASSUMPTION_KEYS) or {}
        description = doc.text(f["description"].value, join(path, "description")) if "description" in f else None
        default = doc.boolean(f["default"].value, join(path, "default")) if "default" in f else None
        if doc.count() == start:
            out.append(Assumption(name, description, default, doc.pos(fld.key)))
    # Names stay known even when a body is broken, so `when` can still be checked.
    return tuple(out), frozenset(fld.key.value for fld in pairs)


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
        name = self.get(f, "", "name", doc.text)
        bank = self.get(f, "", "bank", doc.text)
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
        if doc.count() != start:
            return None
        return Card(
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
        )

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
        if url is None or checked is None or note is None or alternatives is None:
            return None
        return Source(url=url, checked=checked, note=note, alternatives=alternatives)

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
        f = self.doc.fields(node, path, FEE_KEYS, FEE_KEYS)
        if f is None:
            return None
        return self.get(f, path, "joining", self.doc.amount), self.get(f, path, "annual", self.doc.amount)

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
            method = self.get(f, where, "method", doc.text)
            value = self.get(f, where, "rupees_per_point", self.read_point_value)
            note = self.get(f, where, "note", doc.text, "")
            when = self.get(f, where, "when", self.read_when, ())
            if None not in (method, value, note, when):
                options.append(Redemption(method, value, doc.pos(item), note, when))
        if doc.count() != start:
            return None
        # Every situation needs a way to value points.
        names = sorted({c.assumption for o in options for c in o.when})
        for combo in product((True, False), repeat=len(names)):
            values = dict(zip(names, combo))
            if not any(all(values[c.assumption] == c.value for c in o.when) for o in options):
                doc.error(node, path, f"no option applies when {settings_text(values)}")
        return tuple(options)

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
        out = []
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
                    return "a named cap cannot name another cap"
                return None

            f = doc.fields(fld.value, where, CAP_REQUIRED, CAP_REQUIRED, foreign)
            if f is None:
                continue
            cap = self.cap_body(f, fld.value, where, pool=name)
            if cap is not None:
                self.pools[name] = cap
                out.append((name, cap))
        return tuple(out)

    def read_cap(self, node: Node, path: str) -> Cap | None:
        doc = self.doc
        f = doc.fields(node, path, CAP_KEYS)
        if f is None:
            return None
        if "pool" not in f:
            if not doc.require(f, node, path, CAP_REQUIRED):
                return None
            return self.cap_body(f, node, path, pool=None)
        pool = doc.text(f["pool"].value, join(path, "pool"))
        if pool is not None:
            self.used_pools.add(pool)
        others = [k for k in f if k != "pool"]
        if others:
            key = others[0]
            doc.error(f[key].key, join(path, key), "a cap naming a pool takes no other keys")
        if pool is None or others:
            return None
        if pool not in self.pool_names:
            hint = did_you_mean(pool, self.pool_names) or " (declare it under caps:)"
            doc.error(f["pool"].value, join(path, "pool"), f"unknown cap '{pool}'{hint}")
            return None
        declared = self.pools.get(pool)
        if declared is None:  # its declaration is broken and already reported
            return None
        return Cap(declared.amount, declared.unit, declared.period, "pooled", pool, doc.pos(node))

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
        if None in (amount, unit, period, scope):
            return None
        return Cap(amount, unit, period, scope, pool, doc.pos(node))

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
            required, optional = RULE_KEYS[kind]
            allowed = RULE_COMMON + required + optional

            def foreign(key: str) -> str | None:
                return f"'{key}' does not apply to a {kind} rule" if key in ALL_RULE_KEYS else None

            f = doc.fields(node, path, allowed, ("kind",) + required, foreign)
        else:
            # Unknown kind: still catch misspelt keys, but not missing ones.
            f = doc.fields(node, path, ALL_RULE_KEYS, ("kind",))
        if f is None or kind is None:
            return None
        nodes = {k: fld.value for k, fld in f.items()}
        self.rule_nodes[index] = nodes
        get = lambda key, read, default=None: self.get(f, path, key, read, default)  # noqa: E731
        values: dict = {}
        if kind in ("flat", "tiered", "bonus"):
            cats = get("categories", lambda n, p: self.read_categories(n, p, index, rest_ok=kind != "bonus"))
            if cats is not None:
                values["categories"], values["rest"] = cats
            if kind == "tiered":
                values["tiers"] = get("tiers", self.read_tiers)
            else:
                values["rate"] = get("rate", self.read_rate)
            values["cap"] = get("cap", self.read_cap)
        elif kind == "milestone":
            values["spend"] = get("spend", lambda n, p: doc.amount(n, p, positive=True))
            values["period"] = get("period", lambda n, p: doc.choice(n, p, PERIOD_MONTHS, "period"))
            values["repeat"] = get("repeat", doc.boolean, True)
            values["amount"] = get("amount", doc.amount)
            values["unit"] = get("unit", lambda n, p: doc.choice(n, p, UNITS, "unit"))
            cats = get("categories", lambda n, p: self.read_categories(n, p, index, rest_ok=False))
            # No categories: all spend counts.
            values["categories"] = cats[0] if cats else CATEGORIES
        elif kind == "welcome":
            values["amount"] = get("amount", doc.amount)
            values["unit"] = get("unit", lambda n, p: doc.choice(n, p, UNITS, "unit"))
        elif kind == "fee_waiver":
            values["annual_spend"] = get("annual_spend", doc.amount)
            values["percent"] = get("percent", self.read_percent)
        elif kind == "joining_fee_waiver":
            values["spend"] = get("spend", doc.amount)
            values["within_days"] = get("within_days", self.read_days)
            if self.joining is not None and self.joining == 0:
                doc.error(node, path, "joining_fee_waiver needs a joining fee above 0 (fees.joining is 0)")
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
            percent = self.get(f, path, "percent", self.read_percent)
            return None if percent is None else Rate(per_rupee=percent.scaleb(-2), percent=percent)
        if "points" not in f and "per" not in f:
            doc.error(node, path, "expected {percent: N} or {points: N, per: M}")
            return None
        if not doc.require(f, node, path, ("points", "per")):
            return None
        points = self.get(f, path, "points", doc.amount)
        per = self.get(f, path, "per", lambda n, p: doc.amount(n, p, positive=True))
        if points is None or per is None:
            return None
        return Rate(per_rupee=rate_per_rupee(points, per), points=points, per=per)

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
            if None not in (start, rate) and ("to" not in f or end is not None):
                tiers.append(Tier(start, end, rate, doc.pos(item)))
        return tuple(tiers) if doc.count() == start_count else None

    # -- whole-card checks -------------------------------------------------------

    def check_overlaps(self, rules: tuple[Rule, ...]) -> None:
        """A category covered by two flat/tiered rules, or two fee waivers on one threshold, at once."""
        primary = [r for r in rules if r.kind in PRIMARY_KINDS]
        waivers = [r for r in rules if r.kind == "fee_waiver"]
        reported: set[tuple] = set()
        for values, day in situations(primary + waivers, self.settings.as_of):
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

    def clash(self, reported: set, first: Rule, second: Rule, what: str, text: str, values: dict, day: dt.date) -> None:
        key = (first.index, second.index, what)
        if key in reported:
            return
        reported.add(key)
        if what == "annual_spend":
            node, path = self.rule_nodes[second.index]["annual_spend"], f"rules[{second.index}].annual_spend"
        else:
            node = self.category_nodes[second.index][what]
            cats = self.rule_nodes[second.index]["categories"]
            where = "" if what == "rest" else f"[{cats.value.index(node)}]"
            path = f"rules[{second.index}].categories{where}"
        self.doc.error(node, path, text + situation_text(values, day, (first, second)))


def situations(items, as_of: dt.date | None):
    """Every (assumption values, date) that can change which of `items` apply."""
    names = sorted({c.assumption for r in items for c in r.when})
    dates = {d for r in items for d in (r.valid_from, r.valid_until) if d is not None}
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

EXTRA_CONSTRUCTS = ("cap", "pooled_cap", "points_cap", "assumption", "validity", "redemption_choice")


def constructs(card: Card) -> list[str]:
    """The card's rule kinds (sorted), then the other constructs it uses, so a reader sees them all."""
    used = set()
    for rule in card.rules:
        if rule.cap is not None:
            used.add("pooled_cap" if rule.cap.pool else "cap")
            if rule.cap.unit == "points":
                used.add("points_cap")
        if rule.when:
            used.add("assumption")
        if rule.valid_from or rule.valid_until:
            used.add("validity")
    if card.valid_from or card.valid_until:
        used.add("validity")
    if any(o.when for o in card.redemption):
        used.add("assumption")
    if len(card.redemption) > 1:
        used.add("redemption_choice")
    return sorted({r.kind for r in card.rules}) + [c for c in EXTRA_CONSTRUCTS if c in used]


def card_summaries(catalog: Catalog) -> list[dict]:
    """One plain record per card, for the table and for --json."""
    return [
        {
            "id": card.id,
            "name": card.name,
            "bank": card.bank,
            "joining_fee": card.joining_fee,
            "annual_fee": card.annual_fee,
            "source_url": card.source.url,
            "checked": card.source.checked.isoformat(),
            "rules": constructs(card),
        }
        for card in catalog.cards
    ]


CARD_COLUMNS = (
    ("ID", "id"), ("NAME", "name"), ("BANK", "bank"), ("JOINING", "joining_fee"),
    ("ANNUAL", "annual_fee"), ("CHECKED", "checked"), ("RULES", "rules"), ("SOURCE", "source_url"),
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
