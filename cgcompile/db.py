"""Database access for the commands that load data and run the job.

The dbt profile is the one source of connection settings: `read_target`
renders it the way dbt does (env_var with defaults), so `cgcompile` and
`dbt build` always talk to the same database.
"""
from __future__ import annotations

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

from .errors import CgError

PROFILE = "cgcompile"
PROJECT_DIR = Path("dbt_project")
SOURCE_TABLE = "user_spending_data"


@dataclass(frozen=True)
class Target:
    name: str
    type: str  # duckdb | mariadb | mysql
    path: str = ""  # duckdb file, relative to the dbt project
    host: str = ""
    port: int = 3306
    user: str = ""
    password: str = ""
    schema: str = ""

    @property
    def dialect(self) -> str:
        return "duckdb" if self.type == "duckdb" else "mysql"


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise CgError(f"environment variable {name} is not set (the dbt profile needs it)")
    return default


def _render(value, env: jinja2.Environment):
    if isinstance(value, str) and "{{" in value:
        return env.from_string(value).render()
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
    raise CgError(f"{path}: target '{name}' has type '{kind}'; cgcompile supports duckdb, mariadb and mysql")


def duckdb_file(target: Target, project_dir: Path = PROJECT_DIR) -> Path:
    """dbt runs inside the project folder, so a relative path is relative to it."""
    p = Path(target.path)
    return p if p.is_absolute() else project_dir / p


def connect(target: Target, project_dir: Path = PROJECT_DIR):
    """A DB-API connection to the target's database."""
    if target.type == "duckdb":
        import duckdb

        return duckdb.connect(str(duckdb_file(target, project_dir)))
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
    """Bulk-insert rows (text values) into user_spending_data; return how many.

    Rows go through a CSV file per batch and the engine's bulk loader
    (DuckDB read_csv, MySQL LOAD DATA LOCAL INFILE), never row by row.  Each
    batch is one transaction.
    """
    conn = connect(target, project_dir)
    total = 0
    tmp = Path(tempfile.mkdtemp(prefix="cgcompile-load-"))
    try:
        batch: list[tuple[str, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                total += _load_batch(conn, target, batch, columns, tmp / "batch.csv")
                on_batch(len(batch))
                batch = []
        if batch:
            total += _load_batch(conn, target, batch, columns, tmp / "batch.csv")
            on_batch(len(batch))
    finally:
        conn.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return total


# sqlglot cannot parse LOAD DATA, so this statement is a fixed template whose
# only inserted parts are identifiers quoted by sqlglot; the file name is a
# bound parameter.
MYSQL_LOAD = "LOAD DATA LOCAL INFILE %s INTO TABLE {table} FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' {columns}"
DUCKDB_COPY = sqlglot.parse_one("COPY tbl FROM 'file' (FORMAT CSV, HEADER FALSE, NULLSTR '\\N')", read="duckdb")
NULL_TEXT = "\\N"  # what both loaders read as NULL


def _load_batch(conn, target: Target, batch, columns, path: Path) -> int:
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([NULL_TEXT if v is None else v for v in row] for row in batch)
    idents = [exp.to_identifier(c, quoted=True) for c in columns]
    if target.type == "duckdb":
        copy = DUCKDB_COPY.copy()
        copy.set("this", exp.Schema(this=exp.table_(SOURCE_TABLE, db=target.schema or None, quoted=True), expressions=idents))
        copy.set("files", [exp.Literal.string(str(path))])
        conn.execute("BEGIN")
        conn.execute(copy.sql(dialect="duckdb"))
        conn.execute("COMMIT")
    else:
        cols = exp.Tuple(expressions=idents).sql(dialect="mysql")
        cur = conn.cursor()
        cur.execute(MYSQL_LOAD.format(table=table(target, SOURCE_TABLE), columns=cols), (str(path),))
        conn.commit()
        cur.close()
    return len(batch)
