"""The PRD's input table (3.1), created for tests, demos and benchmarks.

In production the data team owns user_spending_data.  The spend columns take
NULL and negative values here (the PRD: NOT NULL, CHECK >= 0) so that tests
can load the rows the job must handle; everything else is the PRD's DDL.
"""
from __future__ import annotations

from pathlib import Path

import sqlglot
from sqlglot import exp

from . import db

MYSQL = sqlglot.parse_one(
    """
    CREATE TABLE IF NOT EXISTS user_spending_data (
        user_id VARCHAR(50) PRIMARY KEY,
        avg_amazon_gmv DECIMAL(12, 2) NULL DEFAULT 0,
        avg_flipkart_gmv DECIMAL(12, 2) NULL DEFAULT 0,
        avg_myntra_gmv DECIMAL(12, 2) NULL DEFAULT 0,
        avg_ajio_gmv DECIMAL(12, 2) NULL DEFAULT 0,
        avg_grocery_gmv DECIMAL(12, 2) NULL DEFAULT 0,
        avg_confirmed_gmv DECIMAL(12, 2) NULL DEFAULT 0,
        processing_status ENUM('new', 'pending', 'completed', 'failed') DEFAULT 'new',
        last_processed_at TIMESTAMP NULL,
        processing_error TEXT NULL,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        INDEX idx_processing_status (processing_status),
        INDEX idx_last_processed (last_processed_at)
    ) ENGINE=InnoDB
    """,
    read="mysql",
)

# DuckDB has no ENUM-by-value nor ON UPDATE: a CHECK keeps the statuses.
DUCKDB = sqlglot.parse_one(
    """
    CREATE TABLE IF NOT EXISTS user_spending_data (
        user_id VARCHAR(50) PRIMARY KEY,
        avg_amazon_gmv DECIMAL(12, 2) DEFAULT 0,
        avg_flipkart_gmv DECIMAL(12, 2) DEFAULT 0,
        avg_myntra_gmv DECIMAL(12, 2) DEFAULT 0,
        avg_ajio_gmv DECIMAL(12, 2) DEFAULT 0,
        avg_grocery_gmv DECIMAL(12, 2) DEFAULT 0,
        avg_confirmed_gmv DECIMAL(12, 2) DEFAULT 0,
        processing_status VARCHAR(10) DEFAULT 'new' CHECK (processing_status IN ('new', 'pending', 'completed', 'failed')),
        last_processed_at TIMESTAMP,
        processing_error TEXT,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
    )
    """,
    read="duckdb",
)


def create_source_table(target: db.Target, project_dir: Path = db.PROJECT_DIR) -> None:
    """user_spending_data in the target's schema, if it is not there yet."""
    if target.type == "spark":
        from . import spark

        with db.database_errors(target, f"creating {db.SOURCE_TABLE} in", project_dir):
            return spark.create_source_table(target)
    statement = (DUCKDB if target.type == "duckdb" else MYSQL).copy()
    if target.type != "duckdb" and target.schema:
        statement.this.this.set("db", exp.to_identifier(target.schema, quoted=True))
    conn = db.connect(target, project_dir)
    try:
        with db.database_errors(target, f"creating {db.SOURCE_TABLE} in", project_dir):
            cur = conn.cursor()
            cur.execute(statement.sql(dialect=target.dialect))
            conn.commit()
    finally:
        conn.close()
