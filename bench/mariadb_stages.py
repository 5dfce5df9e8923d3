"""What a MariaDB chunk's card arithmetic costs, and what cheaper arithmetic would save.

    .venv/bin/python bench/mariadb_stages.py --users 8000

A throwaway MariaDB (the bench's server settings) gets `--users` generated users and one
`dbt build`; then the compiled union of every card's rows (int_card_savings, all of the
batch: one chunk at the default 8,000 users) is timed as `SELECT COUNT(*), SUM(rank_key)`
over it, each variant run twice and the faster kept:

* decimal: the SQL as the build ran it (exact DECIMAL arithmetic);
* double: every DECIMAL cast made DOUBLE and the users' spend read as DOUBLE, the bound on
  what integer paise or any cheaper number type could save (not exact: a measurement only);
* unfenced: the decimal SQL with derived_merge off instead of the LIMIT fences.

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

import sqlglot  # noqa: E402
from sqlglot import exp  # noqa: E402

from bench.probe import best_of, build, print_table  # noqa: E402
from bench.run import SERVER_OPTIONS  # noqa: E402
from cgcompile import db  # noqa: E402
from cgcompile.harness import Workspace  # noqa: E402
from cgcompile.testing.mariadb_server import MariaDBServer  # noqa: E402

SPEND = ("amazon", "flipkart", "myntra", "ajio", "grocery", "other_online")


def as_double(select: exp.Expression) -> exp.Expression:
    """Every DECIMAL type DOUBLE, and int_batch read from its DOUBLE copy."""
    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.DECIMAL:
            return exp.DataType.build("DOUBLE")
        if isinstance(node, exp.Table) and node.name == "int_batch":
            return exp.to_table("int_batch_double", db=node.db or None)
        return node
    return select.transform(swap)


def without_fences(select: exp.Expression) -> exp.Expression:
    def drop(node: exp.Expression) -> exp.Expression | None:
        return None if isinstance(node, exp.Limit) else node
    return select.transform(drop)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=8_000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cgmdb-stages-"))
    server = MariaDBServer(options=SERVER_OPTIONS)
    try:
        p = server.start()
        target = db.Target(name="mariadb", type="mariadb", host=p.host, port=p.port, user=p.user,
                           password=p.password, schema=p.database)
        ws = Workspace(root, target, ROOT / "dbt_project")
        build(ws, args.users, args.seed)
        cards = next(ws.project.glob("target/compiled/**/int_card_savings.sql")).read_text()
        decimal = sqlglot.parse_one(cards, read="mysql")
        total = exp.select("COUNT(*)", "SUM(rank_key)").from_(decimal.subquery("cards"))
        doubles = [exp.cast(exp.column(c), "DOUBLE").as_(c) for c in SPEND]
        copy = exp.select("user_no", "user_id", "processing_error", "chunk_no", *doubles).from_("int_batch")
        ws.execute(exp.Create(this=exp.to_table("int_batch_double"), kind="TABLE", expression=copy))

        def timed(sql: str, settings: str = "") -> float:
            conn = db.connect(target, ws.project)
            cur = conn.cursor()
            cur.execute("SET SESSION tmp_table_size = 1073741824, max_heap_table_size = 1073741824" + settings)
            best = best_of(lambda: (cur.execute(sql), cur.fetchall()))
            conn.close()
            return best

        rows = [
            ("decimal: as built", timed(total.sql(dialect="mysql"))),
            ("double: DECIMAL made DOUBLE", timed(as_double(total).sql(dialect="mysql"))),
            ("unfenced, derived_merge=off", timed(without_fences(total).sql(dialect="mysql"),
                                                   ", optimizer_switch = 'derived_merge=off'")),
        ]
        [(card_rows,)] = ws.execute(exp.select("COUNT(*)").from_(decimal.subquery("cards")).sql(dialect="mysql"))
        print_table(f"{args.users:,} users, {card_rows:,} user x card rows, one statement on one core", "variant", rows, places=2)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
