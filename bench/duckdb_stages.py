"""Where a DuckDB chunk's ranking statement spends its time, and two ideas for it, measured.

    .venv/bin/python bench/duckdb_stages.py --users 120000

A scratch DuckDB database gets `--users` generated users (one chunk at the default
120,000) and one `dbt build`; then the statement dbt ran for card_recommendations (its
SELECT, the chunk filter narrowed to chunk 0) is timed as `SELECT COUNT(*), SUM(...)` over
it, each variant twice:

* plan: EXPLAIN of the statement (parse, bind, optimise; no row read);
* cards: every card's rows once (the union the ranking reads twice);
* statement: the whole SELECT as the build ran it;
* prepared: PREPARE once, then EXECUTE (W2-7: plan once for every chunk);
* top-N aggregate: the first pass's window replaced by `max(rank_key, 10)` per user,
  unnested with its position (W2-7: a cheaper first pass).

Prints one markdown table; writes nothing else.  Used for docs/performance.md (W2-7).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import sqlglot  # noqa: E402

from bench.probe import best_of, build, print_table  # noqa: E402
from cgcompile.harness import Workspace, duckdb_target  # noqa: E402

# The first pass as an aggregate: each user's ten largest keys, with their positions.
TOP_N_AGGREGATE = """ranked as (
    select user_no, unnest(max(rank_key, 10)) as rank_key, generate_subscripts(max(rank_key, 10), 1) as card_rank
    from savings group by user_no
),
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=120_000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cgduck-stages-"))
    try:
        ws = Workspace(root, duckdb_target(root / "bench.duckdb"), ROOT / "dbt_project")
        build(ws, args.users, args.seed)
        ran = next(ws.project.glob("target/compiled/**/card_recommendations.sql")).read_text()
        select = ran.replace("chunk_no >= 0", "chunk_no = 0")
        savings_at = select.index("with savings as not materialized (") + len("with savings as not materialized (")
        ranked_at = select.index("ranked as (")
        top_at = select.index("top_cards as (")
        cards = select[savings_at:select.rindex("),", savings_at, ranked_at)]
        aggregate = select[:ranked_at] + TOP_N_AGGREGATE + select[top_at:]

        def total(sql: str, column: str = "net_savings") -> str:
            query = "select count(*), sum(" + column + ") from (" + sql + ") as probe"
            sqlglot.parse_one(query, read="duckdb")  # a probe statement, parsed before it is sent
            return query

        con = duckdb.connect(str(root / "bench.duckdb"))
        con.execute("set memory_limit = '3GB'")
        con.execute("set preserve_insertion_order = false")
        con.execute("set variable cg_id_base = 0")
        want = con.execute(total(select)).fetchall()
        if con.execute(total(aggregate)).fetchall() != want:
            raise SystemExit("the top-N aggregate ranks differently")

        def timed(sql: str) -> float:
            return best_of(lambda: con.execute(sql).fetchall())

        prepare_seconds = best_of(lambda: con.execute("prepare cg_probe as " + total(select)), runs=1)
        rows = [
            ("plan: EXPLAIN of the statement", timed("explain " + total(select))),
            ("cards: every card's rows once", timed(total(cards, "rank_key"))),
            ("statement: as the build ran it", timed(total(select))),
            ("prepared: PREPARE", prepare_seconds),
            ("prepared: EXECUTE", timed("execute cg_probe")),
            ("top-N aggregate instead of the window", timed(total(aggregate))),
        ]
        [(card_rows,)] = con.execute("select count(*) from (" + cards + ") as probe").fetchall()
        print_table(f"{args.users:,} users, {card_rows:,} user x card rows, the faster of two runs", "stage", rows, places=2)
        con.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
