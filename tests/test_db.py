"""db.load_users on DuckDB and MariaDB: all or nothing across batches, taken ids counted
up front, driver errors as DatabaseError; db.present_ids compares as the key does."""
from __future__ import annotations

import pytest
from sqlglot import exp

from cgcompile import db
from cgcompile.datagen import COLUMNS
from cgcompile.harness import duckdb_target
from cgcompile.source_table import create_source_table
from support.jobkit import mariadb_target


def users(*ids: str) -> list[tuple]:
    return [(i, "100.00", None, "0.00", "1.50", "20.00", "5000.00") for i in ids]


@pytest.fixture(params=["duckdb", "mariadb"])
def target(request, tmp_path) -> db.Target:
    if request.param == "duckdb":
        t = duckdb_target(tmp_path / "users.duckdb")
    else:
        t = mariadb_target(request.getfixturevalue("mariadb_schema"))
    create_source_table(t, tmp_path)
    return t


def load(target, rows, **kwargs) -> int:
    return db.load_users(target, rows, COLUMNS, **kwargs)


def stored(target) -> list[tuple]:
    query = exp.select("user_id", "avg_flipkart_gmv", "avg_ajio_gmv").from_(db.SOURCE_TABLE).order_by("user_id")
    conn = db.connect(target)
    try:
        cur = conn.cursor()
        cur.execute(query.sql(dialect=target.dialect))
        return [(r[0], r[1], str(r[2])) for r in cur.fetchall()]
    finally:
        conn.close()


def test_rows_arrive_in_batches_and_keep_their_values(target):
    batches = []
    assert load(target, users("A1", "A2", "A3", "A4", "A5"), batch_size=2, on_batch=batches.append) == 5
    assert batches == [2, 2, 1]
    assert stored(target) == [(i, None, "1.50") for i in ("A1", "A2", "A3", "A4", "A5")]


def test_an_id_taken_in_the_last_batch_loads_no_batch(target):
    load(target, users("B9"))
    # Batches of 2: B1 B2 | B3 B4 | B9 — the first two would have been committed one by one.
    with pytest.raises(db.IdsTaken) as caught:
        load(target, users("B1", "B2", "B3", "B4", "B9"), batch_size=2)
    assert (caught.value.taken, caught.value.example, caught.value.rows) == (1, "B9", 5)
    assert caught.value.exit_code == 1
    assert [r[0] for r in stored(target)] == ["B9"]


def test_a_duplicate_inside_the_load_is_a_database_error_and_loads_nothing(target):
    with pytest.raises(db.DatabaseError, match=r"^loading users into target '\w+' \(.*\) failed: .*C1"):
        load(target, users("C1", "C2", "C1"), batch_size=2)
    assert stored(target) == []


def test_present_ids_names_the_ids_asked_for(target):
    load(target, users("D1", "D2"))
    assert db.present_ids(target, ("D2", "D3", "D1")) == {"D1", "D2"}
    assert db.present_ids(target, ()) == set()
    if target.type == "mariadb":
        # The key compares as utf8mb4_general_ci: d1 is taken by D1.
        assert db.present_ids(target, ("d1",)) == {"d1"}


def test_a_refused_connection_is_a_database_error(tmp_path):
    target = duckdb_target(tmp_path / "no_such_folder" / "users.duckdb")
    with pytest.raises(db.DatabaseError, match="^connecting to target 'duckdb' .* failed: IO Error"):
        load(target, users("E1"))
