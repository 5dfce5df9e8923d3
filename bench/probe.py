"""What the stage probes share (duckdb_stages, mariadb_stages, mariadb_index_build, spark_stages):
a scratch workspace built once, a timing, and the markdown table they print."""
from __future__ import annotations

import time
from collections.abc import Callable

from cgcompile import db
from cgcompile.datagen import generate_users
from cgcompile.harness import Workspace


def build(ws: Workspace, users: int, seed: int) -> None:
    """The input table with `users` generated users, then one `dbt build` (the compiled SQL the probes time)."""
    ws.create_source()
    ws.load(generate_users(users, seed=seed))
    if not db.run_dbt(["build"], ws.project).success:
        raise SystemExit("dbt build failed")


def best_of(action: Callable[[], object], runs: int = 2) -> float:
    """Seconds of the fastest of `runs` calls: the later runs find the data cached."""
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - began)
    return best


def print_table(caption: str, label: str, rows: list[tuple[str, float]], places: int = 1) -> None:
    print(f"\n{caption}\n")
    print(f"| {label} | seconds |\n| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:,.{places}f} |")
