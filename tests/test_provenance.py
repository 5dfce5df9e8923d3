"""Sources per term and the confidence they give (provenance.py), on frozen copies of two
real cards: what an analyst writes, what `cards` shows, what the ranking leaves out, and
that citing a source does not make every user be processed again."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from cgcompile import compiler
from cgcompile.errors import RulesInvalid
from cgcompile.loader import card_summaries, confidence, load_catalog, stale_terms

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def rules(tmp_path, monkeypatch) -> Path:
    # Frozen copies of two real cards (tests/fixtures/provenance), so re-checking the
    # catalog's terms does not move these tests.
    shutil.copytree(Path(__file__).parent / "fixtures" / "provenance", tmp_path / "card_rules")
    monkeypatch.chdir(tmp_path)
    return Path("card_rules")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def terms(catalog, card_id: str) -> dict[str, tuple[str, list[str]]]:
    card = next(c for c in catalog.cards + catalog.excluded if c.id == card_id)
    return {t.path: (t.confidence, [s.key for s in t.sources]) for t in card.provenance.terms}


def test_each_term_names_its_sources_and_its_confidence(rules):
    catalog = load_catalog(rules)
    got = terms(catalog, "sbi_cashback")
    assert got["caps.overall"] == ("verified", ["monzy", "thebanktoday"])  # two sources agree
    assert got["rules[0]"] == ("verified", ["sbi_faq"])  # the issuer's page
    assert got["fees"] == ("verified", ["source"])  # cites nothing: the card's source, the issuer's FAQ
    # A card whose one source is not the issuer's own page.
    assert set(c for c, _ in terms(catalog, "axis_ace").values()) == {"single_source"}


def test_confidence_is_the_least_sure_term(rules):
    edit(rules / "sbi_cashback.yaml", "    source: sbi_faq\n", "    source: none\n")
    catalog = load_catalog(rules)
    assert terms(catalog, "sbi_cashback")["rules[0]"] == ("unverified", [])
    assert confidence(next(c for c in catalog.cards if c.id == "sbi_cashback")) == "unverified"
    edit(rules / "sbi_cashback.yaml", "    source: none\n", "    source: monzy\n")
    assert confidence(next(c for c in load_catalog(rules).cards if c.id == "sbi_cashback")) == "single_source"


def test_unverified_cards_can_be_kept_out_of_the_ranking(rules):
    edit(rules / "sbi_cashback.yaml", "    source: sbi_faq\n", "    source: none\n")
    assert "sbi_cashback" in [c.id for c in load_catalog(rules).cards]  # ranked by default
    edit(rules / "_catalog.yaml", "horizon: first_year\n", "horizon: first_year\nrank_unverified: false\n")
    catalog = load_catalog(rules)
    assert "sbi_cashback" not in [c.id for c in catalog.cards]
    listed = {s["id"]: (s["confidence"], s["ranked"]) for s in card_summaries(catalog)}
    assert listed["sbi_cashback"] == ("unverified", False) and listed["axis_ace"] == ("single_source", True)


@pytest.mark.parametrize("old, new, message", [
    ("    source: sbi_faq\n", "    source: sbi_fqa\n", "rules[0].source: unknown source 'sbi_fqa' (did you mean 'sbi_faq'?)"),
    ("checked: 2026-12-02, issuer: true}\n  monzy", "checked: soon, issuer: true}\n  monzy", "sources.sbi_faq.checked: "),
    ("  monzy: {url: https://blog", "  monzy: {url: blog", "sources.monzy.url: expected a web address"),
    ("    source: sbi_faq\n", "    source: {a: 1}\n", "rules[0].source: expected a source name, a list of them, or none"),
])
def test_a_bad_citation_names_the_file_line_and_column(rules, old, new, message):
    edit(rules / "sbi_cashback.yaml", old, new)
    with pytest.raises(RulesInvalid) as e:
        load_catalog(rules)
    (problem,) = e.value.problems
    assert problem.pos.file == "card_rules/sbi_cashback.yaml" and problem.pos.line > 1
    assert message in str(problem)


def test_stale_terms_are_those_checked_too_long_ago(rules):
    catalog = load_catalog(rules)
    assert stale_terms(catalog, 30, dt.date(2026, 12, 2)) == []
    old = {(r["card"], r["term"]) for r in stale_terms(catalog, 30, dt.date(2027, 2, 1))}
    assert ("sbi_cashback", "caps.overall") in old and ("axis_ace", "fees") in old
    edit(rules / "sbi_cashback.yaml", "    source: sbi_faq\n", "    source: none\n")
    never = stale_terms(load_catalog(rules), 30, dt.date(2026, 12, 2))
    assert [(r["card"], r["term"], r["checked"]) for r in never] == [("sbi_cashback", "rules[0]", None)]


def rules_version(rules: Path) -> str:
    catalog = load_catalog(rules)
    files = compiler.compile_catalog(catalog, compiler.settings_for(catalog, rules, None, {}, None, 2))
    return next(line for line in files["macros/generated/rules_version.sql"].splitlines() if "rules_version()" in line)


def test_citing_a_source_does_not_change_the_rules_version(rules):
    before = rules_version(rules)
    # Lines added above the rules move every rule's position comment in the SQL.
    edit(rules / "sbi_cashback.yaml", "sources:\n", "sources:\n  another: {url: https://example.com/x, checked: 2026-12-01}\n")
    edit(rules / "sbi_cashback.yaml", "    source: sbi_faq\n", "    source: [sbi_faq, another]\n")
    assert rules_version(rules) == before
    edit(rules / "sbi_cashback.yaml", "rate: {percent: 5}\n    cap: {pool: online}", "rate: {percent: 4}\n    cap: {pool: online}")
    assert rules_version(rules) != before  # a figure changed
