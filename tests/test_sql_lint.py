"""The hand-written dbt SQL passes sqlfluff with dbt_project/.sqlfluff."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from support.jobkit import REPO

PROJECT = REPO / "dbt_project"
SQLFLUFF = str(Path(sys.executable).with_name("sqlfluff"))


def lint(folder: Path) -> list[dict]:
    done = subprocess.run([SQLFLUFF, "lint", "--format", "json", "--nofail"], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [
        {"file": f["filepath"], "line": v["start_line_no"], "code": v["code"], "text": v["description"]}
        for f in json.loads(done.stdout)
        for v in f["violations"]
    ]


def linted_files(folder: Path) -> list[str]:
    done = subprocess.run([SQLFLUFF, "lint", "--format", "json", "--nofail"], cwd=folder, capture_output=True, text=True)
    return sorted(str(Path(f["filepath"]).resolve().relative_to(folder.resolve())) for f in json.loads(done.stdout))


def test_hand_written_sql_is_clean():
    assert lint(PROJECT) == []


def test_the_lint_covers_the_hand_written_models_and_tests_only():
    files = linted_files(PROJECT)
    assert "models/marts/card_recommendations.sql" in files
    assert "models/intermediate/int_batch.sql" in files
    assert "tests/assert_rank_follows_net_savings.sql" in files
    assert not [f for f in files if "generated" in f]


def test_a_badly_written_model_is_found(tmp_path):
    shutil.copy(PROJECT / ".sqlfluff", tmp_path / ".sqlfluff")
    shutil.copytree(PROJECT / "lint", tmp_path / "lint")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "bad.sql").write_text("SELECT user_id,rank FROM {{ ref('int_batch') }}\n")
    codes = {v["code"] for v in lint(tmp_path)}
    assert {"CP01", "LT01", "LT09"} <= codes, codes
