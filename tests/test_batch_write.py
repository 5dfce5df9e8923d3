"""The batch writer is a materialization of its own (macros/batch/write.sql):
other incremental models in the project keep the adapter's incremental
materialization (an override of `incremental` for card_recommendations once
sent every DuckDB incremental model into endless recursion)."""
from __future__ import annotations

from cgcompile.harness import Workspace, duckdb_target

PLAIN = "{{ config(materialized='incremental', unique_key='k') }}\nselect 1 as k, {{ var('v') }} as v\n"


def test_a_plain_incremental_model_still_runs_on_duckdb(tmp_path):
    ws = Workspace(tmp_path, duckdb_target(tmp_path / "plain.duckdb"))
    (ws.project / "models" / "plain_incremental.sql").write_text(PLAIN)
    for v in (2, 3):
        result = ws.dbt("--quiet", "run", "--select", "plain_incremental", "--vars", "{v: %d}" % v)
        assert result.success, result.exception
    assert ws.query("SELECT k, v FROM plain_incremental") == [(1, 3)]

