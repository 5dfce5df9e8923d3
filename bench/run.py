"""Benchmark of the scheduled job (issue 5): backfill, weekly run, worker-tier baseline, memory.

    .venv/bin/python bench/run.py                       # 200K and 2M users, DuckDB and MariaDB
    .venv/bin/python bench/run.py --quick               # 20K users, a smoke run of every step
    .venv/bin/python bench/run.py --sizes 200000 --targets duckdb
    .venv/bin/python bench/run.py --targets spark --spark-cores 1,2   # Spark local (docs/spark.md)

Every figure printed or written is measured in this run.  Per target:

* backfill: a fresh database, `cgcompile`'s bulk loader (timed apart, it is not the job),
  then `dbt build` (models + tests) in a subprocess: wall time, its peak RSS (VmHWM from /proc),
  the per-node times from target/run_results.json;
* weekly: on the largest size, `--weekly` users get new spend and a newer updated_at, then
  `dbt build` again;
* baseline: the seed's worker tier (PRD 5.2): chunks of pending users, the evaluator called
  per user in a multiprocessing pool of `--workers`, rows bulk-inserted in batches, statuses
  updated, on a sample; extrapolated to the backfill and weekly sizes.

MariaDB runs on a throwaway server (cgcompile.testing.mariadb_server) with the bench's settings
(SERVER_OPTIONS below); its peak RSS is VmHWM from /proc, reset before every phase.
Results go to bench/results/<date>-<host>.md and .json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from cgcompile import db
from cgcompile.datagen import COLUMNS, generate_users
from cgcompile.harness import Workspace, duckdb_target
from cgcompile.testing import mariadb_server

RESULTS = ROOT / "bench" / "results"
DBT = str(Path(sys.executable).with_name("dbt"))

# The throwaway server's settings for the bench: durability off (it is thrown away),
# a buffer pool that holds the 2M-user working set within the 4 GB memory budget.
SERVER_OPTIONS = (
    "--innodb-buffer-pool-size=2G",
    "--innodb-log-file-size=1G",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    "--innodb-flush-method=O_DIRECT",
    "--tmp-table-size=1G",
    "--max-heap-table-size=1G",
    "--sort-buffer-size=64M",
    *mariadb_server.COMMON_OPTIONS,
)


# --- measuring -----------------------------------------------------------------


@dataclass
class Phase:
    name: str
    target: str
    users: int
    seconds: float
    ok: bool = True
    max_rss_mb: float | None = None  # the dbt (or baseline) process
    server_hwm_mb: float | None = None  # mariadbd's VmHWM during the phase
    nodes: list = field(default_factory=list)  # (node, status, seconds) from run_results.json
    note: str = ""

    @property
    def users_per_minute(self) -> float:
        return self.users / self.seconds * 60 if self.seconds else 0.0


def proc_status_kb(pid: int, key: str) -> int:
    """A figure of /proc/<pid>/status in kB (VmRSS, VmHWM); 0 when the process has none (a zombie)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class ServerMemory:
    """mariadbd's peak RSS over a phase: VmHWM reset (clear_refs 5) at the start, read at the end."""

    def __init__(self, pid: int | None):
        self.pid = pid
        self.sampled = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self):
        if self.pid:
            try:
                Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            except OSError:
                pass  # not allowed: VmHWM is then the peak since the server started
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        # VmRSS sampled as well, in case the kernel refuses to reset VmHWM.
        while not self._stop.wait(0.5):
            self.sampled = max(self.sampled, proc_status_kb(self.pid, "VmRSS"))

    def peak_mb(self) -> float | None:
        self._stop.set()
        if not self.pid:
            return None
        if self._thread:
            self._thread.join()
        return max(proc_status_kb(self.pid, "VmHWM"), self.sampled) / 1024

    def __exit__(self, *exc):
        self._stop.set()


def _descendants(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                out += [int(child), *_descendants(int(child))]
    except OSError:
        pass
    return out


def _hwm(pid: int) -> int:
    try:
        return proc_status_kb(pid, "VmHWM")
    except OSError:
        return 0


class ChildPeak:
    """A child process's peak RSS: its VmHWM, read from /proc until it exits.

    Not wait4's ru_maxrss: Linux keeps the largest RSS across exec, so a dbt
    started from the bench process counted the bench's own memory as well
    (573 MB instead of about 230 MB once the bench had run the DuckDB phases
    in-process, 2026-12-01).  VmHWM belongs to the running program only and
    only grows, so the last reading is the peak up to the last 0.1 s."""

    def __init__(self, pid: int):
        self.pid = pid
        self.kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            try:
                kb = proc_status_kb(self.pid, "VmHWM")
            except OSError:
                return
            # Spark's session method runs the JVM as a child of dbt: its peak counts too.
            kb += sum(_hwm(c) for c in _descendants(self.pid))
            self.kb = max(kb, self.kb)  # the exited process (zombie) shows none

    def stop_mb(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.kb / 1024


def run_dbt_build(ws: Workspace) -> tuple[float, bool, float, list, str]:
    """`dbt build` as a subprocess: (seconds, ok, peak RSS MB, per-node times, output tail)."""
    cmd = [DBT, "build", "--project-dir", ".", "--profiles-dir", "."]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ws.project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = ChildPeak(proc.pid)
    out = proc.stdout.read()
    peak_mb = peak.stop_mb()  # stdout closes as dbt exits; the zombie still has /proc
    _, status, _ = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    nodes = []
    results = ws.project / "target" / "run_results.json"
    if results.exists():
        for r in json.loads(results.read_text())["results"]:
            nodes.append((r["unique_id"].split(".", 2)[-1], r["status"], round(r["execution_time"], 3)))
    nodes.sort(key=lambda n: -n[2])
    return seconds, proc.returncode == 0, peak_mb, nodes, "\n".join(out.splitlines()[-15:])


# --- targets ---------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.phases: list[Phase] = []
        self.notes: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="cgbench-"))
        self.server = None
        self.server_pid: int | None = None
        self.mariadb_params = None
        self.server_options = SERVER_OPTIONS

    def record(self, phase: Phase) -> Phase:
        self.phases.append(phase)
        extra = f", dbt max RSS {phase.max_rss_mb:,.0f} MB" if phase.max_rss_mb else ""
        extra += f", mariadbd peak {phase.server_hwm_mb:,.0f} MB" if phase.server_hwm_mb else ""
        print(f"[{phase.target}] {phase.name}: {phase.users:,} users in {phase.seconds:,.1f} s "
              f"({phase.users_per_minute:,.0f} users/min){extra}{'' if phase.ok else ' FAILED'}", flush=True)
        self.save()
        return phase

    # databases
    def workspace(self, target_kind: str, label: str) -> Workspace:
        base = self.root / f"{target_kind}-{label}"
        base.mkdir()
        if target_kind == "duckdb":
            return Workspace(base, duckdb_target(base / "bench.duckdb"), ROOT / "dbt_project")
        if target_kind.startswith("spark"):
            # dbt-spark's session method: the dbt subprocess starts its own local Spark, its
            # tables under base/spark; loads and updates run in processes of their own
            # (cgcompile.testing.spark_job), as Derby admits one process at a time.
            target = db.Target(name="spark", type="spark", schema="bench_" + label, path=str(base / "spark"))
            return Workspace(base, target, ROOT / "dbt_project")
        return Workspace(base, self.mariadb_database(f"bench_{label}"), ROOT / "dbt_project")

    def mariadb_database(self, name: str) -> db.Target:
        if self.server is None:
            self.server = mariadb_server.MariaDBServer(options=self.server_options)
            self.mariadb_params = self.server.start()
            self.server_pid = self.server.proc.pid
            print(f"MariaDB {self.server_version()} on port {self.mariadb_params.port} "
                  f"(started in {self.server.startup_seconds:.1f} s)", flush=True)
        p = self.mariadb_params
        conn = p.connect()
        cur = conn.cursor()
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")  # name is ours: bench_<digits>
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        conn.commit()
        conn.close()
        return db.Target(name="mariadb", type="mariadb", host=p.host, port=p.port, user=p.user,
                         password=p.password, schema=name)

    def drop_mariadb_database(self, name: str) -> None:
        conn = self.mariadb_params.connect()
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()

    def server_version(self) -> str:
        conn = self.mariadb_params.connect()
        cur = conn.cursor()
        cur.execute("SELECT VERSION()")
        (v,) = cur.fetchone()
        conn.close()
        return v

    def memory(self, kind: str) -> ServerMemory:
        return ServerMemory(self.server_pid if kind == "mariadb" else None)

    def spark_job(self, ws: Workspace, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "cgcompile.testing.spark_job", ws.target.path, str(ws.project), *args],
                             cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        if out.returncode != 0:
            raise RuntimeError(f"spark_job {args[0]} failed: {out.stderr[-2000:]}")
        return out.stdout

    # phases
    def backfill(self, kind: str, users: int) -> Workspace:
        ws = self.workspace(kind, str(users))
        started = time.perf_counter()
        if kind.startswith("spark"):
            self.spark_job(ws, "load", ws.target.schema, str(users), str(self.args.seed))
            loaded = users
        else:
            ws.create_source()
            loaded = db.load_users(ws.target, generate_users(users, self.args.seed), COLUMNS, ws.project)
        self.record(Phase("load (bulk, not the job)", kind, loaded, time.perf_counter() - started))
        with self.memory(kind) as mem:
            seconds, ok, rss, nodes, tail = run_dbt_build(ws)
        phase = self.record(Phase("backfill dbt build", kind, users, seconds, ok, rss, mem.peak_mb(), nodes))
        if not ok:
            print(tail)
            phase.note = tail
        return ws

    def weekly(self, kind: str, ws: Workspace, table_users: int) -> None:
        changed = min(self.args.weekly, table_users)
        step = max(1, table_users // changed)
        started = time.perf_counter()
        if kind.startswith("spark"):
            touched = int(self.spark_job(ws, "weekly", ws.target.schema, str(step)).strip())
        else:
            ws.execute(weekly_update_sql(kind, ws.target, step))
            touched = ws.query("SELECT COUNT(*) FROM user_spending_data WHERE updated_at >= last_processed_at")[0][0]
        self.record(Phase(f"weekly update (every {step}th user, not the job)", kind, touched, time.perf_counter() - started))
        with self.memory(kind) as mem:
            seconds, ok, rss, nodes, tail = run_dbt_build(ws)
        # The users this run processed: they share the newest last_processed_at (the batch's start).
        if kind.startswith("spark"):
            state = ws.target.schema + ".user_processing_state"
            selected = int(json.loads(self.spark_job(ws, "query", "SELECT COUNT(*) FROM " + state + " WHERE last_processed_at = "
                                                     "(SELECT MAX(last_processed_at) FROM " + state + ")"))[0])
            logged = 2  # no cg_batch_log on Spark (docs/spark.md)
        else:
            selected = ws.query(
                "SELECT COUNT(*) FROM user_spending_data "
                "WHERE last_processed_at = (SELECT MAX(last_processed_at) FROM user_spending_data)")[0][0]
            logged = ws.query("SELECT COUNT(*) FROM cg_batch_log")[0][0]
        if logged < 2:
            self.notes.append(f"{kind}: cg_batch_log holds {logged} row(s) after two dbt builds")
        phase = self.record(Phase(f"weekly dbt build (table of {table_users:,})", kind, selected, seconds, ok, rss, mem.peak_mb(), nodes))
        if not ok:
            print(tail)
            phase.note = tail

    def baseline(self, kind: str, users: int, fast: bool) -> None:
        from baseline import run_worker_tier

        label = f"baseline{'fast' if fast else 'ref'}{users}"
        ws = self.workspace(kind, label)
        ws.create_source()
        db.load_users(ws.target, generate_users(users, self.args.seed), COLUMNS, ws.project)
        result = ws.dbt("--quiet", "run-operation", "cg_create_output_tables")
        if not result.success:
            raise RuntimeError(f"cg_create_output_tables failed: {result.exception}")
        with self.memory(kind) as mem:
            seconds, rss, rows = run_worker_tier(ws.target, ws.project, self.args.workers, fast)
        which = "fasteval.Ranker (evaluator's integer fast path, explanations off)" if fast else "explain.explain_rank (reference evaluator with explanations)"
        self.record(Phase(f"baseline worker tier, {which}", kind, users, seconds, True, rss, mem.peak_mb(),
                          note=f"{rows:,} rows written, {self.args.workers} workers"))
        if kind != "duckdb":
            self.drop_mariadb_database(ws.target.schema)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # report
    def save(self) -> None:
        from report import write_report

        write_report(self)


def weekly_update_sql(kind: str, target: db.Target, step: int) -> str:
    """Every step-th generated user gets ₹500 more Amazon spend and a newer updated_at."""
    import sqlglot

    # GEN ids are GEN<zero-padded n>; n % step = step - 1 picks count/step users, none of
    # them the PRD's three samples (n < 3).
    sql = (
        "UPDATE user_spending_data SET avg_amazon_gmv = avg_amazon_gmv + 500, "
        "updated_at = CURRENT_TIMESTAMP "
        "WHERE user_id LIKE 'GEN%' AND CAST(SUBSTRING(user_id, 4) AS BIGINT) % {step} = {rem}"
    ).format(step=int(step), rem=int(step) - 1)
    return sqlglot.transpile(sql, read="mysql", write=target.dialect)[0]


def machine() -> dict:
    mem_kb = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    import duckdb
    import importlib.metadata as md

    mariadbd = subprocess.run(["/usr/sbin/mariadbd", "--version"], capture_output=True, text=True).stdout.strip() if Path("/usr/sbin/mariadbd").exists() else "absent"
    return {
        "host": socket.gethostname(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt-core": md.version("dbt-core"),
        "dbt-duckdb": md.version("dbt-duckdb"),
        "dbt-mysql": md.version("dbt-mysql"),
        "dbt-spark": _version(md, "dbt-spark"),
        "pyspark": _version(md, "pyspark"),
        "mariadbd": mariadbd,
        "commit": _commit(),
    }


def _version(md, package: str) -> str:
    try:
        return md.version(package)
    except md.PackageNotFoundError:
        return "absent"


def _commit() -> str:
    """The code measured: HEAD, marked dirty when the tree has uncommitted changes."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return (head or "unknown") + (" (uncommitted changes)" if dirty else "")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20K users, weekly 1K, baseline 1K: a smoke run")
    ap.add_argument("--sizes", default="200000,2000000", help="backfill sizes (users), comma-separated")
    ap.add_argument("--targets", default="duckdb,mariadb")
    ap.add_argument("--mariadb-budget", type=float, default=3600.0,
                    help="seconds: run a MariaDB size only if extrapolating from the previous one says it fits")
    ap.add_argument("--weekly", type=int, default=50_000, help="changed users in the weekly run")
    ap.add_argument("--baseline-users", type=int, default=60_000,
                    help="sample for the worker tier (fast path); 10,000 (5-9 s) gave rates 67K-117K users/min")
    ap.add_argument("--baseline-ref-users", type=int, default=3_000, help="sample for the worker tier with explain.explain_rank")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--spark-cores", default="2",
                    help="target spark: local cores to run with, comma-separated (each a target spark-<n>)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=None, help="report name (default <date>-<host>)")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.weekly, args.baseline_users, args.baseline_ref_users = "20000", 1_000, 1_000, 200
    args.size_list = [int(s) for s in args.sizes.split(",") if s]
    args.target_list = [t for t in args.targets.split(",") if t]
    # spark → one target per core count: how the cost grows with executors (issue 21).
    args.target_list = [x for t in args.target_list for x in
                        ([f"spark-{c}" for c in args.spark_cores.split(",") if c] if t == "spark" else [t])]
    args.command = " ".join([".venv/bin/python", "bench/run.py", *sys.argv[1:]])
    args.started = dt.datetime.now(dt.timezone.utc)
    args.load_start = loadavg()
    args.machine = machine()

    bench = Bench(args)
    try:
        for kind in args.target_list:
            if kind.startswith("spark"):
                os.environ["CGCOMPILE_SPARK_CORES"] = kind.split("-", 1)[1]
            largest = None
            previous: tuple[int, float] | None = None
            for users in sorted(args.size_list):
                if kind != "duckdb" and previous is not None:
                    estimate = previous[1] * users / previous[0]
                    if estimate > args.mariadb_budget:
                        bench.notes.append(
                            f"{kind}: {users:,} users skipped: {previous[0]:,} users took {previous[1]:,.0f} s, "
                            f"so {users:,} would take about {estimate:,.0f} s (linear), over the {args.mariadb_budget:,.0f} s budget")
                        print(bench.notes[-1], flush=True)
                        continue
                    bench.notes.append(f"{kind}: {users:,} users run: extrapolated from {previous[0]:,} users, "
                                       f"about {estimate:,.0f} s, within the {args.mariadb_budget:,.0f} s budget")
                if largest is not None and kind == "mariadb":
                    bench.drop_mariadb_database(largest[1].target.schema)
                ws = bench.backfill(kind, users)
                previous = (users, bench.phases[-1].seconds)
                largest = (users, ws)
            if largest is not None:
                bench.weekly(kind, largest[1], largest[0])
                if kind == "mariadb":
                    bench.drop_mariadb_database(largest[1].target.schema)
            if kind.startswith("spark"):
                continue  # the worker tier is a database client; measured on DuckDB and MariaDB
            bench.baseline(kind, args.baseline_users, fast=True)
            bench.baseline(kind, args.baseline_ref_users, fast=False)
        args.load_end = loadavg()
        args.finished = dt.datetime.now(dt.timezone.utc)
        bench.save()
    finally:
        bench.close()
    return 0 if all(p.ok for p in bench.phases) else 1


if __name__ == "__main__":
    sys.exit(main())
