"""fakedbt's tables and queries on a local Spark session (tests/conftest.py `spark`).

The users and the generated seed become temporary views with the same column
types the DuckDB and MariaDB loaders create, so the rendered models read them
exactly as they read cg_batch_users() and the seed under dbt.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from cgcompile.model import CATEGORIES

from .fakedbt import PARAMS, USERS_TABLE

PARAM_SCHEMA = (
    "card_no SMALLINT, redemption_no SMALLINT, card_id STRING, card_name STRING, bank STRING,"
    " joining_fees DECIMAL(12,2), annual_fee DECIMAL(12,2), redemption_method STRING,"
    " redemption_rate DECIMAL(5,4), reward STRING"
)
USER_SCHEMA = "user_id STRING, user_no BIGINT, " + ", ".join(c + " DECIMAL(12,2)" for c in CATEGORIES)


def load(spark, files: dict[str, str], users) -> None:
    """users: (user_id, {category: spend}); the seed from the compiled files."""
    rows = [(uid, no, *(Decimal(str(row[c])) for c in CATEGORIES)) for no, (uid, row) in enumerate(users, start=1)]
    spark.createDataFrame(rows, USER_SCHEMA).createOrReplaceTempView(USERS_TABLE)
    params = []
    for r in list(csv.reader(io.StringIO(files[PARAMS])))[1:]:
        params.append((int(r[0]), int(r[1]), r[2], r[3], r[4], Decimal(r[5]), Decimal(r[6]), r[7], Decimal(r[8]), r[9]))
    spark.createDataFrame(params, PARAM_SCHEMA).createOrReplaceTempView("int_card_params")


def fetch(spark, sql: str) -> list[tuple]:
    return [tuple(r) for r in spark.sql(sql).collect()]
