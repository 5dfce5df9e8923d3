"""Shared pytest fixtures. Keep each fixture small; the machinery lives in helper modules."""
from __future__ import annotations

import os
import re

import pytest

from cgcompile.testing.mariadb_server import ConnParams, MariaDBServer, MariaDBUnavailable
from cgcompile.testing.spark_session import SparkUnavailable, local_session

# dbt runs in-process in tests; it must not phone home (dbt 1.7 honours DO_NOT_TRACK).
os.environ.setdefault("DO_NOT_TRACK", "1")


def in_ci() -> bool:
    """CI=true (or any non-false value) means: missing infrastructure is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(items):
    # Tests that use the server get the `mariadb` marker, so `-m "not mariadb"` works.
    for item in items:
        if "mariadb" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.mariadb)
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory) -> ConnParams:
    """A real MariaDB 10.11 on 127.0.0.1 for the whole session: database `cashkaro`, a
    password user with rights on all schemas. Skips locally without the binaries; fails in CI."""
    try:
        server = MariaDBServer()
    except MariaDBUnavailable as e:
        if in_ci():
            pytest.fail(f"MariaDB is required in CI: {e}", pytrace=False)
        pytest.skip(str(e))
    with server as params:
        yield params


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """One local Spark (1 core: the machine is shared) for the whole session, its warehouse
    and metastore in a temporary folder. dbt-spark's session method reuses it.
    Skips locally without Java or pyspark; fails in CI."""
    try:
        session = local_session(tmp_path_factory.mktemp("spark"), cores=1)
    except SparkUnavailable as e:
        if in_ci():
            pytest.fail(f"Spark is required in CI: {e}", pytrace=False)
        pytest.skip(str(e))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_scratch(spark):
    """`spark` for a module's temporary views: a new session shares the warehouse but not
    the temp views, which would otherwise shadow the job's tables of the same name
    (tests/support/sparkrun.py names its views after the models)."""
    return spark.newSession()


@pytest.fixture
def mariadb_schema(mariadb, request) -> ConnParams:
    """`mariadb` with a fresh, empty schema of its own (dropped afterwards), named after the test."""
    name = "t_" + re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:50]
    # `name` is [a-z0-9_] only, so backquoting it cannot be escaped out of.
    _execute(mariadb, "DROP DATABASE IF EXISTS `" + name + "`", "CREATE DATABASE `" + name + "`")
    yield ConnParams(mariadb.host, mariadb.port, mariadb.user, mariadb.password, name)
    _execute(mariadb, "DROP DATABASE IF EXISTS `" + name + "`")


@pytest.fixture(scope="module")
def mariadb_module_schema(mariadb, request) -> ConnParams:
    """As mariadb_schema, shared by one module's tests: a job built once that its tests only read."""
    name = "m_" + re.sub(r"[^a-z0-9_]", "_", request.module.__name__.lower())[:50]
    _execute(mariadb, "DROP DATABASE IF EXISTS `" + name + "`", "CREATE DATABASE `" + name + "`")
    yield ConnParams(mariadb.host, mariadb.port, mariadb.user, mariadb.password, name)
    _execute(mariadb, "DROP DATABASE IF EXISTS `" + name + "`")


def _execute(params: ConnParams, *statements: str) -> None:
    conn = params.connect()
    try:
        cur = conn.cursor()
        for sql in statements:
            cur.execute(sql)
        conn.commit()
    finally:
        conn.close()
