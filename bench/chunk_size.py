"""DuckDB backfill time and peak memory by chunk size (var cg_chunk_users).

    .venv/bin/python bench/chunk_size.py --users 2000000 --chunks 250000,100000,default

`default` is the project's own size (var cg_chunk_rows over the catalog's cards);
--project measures another copy of dbt_project (an earlier commit's, say); --vars sets
more dbt vars for every run (duckdb_memory_limit, cg_chunk_rows).

One scratch DuckDB database is loaded once; each chunk size then runs `dbt build`
on it as a fresh backfill (the output tables dropped first) in a subprocess, timed,
its peak RSS read from /proc (VmHWM).  Prints one markdown table; writes nothing
else.  Used for docs/performance.md (the cost of a larger catalog).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlglot import exp  # noqa: E402

from cgcompile.datagen import generate_users  # noqa: E402
from cgcompile.harness import Workspace, duckdb_target  # noqa: E402

DBT = str(Path(sys.executable).with_name("dbt"))
OUTPUTS = ("card_recommendations", "cg_batch_log", "int_batch")


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_build(ws: Workspace, chunk: str, extra: dict) -> tuple[float, float, bool]:
    chosen = {**extra, **({} if chunk == "default" else {"cg_chunk_users": int(chunk)})}
    chosen = ["--vars", json.dumps(chosen)] if chosen else []
    started = time.perf_counter()
    proc = subprocess.Popen([DBT, "--quiet", "build", *chosen, "--project-dir", ".", "--profiles-dir", "."], cwd=ws.project)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, peak_rss_mb(proc.pid))
        time.sleep(0.2)
    return time.perf_counter() - started, peak, proc.returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=2_000_000)
    ap.add_argument("--chunks", default="250000,100000,default")
    ap.add_argument("--project", type=Path, default=ROOT / "dbt_project")
    ap.add_argument("--vars", default="{}", help="more dbt vars for every run, as JSON: '{\"duckdb_memory_limit\": \"1500MB\"}'")
    args = ap.parse_args()
    extra = json.loads(args.vars)
    root = Path(tempfile.mkdtemp(prefix="cgcompile-chunks-"))
    try:
        ws = Workspace(root, duckdb_target(root / "bench.duckdb"), args.project)
        ws.create_source()
        ws.load(generate_users(args.users, seed=42))
        print("| chunk users | wall time | dbt peak RSS | ok |\n| ---: | ---: | ---: | :---: |")
        for chunk in args.chunks.split(","):
            for table in OUTPUTS:
                ws.execute(exp.Drop(tables=[exp.to_table(table)], kind="TABLE", exists=True))
            ws.execute("UPDATE user_spending_data SET processing_status = 'new', last_processed_at = NULL")
            seconds, peak, ok = run_build(ws, chunk, extra)
            print(f"| {chunk if chunk == 'default' else format(int(chunk), ','):} | {seconds:.1f} s | {peak:,.0f} MB | {'yes' if ok else 'NO'} |", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
