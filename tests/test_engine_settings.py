"""dbt_project/macros/engine.sql: what the ranking connection sets.

On MySQL/MariaDB each chunk's derived tables and ranking window stay in memory
only up to the session's tmp_table_size / max_heap_table_size; the servers'
16 MB default put a 20K-user chunk on disk (issue 5)."""
from __future__ import annotations

import pytest

from cgcompile.harness import Workspace
from support.jobkit import mariadb_target

MB = 1024 * 1024

# Sets the session's limits to `start_mb`, applies the job's settings, and keeps
# what the session then has in a table (run-operation runs on one connection).
PROBE = """
{% macro probe_session_settings(start_mb) %}
  {% do run_query('set session tmp_table_size = ' ~ start_mb * 1048576 ~ ', session max_heap_table_size = ' ~ start_mb * 1048576) %}
  {% do cg_session_settings() %}
  {% do run_query('create table ' ~ target.schema ~ '.probe as select @@session.tmp_table_size as tmp, @@session.max_heap_table_size as heap') %}
{% endmacro %}
"""


@pytest.mark.parametrize(
    ("start_mb", "chunk_users", "expected_mb"),
    [
        (16, None, 128),  # the servers' default is raised for a 20K-user chunk
        (1024, None, 1024),  # a server that gives more keeps it
        (16, 50_000, 384),  # larger chunks get more: 128 MB per 20K users begun
    ],
)
def test_mariadb_ranking_session_keeps_chunks_in_memory(mariadb_schema, tmp_path, start_mb, chunk_users, expected_mb):
    ws = Workspace(tmp_path, mariadb_target(mariadb_schema))
    (ws.project / "macros" / "probe.sql").write_text(PROBE)
    args = ["run-operation", "probe_session_settings", "--args", "{start_mb: %d}" % start_mb]
    if chunk_users:
        args += ["--vars", "{cg_chunk_users: %d}" % chunk_users]
    result = ws.dbt(*args)
    assert result.success, result.exception
    assert ws.query("SELECT tmp, heap FROM probe") == [(expected_mb * MB, expected_mb * MB)]
