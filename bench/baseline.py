"""The worker-tier baseline: the seed's way (PRD 5.2 pseudo-code), for comparison.

A loop over chunks of `new` users: mark them pending, rank each user with one call of
the evaluator in a multiprocessing pool, bulk-insert the rows in batches, mark them
completed.  It writes the same rows and statuses as `dbt build` into the same table.
Run as a subprocess of bench/run.py (`python bench/baseline.py '<json>'`) so its memory
(parent and pool workers) is measured apart from the bench itself.
"""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import csv
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from cgcompile import db

CHUNK = 2_000  # users fetched and marked per round (the PRD uses 10,000 with 100 workers)
ROWS_PER_INSERT = 500
INSERT_COLUMNS = (
    "user_id", "rank", "card_name", "card_id", "total_savings_yearly", "joining_fees",
    "total_extra_benefits", "net_savings", "amazon_points", "flipkart_points", "myntra_points",
    "ajio_points", "grocery_points", "other_online_points", "redemption_method", "redemption_rate",
    "processed_at", "batch_id", "rules_version",
)

_engine = None  # per worker process


def _init(fast: bool) -> None:
    global _engine
    from cgcompile.loader import load_catalog

    catalog = load_catalog(ROOT / "card_rules")
    if fast:
        from cgcompile.fasteval import Ranker
        from cgcompile.resolve import resolve_catalog

        _engine = ("fast", Ranker.of(resolve_catalog(catalog)))
    else:
        _engine = ("ref", catalog)


def process_single_user(user: tuple) -> tuple[str, list[tuple] | None, str | None]:
    """One user's top 10 as OUTPUT_COLUMNS rows (card_id .. redemption_rate), or the error.

    The reference tier explains every figure, as the API it stands for answered
    with sentences (explain_rank); the fast one computes figures only."""
    from cgcompile.evaluate import CATEGORIES, InvalidSpend, user_spend
    from cgcompile.explain import explain_rank

    user_id, *spend = user
    try:
        s = user_spend(*spend)
    except InvalidSpend as e:
        return user_id, None, str(e)
    kind, engine = _engine
    if kind == "fast":
        return user_id, engine.rank(s), None
    rows = []
    for _, r, _sentences in explain_rank(engine, s):
        rows.append((r.card_id, r.card_name, r.total_savings_yearly, r.joining_fees, r.total_extra_benefits,
                     r.net_savings, *(r.points(c) for c in CATEGORIES), r.redemption_method, r.redemption_rate))
    return user_id, rows, None


def rules_version() -> str:
    text = (ROOT / "dbt_project" / "macros" / "generated" / "rules_version.sql").read_text()
    return re.search(r"\{% macro rules_version\(\) %\}(\w+)\{% endmacro %\}", text).group(1)


def _in_list(ph: str, n: int) -> str:
    return "(" + ", ".join([ph] * n) + ")"


def _copy_duckdb(conn, records: list[tuple], cols: str, path: Path) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(["\\N" if v is None else v for v in r] for r in records)
    conn.execute(f"COPY card_recommendations ({cols}) FROM '{path}' (FORMAT CSV, HEADER FALSE, NULLSTR '\\N')")


def work(target: db.Target, project: Path, workers: int, fast: bool) -> dict:
    ph = "?" if target.type == "duckdb" else "%s"
    q = '"' if target.type == "duckdb" else "`"
    cols = ", ".join(q + c + q for c in INSERT_COLUMNS)
    version = rules_version()
    conn = db.connect(target, project)
    cur = conn.cursor()
    started = time.perf_counter()
    batch_id = dt.datetime.now().strftime("BATCH_%Y%m%d_%H%M%S")
    users_done = rows_written = 0
    csv_path = Path(tempfile.mkdtemp(prefix="cgbase-")) / "rows.csv"
    with multiprocessing.Pool(workers, initializer=_init, initargs=(fast,)) as pool:
        while True:
            # 1. fetch a chunk of new users
            cur.execute(
                "SELECT user_id, avg_amazon_gmv, avg_flipkart_gmv, avg_myntra_gmv, avg_ajio_gmv, avg_grocery_gmv, "
                f"avg_confirmed_gmv FROM user_spending_data WHERE processing_status = 'new' LIMIT {CHUNK}"
            )
            users = cur.fetchall()
            if not users:
                break
            ids = [u[0] for u in users]
            # 2. mark them pending
            cur.execute(f"UPDATE user_spending_data SET processing_status = 'pending' WHERE user_id IN {_in_list(ph, len(ids))}", ids)
            conn.commit()
            # 3. one evaluator call per user, in parallel
            now = dt.datetime.now().replace(microsecond=0)
            results = pool.map(process_single_user, users, chunksize=50)
            records, failed = [], []
            for user_id, rows, error in results:
                if rows is None:
                    failed.append((error, now, user_id))
                    continue
                for rank, row in enumerate(rows, start=1):
                    card_id, name, *figures, method, rate = row
                    records.append((user_id, rank, name, card_id, *figures, method, rate, now, batch_id, version))
            # 4. batch insert (delete the users' old rows first, as a re-run would)
            cur.execute(f"DELETE FROM card_recommendations WHERE user_id IN {_in_list(ph, len(ids))}", ids)
            if target.type == "duckdb":
                # DuckDB binds large parameter lists slowly; its bulk path is COPY from a file.
                # Its table has no id default: writers number rows after max(id), as the job does.
                cur.execute("SELECT COALESCE(MAX(id), 0) FROM card_recommendations")
                (base,) = cur.fetchone()
                numbered = [(base + i, *r) for i, r in enumerate(records, start=1)]
                _copy_duckdb(conn, numbered, '"id", ' + cols, csv_path)
            else:
                for i in range(0, len(records), ROWS_PER_INSERT):
                    part = records[i : i + ROWS_PER_INSERT]
                    values = ", ".join([_in_list(ph, len(INSERT_COLUMNS))] * len(part))
                    cur.execute(f"INSERT INTO card_recommendations ({cols}) VALUES {values}", [v for r in part for v in r])
            # 5. mark completed / failed
            done = [i for i, rows, _ in results if rows is not None]
            if done:
                cur.execute(
                    f"UPDATE user_spending_data SET processing_status = 'completed', last_processed_at = {ph} "
                    f"WHERE user_id IN {_in_list(ph, len(done))}", [now, *done])
            if failed:
                cur.executemany(
                    f"UPDATE user_spending_data SET processing_status = 'failed', processing_error = {ph}, "
                    f"last_processed_at = {ph} WHERE user_id = {ph}", failed)
            conn.commit()
            users_done += len(users)
            rows_written += len(records)
    seconds = time.perf_counter() - started
    conn.close()
    return {
        "seconds": seconds,
        "users": users_done,
        "rows": rows_written,
        "parent_max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_max_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_worker_tier(target: db.Target, project: Path, workers: int, fast: bool) -> tuple[float, float, int]:
    """(seconds, peak RSS MB of parent + workers, rows written), run in a subprocess."""
    spec = json.dumps({"target": target.__dict__, "project": str(project), "workers": workers, "fast": fast})
    done = subprocess.run([sys.executable, __file__, spec], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"baseline failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # Parent plus one worker's peak per worker: the most the tier can hold at once.
    rss = out["parent_max_rss_mb"] + workers * out["worker_max_rss_mb"]
    return out["seconds"], rss, out["rows"]


if __name__ == "__main__":
    spec = json.loads(sys.argv[1])
    result = work(db.Target(**spec["target"]), Path(spec["project"]), spec["workers"], spec["fast"])
    print(json.dumps(result))
