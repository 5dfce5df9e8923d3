"""The job as a hostile operator finds it (W2-2): nobody skipped, one run at a
time, limits checked before the run, least privilege, no orphans, one rule for
user ids.  Each test runs on DuckDB and on a real MariaDB where it applies."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cgcompile.cli import main
from cgcompile.datagen import generate_users
from cgcompile.harness import Workspace
from support.jobkit import Job, assert_clean, edge_case_job

TARGETS = ["duckdb", "mariadb"]


@pytest.fixture(params=TARGETS)
def job(request, tmp_path) -> Job:
    return edge_case_job(request, tmp_path, seed=5)


# ---- 1. a NULL status is a user to process -------------------------------------------


def test_users_with_a_null_status_are_processed(job):
    job.build()
    job.load([("NULLSTATUS", 30000, 0, 0, 0, 0, 30000)])
    job.query("UPDATE user_spending_data SET processing_status = NULL WHERE user_id IN ('NULLSTATUS', 'GEN004')")
    job.build()
    statuses = job.statuses()
    assert statuses["NULLSTATUS"] == ("completed", None) and statuses["GEN004"] == ("completed", None)
    assert job.query("SELECT COUNT(*) FROM card_recommendations WHERE user_id = 'NULLSTATUS'") == [(10,)]
    assert_clean(job)


# ---- 2. one run at a time --------------------------------------------------------------


def test_batch_ids_are_unique_per_run(job):
    first = Workspace.build(job)
    second = Workspace.build(job, "--full-refresh")  # possibly within the same second
    assert first.success and second.success
    batches = [b for (b,) in job.query("SELECT DISTINCT batch_id FROM card_recommendations")]
    logged = [b for (b,) in job.query("SELECT batch_id FROM cg_batch_log ORDER BY batch_id")]
    assert len(set(logged)) == 2 and batches == [max(logged)]
    assert all(re.fullmatch(r"BATCH_\d{8}_\d{6}_[0-9a-f]{8}", b) for b in logged)


def test_a_second_run_stops_while_a_live_run_holds_the_lock(job, tmp_path):
    if job.target.type == "duckdb":
        # DuckDB's own file lock: another process holds the database open for writing.
        holder = subprocess.Popen(
            [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(60)",
             job.target.path],
            stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "ok"
            result = Workspace.build(job)
        finally:
            holder.kill()
            holder.wait()
        assert not result.success
        assert f"(PID {holder.pid})" in "\n".join(result.failures)
    else:
        job.build()  # creates the lock table the holder writes to
        job.execute(
            "INSERT INTO cg_run_lock (lock_name, invocation_id, batch_id, holder, started_at, heartbeat_at) "
            "VALUES ('cgcompile', 'f00dfeed-0000', 'BATCH_20261201_020000_f00dfeed', 'cg@10.0.0.9', "
            "NOW() - INTERVAL 5 MINUTE, NOW())")
        job.update_spend("GEN003", avg_amazon_gmv=77777)
        before = job.snapshot()
        result = Workspace.build(job)
        assert not result.success
        message = "\n".join(result.failures)
        assert "another run holds the lock" in message and "BATCH_20261201_020000_f00dfeed" in message
        assert "cg@10.0.0.9" in message and "f00dfeed-0000" in message
        assert job.snapshot() == before  # nothing touched: GEN003 is not even pending
        assert job.query("SELECT COUNT(*) FROM cg_run_lock") == [(1,)]


def test_a_lock_left_by_a_killed_run_expires(job):
    if job.target.type == "duckdb":
        pytest.skip("DuckDB's file lock ends with the process that held it")
    job.build()
    job.execute(
        "INSERT INTO cg_run_lock (lock_name, invocation_id, batch_id, holder, started_at, heartbeat_at) "
        "VALUES ('cgcompile', 'dead-run', 'BATCH_20261201_020000_deadbeef', 'cg@10.0.0.9', "
        "NOW() - INTERVAL 2 HOUR, NOW() - INTERVAL 20 MINUTE)")
    job.update_spend("GEN003", avg_amazon_gmv=77777)
    job.build()  # the default: stale after 15 minutes without a heartbeat
    assert job.statuses()["GEN003"] == ("completed", None)
    assert job.query("SELECT COUNT(*) FROM cg_run_lock") == [(0,)]  # released at the end
    assert_clean(job)


def test_two_runs_started_together_write_once(mariadb_schema, tmp_path):
    job = Job(tmp_path, "mariadb", mariadb_schema)
    job.create_source()
    job.load(list(generate_users(400, seed=3)))
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    command = [str(Path(sys.executable).parent / "dbt"), "build", "--vars", "{cg_chunk_users: 50}",
               "--project-dir", ".", "--profiles-dir", "."]
    runs = [subprocess.Popen(command, cwd=job.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
    outputs = [r.communicate(timeout=600)[0] for r in runs]
    codes = sorted(r.returncode for r in runs)
    assert codes == [0, 1], outputs
    loser = outputs[[r.returncode for r in runs].index(1)]
    assert "another run holds the lock" in loser
    assert len(job.query("SELECT DISTINCT batch_id FROM card_recommendations")) == 1
    assert job.query("SELECT COUNT(*) FROM cg_batch_log") == [(1,)]
    assert_clean(job)


# ---- 3. the checker refuses what the output cannot hold ----------------------------------


CATALOG = textwrap.dedent("""\
    as_of: 2026-11-23
    categories: {amazon: Amazon, flipkart: Flipkart, myntra: Myntra, ajio: Ajio, grocery: grocery, other_online: other}
    assumptions:
      amazon_prime: {description: Prime., default: true}
    """)


def card_file(**overrides) -> str:
    fields = {
        "name": "Test Card",
        "bank": "Test Bank",
        "joining": "500",
        "method": "Cashback",
        "rate": "{percent: 5}",
        "welcome": "100",
    }
    fields.update(overrides)
    return textwrap.dedent(f"""\
        id: c
        name: {fields['name']}
        bank: {fields['bank']}
        reward: cashback
        source: {{url: https://example.com/c, checked: 2026-11-20}}
        fees: {{joining: {fields['joining']}, annual: 500}}
        redemption:
          - method: {fields['method']}
            rupees_per_point: 1
        rules:
          - kind: flat
            categories: rest
            rate: {fields['rate']}
          - kind: welcome
            amount: {fields['welcome']}
            unit: rupees
        """)


def check(tmp_path, capsys, **overrides) -> tuple[int, str]:
    from cgcompile.cli import main

    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "_catalog.yaml").write_text(CATALOG)
    (rules / "c.yaml").write_text(card_file(**overrides))
    code = main(["check", "--rules-dir", str(rules)])
    return code, capsys.readouterr().err.replace(str(rules) + "/", "")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"joining": "99999999999999"},
         "c.yaml:6:17: fees.joining: with 18% GST the fee is ₹11,79,99,99,99,99,998.82, more than card_recommendations.joining_fees holds (DECIMAL(12,2): below ₹10,00,00,00,000)"),
        ({"name": "A" * 201},
         "c.yaml:2:7: name: 201 characters, more than card_recommendations.card_name holds (VARCHAR(200))"),
        ({"bank": "B" * 101},
         "c.yaml:3:7: bank: 101 characters, more than int_card_params.bank holds (VARCHAR(100))"),
        ({"method": "M" * 51},
         "c.yaml:8:13: redemption[0].method: 51 characters, more than card_recommendations.redemption_method holds (VARCHAR(50))"),
        ({"name": "'Card {{ 1 }}'"},
         "c.yaml:2:7: name: contains '{{', which dbt would read as Jinja"),
        ({"method": "'Pay {% raw %}'"},
         "c.yaml:8:13: redemption[0].method: contains '{%', which dbt would read as Jinja"),
        ({"rate": "{percent: 100}"},
         "c.yaml:13:11: rules[0].rate: at the most a user may spend (₹1,00,00,00,000 a month) this card's yearly savings could reach ₹12,00,00,00,000.00, more than card_recommendations holds (DECIMAL(12,2): below ₹10,00,00,00,000)"),
        ({"welcome": "9999999999"},
         "c.yaml:15:13: rules[1].amount: this card's extra benefits could reach ₹10,00,00,01,179.00, more than card_recommendations holds with its savings (DECIMAL(12,2): below ₹10,00,00,00,000)"),
    ],
)
def test_values_the_output_cannot_hold_are_refused(tmp_path, capsys, overrides, message):
    code, err = check(tmp_path, capsys, **overrides)
    assert code == 1
    assert message in err.splitlines(), err


def test_values_at_the_limits_are_accepted(tmp_path, capsys):
    assert check(tmp_path, capsys, name="A" * 200, bank="B" * 100, method="M" * 50)[0] == 0


# ---- 4. every scratch table joined to the input or output has an index on the key -------------


def test_the_status_update_uses_an_index_on_the_batch(mariadb_schema, tmp_path):
    job = Job(tmp_path, "mariadb", mariadb_schema)
    job.create_source()
    job.load(list(generate_users(300, seed=2)))
    job.build()
    # The optimizer's statistics after a restart can make it start from the input table;
    # then each of its rows must find its batch row through an index, not a scan.
    plan = job.query(
        "EXPLAIN UPDATE user_spending_data AS u STRAIGHT_JOIN int_batch AS b ON b.user_id = u.user_id "
        "SET u.processing_status = 'completed'")
    by_table = {row[2]: row for row in plan}
    assert by_table["b"][3] in ("eq_ref", "ref"), plan  # type
    assert by_table["b"][5] == "cg_user_id", plan  # key


# ---- 5. a failed user with rows from older rules is not selected again and again -----------


def test_a_failed_user_is_not_reselected_after_a_rules_change(job):
    job.build()
    job.update_spend("GEN020", avg_myntra_gmv=-1)
    job.build()
    kept = job.query("SELECT rules_version, batch_id FROM card_recommendations WHERE user_id = 'GEN020'")
    job.compile_rules("amazon_prime=false")
    job.build()
    first = job.snapshot()[1]
    job.build()
    statuses = {u: (s, at) for u, s, at, _ in job.snapshot()[1]}
    assert statuses["GEN020"][0] == "failed"
    # Not taken again: its last_processed_at stays, and the last run selected nobody.
    assert {u: at for u, _, at, _ in first}["GEN020"] == statuses["GEN020"][1]
    assert job.query("SELECT users_selected FROM cg_batch_log ORDER BY batch_id DESC LIMIT 1") == [(0,)]
    # Its rows from the older rules stay until its data is fixed (documented).
    assert job.query("SELECT rules_version, batch_id FROM card_recommendations WHERE user_id = 'GEN020'") == kept
    job.update_spend("GEN020", avg_myntra_gmv=100)
    job.build()
    assert job.statuses()["GEN020"] == ("completed", None)
    assert_clean(job)


# ---- 6. every committed batch is validated --------------------------------------------------


def test_a_batch_committed_by_a_killed_run_is_validated_by_the_next(job):
    job.build()
    job.update_spend("GEN010", avg_amazon_gmv=180000)
    job.build()
    (batch,) = job.query("SELECT DISTINCT batch_id FROM card_recommendations WHERE user_id = 'GEN010'")[0]
    # What a kill between the commit and on-run-end leaves: the batch is committed, not validated.
    job.execute(f"UPDATE cg_batch_log SET validated_at = NULL, run_status = 'committed' WHERE batch_id = '{batch}'")
    job.execute(f"UPDATE card_recommendations SET net_savings = net_savings + 1 WHERE user_id = 'GEN010' AND batch_id = '{batch}'")
    result = Workspace.build(job)  # processes nobody, and checks the unvalidated batch
    assert not result.success
    assert any(f.startswith("recommendation_row_checks: fail") for f in result.failures), result.failures


# ---- 7. least privilege ----------------------------------------------------------------------


def test_the_job_runs_with_least_privilege_and_cannot_alter_the_input(mariadb, tmp_path, monkeypatch, capsys):
    import mysql.connector

    suffix = str(int(time.time() * 1000))[-8:]
    data, work, user = "lp_data_" + suffix, "lp_job_" + suffix, "cg_job_" + suffix
    admin = mariadb.connect()
    cur = admin.cursor()
    for schema in (data, work):
        cur.execute(f"CREATE DATABASE {schema}")
    try:
        owner = Job(tmp_path / "owner", "mariadb", dataclasses.replace(mariadb, database=data))
        owner.create_source()
        owner.load(list(generate_users(60, seed=8)))
        # The grants the README gives (MariaDB section).
        cur.execute(f"CREATE USER {user}@'%' IDENTIFIED BY 'job-pw'")
        cur.execute(f"GRANT SELECT, UPDATE (processing_status, last_processed_at, processing_error, updated_at) "
                    f"ON {data}.user_spending_data TO {user}@'%'")
        cur.execute(f"GRANT ALL PRIVILEGES ON {work}.* TO {user}@'%'")
        admin.commit()
        params = dataclasses.replace(mariadb, user=user, password="job-pw", database=work)
        job = Job(tmp_path / "job", "mariadb", params)
        job.users = owner.users
        result = Workspace.build(job, "--vars", f"{{source_schema: {data}}}")
        assert result.success, result.failures
        assert owner.query("SELECT DISTINCT processing_status FROM user_spending_data") == [("completed",)]
        # The PRD's foreign key, from the job's table to the data team's: MariaDB needs no
        # REFERENCES grant for it (MySQL 8 does; the README says so).
        fks = owner.query(f"SELECT unique_constraint_schema FROM information_schema.referential_constraints "
                          f"WHERE constraint_schema = '{work}' AND table_name = 'card_recommendations'")
        assert fks == [(data,)]
        # The operator's commands read the input where the job does, with the job's grants.
        monkeypatch.chdir(job.root)
        capsys.readouterr()
        assert main(["status", "--source-schema", data, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["users"]["completed"] == 60
        assert main(["reprocess", "--failed", "--source-schema", data]) == 0
        assert capsys.readouterr().out.startswith("0 failed users")
        conn = params.connect()
        try:
            jcur = conn.cursor()
            for statement in (
                f"ALTER TABLE {data}.user_spending_data ADD COLUMN x INT",
                f"UPDATE {data}.user_spending_data SET avg_amazon_gmv = 0",
                f"DROP TABLE {data}.user_spending_data",
                f"DELETE FROM {data}.user_spending_data",
            ):
                with pytest.raises(mysql.connector.Error, match="denied"):
                    jcur.execute(statement)
        finally:
            conn.close()
    finally:
        for schema in (work, data):
            cur.execute(f"DROP DATABASE IF EXISTS {schema}")
        cur.execute(f"DROP USER IF EXISTS {user}@'%'")
        admin.close()


# ---- 8. users gone from the input lose their rows ---------------------------------------------


def test_rows_of_deleted_users_are_removed(job):
    job.build()
    job.execute("DELETE FROM user_spending_data WHERE user_id IN ('GEN005', 'ZERO')")
    job.users.pop("GEN005")
    job.users.pop("ZERO")
    job.build()
    assert job.query("SELECT COUNT(*) FROM card_recommendations WHERE user_id IN ('GEN005', 'ZERO')") == [(0,)]
    assert_clean(job)


def test_an_orphan_row_fails_validation(job):
    if job.target.type != "duckdb":
        pytest.skip("MariaDB: the foreign key refuses an orphan row (the test checks that the key is there)")
    job.build()
    job.execute("INSERT INTO card_recommendations SELECT * REPLACE ('GHOST' AS user_id, id + 100000 AS id) "
                "FROM card_recommendations WHERE user_id = 'GEN003'")
    result = job.dbt("test")
    assert "assert_no_orphan_recommendations" in {r.node.name for r in result.result if r.status == "fail"}


# ---- 9. user ids compare the same way on every engine -----------------------------------------


@pytest.mark.parametrize("kind", TARGETS)
def test_colliding_user_ids_fail_those_users(kind, request, tmp_path):
    params = request.getfixturevalue("mariadb_schema") if kind == "mariadb" else None
    job = Job(tmp_path, kind, params)
    # The data team's table without its primary key: the same user twice, or ids equal
    # under the rule cgcompile applies on every engine (case and trailing spaces ignored).
    job.create_source()
    for statement in ("CREATE TABLE keyless AS SELECT * FROM user_spending_data", "DROP TABLE user_spending_data",
                      "ALTER TABLE keyless RENAME TO user_spending_data"):
        job.query(statement)
    job.load(list(generate_users(20, seed=4)) + [
        ("trail", 1000, 0, 0, 0, 0, 1000), ("trail ", 2000, 0, 0, 0, 0, 2000),
        ("CaseUser", 1000, 0, 0, 0, 0, 1000), ("caseuser", 1000, 0, 0, 0, 0, 1000),
        ("TWICE", 500, 0, 0, 0, 0, 500), ("TWICE", 500, 0, 0, 0, 0, 500),
    ])
    result = Workspace.build(job)
    assert result.success, result.failures
    rows = job.query("SELECT user_id, processing_status, processing_error FROM user_spending_data "
                     "WHERE lower(rtrim(user_id)) IN ('trail', 'caseuser', 'twice')")
    assert len(rows) == 6
    for user_id, status, error in rows:
        assert status == "failed" and error.startswith("user_id is not unique"), (user_id, status, error)
    assert job.query("SELECT COUNT(*) FROM card_recommendations WHERE lower(rtrim(user_id)) IN ('trail', 'caseuser', 'twice')") == [(0,)]
    assert job.query("SELECT COUNT(DISTINCT user_id) FROM card_recommendations") == [(20,)]
