"""Spark as a DB-API connection, for the commands that read and load the job's tables.

dbt-spark's `session` method runs in the dbt process on the SparkSession that
`SparkSession.builder.getOrCreate()` returns; so does this module, so that
cgcompile and dbt see one catalog.  Only what db.py, checks.py and verify.py
use is here: execute, fetchall, fetchone, description, commit, close.
Spark has no transactions: commit is a no-op, and a statement is its own unit.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import sqlglot
from sqlglot import exp

from .errors import IdsTaken
from .testing.spark_session import local_session

# The input on Spark: the PRD's spend columns, without its status columns
# (they live in user_processing_state; dbt_project/macros/spark.sql).
SOURCE_DDL = sqlglot.parse_one(
    """
    CREATE TABLE IF NOT EXISTS user_spending_data (
        user_id STRING,
        avg_amazon_gmv DECIMAL(12, 2),
        avg_flipkart_gmv DECIMAL(12, 2),
        avg_myntra_gmv DECIMAL(12, 2),
        avg_ajio_gmv DECIMAL(12, 2),
        avg_grocery_gmv DECIMAL(12, 2),
        avg_confirmed_gmv DECIMAL(12, 2),
        created_at TIMESTAMP,
        updated_at TIMESTAMP
    ) USING PARQUET
    """,
    read="spark",
)
# Where the status columns are read on Spark: the input joined to user_processing_state.
STATUS_VIEW = "user_spending_status"


def session(target=None):
    """The running SparkSession, or a local one under the target's warehouse folder."""
    from pyspark.sql import SparkSession

    if SparkSession.getActiveSession() is not None:
        # The session dbt-spark's session method builds on, not whichever newSession() is
        # active on this thread: that one's temp views would shadow the job's tables.
        return SparkSession.builder.getOrCreate()
    root = Path(target.path) if target is not None and target.path else Path("spark-warehouse").resolve().parent
    return local_session(root)  # cores: CGCOMPILE_SPARK_CORES, else 1


class Cursor:
    def __init__(self, spark):
        self.spark = spark
        self._rows: list[tuple] | None = None
        self.description = None

    def execute(self, sql: str, params=None):
        if params:
            raise NotImplementedError("Spark statements take no parameters here; build them with sqlglot")
        df = self.spark.sql(sql)
        self.description = [(f.name, f.dataType.simpleString(), None, None, None, None, f.nullable) for f in df.schema.fields] or None
        self._rows = [tuple(r) for r in df.collect()] if self.description else []

    def fetchall(self):
        rows, self._rows = self._rows or [], []
        return rows

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def close(self):
        self._rows = None


class Connection:
    def __init__(self, spark):
        self.spark = spark

    def cursor(self) -> Cursor:
        return Cursor(self.spark)

    def commit(self):
        pass

    def close(self):
        pass


def connect(target) -> Connection:
    conn = Connection(session(target))
    if target.schema:
        conn.spark.sql(exp.Create(this=exp.to_identifier(target.schema), kind="SCHEMA", exists=True).sql(dialect="spark"))
        conn.spark.catalog.setCurrentDatabase(target.schema)
    return conn


def create_source_table(target) -> None:
    statement = SOURCE_DDL.copy()
    if target.schema:
        statement.this.this.set("db", exp.to_identifier(target.schema))
    conn = connect(target)
    conn.cursor().execute(statement.sql(dialect="spark"))


def load_users(target, rows, columns: tuple[str, ...], loaded_at_days_ago: int = 0) -> int:
    """Append rows (text values, None is NULL; columns in datagen.COLUMNS order) to the input,
    stamped created_at = updated_at = now (or that many days back, as the data team's load
    the night before a run); none if an id is already there (db.IdsTaken)."""
    from pyspark.sql import functions as F

    spark = connect(target).spark
    data = [(r[0], *(None if v is None else Decimal(v) for v in r[1:])) for r in rows]
    schema = ", ".join(["user_id STRING", *(c + " DECIMAL(12,2)" for c in columns[1:])])
    df = spark.createDataFrame(data, schema)
    table = exp.table_("user_spending_data", db=target.schema or None).sql(dialect="spark")
    existing = spark.table(table)
    taken = df.join(existing.select("user_id"), "user_id", "left_semi")
    found = taken.agg(F.count("*"), F.min("user_id")).collect()[0]
    if found[0]:

        raise IdsTaken(found[0], found[1], len(data))
    now = F.current_timestamp() if not loaded_at_days_ago else F.timestamp_seconds(F.unix_timestamp() - int(loaded_at_days_ago) * 86400)
    df.withColumn("created_at", now).withColumn("updated_at", now).select(*existing.columns).write.insertInto(table)
    return len(data)
