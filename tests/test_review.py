"""The analyst's review (review.py): `cards --diff REF` on a git repository holding a copy of
the real catalog, and `cards --plausibility` on the real catalog and on a card that
returns too much."""
from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from cgcompile.cli import main
from cgcompile.loader import load_catalog
from cgcompile.review import diff_catalog, diff_docs, plausibility

REPO = Path(__file__).resolve().parents[1]
CARD = "review_card.yaml"
# A card of the test's own, so the real catalog's re-checks do not move these tests.
CARD_TEXT = """\
id: review_card
name: Review Card
bank: Test Bank
reward: cashback
source:
  url: https://example.com/review-card
  checked: 2026-11-23
fees:
  joining: 499
  annual: 499
redemption:
  - method: Cashback
    rupees_per_point: 1
rules:
  - kind: flat
    categories: rest
    rate: {percent: 2}
    cap: {amount: 1000, unit: rupees, period: month}
    description: 2% on online spends
  - kind: fee_waiver
    annual_spend: 120000
    percent: 100
"""


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    shutil.copytree(REPO / "card_rules", tmp_path / "card_rules")
    (tmp_path / "card_rules" / CARD).write_text(CARD_TEXT)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "catalog")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_a_figure_change_shows_old_and_new_value(repo, capsys):
    edit(repo / "card_rules" / CARD, "cap: {amount: 1000, unit: rupees, period: month}", "cap: {amount: 750, unit: rupees, period: month}")
    assert main(["cards", "--diff", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "card_rules/review_card.yaml: 1 figure change(s), 0 citation/text change(s)" in out
    assert "~ rules[0].cap.amount: 1000 -> 750" in out
    assert "run `cgcompile rules`" in out


def test_citations_alone_are_told_apart_from_figures(repo, capsys):
    edit(repo / "card_rules" / CARD, "checked: 2026-11-23", "checked: 2026-12-03")
    edit(repo / "card_rules" / CARD, "description: 2% on online spends", "description: Two per cent on online spends")
    assert main(["cards", "--diff", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "0 figure change(s), 2 citation/text change(s)" in out
    assert "sources/notes re-written on: card, rules[0]" in out
    assert "citations only: the SQL does not change" in out


def test_an_inserted_rule_is_one_addition_not_a_shifted_list():
    old = {"rules": [{"kind": "flat", "rate": {"percent": 2}}, {"kind": "fee_waiver", "annual_spend": 120000}]}
    new = {"rules": [{"kind": "welcome", "value": 500}, *old["rules"]]}
    changes = diff_docs(old, new)
    assert [(c.term, c.how, c.figure) for c in changes] == [("rules[0]", "added", True)]


def test_added_and_removed_cards_and_json(repo, capsys):
    shutil.copy(repo / "card_rules" / CARD, repo / "card_rules" / "card_copy.yaml")
    (repo / "card_rules" / "onecard.yaml").unlink()
    got = {(d.file, d.status) for d in diff_catalog(Path("card_rules"), "HEAD")}
    assert got == {("card_copy.yaml", "added"), ("onecard.yaml", "removed")}
    assert main(["cards", "--diff", "HEAD", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {f["file"]: f["status"] for f in doc["files"]} == {"onecard.yaml": "removed", "card_copy.yaml": "added"}


def test_no_change_and_a_bad_ref(repo, capsys):
    assert main(["cards", "--diff", "HEAD"]) == 0
    assert "no change in card_rules since HEAD" in capsys.readouterr().out
    assert main(["cards", "--diff", "no-such-ref"]) == 2
    assert "no-such-ref" in capsys.readouterr().err


def test_modes_do_not_combine(repo, capsys):
    assert main(["cards", "--diff", "HEAD", "--stale", "3"]) == 2
    assert "cannot be combined" in capsys.readouterr().err


def test_plausibility_lists_a_card_that_returns_too_much(repo, capsys):
    edit(repo / "card_rules" / CARD, "rate: {percent: 2}\n    cap: {amount: 1000, unit: rupees, period: month}", "rate: {percent: 25}")
    rows = {r.card_id: r for r in plausibility(load_catalog(Path("card_rules")), users=300)}
    assert rows["review_card"].confirm
    assert rows["review_card"].pooled_pct > Decimal(20)
    assert main(["cards", "--plausibility", "--users", "300"]) == 0
    out = capsys.readouterr().out
    assert "review_card" in out.splitlines()[2]  # the highest return comes first
    assert "confirm their terms against the sources: review_card" in out


def test_plausibility_of_the_real_catalog_is_a_report(capsys):
    rows = plausibility(load_catalog(REPO / "card_rules"), users=300)
    assert len(rows) == len(load_catalog(REPO / "card_rules").cards)
    assert all(Decimal(-100) < r.pooled_pct < Decimal(100) for r in rows)
    assert main(["cards", "--rules-dir", str(REPO / "card_rules"), "--plausibility", "--users", "300", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["users"] == 300 and len(doc["cards"]) == len(rows)
