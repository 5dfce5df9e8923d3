"""A throwaway copy of the dbt project on one target, driven like a scheduler would.

Each Job has its own project folder (so dbt's target/ and logs/ and any
recompiled rules never touch the repository) and its own database: a DuckDB
file, or a fresh MariaDB schema.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

from cgcompile import db
from cgcompile.checks import run_checks
from cgcompile.cli import main as cgcompile_main
from cgcompile.datagen import COLUMNS
from cgcompile.loader import load_catalog
from cgcompile.verify import actual_rows, compare, expected_rows

REPO = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns("target", "logs", "*.duckdb", "*.duckdb.wal", "profiles.yml", "dbt_packages")


class Job:
    def __init__(self, tmp_path: Path, kind: str, mariadb_params=None):
        self.project = tmp_path / "dbt_project"
        shutil.copytree(REPO / "dbt_project", self.project, ignore=SKIP)
        self.rules_dir = REPO / "card_rules"
        if kind == "duckdb":
            profile = {"type": "duckdb", "path": str(tmp_path / "job.duckdb"), "threads": 2}
        else:
            p = mariadb_params
            profile = {
                "type": "mariadb",
                "server": p.host,
                "port": p.port,
                "schema": p.database,
                "username": p.user,
                "password": p.password,
                "threads": 2,
            }
        doc = {"cgcompile": {"target": kind, "outputs": {kind: profile}}}
        (self.project / "profiles.yml").write_text(yaml.safe_dump(doc))
        self.target = db.read_target(self.project)
        self.assumptions: dict[str, bool] = {}
        self.users: dict[str, tuple] = {}

    # --- running -------------------------------------------------------
    def dbt(self, *args: str):
        return db.run_dbt(list(args), self.project)

    def build(self, *args: str):
        result = self.dbt("build", *args)
        assert result.success, f"dbt build failed: {result.exception or [str(r.message) for r in result.result if r.status not in ('pass', 'success')]}"
        return result

    def compile_rules(self, *assume: str) -> None:
        """Recompile the generated models into this copy (a rules change)."""
        args = ["rules", "--rules-dir", str(self.rules_dir), "--out", str(self.project)]
        for a in assume:
            args += ["--assume", a]
            name, value = a.split("=")
            self.assumptions[name] = value == "true"
        assert cgcompile_main(args) == 0

    # --- data ----------------------------------------------------------
    def create_source(self) -> None:
        result = self.dbt("run-operation", "cg_create_source_table")
        assert result.success, result.exception

    def load(self, rows: list[tuple]) -> None:
        """rows in datagen.COLUMNS order; None is NULL."""
        db.load_users(self.target, [tuple(None if v is None else str(v) for v in r) for r in rows], COLUMNS, self.project)
        for r in rows:
            self.users[r[0]] = tuple(r)

    def update_spend(self, user_id: str, **columns) -> None:
        """What the data team does: change a user's spend; updated_at moves."""
        values = {c: exp.Literal.number(v) for c, v in columns.items()}
        values["updated_at"] = exp.CurrentTimestamp()
        stmt = exp.update(
            exp.table_(db.SOURCE_TABLE), values, where=exp.column("user_id").eq(exp.Literal.string(user_id))
        )
        self.execute(stmt)
        old = dict(zip(COLUMNS, self.users[user_id]))
        old.update(columns)
        self.users[user_id] = tuple(old[c] for c in COLUMNS)

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
        return self.execute(sqlglot.transpile(duckdb_sql, read="duckdb", write=self.target.dialect)[0])

    # --- what the database holds ----------------------------------------
    def snapshot(self):
        """Every row of card_recommendations, with id and batch, and every status."""
        recs = self.query('SELECT id, user_id, "rank", card_id, net_savings, batch_id, rules_version FROM card_recommendations ORDER BY id')
        users = self.query("SELECT user_id, processing_status, last_processed_at, processing_error FROM user_spending_data ORDER BY user_id")
        return recs, users

    def statuses(self) -> dict[str, tuple]:
        return {u: (s, e) for u, s, _, e in self.snapshot()[1]}

    def prd_checks(self) -> dict[str, int]:
        conn = db.connect(self.target, self.project)
        try:
            return {c.name: c.bad_rows for c in run_checks(conn, self.target.dialect)}
        finally:
            conn.close()

    def mismatches(self):
        """Differences between the database and the reference evaluator, all users."""
        catalog = load_catalog(self.rules_dir)
        want = expected_rows(catalog, self.users.values(), assumptions=self.assumptions or None)
        conn = db.connect(self.target, self.project)
        try:
            got, statuses = actual_rows(conn, self.target.dialect)
        finally:
            conn.close()
        return compare(want, got, statuses)
