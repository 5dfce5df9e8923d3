"""A first backfill's copy on MariaDB: insert into the PRD's indexed table, or build the indexes after.

    .venv/bin/python bench/mariadb_index_build.py --users 2000000

W2-7 asks whether an empty card_recommendations need maintain its six secondary indexes
row by row during a backfill, when InnoDB builds an index from sorted data.  A throwaway
MariaDB (the bench's server settings) gets `--users` users' worth of output rows (10 a
user, made by the Sequence engine: user ids in user order, net savings spread at random),
staged as int_top_cards_staged holds them; then the same rows are copied in chunks of
8,000 users (the copy's statement per chunk) in one transaction, two ways:

* indexed: into the PRD's table as on-run-start creates it (unique key, five indexes,
  the foreign key to user_spending_data);
* after: into the same table with only its primary key, then one ALTER TABLE adding the
  unique key and the indexes (InnoDB's sorted build) and the foreign key, unchecked;
* bulk: into the PRD's table with unique_checks and foreign_key_checks off for the
  transaction, which MariaDB 10.7+ turns into a bulk insert into an empty table (its
  indexes built from sorted rows at commit, MDEV-24621);
* bulk_one: the same in one statement for every chunk.

Prints one markdown table; writes nothing else.  Used for docs/performance.md (W2-7).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlglot  # noqa: E402

from bench.probe import print_table  # noqa: E402
from bench.run import SERVER_OPTIONS  # noqa: E402
from cgcompile.testing.mariadb_server import MariaDBServer  # noqa: E402

CHUNK_USERS = 8_000

# Probe SQL: the PRD's table (as macros/ddl.sql creates it on MariaDB) and its inputs.
SOURCE = """
CREATE TABLE user_spending_data (user_id VARCHAR(50) NOT NULL PRIMARY KEY, user_no BIGINT NOT NULL)
  SELECT CONCAT('U', LPAD(seq, 9, '0')) AS user_id, seq AS user_no FROM seq_0_to_{last_user}
"""
STAGED = """
CREATE TABLE staged (user_no BIGINT NOT NULL, card_rank BIGINT NOT NULL, net_savings DECIMAL(12, 2) NOT NULL,
                     PRIMARY KEY (user_no, card_rank))
  SELECT u.seq AS user_no, r.seq AS card_rank, CAST(RAND(7) * 200000 AS DECIMAL(12, 2)) AS net_savings
  FROM seq_0_to_{last_user} AS u CROSS JOIN seq_1_to_10 AS r
"""
COLUMNS = """
  id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id VARCHAR(50) NOT NULL, `rank` TINYINT NOT NULL,
  card_name VARCHAR(200) NOT NULL, card_id VARCHAR(100), total_savings_yearly DECIMAL(12, 2) NOT NULL,
  joining_fees DECIMAL(12, 2) NOT NULL, total_extra_benefits DECIMAL(12, 2) NOT NULL, net_savings DECIMAL(12, 2) NOT NULL,
  amazon_points DECIMAL(12, 2) DEFAULT 0, flipkart_points DECIMAL(12, 2) DEFAULT 0, myntra_points DECIMAL(12, 2) DEFAULT 0,
  ajio_points DECIMAL(12, 2) DEFAULT 0, grocery_points DECIMAL(12, 2) DEFAULT 0, other_online_points DECIMAL(12, 2) DEFAULT 0,
  redemption_method VARCHAR(50), redemption_rate DECIMAL(5, 4), processed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  batch_id VARCHAR(50), rules_version VARCHAR(16), created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
"""
KEYS = [
    "UNIQUE KEY unique_user_rank (user_id, `rank`)", "INDEX idx_user_id (user_id)", "INDEX idx_batch_id (batch_id)",
    "INDEX idx_processed_at (processed_at)", "INDEX idx_net_savings (net_savings DESC)",
    "INDEX idx_rules_version (rules_version)",
    "FOREIGN KEY (user_id) REFERENCES user_spending_data (user_id) ON DELETE CASCADE ON UPDATE CASCADE",
]
COPY = """
INSERT INTO {table} (user_id, `rank`, card_name, card_id, total_savings_yearly, joining_fees, total_extra_benefits,
  net_savings, amazon_points, flipkart_points, myntra_points, ajio_points, grocery_points, other_online_points,
  redemption_method, redemption_rate, processed_at, batch_id, rules_version)
SELECT u.user_id, s.card_rank, 'Some Bank Credit Card', 'some_card', s.net_savings + 500, 500, 0, s.net_savings,
  1, 2, 3, 4, 5, 6, 'Statement credit', 1, UTC_TIMESTAMP(), 'BATCH_20261203_000000', 'abcdef0123456789'
FROM staged AS s INNER JOIN user_spending_data AS u ON u.user_no = s.user_no
WHERE s.user_no BETWEEN {first} AND {last}
ORDER BY s.user_no, s.card_rank
"""


def statement(template: str, **values) -> str:
    """A probe statement, checked by sqlglot's MySQL parser before it is sent."""
    sql = template.format(**values)
    sqlglot.parse_one(sql, read="mysql")
    return sql


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=2_000_000)
    ap.add_argument("--ways", default="indexed,after,bulk,bulk_one")
    args = ap.parse_args()
    server = MariaDBServer(options=SERVER_OPTIONS)
    try:
        conn = server.start().connect()
        cur = conn.cursor()
        last_user = args.users - 1
        cur.execute(statement(SOURCE, last_user=last_user))
        cur.execute(statement(STAGED, last_user=last_user))
        conn.commit()
        rows = []
        for name in args.ways.split(","):
            table, at_create = "recs_" + name, ([] if name == "after" else KEYS)
            cur.execute(statement("CREATE TABLE {table} ({columns}) ENGINE = InnoDB", table=table, columns=", ".join([COLUMNS, *at_create])))
            began = time.perf_counter()
            bulk = name.startswith("bulk")
            cur.execute("SET SESSION unique_checks = {0}, foreign_key_checks = {0}".format(0 if bulk else 1))
            cur.execute("START TRANSACTION")
            step = args.users if name == "bulk_one" else CHUNK_USERS
            for first in range(0, args.users, step):
                cur.execute(statement(COPY, table=table, first=first, last=min(first + step, args.users) - 1))
            conn.commit()
            copied = time.perf_counter() - began
            rows.append((f"{name}: the copy ({-(-args.users // step)} statements, one transaction)", copied))
            if not at_create:
                began = time.perf_counter()
                cur.execute("SET SESSION foreign_key_checks = 0")
                cur.execute(statement("ALTER TABLE {table} {keys}", table=table, keys=", ".join("ADD " + k for k in KEYS)))
                cur.execute("SET SESSION foreign_key_checks = 1")
                built = time.perf_counter() - began
                rows.append((f"{name}: ALTER TABLE adding the keys", built))
                rows.append((f"{name}: in all", copied + built))
            cur.execute(statement("DROP TABLE {table}", table=table))
        print_table(f"{args.users:,} users, {args.users * 10:,} rows", "step", rows)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
