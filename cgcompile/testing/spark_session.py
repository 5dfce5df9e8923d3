"""A local Spark for the tests and `cgcompile verify --target spark`.

dbt-spark's `session` method runs every statement through
`SparkSession.builder.getOrCreate()` in the dbt process, so a session started
here first is the one dbt uses: its warehouse and Derby metastore then live in
a folder of our choosing, never in the caller's working directory.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path


class SparkUnavailable(Exception):
    """Java or pyspark is missing: the message says which and how to get it."""


def check_available() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        raise SparkUnavailable("no java on PATH or in JAVA_HOME (Debian: apt-get install openjdk-17-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError as e:
        raise SparkUnavailable(f"pyspark is not installed ({e}); pip install 'dbt-spark[session]' pyspark") from e


def session_settings(root: Path, cores: int | None = None) -> dict[str, str]:
    """Spark settings for a local run whose tables live under `root`.

    Cores: `cores`, else CGCOMPILE_SPARK_CORES, else 1 (the machine is shared);
    driver memory CGCOMPILE_SPARK_MEMORY (2g): in local mode the driver is the executor.
    Few shuffle partitions: the tests' data is small and every partition is a task
    (the bench raises it with CGCOMPILE_SPARK_SHUFFLE_PARTITIONS).
    The Derby metastore is a folder under `root` too (Spark's default is ./metastore_db)."""
    root = Path(root).resolve()
    cores = cores or int(os.environ.get("CGCOMPILE_SPARK_CORES", "1"))
    return {
        "spark.master": f"local[{cores}]",
        "spark.driver.memory": os.environ.get("CGCOMPILE_SPARK_MEMORY", "2g"),
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root}",
        "spark.sql.shuffle.partitions": os.environ.get("CGCOMPILE_SPARK_SHUFFLE_PARTITIONS", str(max(2, cores))),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
    }


def local_session(root: Path, cores: int | None = None):
    """A SparkSession with Hive support (dbt-spark asks for it) and its data under `root`."""
    check_available()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("cgcompile").enableHiveSupport()
    for key, value in session_settings(root, cores).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
