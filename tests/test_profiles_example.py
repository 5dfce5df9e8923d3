"""profiles.yml.example works as written for both targets (dbt debug connects)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "profiles.yml.example"
# The smallest project that uses the profile: dbt debug needs no model.
PROJECT = "name: profile_check\nversion: '1.0.0'\nconfig-version: 2\nprofile: cgcompile\n"


@pytest.fixture
def dbt_dirs(tmp_path):
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    (project_dir / "dbt_project.yml").write_text(PROJECT)
    profiles_dir = tmp_path / "profiles"
    profiles_dir.mkdir()
    shutil.copy(EXAMPLE, profiles_dir / "profiles.yml")
    return project_dir, profiles_dir


def _debug(project_dir, profiles_dir, *args):
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        ["debug", "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir), *args]
    )
    return result.success


def test_example_shape():
    doc = yaml.safe_load(EXAMPLE.read_text())["cgcompile"]
    assert doc["target"] == "duckdb"
    assert doc["outputs"]["duckdb"]["type"] == "duckdb"
    assert doc["outputs"]["duckdb"]["threads"] == 2
    assert doc["outputs"]["mariadb"]["type"] == "mariadb"
    for field in ("server", "port", "schema", "username", "password"):
        assert "env_var('CGCOMPILE_DB_" in doc["outputs"]["mariadb"][field]


def test_default_duckdb_target_connects(dbt_dirs, tmp_path, monkeypatch):
    db_file = tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("CGCOMPILE_DUCKDB_PATH", str(db_file))
    assert _debug(*dbt_dirs)
    # The env var, not the default path inside dbt_project, decided where the file went.
    assert db_file.exists()


def test_mariadb_target_connects_with_env(dbt_dirs, mariadb, monkeypatch):
    for name, value in mariadb.as_env().items():
        monkeypatch.setenv(name, value)
    assert _debug(*dbt_dirs, "--target", "mariadb")


def test_mariadb_target_refuses_a_wrong_password(dbt_dirs, mariadb, monkeypatch):
    for name, value in mariadb.as_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CGCOMPILE_DB_PASSWORD", "wrong")
    assert not _debug(*dbt_dirs, "--target", "mariadb")


def test_spark_target_shape():
    """The spark target: a local session for runs and tests; the Thrift form is documented beside it."""
    spark = yaml.safe_load(EXAMPLE.read_text())["cgcompile"]["outputs"]["spark"]
    assert (spark["type"], spark["method"], spark["host"]) == ("spark", "session", "NA")
    params = spark["server_side_parameters"]
    assert params["spark.sql.sources.partitionOverwriteMode"] == "dynamic"
    assert "CGCOMPILE_SPARK_DIR" in params["spark.sql.warehouse.dir"]
    assert "method: thrift" in EXAMPLE.read_text()
