"""`cgcompile impact` (impact.py): a one-line change to one card's cap, run over the same users on
both rule sets; the users it reports as moved are exactly those the reference evaluator moves."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cgcompile import impact
from cgcompile.datagen import generate_users
from cgcompile.evaluate import user_spend
from cgcompile.fasteval import Ranker
from cgcompile.loader import load_catalog
from cgcompile.resolve import resolve_catalog
from support.jobkit import EDGE_USERS, REPO, Job

CAP = ("  online: {amount: 2000, unit: rupees, period: month, within: overall", "  online: {amount: 1000, unit: rupees, period: month, within: overall")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def rules(tmp_path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "card_rules", repo / "card_rules")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "catalog")
    return repo / "card_rules"


USERS = list(generate_users(400, seed=5)) + EDGE_USERS


@pytest.fixture(scope="module", params=["duckdb", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def source(request, tmp_path_factory) -> Job:
    """The real input table: users loaded, never built (impact reads it and nothing else)."""
    params = request.getfixturevalue("mariadb_module_schema") if request.param == "mariadb" else None
    job = Job(tmp_path_factory.mktemp("impact"), request.param, params)
    job.create_source()
    job.load(USERS)
    return job


def top10(rules_dir: Path) -> dict[str, list[tuple]]:
    ranker = Ranker.of(resolve_catalog(load_catalog(rules_dir), None, None, None))
    out = {}
    for user_id, *values in USERS:
        try:
            spend = user_spend(*values)
        except Exception:
            continue
        out[user_id] = [(r[0], r[5]) for r in ranker.rank(spend, 10)]
    return out


def test_a_cap_change_moves_exactly_the_users_the_evaluator_moves(rules, source):
    before = top10(rules)
    card = rules / "sbi_cashback.yaml"
    text = card.read_text()
    assert CAP[0] in text
    card.write_text(text.replace(*CAP))
    after = top10(rules)
    moved = {u for u in before if before[u] != after[u]}
    top = {u for u in before if before[u][0][0] != after[u][0][0]}
    sets = {u for u in before if {c for c, _ in before[u]} != {c for c, _ in after[u]}}
    assert moved and top  # the change must matter for the test to mean anything

    result = impact.impact(source.target, rules, "HEAD", users=None, project_dir=source.project)
    assert result.users == len(USERS)
    assert {r[0] for r in result.csv_rows} == moved
    assert {r[0] for r in result.csv_rows if r[6]} == top
    assert {r[0] for r in result.csv_rows if r[7]} == sets
    assert (result.moved, result.top_changed, result.set_changed) == (len(moved), len(top), len(sets))
    assert list(result.changed_terms) == ["sbi_cashback"]
    assert result.changed_terms["sbi_cashback"] == ["caps.online.amount: 2000 -> 1000"]
    assert all(m["moved_by_card"] == "sbi_cashback" for m in result.movers)
    # The input is read, never written: no recommendations appear in it.
    assert source.query("SELECT COUNT(*) FROM user_spending_data WHERE processing_status IS NOT NULL AND processing_status <> 'new'") == [(0,)]


def test_no_change_moves_nobody_and_a_sample_is_taken(rules, source, tmp_path):
    result = impact.impact(source.target, rules, "HEAD", users=100, project_dir=source.project)
    assert (result.users, result.moved, result.changed_terms) == (100, 0, {})
    files = impact.write(tmp_path / "out", result)
    assert [f.name for f in files] == ["impact.html", "impact.md", "moved_users.csv"]
    assert (tmp_path / "out" / "moved_users.csv").read_text().count("\n") == 1  # the header alone
