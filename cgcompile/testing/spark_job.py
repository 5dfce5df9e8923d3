"""The Spark job in a process of its own, for the tests that kill it mid-run.

    python -m cgcompile.testing.spark_job ROOT PROJECT load SCHEMA COUNT SEED
    python -m cgcompile.testing.spark_job ROOT PROJECT weekly SCHEMA STEP
    python -m cgcompile.testing.spark_job ROOT PROJECT build [dbt args...]
    python -m cgcompile.testing.spark_job ROOT PROJECT query SQL

A local Spark (1 core) keeps its warehouse and Derby metastore under ROOT, so
successive processes see the same tables; `build` runs `dbt build` in-process
on it (dbt-spark's session method), `query` prints the rows of one statement
as JSON lines; `load` fills the input with generated users, `weekly` gives every
STEP-th of them ₹500 more Amazon spend and a newer updated_at (bench/run.py).
Derby admits one process at a time: run them one after another.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import db
from ..datagen import COLUMNS, generate_users
from ..spark import create_source_table, load_users
from .spark_session import local_session


def main(argv: list[str]) -> int:
    root, project, command, *rest = argv
    spark = local_session(Path(root), cores=1)
    if command == "build":
        result = db.run_dbt(["build", *rest], Path(project))
        return 0 if result.success else 1
    if command == "load":
        schema, count, seed = rest
        target = db.Target(name="spark", type="spark", schema=schema, path=root)
        create_source_table(target)
        load_users(target, generate_users(int(count), seed=int(seed)), COLUMNS, loaded_at_days_ago=1)
        return 0
    if command == "weekly":
        schema, step = rest
        print(weekly_update(spark, schema, int(step)))
        return 0
    if command == "query":
        for row in spark.sql(rest[0]).collect():
            print(json.dumps([None if v is None else str(v) for v in row]))
        return 0
    raise SystemExit(f"unknown command {command!r}: build or query")


def weekly_update(spark, schema: str, step: int) -> int:
    """What the data team's weekly load does to the input, on Spark: the table rewritten
    (no UPDATE), the changed rows with updated_at = now.  Returns how many changed."""
    from pyspark.sql import functions as F

    table = schema + ".user_spending_data"
    df = spark.table(table)
    number = F.substring(F.col("user_id"), 4, 20).cast("bigint")
    hit = F.col("user_id").startswith("GEN") & (number % F.lit(step) == F.lit(step - 1))
    changed = df.withColumn("avg_amazon_gmv", F.when(hit, F.col("avg_amazon_gmv") + F.lit(500)).otherwise(F.col("avg_amazon_gmv")))
    changed = changed.withColumn("updated_at", F.when(hit, F.current_timestamp()).otherwise(F.col("updated_at")))
    # Cut from the table's files before overwriting them.
    changed = changed.select(*df.columns).localCheckpoint(eager=True)
    changed.write.insertInto(table, overwrite=True)
    return changed.filter(hit).count()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
