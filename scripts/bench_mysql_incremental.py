"""Time the incremental replace on MariaDB: N changed users out of a large table.

Starts a throwaway MariaDB (tests/mariadb_server.py), fills `user_cards` directly, puts the
changed users' new rows in `incoming`, then runs `dbt run` once so the incremental branch of
dbt_project/macros/mysql_incremental.sql replaces them. Prints each statement's time as dbt
reported it. --stock runs dbt-mysql's own materialization instead (IN-subquery delete);
--stock-timeout caps that delete, since it can take many minutes.

    .venv/bin/python scripts/bench_mysql_incremental.py                 # 100K users x 10 rows, 50K changed
    .venv/bin/python scripts/bench_mysql_incremental.py --users 1000000 --rows-per-user 1
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from mariadb_server import MariaDBServer, write_profiles  # noqa: E402

MACRO = ROOT / "dbt_project" / "macros" / "mysql_incremental.sql"

PROJECT_YML = """\
name: cg_bench
version: "1.0"
config-version: 2
profile: cgcompile
"""

SOURCES_YML = """\
version: 2
sources:
  - name: bench
    schema: "{{ target.schema }}"
    tables:
      - name: incoming
"""

MODEL_SQL = """\
{{ config(materialized='incremental', unique_key='user_id') }}
select user_id, card_id, points from {{ source('bench', 'incoming') }}
"""


def make_project(base: Path, stock: bool) -> Path:
    project = base / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(PROJECT_YML)
    (project / "models" / "sources.yml").write_text(SOURCES_YML)
    (project / "models" / "user_cards.sql").write_text(MODEL_SQL)
    if not stock:
        (project / "macros").mkdir()
        shutil.copy(MACRO, project / "macros" / MACRO.name)
    return project


def fill(params, users: int, rows_per_user: int, changed: int, stock_timeout: float | None) -> None:
    """user_cards: users x rows_per_user rows; incoming: new rows for every other changed user."""
    conn = params.connect()
    cur = conn.cursor()
    # seq_* tables come from MariaDB's built-in Sequence engine.
    cur.execute(
        "CREATE TABLE user_cards AS "
        "SELECT u.seq AS user_id, CONCAT('card_', c.seq) AS card_id, u.seq * c.seq AS points "
        "FROM seq_1_to_100000000 AS u CROSS JOIN seq_1_to_1000 AS c "
        "WHERE u.seq <= %s AND c.seq <= %s",
        (users, rows_per_user),
    )
    # Changed users spread over the key range (every k-th user), not one contiguous block.
    cur.execute(
        "CREATE TABLE incoming AS "
        "SELECT u.seq * %s AS user_id, CONCAT('new_', c.seq) AS card_id, 0 AS points "
        "FROM seq_1_to_100000000 AS u CROSS JOIN seq_1_to_1000 AS c "
        "WHERE u.seq <= %s AND c.seq <= %s",
        (users // changed, changed, rows_per_user),
    )
    if stock_timeout:
        # Caps every statement of the dbt user from now on, so the stock delete cannot run for hours.
        cur.execute("SET GLOBAL max_statement_time = %s", (stock_timeout,))
    conn.commit()
    conn.close()


def count(params, sql: str) -> int:
    conn = params.connect()
    cur = conn.cursor()
    cur.execute(sql)
    [(n,)] = cur.fetchall()
    conn.close()
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--rows-per-user", type=int, default=10)
    ap.add_argument("--changed", type=int, default=50_000)
    ap.add_argument("--stock", action="store_true", help="use dbt-mysql's materialization, not ours")
    ap.add_argument("--stock-timeout", type=float, default=600.0, help="seconds; with --stock")
    args = ap.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")

    from dbt.cli.main import dbtRunner

    timings: list[tuple[float, str]] = []
    pending: list[tuple[float, str]] = []

    def on_event(event):
        # dbt's own `elapsed` is rounded to whole seconds; time between the two events instead.
        # threads=1, so a status always belongs to the last query sent.
        name = event.info.name
        if name == "SQLQuery":
            pending.append((time.monotonic(), " ".join(event.data.sql.split("*/", 1)[-1].split())[:100]))
        elif name == "SQLQueryStatus" and pending:
            sent_at, sql = pending.pop()
            timings.append((time.monotonic() - sent_at, sql))

    with tempfile.TemporaryDirectory(prefix="cgbench-") as tmp, MariaDBServer() as params:
        base = Path(tmp)
        project = make_project(base, args.stock)
        write_profiles(base / "profiles", params, threads=1)
        began = time.monotonic()
        fill(params, args.users, args.rows_per_user, args.changed, args.stock_timeout if args.stock else None)
        total = count(params, "SELECT COUNT(*) FROM user_cards")
        print(f"filled {total} rows in user_cards, {args.changed} changed users "
              f"in {time.monotonic() - began:.1f}s")

        began = time.monotonic()
        result = dbtRunner(callbacks=[on_event]).invoke(
            ["run", "--project-dir", str(project), "--profiles-dir", str(base / "profiles"),
             "--target", "mariadb", "--quiet"]
        )
        wall = time.monotonic() - began
        for elapsed, sql in timings:
            if elapsed >= 0.05:
                print(f"{elapsed:8.2f}s  {sql}")
        new_rows = count(params, "SELECT COUNT(*) FROM user_cards WHERE card_id LIKE 'new%'") \
            if result.success else None
        print(f"dbt run {'succeeded' if result.success else 'FAILED'} in {wall:.1f}s "
              f"({'stock dbt-mysql' if args.stock else 'cgcompile override'}); "
              f"new rows now in table: {new_rows}, total {count(params, 'SELECT COUNT(*) FROM user_cards')}")
        return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
