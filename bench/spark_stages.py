"""Where a Spark backfill's card_recommendations time goes: planning, the cards' arithmetic, the ranking.

    .venv/bin/python bench/spark_stages.py --users 200000 --cores 2

A scratch local Spark (cgcompile.testing.spark_session) gets `--users` generated users and
one `dbt build`; then, in the same session, the statement dbt ran for card_recommendations
is timed again by stage, each written to Spark's `noop` sink (computed, not stored):

* plan: parsing and analysing the statement, then optimising it (no row read);
* cards: every card's rows for every user (the union the ranking reads, int_card_savings);
* rank: ROW_NUMBER's top 10 over those rows, cached in memory first so that only the
  ranking is timed;
* statement: the whole SELECT again (cards, rank, joins), as the build ran it.

Prints one markdown table; writes nothing else.  Used for docs/spark.md.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.probe import best_of, print_table  # noqa: E402
from cgcompile import db  # noqa: E402
from cgcompile.datagen import COLUMNS, generate_users  # noqa: E402
from cgcompile.harness import Workspace  # noqa: E402
from cgcompile.spark import create_source_table, load_users  # noqa: E402
from cgcompile.testing.spark_session import local_session  # noqa: E402

SCHEMA = "bench_stages"


def timed_once(action) -> float:
    return best_of(action, runs=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=200_000)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cgspark-"))
    try:
        spark = local_session(root / "spark", cores=args.cores)
        target = db.Target(name="spark", type="spark", schema=SCHEMA, path=str(root / "spark"))
        ws = Workspace(root, target, ROOT / "dbt_project")
        create_source_table(target)
        load_users(target, generate_users(args.users, seed=args.seed), COLUMNS, loaded_at_days_ago=1)
        build = {}
        build["dbt build"] = timed_once(lambda: build.setdefault("result", db.run_dbt(["build"], ws.project)))
        result = build.pop("result")
        if not result.success:
            raise SystemExit("dbt build failed")
        node = {r.node.name: r.execution_time for r in result.result.results}
        spark.catalog.setCurrentDatabase(SCHEMA)
        # The statement dbt ran: CREATE TABLE … AS <select>; the SELECT is what is timed.
        ran = next(ws.project.glob("target/run/**/card_recommendations.sql")).read_text()
        select = ran[ran.index("as\n", ran.index("partitioned by")) + 3:]
        cards = next(ws.project.glob("target/compiled/**/int_card_savings.sql")).read_text()

        def noop(sql: str) -> None:
            spark.sql(sql).write.format("noop").mode("overwrite").save()

        rows = [("dbt build (models + tests)", build["dbt build"]),
                ("card_recommendations in that build", node["card_recommendations"])]
        rows.append(("plan: parse, analyse, optimise", timed_once(lambda: spark.sql(select)._jdf.queryExecution().optimizedPlan())))
        rows.append(("cards: every card's rows", timed_once(lambda: noop(cards))))
        spark.sql(cards).createOrReplaceTempView("cg_card_rows")
        spark.sql("CACHE TABLE cg_card_rows_cached AS SELECT * FROM cg_card_rows")
        rank = ("SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY user_no ORDER BY rank_key DESC) AS card_rank"
                " FROM cg_card_rows_cached) AS ranked WHERE card_rank <= 10")
        rows.append(("rank: top 10 of the cached rows", timed_once(lambda: noop(rank))))
        rows.append(("statement: the whole SELECT again", timed_once(lambda: noop(select))))
        card_rows = spark.table("cg_card_rows_cached").count()
        print_table(f"{args.users:,} users, {card_rows:,} user x card rows, local[{args.cores}]", "stage", rows)
        spark.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
