"""The job (`dbt build --target spark`, dbt-spark's session method) on a local Spark.

Small data (17 real cards, ~130 users): every dbt test passes and every row equals
the reference evaluator; a re-run with nothing changed changes nothing; a changed
user is reprocessed alone, rewriting only their bucket; a run killed mid-way is
finished by the next (docs/spark.md).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from cgcompile import db, spark as cgspark
from cgcompile.datagen import COLUMNS, generate_users
from cgcompile.harness import Workspace
from cgcompile.loader import load_catalog
from cgcompile.verify import ACTUAL_QUERY, compare, expected_rows
from support.jobkit import EDGE_USERS, REPO, job_rules

pytestmark = pytest.mark.slow
BAD_USER = ("NEGATIVE", 1000, -5, 0, 0, 0, 2000)
SCHEMA = "cg_spark_job"


class SparkJob(Workspace):
    def __init__(self, tmp_path: Path, schema: str = SCHEMA):
        target = db.Target(name="spark", type="spark", schema=schema, path=str(tmp_path / "spark"))
        super().__init__(tmp_path, target, REPO / "dbt_project")
        self.rules_dir = job_rules(tmp_path / "job_rules")
        self.users: dict[str, tuple] = {}
        self.compile_rules(load_catalog(self.rules_dir), self.rules_dir)

    def load(self, rows) -> None:
        cgspark.create_source_table(self.target)
        cgspark.load_users(self.target, ((r[0], *(None if v is None else str(v) for v in r[1:])) for r in rows), COLUMNS, loaded_at_days_ago=1)
        self.users.update({r[0]: tuple(r) for r in rows})

    def build(self, *args):
        result = super().build(*args)
        assert result.success, f"dbt build failed: {result.failures}"
        return result

    def update_spend(self, user_id: str, column: str, value) -> None:
        """What the data team does: change a user's spend, and updated_at with it (the table is rewritten: no UPDATE on Spark)."""
        from pyspark.sql import functions as F

        spark = cgspark.session(self.target)
        table = self.target.schema + ".user_spending_data"
        rows = spark.table(table).collect()
        df = spark.createDataFrame(rows, spark.table(table).schema)
        hit = F.col("user_id") == F.lit(user_id)
        df = df.withColumn(column, F.when(hit, F.lit(Decimal(value)).cast("decimal(12,2)")).otherwise(F.col(column)))
        df = df.withColumn("updated_at", F.when(hit, F.current_timestamp()).otherwise(F.col("updated_at")))
        df.write.insertInto(table, overwrite=True)
        old = dict(zip(COLUMNS, self.users[user_id]))
        old[column] = value
        self.users[user_id] = tuple(old[c] for c in COLUMNS)

    def snapshot(self):
        recs = self.query('SELECT id, user_id, "rank", card_id, net_savings, batch_id FROM card_recommendations ORDER BY id')
        state = self.query("SELECT user_id, processing_status, last_processed_at, processing_error, batch_id FROM user_processing_state ORDER BY user_id")
        return recs, state

    def files(self) -> dict[str, set[str]]:
        """The parquet files of each card_recommendations partition."""
        table = Path(self.target.path) / "warehouse" / (self.target.schema + ".db") / "card_recommendations"
        if not table.is_dir():  # a session started elsewhere: ask Spark where the table is
            location = [r for r in self.query("DESCRIBE FORMATTED card_recommendations") if r[0] == "Location"][0][1]
            table = Path(location.removeprefix("file:"))
        return {p.name: {f.name for f in p.glob("*.parquet")} for p in table.glob("user_bucket=*")}

    def mismatches(self):
        want = expected_rows(load_catalog(self.rules_dir), self.users.values())
        got, statuses = self.actual()
        return compare(want, got, statuses)


@pytest.fixture(scope="module")
def job(spark, tmp_path_factory) -> SparkJob:
    job = SparkJob(tmp_path_factory.mktemp("spark_job"))
    job.load(list(generate_users(120, seed=11)) + EDGE_USERS + [BAD_USER])
    job.build()
    return job


def test_build_passes_every_test_and_equals_the_evaluator(job):
    assert {c.name: c.bad_rows for c in job.prd_checks()} == {
        "2_completed_users_without_10_recommendations": 0, "3_null_critical_fields": 0, "4_ranking_order": 0}
    assert job.mismatches() == []
    statuses = dict(job.query("SELECT user_id, processing_status FROM user_processing_state"))
    assert statuses["NEGATIVE"] == "failed"
    assert sum(1 for s in statuses.values() if s == "completed") == len(job.users) - 1


def test_a_rerun_with_nothing_changed_changes_nothing(job):
    before, files = job.snapshot(), job.files()
    job.build()
    assert job.query("SELECT COUNT(*) FROM int_batch") == [(0,)]
    assert job.snapshot() == before
    assert job.files() == files  # no partition rewritten


def test_a_changed_user_is_reprocessed_alone(job):
    recs, state = job.snapshot()
    files = job.files()
    user = "ZERO"
    job.update_spend(user, "avg_amazon_gmv", 40000)
    job.build()
    new_recs, new_state = job.snapshot()
    assert job.query("SELECT user_id FROM int_batch") == [(user,)]
    # Everybody else's rows and status are as they were, ids included.
    assert [r for r in new_recs if r[1] != user] == [r for r in recs if r[1] != user]
    assert [s for s in new_state if s[0] != user] == [s for s in state if s[0] != user]
    assert {r[5] for r in new_recs if r[1] == user} != {r[5] for r in recs if r[1] == user}
    # Only the user's bucket was rewritten.
    [(bucket,)] = job.query("SELECT DISTINCT user_bucket FROM user_processing_state WHERE user_id = 'ZERO'")
    after = job.files()
    changed = {p for p in files if after.get(p) != files[p]}
    assert changed == {"user_bucket=" + str(bucket)}
    assert job.mismatches() == []


# --- a killed run, in processes of their own ----------------------------------


def _run(root: Path, project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "cgcompile.testing.spark_job", str(root), str(project), *args],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    if check:
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


def test_a_killed_run_is_finished_by_the_next(spark, tmp_path):
    # Processes of their own: the kill must hit a real dbt process.  Their Spark keeps its
    # tables under `root` (a Derby metastore apart from this session's).
    root = tmp_path / "spark"
    ws = SparkJob.__new__(SparkJob)
    Workspace.__init__(ws, tmp_path, db.Target(name="spark", type="spark", schema="cg_killed", path=str(root)), REPO / "dbt_project")
    rules = job_rules(tmp_path / "job_rules")
    ws.compile_rules(load_catalog(rules), rules)
    _run(root, ws.project, "load", "cg_killed", "150", "5")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    killed = subprocess.Popen([sys.executable, "-m", "cgcompile.testing.spark_job", str(root), str(ws.project), "build"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO, start_new_session=True)
    batch = root / "warehouse" / "cg_killed.db" / "int_batch"
    deadline = time.time() + 600
    while not any(batch.glob("*.parquet")) and time.time() < deadline and killed.poll() is None:
        time.sleep(0.2)
    assert killed.poll() is None, "the run ended before it could be killed"
    time.sleep(2)  # into the ranking and writing
    os.killpg(killed.pid, signal.SIGKILL)  # the dbt process and its JVM
    killed.wait()
    _run(root, ws.project, "build")
    lines = _run(root, ws.project, "query", db.in_schema(ACTUAL_QUERY, "cg_killed", "card_recommendations").sql(dialect="spark")).stdout.splitlines()
    got: dict[str, list[tuple]] = {}
    for line in lines:
        user_id, rank, *values = json.loads(line)
        got.setdefault(user_id, []).append((int(rank), *values))
    state = _run(root, ws.project, "query", "SELECT user_id, processing_status, processing_error FROM cg_killed.user_processing_state").stdout
    statuses = {u: (s, e) for u, s, e in map(json.loads, state.splitlines())}
    users = list(generate_users(150, seed=5))
    want = expected_rows(load_catalog(rules), users)
    assert compare(want, got, statuses) == []
    assert len(statuses) == len(users)
