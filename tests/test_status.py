"""The alerts of `cgcompile status --check` (the PRD, 8.2) on figures made up here;
tests/test_operations.py reads them from real runs."""
from __future__ import annotations

import datetime as dt

import pytest

from cgcompile.reprocess import parse_age
from cgcompile.status import Run, Status, Thresholds, check, render

LIMITS = Thresholds()


def batch(selected=1000, failed=0, status="success"):
    return {"batch_id": "B1", "run_status": status, "users_selected": selected, "users_completed": selected - failed,
            "users_failed": failed, "users_pending": 0, "message": None, "age_seconds": 60.0}


def state(run=None, last=None) -> Status:
    return Status("t", {"new": 0, "pending": 0, "completed": 1, "failed": 0, "total": 1}, run or Run("idle"), last, last, 0, [])


def names(status, limits=LIMITS):
    return [(a.level, a.name) for a in check(status, limits)]


def running(units_done=5, units=10, users=10_000, seconds=600.0, quiet=10.0) -> Run:
    run = Run("running", "B2", units_done, units, users, seconds, quiet)
    run.throughput = 60 * users * run.share / seconds
    return run


def test_a_quiet_healthy_state_has_no_alert():
    assert names(state(last=batch())) == []
    assert names(state(running(), batch())) == []


@pytest.mark.parametrize("failed, expected", [(10, []), (11, [("warning", "error_rate")]), (50, [("warning", "error_rate")]),
                                              (51, [("critical", "error_rate")])])
def test_error_rate_limits_are_exclusive(failed, expected):
    assert names(state(last=batch(1000, failed))) == expected


def test_small_batches_are_not_judged_on_their_error_rate():
    assert names(state(last=batch(99, 50))) == []
    assert names(state(last=batch(99, 50)), Thresholds(min_batch_users=10)) == [("critical", "error_rate")]


def test_a_stalled_run_is_critical():
    assert names(state(running(quiet=15 * 60))) == [("critical", "stalled")]
    assert names(state(running(quiet=15 * 60)), Thresholds(stall_minutes=20)) == []


@pytest.mark.parametrize("users, expected", [(500, []), (499, [("warning", "throughput")]), (99, [("critical", "throughput")])])
def test_throughput_limits(users, expected):
    # Half of users * 20 in 10 minutes: `users` per minute.
    assert names(state(running(users=users * 20))) == expected


def test_a_young_run_is_not_judged_on_its_throughput():
    assert names(state(running(users=100, seconds=30))) == []


def test_interrupted_and_failed_runs_are_critical():
    assert names(state(Run("interrupted", "B1"))) == [("critical", "interrupted")]
    assert names(state(last=batch(status="test_failed"))) == [("critical", "test_failed")]
    assert names(state(last=batch(status="error"))) == [("critical", "error")]


def test_render_shows_progress_and_eta():
    run = running()
    run.eta_seconds = 600
    text = render(state(run, batch()))
    assert "running: batch B2, 50% done (5 of 10 chunk steps, 10,000 users), 500 users/min, ETA 10 min" in text


@pytest.mark.parametrize("text, seconds", [("0", 0), ("90s", 90), ("30m", 1800), ("1h", 3600), ("2d", 172800)])
def test_parse_age(text, seconds):
    assert parse_age(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "1x", "h", "-1h", "5"])
def test_parse_age_refuses_other_text(text):
    with pytest.raises(ValueError):
        parse_age(text)
