"""The throwaway MariaDB server and its fixtures."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import mysql.connector
import pytest
import yaml

from cgcompile.testing import mariadb_server
from conftest import in_ci
from cgcompile.testing.mariadb_server import MariaDBServer, MariaDBStartError, MariaDBUnavailable, write_profiles

pytest_plugins = ["pytester"]

TESTS_DIR = Path(__file__).parent


def _one(params, sql):
    conn = params.connect()
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return cur.fetchall()
    finally:
        conn.close()


def test_server_is_mariadb_10_11_with_the_cashkaro_database(mariadb):
    [(version, database, user)] = _one(mariadb, "SELECT VERSION(), DATABASE(), CURRENT_USER()")
    assert version.startswith("10.11.") and "MariaDB" in version
    assert database == "cashkaro"
    assert user == "cgcompile@%"
    assert mariadb.host == "127.0.0.1"


def test_server_is_tuned_for_tests(mariadb):
    [row] = _one(
        mariadb,
        "SELECT @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit, @@log_bin, @@bind_address",
    )
    assert row == (1024**3, 2, 0, "127.0.0.1")


def test_user_needs_its_password(mariadb):
    # Grants are enforced (no skip-grant-tables): a wrong password is refused.
    with pytest.raises(mysql.connector.Error, match="Access denied"):
        mysql.connector.connect(
            host=mariadb.host, port=mariadb.port, user=mariadb.user, password="wrong"
        )


def test_mariadb_schema_is_fresh_and_separate(mariadb_schema, mariadb):
    assert mariadb_schema.database != mariadb.database
    assert _one(mariadb_schema, "SHOW TABLES") == []
    assert _one(mariadb_schema, "SELECT DATABASE()") == [(mariadb_schema.database,)]


def test_env_matches_profiles_example_variables(mariadb):
    env = mariadb.as_env()
    assert env["CGCOMPILE_DB_PORT"] == str(mariadb.port)
    example = (TESTS_DIR.parent / "profiles.yml.example").read_text()
    for name in env:
        assert name in example


def test_write_profiles_is_a_mariadb_profile(tmp_path, mariadb):
    path = write_profiles(tmp_path / "profiles", mariadb, schema="other")
    doc = yaml.safe_load(path.read_text())
    out = doc["cgcompile"]["outputs"]["mariadb"]
    assert doc["cgcompile"]["target"] == "mariadb"
    assert out == {
        "type": "mariadb",
        "server": "127.0.0.1",
        "port": mariadb.port,
        "schema": "other",
        "username": "cgcompile",
        "password": mariadb.password,
        "threads": 2,
    }


def test_start_failure_reports_the_server_log(monkeypatch):
    pytest.importorskip("mysql.connector")
    try:
        server = MariaDBServer()
    except MariaDBUnavailable as e:
        pytest.skip(str(e))
    monkeypatch.setattr(mariadb_server, "SERVER_OPTIONS", ("--no-such-option-xyz",))
    with pytest.raises(MariaDBStartError, match=r"(?s)exited.*log tail.*no-such-option-xyz"):
        server.start()
    # The failed start cleaned up after itself.
    assert not server.root.exists()
    assert server.proc is None


def test_stop_removes_the_datadir():
    try:
        server = MariaDBServer()
    except MariaDBUnavailable as e:
        pytest.skip(str(e))
    with server as params:
        assert _one(params, "SELECT 1") == [(1,)]
        assert server.datadir.is_dir()
    assert not server.root.exists()


def test_missing_binary_is_reported(monkeypatch):
    monkeypatch.setenv("CGCOMPILE_MARIADBD", "/nonexistent/mariadbd")
    with pytest.raises(MariaDBUnavailable, match="mariadbd not found"):
        mariadb_server.find_binaries()


@pytest.mark.parametrize(
    "value, expected",
    [("true", True), ("1", True), ("yes", True), ("", False), ("false", False), ("0", False)],
)
def test_in_ci(monkeypatch, value, expected):
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def _suite_needing_mariadb(pytester):
    # The suite's conftest, which imports the server from the package.
    shutil.copy(TESTS_DIR / "conftest.py", pytester.path / "conftest.py")
    pytester.makepyfile(
        test_needs_db=textwrap.dedent(
            """
            def test_db(mariadb):
                pass
            """
        )
    )


@pytest.mark.parametrize("ci, outcome", [("true", {"errors": 1}), ("", {"skipped": 1})])
def test_missing_server_skips_locally_but_fails_in_ci(pytester, monkeypatch, ci, outcome):
    _suite_needing_mariadb(pytester)
    monkeypatch.setenv("CGCOMPILE_MARIADBD", "/nonexistent/mariadbd")
    monkeypatch.setenv("CI", ci)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(**outcome)
    if ci:
        result.stdout.fnmatch_lines(["*MariaDB is required in CI*"])
