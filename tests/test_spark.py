"""cgcompile/spark.py: the connection cgcompile opens on Spark."""
from __future__ import annotations

from cgcompile import db, spark as cgspark


def test_the_connection_uses_dbts_session_not_the_active_one(spark):
    """A newSession() left active on the thread (a notebook, a test) has its own temp views;
    the PRD checks read the job's tables, as dbt-spark wrote them."""
    other = spark.newSession()
    other.createDataFrame([(1,)], "n INT").createOrReplaceTempView("cg_shadow")
    other.sql("SELECT 1").collect()  # makes `other` the active session
    target = db.Target(name="spark", type="spark", schema="cg_session_test")
    conn = cgspark.connect(target)
    assert conn.spark is spark
    assert "cg_shadow" not in {t.name for t in conn.spark.catalog.listTables()}
