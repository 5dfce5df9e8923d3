"""Every stage handles every rule kind of cgcompile/kinds.py."""
from __future__ import annotations

import dataclasses
import re

from cgcompile import boundary, evaluate, explain, fasteval, loader
from cgcompile.compiler import emit
from cgcompile.kinds import ALL_RULE_KEYS, BENEFIT, EARN, KINDS, Kind
from cgcompile.model import Rule
from support.catalog import CATALOG
from support.jobkit import REPO

# (stage, its table, the group of kinds it must cover: None for every kind)
STAGES = (
    ("loader.RULE_READERS", loader.RULE_READERS, None),
    ("evaluate.EARN", evaluate.EARN, EARN),
    ("evaluate.BENEFITS", evaluate.BENEFITS, BENEFIT),
    ("fasteval.EARN", fasteval.EARN, EARN),
    ("fasteval.BENEFITS", fasteval.BENEFITS, BENEFIT),
    ("compiler.emit.EARN_EMITTERS", emit.EARN_EMITTERS, EARN),
    ("compiler.emit.BENEFIT_EMITTERS", emit.BENEFIT_EMITTERS, BENEFIT),
    ("explain.EARN_TEXT", explain.EARN_TEXT, EARN),
    ("explain.BENEFIT_TEXT", explain.BENEFIT_TEXT, BENEFIT),
    ("boundary.KIND_USERS", boundary.KIND_USERS, None),
)

# The Rule fields each YAML key fills.
KEY_FIELDS = {"categories": ("categories", "rest")}


def gaps(kinds: dict[str, Kind]) -> list[str]:
    out = []
    for stage, table, group in STAGES:
        wanted = {k.name for k in kinds.values() if group is None or k.group == group}
        out += [f"{stage} lacks {kind}" for kind in sorted(wanted - set(table))]
        out += [f"{stage} has {kind}, which is not a {group or 'rule'} kind" for kind in sorted(set(table) - wanted)]
    return out


def test_every_stage_has_every_kind():
    assert gaps(KINDS) == []


def test_a_new_kind_is_missed_by_every_stage_until_added():
    new = {**KINDS, "rent": Kind("rent", EARN, ("categories", "rate"))}
    missing = gaps(new)
    assert [m for m in missing if m.endswith("lacks rent")] == [
        f"{stage} lacks rent" for stage, _, group in STAGES if group in (None, EARN)
    ]


def test_docs_describe_every_kind():
    text = (REPO / "docs" / "rules.md").read_text()
    headings = set(re.findall(r"^#+ .*?`([a-z_]+)`", text, flags=re.M))
    assert set(KINDS) <= headings, sorted(set(KINDS) - headings)


def test_every_key_names_a_rule_field():
    fields = {f.name for f in dataclasses.fields(Rule)}
    for key in ALL_RULE_KEYS:
        if key in ("kind", "when", "description", "valid_from", "valid_until", "source"):  # source: provenance.py
            continue
        assert set(KEY_FIELDS.get(key, (key,))) <= fields, key


def test_rules_set_only_the_fields_of_their_kind():
    defaults = {f.name: f.default for f in dataclasses.fields(Rule) if f.default is not dataclasses.MISSING}
    common = {"kind", "index", "pos", "description", "when", "valid_from", "valid_until"}
    seen = set()
    for card in CATALOG.cards:
        for rule in card.rules:
            seen.add(rule.kind)
            allowed = common | {f for key in KINDS[rule.kind].keys for f in KEY_FIELDS.get(key, (key,))}
            set_fields = {name for name, default in defaults.items() if getattr(rule, name) != default}
            assert set_fields <= allowed, (card.file, rule.index, rule.kind, sorted(set_fields - allowed))
    assert seen == set(KINDS), sorted(set(KINDS) - seen)
