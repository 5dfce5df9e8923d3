"""The PRD's post-processing checks (10.2), runnable on any target.

Written once in DuckDB's dialect and transpiled; each returns the offending
rows, so 0 rows means the check passed.  The PRD's check 4 uses HAVING
without GROUP BY (MySQL only); here it is the same test as a subquery.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlglot

STATUS_COUNTS = sqlglot.parse_one(
    """
    SELECT
      (SELECT COUNT(*) FROM user_spending_data WHERE processing_status = 'completed') AS completed,
      (SELECT COUNT(*) FROM user_spending_data WHERE processing_status = 'new') AS pending,
      (SELECT COUNT(*) FROM user_spending_data WHERE processing_status = 'failed') AS failed
    """,
    read="duckdb",
)

# name -> query returning the bad rows
CHECKS: dict[str, sqlglot.exp.Expression] = {
    "2_completed_users_without_10_recommendations": sqlglot.parse_one(
        """
        SELECT u.user_id, COUNT(r.id) AS num_recommendations
        FROM user_spending_data AS u
        LEFT JOIN card_recommendations AS r ON u.user_id = r.user_id
        WHERE u.processing_status = 'completed'
        GROUP BY u.user_id
        HAVING COUNT(r.id) <> (SELECT LEAST(COUNT(DISTINCT card_no), 10) FROM int_card_params)
        """,
        read="duckdb",
    ),
    "3_null_critical_fields": sqlglot.parse_one(
        """
        SELECT user_id, "rank", card_name, net_savings
        FROM card_recommendations
        WHERE net_savings IS NULL OR total_savings_yearly IS NULL OR joining_fees IS NULL
        """,
        read="duckdb",
    ),
    "4_ranking_order": sqlglot.parse_one(
        """
        SELECT user_id, "rank", net_savings, next_net_savings
        FROM (
          SELECT user_id, "rank", net_savings,
                 LEAD(net_savings) OVER (PARTITION BY user_id ORDER BY "rank") AS next_net_savings
          FROM card_recommendations
        ) AS ordered
        WHERE "rank" < 10 AND net_savings < next_net_savings
        """,
        read="duckdb",
    ),
}


@dataclass(frozen=True)
class CheckResult:
    name: str
    bad_rows: int
    sample: tuple


def status_source(query: sqlglot.exp.Expression, dialect: str) -> sqlglot.exp.Expression:
    """Spark keeps the statuses apart from the input (docs/spark.md): read the view that joins them."""
    if dialect != "spark":
        return query
    query = query.copy()
    for table in query.find_all(sqlglot.exp.Table):
        if table.name == "user_spending_data":
            table.set("this", sqlglot.exp.to_identifier("user_spending_status"))
    return query


def run_checks(conn, dialect: str) -> list[CheckResult]:
    """Run every PRD 10.2 check; each result says how many rows it found."""
    out = []
    cur = conn.cursor()
    for name, query in CHECKS.items():
        cur.execute(status_source(query, dialect).sql(dialect=dialect))
        rows = cur.fetchall()
        out.append(CheckResult(name, len(rows), tuple(rows[:5])))
    cur.close()
    return out


def status_counts(conn, dialect: str) -> dict[str, int]:
    cur = conn.cursor()
    cur.execute(status_source(STATUS_COUNTS, dialect).sql(dialect=dialect))
    completed, new, failed = cur.fetchone()
    cur.close()
    return {"completed": int(completed), "new": int(new), "failed": int(failed)}
