"""Database access for the commands that load data and run the job.

The dbt profile is the one source of connection settings: `read_target`
renders it the way dbt does (env_var with defaults), so `cgcompile` and
`dbt build` always talk to the same database.
"""
from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import jinja2
import sqlglot
import yaml
from sqlglot import exp

from .errors import CgError, IdsTaken  # noqa: F401  (db.IdsTaken: what load_users raises)

PROFILE = "cgcompile"
PROJECT_DIR = Path("dbt_project")
SOURCE_TABLE = "user_spending_data"


@dataclass(frozen=True)
class Target:
    name: str
    type: str  # duckdb | mariadb | mysql | spark
    path: str = ""  # duckdb file, relative to the dbt project; spark: the folder of a local session's warehouse
    host: str = ""
    port: int = 3306
    user: str = ""
    password: str = ""
    schema: str = ""

    @property
    def dialect(self) -> str:
        return self.type if self.type in ("duckdb", "spark") else "mysql"


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise CgError(f"environment variable {name} is not set (the dbt profile needs it)")
    return default


def _render(value, env: jinja2.Environment):
    if isinstance(value, str) and "{{" in value:
        return env.from_string(value).render()
    if isinstance(value, dict):  # dbt-spark's server_side_parameters
        return {k: _render(v, env) for k, v in value.items()}
    return value


def read_target(profiles_dir: Path, target: str | None = None) -> Target:
    """The named output (or the default one) of the `cgcompile` profile."""
    path = profiles_dir / "profiles.yml"
    if not path.exists():
        raise CgError(f"{path} not found: copy profiles.yml.example there (see README)")
    profile = (yaml.safe_load(path.read_text()) or {}).get(PROFILE)
    if not profile:
        raise CgError(f"{path}: no profile named '{PROFILE}'")
    name = target or profile.get("target")
    outputs = profile.get("outputs", {})
    if name not in outputs:
        raise CgError(f"{path}: profile '{PROFILE}' has no target '{name}' (has: {', '.join(outputs)})")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = _env_var
    env.filters["as_number"] = lambda v: v
    out = {k: _render(v, env) for k, v in outputs[name].items()}
    kind = out.get("type")
    if kind == "duckdb":
        return Target(name=name, type=kind, path=str(out.get("path", "cgcompile.duckdb")), schema=str(out.get("schema", "main")))
    if kind in ("mariadb", "mysql"):
        return Target(
            name=name,
            type=kind,
            host=str(out.get("server", "127.0.0.1")),
            port=int(out.get("port", 3306)),
            user=str(out.get("username", "")),
            password=str(out.get("password", "")),
            schema=str(out.get("schema", "")),
        )
    if kind == "spark":
        # method session: this process's Spark (cgcompile/spark.py); the warehouse folder, when the
        # profile names one, is where a local session keeps its tables.
        warehouse = str((out.get("server_side_parameters") or {}).get("spark.sql.warehouse.dir", ""))
        return Target(name=name, type=kind, host=str(out.get("host", "")), schema=str(out.get("schema", "")),
                      path=str(Path(warehouse).parent) if warehouse else "")
    raise CgError(f"{path}: target '{name}' has type '{kind}'; cgcompile supports duckdb, mariadb, mysql and spark")


def duckdb_file(target: Target, project_dir: Path = PROJECT_DIR) -> Path:
    """dbt runs inside the project folder, so a relative path is relative to it."""
    p = Path(target.path)
    return p if p.is_absolute() else project_dir / p


class DatabaseError(CgError):
    """The database refused a connection or a statement; the message names the target."""


def describe(target: Target, project_dir: Path = PROJECT_DIR) -> str:
    """Where the target's data lives, for messages (never the password)."""
    if target.type == "duckdb":
        return f"target '{target.name}' ({duckdb_file(target, project_dir)})"
    if target.type == "spark":
        return f"target '{target.name}' (Spark, database {target.schema})"
    return f"target '{target.name}' ({target.user}@{target.host}:{target.port}/{target.schema})"


def _driver_errors(target: Target) -> tuple[type[Exception], ...]:
    if target.type == "duckdb":
        import duckdb

        return (duckdb.Error,)
    if target.type == "spark":
        from pyspark.errors import PySparkException

        return (PySparkException,)
    import mysql.connector

    return (mysql.connector.Error,)


@contextlib.contextmanager
def database_errors(target: Target, doing: str, project_dir: Path = PROJECT_DIR):
    """Driver exceptions become DatabaseError, so the CLI reports them in one line."""
    try:
        yield
    except _driver_errors(target) as e:
        raise DatabaseError(f"{doing} {describe(target, project_dir)} failed: {e}") from e


def connect(target: Target, project_dir: Path = PROJECT_DIR):
    """A DB-API connection to the target's database."""
    with database_errors(target, "connecting to", project_dir):
        if target.type == "duckdb":
            import duckdb

            return duckdb.connect(str(duckdb_file(target, project_dir)))
        if target.type == "spark":
            from . import spark

            return spark.connect(target)
        import mysql.connector

        return mysql.connector.connect(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password,
            database=target.schema,
            allow_local_infile=True,
            autocommit=False,
        )


def table(target: Target, name: str) -> str:
    """A table name quoted for the target's dialect."""
    return exp.table_(name, db=target.schema or None, quoted=True).sql(dialect=target.dialect)


def run_dbt(args: list[str], project_dir: Path = PROJECT_DIR, profiles_dir: Path | None = None, target: str | None = None):
    """Run a dbt command in-process inside the project folder; return dbt's result."""
    from dbt.cli.main import dbtRunner

    full = list(args) + ["--project-dir", ".", "--profiles-dir", str((profiles_dir or project_dir).resolve())]
    if target:
        full += ["--target", target]
    here = Path.cwd()
    os.chdir(project_dir)
    try:
        return dbtRunner().invoke(full)
    finally:
        os.chdir(here)


def load_users(
    target: Target,
    rows: Iterable[tuple[str, ...]],
    columns: tuple[str, ...],
    project_dir: Path = PROJECT_DIR,
    on_batch: Callable[[int], None] = lambda n: None,
    batch_size: int = 200_000,
) -> int:
    """Bulk-insert rows (text values) into user_spending_data, all or nothing; return how many.

    Rows go through a CSV file per batch and the engine's bulk loader (DuckDB
    COPY, MySQL LOAD DATA LOCAL INFILE) into a temporary table, never row by
    row.  One query then looks for ids the table already holds (IdsTaken) and
    one INSERT … SELECT moves the rows, all in one transaction.
    """
    if target.type == "spark":
        from . import spark

        with database_errors(target, "loading users into", project_dir):
            return spark.load_users(target, rows, columns)
    conn = connect(target, project_dir)
    tmp = Path(tempfile.mkdtemp(prefix="cgcompile-load-"))
    try:
        with database_errors(target, "loading users into", project_dir):
            return _load_all(conn, target, rows, columns, tmp / "batch.csv", on_batch, batch_size)
    finally:
        # Closing without COMMIT rolls back: a failure anywhere leaves the table as it was.
        conn.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _load_all(conn, target: Target, rows, columns, path: Path, on_batch, batch_size: int) -> int:
    cur = _begin(conn, target)
    cur.execute(_staging_table(target, columns).sql(dialect=target.dialect))
    total = 0
    for batch in _batches(rows, batch_size):
        total += _load_batch(cur, target, batch, columns, path)
        on_batch(len(batch))
    cur.execute(_taken_query(target).sql(dialect=target.dialect))
    [(taken, example)] = cur.fetchall()
    if taken:
        raise IdsTaken(taken, example, total)
    cur.execute(_move_staged(target, columns).sql(dialect=target.dialect))
    conn.commit()
    return total


def _begin(conn, target: Target):
    """What statements run on; DuckDB starts the transaction here, MySQL at the first statement (autocommit off)."""
    if target.type == "duckdb":
        conn.begin()
        return conn
    return conn.cursor()


def _batches(rows: Iterable[tuple[str, ...]], size: int):
    batch: list[tuple[str, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# A session's own table: no other connection sees it, and it goes with the connection.
STAGED = "cg_staged_users"


def _staged() -> exp.Table:
    return exp.table_(STAGED, quoted=True)


def _source(target: Target) -> exp.Table:
    return exp.table_(SOURCE_TABLE, db=target.schema or None, quoted=True)


def _staging_table(target: Target, columns) -> exp.Create:
    """The source's columns and types (and, on MySQL, collations) without its key: ids are compared once, as a set."""
    shape = exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(_source(target)).where(exp.false())
    return exp.Create(
        this=_staged(),
        kind="TABLE",
        expression=shape,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )


def _taken_query(target: Target) -> exp.Select:
    """How many staged ids the table holds, and the first; the join compares as the primary key does."""
    staged_id = exp.column("user_id", table="s", quoted=True)
    return (
        exp.select(exp.Count(this=exp.Star()), exp.Min(this=staged_id))
        .from_(_staged().as_("s"))
        .join(_source(target).as_("u"), on=exp.EQ(this=exp.column("user_id", table="u", quoted=True), expression=staged_id))
    )


def _move_staged(target: Target, columns) -> exp.Insert:
    rows = exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(_staged())
    return exp.insert(rows, _source(target), columns=[exp.to_identifier(c, quoted=True) for c in columns])


def present_ids(target: Target, ids: tuple[str, ...], project_dir: Path = PROJECT_DIR) -> set[str]:
    """Which of a handful of ids the table holds, compared as its primary key compares (collation included)."""
    if not ids:
        return set()
    user_id = exp.column("user_id", quoted=True)
    # One count per id, so that a match found by the collation still names the id asked for.
    counts = [exp.Count(this=exp.Case().when(user_id.eq(exp.Literal.string(i)), exp.Literal.number(1))) for i in ids]
    query = exp.select(*counts).from_(_source(target)).where(user_id.isin(*ids))
    conn = connect(target, project_dir)
    try:
        with database_errors(target, "reading user ids from", project_dir):
            cur = conn.cursor()
            cur.execute(query.sql(dialect=target.dialect))
            [found] = cur.fetchall()
    finally:
        conn.close()
    return {i for i, n in zip(ids, found) if n}


# sqlglot cannot parse LOAD DATA, so this statement is a fixed template whose
# only inserted parts are identifiers quoted by sqlglot; the file name is a
# bound parameter.
MYSQL_LOAD = "LOAD DATA LOCAL INFILE %s INTO TABLE {table} FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' {columns}"
DUCKDB_COPY = sqlglot.parse_one("COPY tbl FROM 'file' (FORMAT CSV, HEADER FALSE, NULLSTR '\\N')", read="duckdb")
NULL_TEXT = "\\N"  # what both loaders read as NULL


def _load_batch(cur, target: Target, batch, columns, path: Path) -> int:
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([NULL_TEXT if v is None else v for v in row] for row in batch)
    idents = [exp.to_identifier(c, quoted=True) for c in columns]
    staged = _staged()
    if target.type == "duckdb":
        copy = DUCKDB_COPY.copy()
        copy.set("this", exp.Schema(this=staged, expressions=idents))
        copy.set("files", [exp.Literal.string(str(path))])
        cur.execute(copy.sql(dialect="duckdb"))
    else:
        cols = exp.Tuple(expressions=idents).sql(dialect="mysql")
        cur.execute(MYSQL_LOAD.format(table=staged.sql(dialect="mysql"), columns=cols), (str(path),))
    return len(batch)


def source_schema(project_dir: Path = PROJECT_DIR, override: str | None = None) -> str | None:
    """Where user_spending_data lives: `override` (--source-schema), else the var
    source_schema of dbt_project.yml, else None (the target's own schema), as the job reads it."""
    if override:
        return override
    path = project_dir / "dbt_project.yml"
    value = ((yaml.safe_load(path.read_text()) or {}).get("vars") or {}).get("source_schema") if path.exists() else None
    return value if isinstance(value, str) and value and "{" not in value else None


def in_schema(statement: exp.Expression, schema: str | None, name: str = SOURCE_TABLE) -> exp.Expression:
    """`statement` with the table `name` read from `schema` (None: leave it to the connection's)."""
    if not schema:
        return statement
    statement = statement.copy()
    for t in statement.find_all(exp.Table):
        if t.name == name and not t.args.get("db"):
            t.set("db", exp.to_identifier(schema))
    return statement
