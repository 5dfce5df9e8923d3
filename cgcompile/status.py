"""`cgcompile status`: the PRD's monitoring figures (8.1) and alerts (8.2), read from the database.

What a run leaves where another session can read it (docs/operations.md):
user statuses in user_spending_data, one row per run in cg_batch_log, the run
lock's heartbeat (cg_run_lock, MySQL/MariaDB) and a row per chunk ranked or
written (cg_batch_progress on MySQL/MariaDB; on DuckDB, whose file a running
job holds, the CSV file beside the database).  Progress times are UTC from the
machine that runs dbt; the other ages are measured by the database's clock.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

from . import db
from .errors import CgError

STATUSES = ("new", "pending", "completed", "failed")

# Written once in DuckDB's dialect, transpiled to the target's.
COUNTS = "SELECT COALESCE(processing_status, 'new') AS status, COUNT(*) AS users FROM user_spending_data GROUP BY 1"
ERRORS = """
    SELECT processing_error, COUNT(*) AS users FROM user_spending_data
    WHERE processing_status = 'failed' AND last_processed_at >= CAST(CURRENT_TIMESTAMP AS TIMESTAMP) - INTERVAL 1 HOUR
    GROUP BY processing_error ORDER BY users DESC, processing_error LIMIT 5
"""
LOG_COLUMNS = ("batch_id", "run_status", "started_at", "committed_at", "finished_at", "users_selected",
               "users_completed", "users_failed", "users_pending", "message")
LATEST_LOG = "SELECT {cols}, CAST(CURRENT_TIMESTAMP AS TIMESTAMP) FROM cg_batch_log {where} ORDER BY started_at DESC LIMIT 1"
LOCK = "SELECT batch_id, started_at, heartbeat_at, CAST(CURRENT_TIMESTAMP AS TIMESTAMP) FROM cg_run_lock"
PROGRESS = """
    SELECT COUNT(*), MAX(batch_units), MAX(batch_users), MIN(started_at), MAX(recorded_at)
    FROM cg_batch_progress WHERE batch_id = 'b'
"""


@dataclass(frozen=True)
class Thresholds:
    """The PRD's alerts (8.2); every figure can be changed on the command line."""

    stall_minutes: float = 15
    error_rate_critical: float = 5.0  # percent of a batch's users that failed
    error_rate_warning: float = 1.0
    throughput_critical: float = 100  # users per minute while a run goes
    throughput_warning: float = 500
    min_batch_users: int = 100  # smaller batches are not judged on their error rate
    min_run_seconds: float = 60  # a run younger than this is not judged on its throughput


@dataclass(frozen=True)
class Alert:
    level: str  # critical | warning
    name: str
    message: str


@dataclass
class Run:
    """The batch under way, or the last one when none is."""

    state: str  # running | idle | interrupted | unknown (the database could not be read)
    batch_id: str | None = None
    units_done: int = 0
    units: int = 0
    batch_users: int = 0
    seconds: float = 0.0  # since its first chunk began
    quiet_seconds: float | None = None  # since its last sign of life
    throughput: float | None = None  # users per minute at the current pace
    eta_seconds: float | None = None

    @property
    def share(self) -> float:
        return self.units_done / self.units if self.units else 0.0


@dataclass
class Status:
    target: str
    users: dict[str, int]
    run: Run
    last_batch: dict | None
    last_success: dict | None
    errors_last_hour: int
    top_errors: list[dict]
    alerts: list[Alert] = field(default_factory=list)

    def as_json(self) -> dict:
        doc = asdict(self)
        doc["run"]["share"] = round(self.run.share, 4)
        return doc


class StatusError(CgError):
    """The database cannot be read (exit 2): `status --check` reports it as a critical alert."""


def collect(target: db.Target, project_dir: Path = db.PROJECT_DIR, now: dt.datetime | None = None,
            source_schema: str | None = None) -> Status:
    """Everything `status` shows, read once; the input in `source_schema` (None: the target's schema)."""
    now = now or dt.datetime.utcnow()
    if target.type == "duckdb":
        progress_file = Path(str(db.duckdb_file(target, project_dir)) + ".progress.csv")
        conn = _duckdb_or_none(target, project_dir)
        if conn is None:  # the job holds the file: only its progress file can be read
            return Status(target.name, {}, _run_from_file(progress_file, now, target, project_dir), None, None, 0, [])
    else:
        conn = _connect(target, project_dir)
    try:
        return _read(conn, target, now, source_schema)
    except db.DatabaseError as e:  # e.g. a run's first start, still making its tables
        raise StatusError(str(e)) from e
    finally:
        conn.close()


def _read(conn, target: db.Target, now: dt.datetime, source_schema: str | None) -> Status:
    with db.database_errors(target, "reading the status from"):
        cur = conn.cursor()
        if not _has_table(cur, target, db.SOURCE_TABLE, source_schema):
            raise StatusError(f"{db.SOURCE_TABLE} does not exist in {source_schema or target.schema}: the data team "
                              "loads it; for a demo or a test `cgcompile generate-users --count N` creates it")
        users = {s: 0 for s in STATUSES}
        for status, count in _rows(cur, target, COUNTS, source_schema):
            users[status] = int(count)
        users["total"] = sum(users[s] for s in STATUSES)
        errors = [{"message": m, "users": int(n)} for m, n in _rows(cur, target, ERRORS, source_schema)]
        has_log = _has_table(cur, target, "cg_batch_log")
        last = _latest_log(cur, target, "") if has_log else None
        success = _latest_log(cur, target, "WHERE run_status = 'success'") if has_log else None
        if target.type == "duckdb":
            # The file could be opened, so no job holds it: a row still 'running' is a killed run.
            run = Run("interrupted" if last and last["run_status"] == "running" else "idle", last and last["batch_id"])
        else:
            run = _mysql_run(cur, target, last, now)
    return Status(target.name, users, run, last, success, sum(e["users"] for e in errors), errors)


def check(status: Status, limits: Thresholds) -> list[Alert]:
    """The PRD's section 8.2 alerts that hold now."""
    alerts = []
    run = status.run
    if run.state == "running" and run.quiet_seconds is not None and run.quiet_seconds >= limits.stall_minutes * 60:
        alerts.append(Alert("critical", "stalled", f"batch {run.batch_id}: no progress for {run.quiet_seconds / 60:.0f} min "
                                                   f"(limit {limits.stall_minutes:g} min)"))
    if run.state == "interrupted":
        alerts.append(Alert("critical", "interrupted", f"batch {run.batch_id} was interrupted; its users stay pending "
                                                       "until the next `dbt build` (docs/operations.md)"))
    if run.state == "running" and run.throughput is not None and run.seconds >= limits.min_run_seconds:
        for level, limit in (("critical", limits.throughput_critical), ("warning", limits.throughput_warning)):
            if run.throughput < limit:
                alerts.append(Alert(level, "throughput", f"batch {run.batch_id}: {run.throughput:,.0f} users/min "
                                                         f"(limit {limit:,.0f})"))
                break
    batch = status.last_batch
    if batch and batch["users_selected"] >= limits.min_batch_users:
        rate = 100.0 * batch["users_failed"] / batch["users_selected"]
        for level, limit in (("critical", limits.error_rate_critical), ("warning", limits.error_rate_warning)):
            if rate > limit:
                alerts.append(Alert(level, "error_rate", f"batch {batch['batch_id']}: {rate:.2f}% of "
                                                         f"{batch['users_selected']:,} users failed (limit {limit:g}%)"))
                break
    if batch and batch["run_status"] in ("error", "test_failed"):
        alerts.append(Alert("critical", batch["run_status"], f"batch {batch['batch_id']}: {batch['message']}"))
    return alerts


def render(status: Status) -> str:
    """The text `status` prints."""
    lines = [f"target {status.target}"]
    if status.users:
        u = status.users
        lines.append("users: " + ", ".join(f"{s} {u[s]:,}" for s in STATUSES) + f" (total {u['total']:,})")
    run = status.run
    if run.state == "running":
        line = f"running: batch {run.batch_id}"
        if run.units:
            line += f", {run.share:.0%} done ({run.units_done} of {run.units} chunk steps, {run.batch_users:,} users)"
        if run.throughput is not None:
            line += f", {run.throughput:,.0f} users/min"
        if run.eta_seconds is not None:
            line += f", ETA {_duration(run.eta_seconds)}"
        if run.quiet_seconds is not None:
            line += f"; last progress {_duration(run.quiet_seconds)} ago"
        lines.append(line)
        if not status.users:
            lines.append("(DuckDB: the running job holds the database; counts are shown when it ends)")
    elif run.state == "interrupted":
        lines.append(f"interrupted: batch {run.batch_id} did not finish; the next `dbt build` finishes its users")
    elif run.state == "idle":
        lines.append("no run going")
    for label, batch in (("last batch", status.last_batch), ("last successful batch", status.last_success)):
        if batch:
            lines.append(f"{label}: {batch['batch_id']} {batch['run_status']}, {batch['users_selected']:,} selected, "
                         f"{batch['users_completed']:,} completed, {batch['users_failed']:,} failed, "
                         f"{batch['users_pending']:,} pending; ended {_duration(batch['age_seconds'])} ago"
                         + (f"; {batch['message']}" if batch.get("message") and label == "last batch" else ""))
    if status.users:
        lines.append(f"errors in the last hour: {status.errors_last_hour:,} users")
        for e in status.top_errors:
            lines.append(f"  {e['users']:>8,}  {e['message']}")
    for a in status.alerts:
        lines.append(f"{a.level.upper()}: {a.name}: {a.message}")
    return "\n".join(lines)


# --- reading ------------------------------------------------------------------------------


def _connect(target: db.Target, project_dir: Path):
    try:
        return db.connect(target, project_dir)
    except db.DatabaseError as e:  # --check turns it into the PRD's "database connection lost" alert
        raise StatusError(str(e)) from e


def _duckdb_or_none(target: db.Target, project_dir: Path):
    import duckdb

    path = db.duckdb_file(target, project_dir)
    if not path.exists():
        raise StatusError(f"{path} does not exist: no run has used this DuckDB file yet")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            return None
        raise StatusError(f"cannot open {path}: {e}") from e


def _rows(cur, target: db.Target, duckdb_sql: str, source_schema: str | None = None) -> list[tuple]:
    query = db.in_schema(sqlglot.parse_one(duckdb_sql, read="duckdb"), source_schema)
    cur.execute(query.sql(dialect=target.dialect))
    return cur.fetchall()


def _has_table(cur, target: db.Target, name: str, schema: str | None = None) -> bool:
    schema = schema or (target.schema if target.type != "duckdb" else "main")
    query = exp.select("1").from_("information_schema.tables").where(
        exp.column("table_schema").eq(exp.Literal.string(schema)).and_(exp.column("table_name").eq(exp.Literal.string(name))))
    cur.execute(query.sql(dialect=target.dialect))
    return bool(cur.fetchall())


def _latest_log(cur, target: db.Target, where: str) -> dict | None:
    rows = _rows(cur, target, LATEST_LOG.format(cols=", ".join(LOG_COLUMNS), where=where))
    if not rows:
        return None
    *values, db_now = rows[0]
    row = dict(zip(LOG_COLUMNS, values))
    for key in ("users_selected", "users_completed", "users_failed", "users_pending"):
        row[key] = int(row[key] or 0)
    ended = row["finished_at"] or row["committed_at"] or row["started_at"]
    row["age_seconds"] = (db_now - ended).total_seconds() if ended else None
    seconds = ((row["committed_at"] or row["finished_at"]) - row["started_at"]).total_seconds() if row["started_at"] and (row["committed_at"] or row["finished_at"]) else None
    row["users_per_minute"] = round(60 * row["users_selected"] / seconds) if seconds else None
    for key in ("started_at", "committed_at", "finished_at"):
        row[key] = row[key].isoformat(sep=" ") if row[key] else None
    return row


def _pace(run: Run, first_began: dt.datetime | None, last_seen: dt.datetime | None, now: dt.datetime) -> Run:
    if first_began is not None:
        run.seconds = max((now - first_began).total_seconds(), 0.0)
        if run.units_done and run.seconds > 0:
            run.throughput = 60 * run.batch_users * run.share / run.seconds
            run.eta_seconds = run.seconds * (run.units - run.units_done) / run.units_done
    if last_seen is not None:
        run.quiet_seconds = max((now - last_seen).total_seconds(), 0.0)
    return run


def _mysql_run(cur, target: db.Target, last: dict | None, now: dt.datetime) -> Run:
    lock = _rows(cur, target, LOCK) if _has_table(cur, target, "cg_run_lock") else []
    if lock:
        batch_id, _started, heartbeat, db_now = lock[0]
        run = Run("running", batch_id)
        # A run that has just taken the lock may not have made the progress table yet.
        progress = (_rows(cur, target, PROGRESS.replace("'b'", exp.Literal.string(batch_id).sql()))
                    if _has_table(cur, target, "cg_batch_progress") else [(0, 0, 0, None, None)])
        done, units, users, first, _last = progress[0]
        run.units_done, run.units, run.batch_users = int(done or 0), int(units or 0), int(users or 0)
        _pace(run, first, None, now)
        run.quiet_seconds = max((db_now - heartbeat).total_seconds(), 0.0)
        return run
    if last and last["run_status"] == "running":
        return Run("interrupted", last["batch_id"])
    return Run("idle", last["batch_id"] if last else None)


def _run_from_file(progress_file: Path, now: dt.datetime, target: db.Target, project_dir: Path) -> Run:
    run = Run("running")
    path = db.duckdb_file(target, project_dir)
    # The job writes the database's WAL as it goes: the newest of these is its last sign of life.
    seen = [p.stat().st_mtime for p in (path, Path(str(path) + ".wal"), progress_file) if p.exists()]
    last_seen = dt.datetime.utcfromtimestamp(max(seen)) if seen else None
    rows = _progress_rows(progress_file)
    if not rows:
        return _pace(run, None, last_seen, now)
    run.batch_id = rows[-1]["batch_id"]
    chunks = [r for r in rows if r["step"] != "start"]  # on-run-start writes a 'start' row
    if chunks:
        run.units_done, run.units, run.batch_users = len(chunks), int(chunks[-1]["batch_units"]), int(chunks[-1]["batch_users"])
    first = min(dt.datetime.fromisoformat(r["started_at"]) for r in chunks) if chunks else None
    return _pace(run, first, last_seen, now)


def _progress_rows(path: Path) -> list[dict]:
    """The progress file's rows; a file caught while COPY rewrites it reads as what is complete."""
    try:
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, csv.Error):
        return []
    complete = [r for r in rows if r.get("recorded_at")]
    # Rows of an earlier batch are not this run's progress.
    return [r for r in complete if r["batch_id"] == complete[-1]["batch_id"]] if complete else []


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def status_now(target: db.Target, project_dir: Path = db.PROJECT_DIR, limits: Thresholds = Thresholds(),
               source_schema: str | None = None) -> Status:
    status = collect(target, project_dir, source_schema=source_schema)
    status.alerts = check(status, limits)
    return status


__all__ = ["Alert", "Run", "Status", "StatusError", "Thresholds", "check", "collect", "render", "status_now"]
