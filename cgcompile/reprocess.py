"""`cgcompile reprocess --failed`: the PRD's "reprocess failed users" (7.2).

Failed users go back to 'new' with no error, so that the next `dbt build`
selects them; a failed user is otherwise taken again only when its data
changes (docs/batch-engine.md).  updated_at keeps its value: it means "the
data team changed the row", and MySQL's ON UPDATE would move it.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlglot
from sqlglot import exp

from . import db

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RESET = sqlglot.parse_one(
    """
    UPDATE user_spending_data
    SET processing_status = 'new', processing_error = NULL, updated_at = updated_at
    WHERE processing_status = 'failed'
    """,
    read="duckdb",
)


def parse_age(text: str) -> dt.timedelta:
    """'1h', '30m', '2d', '90s' or '0'."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text or "")
    if not m or (not m.group(2) and m.group(1) != "0"):
        raise ValueError(f"expected a duration such as 1h, 30m, 2d or 0, got {text!r}")
    return dt.timedelta(seconds=int(m.group(1)) * UNITS.get(m.group(2) or "s", 1))


def statement(target: db.Target, older_than: dt.timedelta, source_schema: str | None = None) -> str:
    update = db.in_schema(RESET, source_schema)
    if older_than:
        cutoff = exp.Sub(
            this=exp.cast(exp.CurrentTimestamp(), "TIMESTAMP"),
            expression=exp.Interval(this=exp.Literal.string(str(int(older_than.total_seconds()))), unit=exp.var("SECOND")),
        )
        update = update.where(exp.LT(this=exp.column("last_processed_at"), expression=cutoff))
    return update.sql(dialect=target.dialect)


def reset_failed(target: db.Target, older_than: dt.timedelta, project_dir: Path = db.PROJECT_DIR,
                 source_schema: str | None = None) -> int:
    """How many failed users were set back to 'new'."""
    sql = statement(target, older_than, source_schema)
    conn = db.connect(target, project_dir)
    try:
        with db.database_errors(target, "resetting failed users on", project_dir):
            cur = conn.cursor()
            cur.execute(sql)
            count = cur.fetchone()[0] if target.type == "duckdb" else cur.rowcount
            conn.commit()
        return int(count)
    finally:
        conn.close()
