"""cgcompile.run: the demo a new user runs first, on each engine it supports."""
from __future__ import annotations

import pytest

from cgcompile import run

from support.jobkit import Job


@pytest.mark.parametrize("kind", ["duckdb", "mariadb"])
def test_demo_runs_again_on_its_own_tables(kind, tmp_path, request):
    # The second demo starts from scratch: it drops (MariaDB) or deletes (DuckDB)
    # what the first one left, so its figures are the new run's alone.
    params = request.getfixturevalue("mariadb_schema") if kind == "mariadb" else None
    job = Job(tmp_path, kind, params)
    for _ in range(2):
        outcome = run.demo(40, 7, job.target.name, job.project)
        assert outcome.success
        assert job.query("SELECT COUNT(*) FROM user_spending_data")[0][0] == 40
        assert job.query("SELECT COUNT(DISTINCT batch_id) FROM card_recommendations")[0][0] == 1
