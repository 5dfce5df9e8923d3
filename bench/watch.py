"""A run watched from another shell (W2-4): `cgcompile status` while a `dbt build` goes.

Starts a throwaway MariaDB (the bench's settings) or a DuckDB file, loads generated
users, starts `dbt build` as a subprocess and, from a second process every few seconds,
runs `cgcompile status --target <t> --json`, as an on-call engineer would. Writes each
snapshot (state, share done, throughput, ETA, seconds since the last progress) and the
real end to bench/results/<out>.md and .json.

    .venv/bin/python bench/watch.py --target mariadb --users 200000
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cgcompile import db
from cgcompile.datagen import COLUMNS, generate_users
from cgcompile.harness import Workspace, duckdb_target
from cgcompile.testing import mariadb_server
from run import DBT, SERVER_OPTIONS  # bench/run.py, beside this script

ROOT = Path(__file__).resolve().parents[1]

CGCOMPILE = str(Path(sys.executable).with_name("cgcompile"))


def snapshot(ws: Workspace, target: str) -> dict:
    out = subprocess.run([CGCOMPILE, "status", "--target", target, "--json"], cwd=ws.root, capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr.strip()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", choices=["duckdb", "mariadb"], default="mariadb")
    ap.add_argument("--users", type=int, default=200_000)
    ap.add_argument("--every", type=float, default=10.0, help="seconds between two status calls")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="cgwatch-"))
    server = None
    if args.target == "mariadb":
        server = mariadb_server.MariaDBServer(options=SERVER_OPTIONS)
        p = server.start()
        conn = p.connect()
        conn.cursor().execute("CREATE DATABASE watch CHARACTER SET utf8mb4")
        conn.close()
        target = db.Target(name="mariadb", type="mariadb", host=p.host, port=p.port, user=p.user, password=p.password, schema="watch")
    else:
        target = duckdb_target(base / "watch.duckdb")
    try:
        ws = Workspace(base, target, ROOT / "dbt_project")
        ws.create_source()
        db.load_users(target, generate_users(args.users, 42), COLUMNS, ws.project)
        started = time.perf_counter()
        proc = subprocess.Popen([DBT, "build", "--project-dir", ".", "--profiles-dir", "."], cwd=ws.project,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        shots = []
        while proc.poll() is None:
            time.sleep(args.every)
            shot = snapshot(ws, target.name)
            shot["at_seconds"] = round(time.perf_counter() - started, 1)
            shots.append(shot)
            run = shot.get("run") or {}
            print(f"{shot['at_seconds']:>7.1f} s  {run.get('state')}  {100 * (run.get('share') or 0):5.1f}%  "
                  f"eta {run.get('eta_seconds')}  users/min {run.get('throughput')}", flush=True)
        seconds = time.perf_counter() - started
        final = snapshot(ws, target.name)
        report(args, shots, final, seconds, proc.returncode)
    finally:
        if server is not None:
            server.stop()


def report(args, shots: list[dict], final: dict, seconds: float, code: int) -> None:
    name = args.out or f"{dt.date.today()}-watch-{args.target}-{args.users}"
    lines = [f"# `cgcompile status` during a {args.users:,}-user {args.target} build", "",
             f"Command: `.venv/bin/python bench/watch.py --target {args.target} --users {args.users} --every {args.every:g}`", "",
             f"`dbt build` exit code {code}, {seconds:.1f} s. Each row is one `cgcompile status --json` run from a "
             "second process while the build went (ETA: the status's estimate of the seconds left; "
             "right ETA: what was left in fact).", "",
             "| at | state | done | chunk steps | users/min | ETA | right ETA | last progress |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in shots:
        run = s.get("run") or {}
        eta = "" if run.get("eta_seconds") is None else f"{run['eta_seconds']:.0f} s"
        quiet = "" if run.get("quiet_seconds") is None else f"{run['quiet_seconds']:.0f} s ago"
        lines.append(f"| {s['at_seconds']:.0f} s | {run.get('state', s.get('error'))} | {100 * (run.get('share') or 0):.0f}% | "
                     f"{run.get('units_done', 0)} / {run.get('units', 0)} | {run.get('throughput') or 0:,.0f} | "
                     f"{eta} | {seconds - s['at_seconds']:.0f} s | {quiet} |")
    last = (final.get("last_batch") or {})
    lines += ["", f"After the build: {final.get('users')}; last batch {last.get('batch_id')} {last.get('run_status')}, "
              f"{last.get('users_completed')} completed."]
    out = ROOT / "bench" / "results" / name
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps({"shots": shots, "final": final, "seconds": seconds, "exit": code}, indent=1, default=str))
    print(f"wrote {out}.md")


if __name__ == "__main__":
    main()
