"""Run it, watch it, recover it (W2-4), on DuckDB and a real MariaDB: the batch log
after every outcome, progress read by another session while a run goes, a run
killed mid-way, `dbt retry`, the failed-share test, source freshness, stored
failures and the reprocess command."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cgcompile import status as status_mod
from cgcompile.cli import main
from cgcompile.datagen import generate_users
from cgcompile.harness import Workspace
from support.jobkit import Job, assert_clean, edge_case_job

TARGETS = ["duckdb", "mariadb"]
DBT = str(Path(sys.executable).with_name("dbt"))
BAD = [(f"BAD{i:03d}", 1000, -5, 0, 0, 0, 2000) for i in range(10)]


@pytest.fixture(params=TARGETS)
def job(request, tmp_path) -> Job:
    return edge_case_job(request, tmp_path, seed=7)


def log_rows(job: Job) -> list[dict]:
    cols = ["batch_id", "run_status", "users_selected", "users_completed", "users_failed", "users_pending", "message",
            "committed_at", "finished_at"]
    rows = job.query(f"SELECT {', '.join(cols)} FROM cg_batch_log ORDER BY started_at")
    return [dict(zip(cols, r)) for r in rows]


def cli(job: Job, monkeypatch, *args: str) -> int:
    monkeypatch.chdir(job.root)  # the workspace's dbt_project/profiles.yml names only its target
    return main(list(args))


# ---- the batch log tells the truth -----------------------------------------------------------


def test_a_successful_run_is_logged_with_counts_from_the_data(job):
    job.load(BAD[:2])
    job.build()
    (row,) = log_rows(job)
    assert (row["run_status"], row["users_selected"], row["users_completed"], row["users_failed"], row["users_pending"]) == (
        "success", 126, 124, 2, 0)
    assert row["committed_at"] is not None and row["finished_at"] is not None
    assert "assert_failed_share_within_limits" in row["message"]  # 2 of 126 failed: over 1%, a warning


def test_a_missing_source_is_logged_as_an_error_with_nothing_counted(job):
    job.build()
    job.execute("DROP TABLE card_recommendations")  # the PRD's foreign key points at the input
    job.execute("DROP TABLE user_spending_data")
    result = Workspace.build(job)
    assert not result.success
    assert any("cgcompile generate-users" in f for f in result.failures), result.failures
    last = log_rows(job)[-1]
    assert (last["run_status"], last["users_selected"], last["users_completed"], last["committed_at"]) == ("error", 0, 0, None)
    assert "does not exist" in last["message"]


def break_the_write(job: Job) -> None:
    """Schema drift: a column renamed under the job makes its write fail."""
    job.query("ALTER TABLE card_recommendations RENAME COLUMN card_name TO card_title")


def test_a_failed_write_is_logged_with_its_users_pending_and_dbt_retry_recovers(job):
    job.build()
    job.update_spend("GEN010", avg_amazon_gmv=180000)
    job.update_spend("GEN011", avg_amazon_gmv=1000)
    break_the_write(job)
    failed = Workspace.build(job)
    assert not failed.success
    last = log_rows(job)[-1]
    assert (last["run_status"], last["users_selected"], last["users_completed"], last["users_pending"]) == ("error", 2, 0, 2)
    assert last["committed_at"] is None and "card_recommendations" in last["message"]
    assert job.statuses()["GEN010"][0] == "pending"
    job.query("ALTER TABLE card_recommendations RENAME COLUMN card_title TO card_name")
    retried = job.dbt("retry")
    assert retried.success, retried.exception
    assert log_rows(job)[-1]["run_status"] == "success"
    assert job.statuses()["GEN010"] == ("completed", None)
    assert_clean(job)


def test_a_failed_test_is_logged_as_test_failed(job):
    job.load(BAD)  # 10 of 134 users: 7.5% failed, over the 5% limit
    result = Workspace.build(job)
    assert not result.success
    assert [f.split(":")[0] for f in result.failures] == ["assert_failed_share_within_limits"]
    last = log_rows(job)[-1]
    assert (last["run_status"], last["users_completed"], last["users_failed"]) == ("test_failed", 124, 10)
    # The good users were written before the test failed the build.
    assert job.statuses()["GEN010"] == ("completed", None)


def test_the_failed_share_limits_are_vars(job):
    job.load(BAD)
    result = Workspace.build(job, "--vars", "{cg_failed_share_error_pct: 10}")
    assert result.success, result.failures
    assert log_rows(job)[-1]["run_status"] == "success"


def test_failing_rows_are_stored_where_the_on_call_engineer_can_query_them(job):
    job.build()
    job.query("UPDATE card_recommendations SET card_id = NULL WHERE user_id = 'GEN010' AND \"rank\" = 2")
    assert not job.dbt("test").success
    assert job.query("SELECT user_id, failed_checks FROM recommendation_row_checks") == [("GEN010", "card_id is null")]


# ---- progress, a killed run, status ---------------------------------------------------------


def start_build(job: Job, *args: str) -> subprocess.Popen:
    return subprocess.Popen([DBT, "build", "--project-dir", ".", "--profiles-dir", ".", *args], cwd=job.project,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_progress_is_visible_while_a_run_goes_and_a_killed_run_is_finished_by_the_next(job, monkeypatch):
    job.load(generate_users(3000, seed=3, prefix="MORE", samples=()))
    proc = start_build(job, "--vars", "{cg_chunk_users: 50}")
    seen = []
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            run = status_mod.collect(job.target, job.project).run
            if run.state == "running" and run.units_done:
                seen.append((run.units_done, run.units, run.eta_seconds))
                if len(seen) >= 2 and seen[-1][0] > seen[0][0]:
                    break
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert len(seen) >= 2 and seen[-1][0] > seen[0][0], (seen, proc.stdout.read()[-2000:])
    assert seen[-1][0] < seen[-1][1] and seen[-1][2] is not None  # part done, with an ETA
    # dbt logs a line per chunk.
    assert "batch " in (job.project / "logs" / "dbt.log").read_text() and "done, ETA" in (job.project / "logs" / "dbt.log").read_text()

    after = status_mod.collect(job.target, job.project)
    if job.target.type == "duckdb":
        assert after.run.state == "interrupted"
        assert after.users["pending"] == 3124
    else:
        # MariaDB: the lock stays until its heartbeat is 15 minutes old, or is released by hand.
        assert after.run.state == "running" and after.users["pending"] == 3124
        (holder,) = job.query("SELECT invocation_id FROM cg_run_lock")[0]
        released = job.dbt("run-operation", "cg_release_run_lock", "--args", "{holder: %s}" % holder)
        assert released.success
        assert status_mod.collect(job.target, job.project).run.state == "interrupted"
    assert cli(job, monkeypatch, "status", "--check") == 1  # the interrupted alert
    job.build()
    rows = log_rows(job)
    assert [r["run_status"] for r in rows] == ["interrupted", "success"]
    assert "killed" in rows[0]["message"]
    assert rows[1]["users_completed"] == 3124 and rows[1]["users_pending"] == 0
    assert cli(job, monkeypatch, "status", "--check") == 0


def test_status_reports_the_prd_metrics_as_json(job, monkeypatch, capsys):
    job.load(BAD[:1])
    job.build()
    capsys.readouterr()
    assert cli(job, monkeypatch, "status", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["users"] == {"new": 0, "pending": 0, "completed": 124, "failed": 1, "total": 125}
    assert doc["run"]["state"] == "idle"
    assert doc["last_batch"]["run_status"] == "success" and doc["last_success"]["users_selected"] == 125
    assert doc["errors_last_hour"] == 1
    assert doc["top_errors"] == [{"message": "avg_flipkart_gmv is negative (-5.00)", "users": 1}]


def test_status_check_raises_the_error_rate_alerts(job, monkeypatch, capsys):
    job.load(BAD[:3])  # 3 of 127: 2.4%
    job.build()
    capsys.readouterr()
    assert cli(job, monkeypatch, "status", "--check") == 1
    assert "WARNING: error_rate" in capsys.readouterr().out
    assert cli(job, monkeypatch, "status", "--check", "--fail-on", "critical") == 0
    assert cli(job, monkeypatch, "status", "--check", "--error-rate-critical", "2") == 1
    assert "CRITICAL: error_rate" in capsys.readouterr().out
    assert cli(job, monkeypatch, "status", "--check", "--error-rate-warning", "3") == 0


def test_status_check_reports_an_unreachable_database(tmp_path, monkeypatch, capsys):
    ws = Job(tmp_path, "duckdb")
    monkeypatch.chdir(ws.root)
    assert main(["status", "--check"]) == 1
    assert "CRITICAL: database" in capsys.readouterr().out


def fake_run(job: Job, minutes_ago: float, units_done: int, units: int, batch_users: int) -> None:
    """What a running MariaDB job leaves: the lock and its chunks' progress rows."""
    job.build()  # creates the tables
    job.execute(f"INSERT INTO cg_run_lock (lock_name, invocation_id, batch_id, holder, started_at, heartbeat_at) VALUES "
                f"('cgcompile', 'x', 'BATCH_FAKE', 'test', NOW() - INTERVAL {int(minutes_ago * 60)} SECOND, "
                f"NOW() - INTERVAL {int(minutes_ago * 60)} SECOND)")
    for chunk in range(units_done):
        job.execute("INSERT INTO cg_batch_progress VALUES ('BATCH_FAKE', 'rank', %d, 100, 0, %d, %d, "
                    "UTC_TIMESTAMP() - INTERVAL %d SECOND, UTC_TIMESTAMP() - INTERVAL %d SECOND)"
                    % (chunk, batch_users, units, int(minutes_ago * 60) + 60, int(minutes_ago * 60)))


@pytest.mark.parametrize("job", ["mariadb"], indirect=True)
def test_status_check_raises_the_stall_and_throughput_alerts(job, monkeypatch, capsys):
    fake_run(job, minutes_ago=20, units_done=1, units=10, batch_users=1000)
    assert cli(job, monkeypatch, "status", "--check") == 1
    out = capsys.readouterr().out
    assert "CRITICAL: stalled" in out and "no progress for 20 min" in out
    # 1 of 10 chunk steps of 1,000 users in 21 minutes: about 5 users/min.
    assert "CRITICAL: throughput" in out
    assert cli(job, monkeypatch, "status", "--check", "--stall-minutes", "30", "--throughput-critical", "1",
               "--throughput-warning", "1") == 0


# ---- recovery and the input's freshness ------------------------------------------------------


def test_reprocess_failed_queues_failed_users_for_the_next_run(job, monkeypatch, capsys):
    job.load(BAD[:1])
    job.build()
    capsys.readouterr()
    assert cli(job, monkeypatch, "reprocess", "--failed", "--older-than", "1h") == 0
    assert capsys.readouterr().out.startswith("0 failed users")  # processed seconds ago
    assert cli(job, monkeypatch, "reprocess", "--failed") == 0
    assert capsys.readouterr().out.startswith("1 failed users")
    assert job.statuses()["BAD000"] == ("new", None)
    job.build()
    capsys.readouterr()
    assert log_rows(job)[-1]["users_selected"] == 1
    assert job.statuses()["BAD000"][0] == "failed"  # its data is still negative
    assert cli(job, monkeypatch, "reprocess", "--failed", "--older-than", "soon") == 2


def test_source_freshness_warns_and_fails_on_an_old_load(job):
    assert job.dbt("source", "freshness").success  # loaded a day ago
    job.execute("UPDATE user_spending_data SET updated_at = updated_at - INTERVAL 10 DAY")
    result = job.dbt("source", "freshness")
    assert result.success and [str(r.status) for r in result.result] == ["warn"]
    job.execute("UPDATE user_spending_data SET updated_at = updated_at - INTERVAL 10 DAY")
    result = job.dbt("source", "freshness")
    assert not result.success and [str(r.status) for r in result.result] == ["error"]
