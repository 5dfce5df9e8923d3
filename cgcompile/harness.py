"""A throwaway copy of the dbt project on one database, for `cgcompile verify` and the tests.

A Workspace has its own project folder (so dbt's target/ and logs/ and the
freshly compiled rules never touch the repository) and its own database: a
DuckDB file inside the folder, or a MariaDB/MySQL database that `scratch_database`
creates fresh and drops afterwards.  The profile's real schema is never used.

`verify` is the differential check of issue 4: users in, one `dbt build`, the
PRD's post-processing checks, then every column of every row against the
reference evaluator (verify.py).
"""
from __future__ import annotations

import contextlib
from collections import Counter
import dataclasses
import datetime as dt
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import sqlglot
import yaml
from sqlglot import exp

from . import compiler, db, run
from .boundary import boundary_users
from .checks import CheckResult, run_checks
from .datagen import COLUMNS, generate_users
from .errors import CgError
from .model import Catalog
from .run import BuildOutcome, ensure_profiles
from .testing.spark_session import session_settings
from .verify import OUTPUT_COLUMNS, Mismatch, actual_rows, compare, expected_rows

SKIP = shutil.ignore_patterns("target", "logs", "*.duckdb", "*.duckdb.wal", "profiles.yml", "dbt_packages")
SCRATCH_SUFFIX = "_verify"
MISMATCHES_SHOWN = 20  # in `verify --json`; the count covers them all
MAX_SCHEMA = 64  # MySQL's identifier limit

DROP_DATABASE = sqlglot.parse_one("DROP DATABASE IF EXISTS scratch", read="mysql")
CREATE_DATABASE = sqlglot.parse_one("CREATE DATABASE scratch CHARACTER SET utf8mb4", read="mysql")


class HarnessError(CgError):
    """dbt or the scratch database failed; the message says which step."""


def _profile_output(target: db.Target) -> dict:
    if target.type == "duckdb":
        return {"type": "duckdb", "path": target.path, "threads": 2, "retries": {"connect_attempts": 5}}
    if target.type == "spark":
        # dbt-spark's session method: this process's SparkSession (spark_scratch starts it first).
        return {"type": "spark", "method": "session", "host": "NA", "schema": target.schema, "threads": 1,
                "server_side_parameters": session_settings(Path(target.path)) if target.path else {}}
    return {
        "type": target.type,
        "server": target.host,
        "port": target.port,
        "schema": target.schema,
        "username": target.user,
        "password": target.password,
        "threads": 2,
    }


class Workspace:
    """A copy of `source_project` whose profile points at `target` only."""

    def __init__(self, root: Path, target: db.Target, source_project: Path = db.PROJECT_DIR):
        self.root = Path(root)
        self.project = self.root / "dbt_project"
        shutil.copytree(source_project, self.project, ignore=SKIP)
        doc = {
            db.PROFILE: {"target": target.name, "outputs": {target.name: _profile_output(target)}},
            # dbt would post usage events to the internet from every run (~0.3 s, and offline a wait).
            "config": {"send_anonymous_usage_stats": False},
        }
        # The folder is private (mkdtemp, 0700) and deleted after the run.
        (self.project / "profiles.yml").write_text(yaml.safe_dump(doc))
        self.target = db.read_target(self.project)

    # --- dbt -----------------------------------------------------------------
    def dbt(self, *args: str):
        return db.run_dbt(list(args), self.project)

    def build(self, *args: str, quiet: bool = False) -> BuildOutcome:
        return run.build(None, self.project, list(args), quiet)

    def compile_rules(self, catalog: Catalog, rules_dir: Path, as_of: dt.date | None = None, assumptions: dict | None = None, horizon: str | None = None) -> dict[str, str]:
        """Compile the rules into this copy with the compiler's Python API (what `cgcompile rules` writes)."""
        settings = compiler.settings_for(catalog, rules_dir, as_of, assumptions or {}, horizon, compiler.project_lanes(self.project))
        files = compiler.compile_catalog(catalog, settings)
        compiler.write(self.project, files)
        return files

    def create_source(self) -> None:
        run.create_source_table(None, self.project)

    # --- data ----------------------------------------------------------------
    def load(self, rows: Iterable[tuple]) -> int:
        """Bulk-load rows in datagen.COLUMNS order (None is NULL)."""
        text = (tuple(None if v is None else str(v) for v in r) for r in rows)
        return db.load_users(self.target, text, COLUMNS, self.project)

    def execute(self, statement: exp.Expression | str):
        sql = statement if isinstance(statement, str) else statement.sql(dialect=self.target.dialect)
        conn = db.connect(self.target, self.project)
        try:
            cur = conn.cursor()
            cur.execute(sql)
            rows = cur.fetchall() if cur.description else []
            conn.commit()
            return rows
        finally:
            conn.close()

    def query(self, duckdb_sql: str):
        """A query written in DuckDB's dialect, run in the target's."""
        return self.execute(sqlglot.transpile(duckdb_sql, read="duckdb", write=self.target.dialect)[0])

    # --- what the database holds --------------------------------------------
    def prd_checks(self) -> list[CheckResult]:
        conn = db.connect(self.target, self.project)
        try:
            # After a failed dbt build the tables may be missing: one line, not a traceback.
            with db.database_errors(self.target, "running the PRD checks on", self.project):
                return run_checks(conn, self.target.dialect)
        finally:
            conn.close()

    def actual(self):
        """(rows by user in rank order, (status, error) by user)."""
        conn = db.connect(self.target, self.project)
        try:
            with db.database_errors(self.target, "reading card_recommendations from", self.project):
                return actual_rows(conn, self.target.dialect)
        finally:
            conn.close()


def duckdb_target(path: Path) -> db.Target:
    return db.Target(name="duckdb", type="duckdb", path=str(path))


def scratch_name(schema: str) -> str:
    name = schema + SCRATCH_SUFFIX
    if len(name) > MAX_SCHEMA:
        raise HarnessError(f"scratch database name {name!r} is longer than {MAX_SCHEMA} characters")
    return name


def _database_statement(template: exp.Expression, name: str) -> str:
    statement = template.copy()
    table = exp.Table(this=exp.to_identifier(name, quoted=True))
    if isinstance(statement, exp.Drop):
        statement.set("tables", [table])
    else:
        statement.set("this", table)
    return statement.sql(dialect="mysql")


def _server_execute(target: db.Target, *statements: str) -> None:
    import mysql.connector

    conn = mysql.connector.connect(host=target.host, port=target.port, user=target.user, password=target.password)
    try:
        cur = conn.cursor()
        for sql in statements:
            cur.execute(sql)
        conn.commit()
    finally:
        conn.close()


@contextlib.contextmanager
def scratch_database(target: db.Target) -> Iterator[db.Target]:
    """`<schema>_verify` on the target's server, created empty and dropped at the end."""
    name = scratch_name(target.schema)
    try:
        _server_execute(target, _database_statement(DROP_DATABASE, name), _database_statement(CREATE_DATABASE, name))
    except Exception as e:  # mysql.connector.Error: say where it came from
        raise HarnessError(f"could not create the scratch database {name} on {target.host}:{target.port}: {e}") from e
    try:
        yield dataclasses.replace(target, schema=name)
    finally:
        _server_execute(target, _database_statement(DROP_DATABASE, name))


@contextlib.contextmanager
def spark_scratch(root: Path, schema: str = "cgcompile" + SCRATCH_SUFFIX) -> Iterator[db.Target]:
    """A Spark database `schema` on this process's SparkSession (a local one, its warehouse
    and metastore under `root`, when none runs yet), created empty and dropped at the end."""
    from . import spark

    target = db.Target(name="spark", type="spark", schema=schema, path=str(root))
    session = spark.session(target)
    drop = exp.Drop(this=exp.to_identifier(schema), kind="SCHEMA", exists=True, cascade=True).sql(dialect="spark")
    session.sql(drop)
    try:
        yield target
    finally:
        session.catalog.setCurrentDatabase("default")  # cgcompile/spark.py made the scratch one current
        session.sql(drop)


# --- cgcompile verify --------------------------------------------------------


@dataclass(frozen=True)
class Report:
    target: str
    users: int
    boundary_users: int
    rows_compared: int
    values_compared: int
    statuses: dict[str, int]
    checks: tuple[CheckResult, ...]
    build: BuildOutcome
    mismatches: tuple[Mismatch, ...]
    seconds: dict[str, float]  # step -> seconds
    stale: tuple[tuple[str, str], ...] = ()  # (kind, path): generated files of the source project that differ from the rules
    horizon: str = "first_year"

    @property
    def ok(self) -> bool:
        return self.build.success and not self.mismatches and all(c.bad_rows == 0 for c in self.checks)

    def failure(self) -> VerifyFailed | None:
        if self.ok:
            return None
        failed = sum(1 for c in self.checks if c.bad_rows)
        return VerifyFailed(
            f"verification failed: {len(self.mismatches):,} mismatches, {failed} failed PRD checks"
            + ("" if self.build.success else ", dbt build failed")
        )

    def as_json(self, limit: int = MISMATCHES_SHOWN) -> dict:
        """`verify --json` (README); figures from the database as text, so decimals stay exact."""
        return {
            "ok": self.ok,
            "target": self.target,
            "horizon": self.horizon,
            "users": self.users,
            "boundary_users": self.boundary_users,
            "statuses": self.statuses,
            "build": {
                "ok": self.build.success,
                "seconds": round(self.build.seconds, 3),
                "passed": self.build.passed,
                "failures": list(self.build.failures),
            },
            "prd_checks": [{"name": c.name, "ok": c.bad_rows == 0, "bad_rows": c.bad_rows} for c in self.checks],
            "rows_compared": self.rows_compared,
            "values_compared": self.values_compared,
            "mismatches": {
                "count": len(self.mismatches),
                "first": [_mismatch_json(m) for m in self._worst_first()[:limit]],
            },
            "stale_files": [{"kind": kind, "path": path} for kind, path in self.stale],
            "seconds": {k.replace(" ", "_"): round(v, 3) for k, v in self.seconds.items()},
        }

    def _worst_first(self) -> list[Mismatch]:
        # Wrong figures first: a changed rank is usually their consequence.
        return sorted(self.mismatches, key=lambda m: m.column in ("rank", "row count"))

    def lines(self, limit: int = 50) -> list[str]:
        out = [
            f"target: {self.target} ({self.horizon.replace('_', '-')} fees)",
            f"users: {self.users:,} ({self.boundary_users:,} boundary users)",
            "statuses: " + ", ".join(f"{k} {v:,}" for k, v in self.statuses.items()),
            f"dbt build: {'passed' if self.build.success else 'FAILED'} in {self.build.seconds:.1f} s",
        ]
        if self.stale:
            out.append(f"note: {len(self.stale)} generated file(s) in the dbt project differ from the rules "
                       "(verified the rules as compiled now; run `cgcompile rules` to update them)")
        out += [f"  {f}" for f in self.build.failures]
        for c in self.checks:
            state = "ok" if c.bad_rows == 0 else f"FAILED ({c.bad_rows} rows, e.g. {c.sample[:3]})"
            out.append(f"PRD check {c.name}: {state}")
        out.append(f"rows compared: {self.rows_compared:,} ({self.values_compared:,} values)")
        out.append(f"mismatches: {len(self.mismatches):,}")
        for m in self._worst_first()[:limit]:
            out.append(f"  {m}")
        if len(self.mismatches) > limit:
            out.append(f"  … and {len(self.mismatches) - limit:,} more")
        out.append("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()))
        return out


def _mismatch_json(m: Mismatch) -> dict:
    def text(value):
        return None if value is None else str(value)

    return {
        "user_id": m.user_id,
        "card_id": m.card_id,
        "rank": m.rank,
        "column": m.column,
        "expected": text(m.expected),
        "actual": text(m.actual),
    }


def verify(
    catalog: Catalog,
    rules_dir: Path,
    target: db.Target,
    users: int,
    seed: int = 42,
    boundary: bool = True,
    source_project: Path = db.PROJECT_DIR,
    as_of: dt.date | None = None,
    assumptions: dict | None = None,
    progress=lambda message: None,
    horizon: str | None = None,
) -> Report:
    """Compile the rules into a scratch project, run `dbt build` on a scratch database, compare."""
    root = Path(tempfile.mkdtemp(prefix="cgcompile-verify-"))
    args = (catalog, rules_dir, users, seed, boundary, source_project, as_of, assumptions, progress, horizon)
    try:
        if target.type == "duckdb":
            return _verify_in(root, duckdb_target(root / "verify.duckdb"), *args)
        if target.type == "spark":
            with spark_scratch(root / "spark", target.schema or "cgcompile" + SCRATCH_SUFFIX) as scratch:
                return _verify_in(root, scratch, *args)
        with scratch_database(target) as scratch:
            return _verify_in(root, scratch, *args)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _verify_in(root, target, catalog, rules_dir, users, seed, boundary, source_project, as_of, assumptions, progress, horizon) -> Report:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    rows = list(generate_users(users, seed)) if users > 0 else []
    edge = boundary_users(catalog, as_of, assumptions, horizon=horizon) if boundary else []
    rows += edge
    ws = Workspace(root, target, source_project)
    files = ws.compile_rules(catalog, rules_dir, as_of, assumptions, horizon)
    # The scratch copy always runs the rules as they are now; say whether the
    # project's committed models still match them.
    stale = tuple(compiler.changed_files(source_project, files))
    progress(f"loading {len(rows):,} users into a scratch {target.type} database")
    ws.create_source()
    ws.load(rows)
    seconds["load"] = time.perf_counter() - started
    progress("dbt build")
    built = ws.build(quiet=True)
    seconds["dbt build"] = built.seconds
    step = time.perf_counter()
    checks = tuple(ws.prd_checks())
    progress("comparing with the reference evaluator")
    want = expected_rows(catalog, rows, as_of, assumptions, horizon=horizon)
    seconds["evaluator"] = time.perf_counter() - step
    step = time.perf_counter()
    got, user_statuses = ws.actual()
    statuses = dict(sorted(Counter(s for s, _ in user_statuses.values()).items()))
    mismatches = compare(want, got, user_statuses)
    seconds["compare"] = time.perf_counter() - step
    seconds["total"] = time.perf_counter() - started
    compared = sum(len(r) for r in want.rows.values())
    return Report(
        target=target.type,
        users=len(rows),
        boundary_users=len(edge),
        rows_compared=compared,
        values_compared=compared * (len(OUTPUT_COLUMNS) + 1),  # the rank and every output column
        statuses=statuses,
        checks=checks,
        build=built,
        mismatches=tuple(mismatches),
        seconds=seconds,
        stale=stale,
        horizon=horizon or catalog.horizon,
    )


class VerifyFailed(CgError):
    """The database disagrees with the evaluator, or a check failed (exit 1)."""

    exit_code = 1


def verify_command(
    target_name: str,
    users: int,
    seed: int,
    boundary: bool,
    rules_dir: Path,
    progress,
    project_dir: Path = db.PROJECT_DIR,
    horizon: str | None = None,
    assume: tuple[str, ...] = (),
) -> Report:
    """`cgcompile verify` without the printing: the options checked, then the report."""
    from .loader import load_catalog
    from .options import horizon_choice, parse_assumptions

    catalog = load_catalog(rules_dir)
    assumptions = parse_assumptions(assume, catalog)
    horizon = horizon_choice(horizon, catalog)
    if target_name == "duckdb":
        target = duckdb_target(Path("verify.duckdb"))
    elif target_name == "spark":
        # A local Spark in a scratch folder (harness.spark_scratch): no profile needed.
        target = db.Target(name="spark", type="spark", schema="cgcompile" + SCRATCH_SUFFIX)
    else:
        target = db.read_target(ensure_profiles(project_dir), target_name)
        if target.type not in ("mariadb", "mysql"):
            raise CgError(f"dbt target '{target_name}' has type {target.type}, not {target_name}")
    return verify(catalog, rules_dir, target, users, seed, boundary, project_dir, assumptions=assumptions, progress=progress, horizon=horizon)


def run_verify(
    target_name: str,
    users: int,
    seed: int,
    boundary: bool,
    rules_dir: Path,
    echo,
    project_dir: Path = db.PROJECT_DIR,
    horizon: str | None = None,
    assume: tuple[str, ...] = (),
) -> Report:
    """`cgcompile verify`: print the report; VerifyFailed on any mismatch or failed check."""
    report = verify_command(target_name, users, seed, boundary, rules_dir, echo, project_dir, horizon, assume)
    for line in report.lines():
        echo(line)
    failure = report.failure()
    if failure is not None:
        raise failure
    return report
