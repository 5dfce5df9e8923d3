"""`cgcompile generate-users` through the real entry point, on DuckDB and MariaDB: a count
that makes sense, more users under another prefix, a taken prefix loads nothing, and
database errors are one line, not a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlglot import exp

from cgcompile import db
from cgcompile.cli import main
from cgcompile.datagen import PRD_SAMPLE_USERS

SAMPLES = sorted(u[0] for u in PRD_SAMPLE_USERS)
PROJECT = Path("dbt_project")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write_profile(root: Path, output: dict) -> db.Target:
    (root / PROJECT).mkdir(exist_ok=True)
    doc = {db.PROFILE: {"target": "t", "outputs": {"t": output}}}
    (root / PROJECT / "profiles.yml").write_text(yaml.safe_dump(doc))
    return db.read_target(root / PROJECT)


@pytest.fixture(params=["duckdb", "mariadb"])
def target(request, tmp_path, monkeypatch) -> db.Target:
    """A dbt project folder in tmp_path (the working directory) whose default target is the engine's."""
    if request.param == "duckdb":
        output = {"type": "duckdb", "path": "users.duckdb"}
    else:
        p = request.getfixturevalue("mariadb_schema")
        output = {"type": "mariadb", "server": p.host, "port": p.port, "schema": p.database, "username": p.user, "password": p.password}
    monkeypatch.chdir(tmp_path)
    return write_profile(tmp_path, output)


def user_ids(target: db.Target) -> list[str]:
    query = exp.select(exp.column("user_id")).from_(exp.to_table(db.SOURCE_TABLE)).order_by("user_id")
    conn = db.connect(target, PROJECT)
    try:
        cur = conn.cursor()
        cur.execute(query.sql(dialect=target.dialect))
        return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def test_a_negative_count_is_a_usage_error(capsys):
    code, out, err = run(capsys, "generate-users", "--count", "-1")
    assert (code, out) == (2, "")
    assert "Invalid value for '--count': -1 is not in the range x>=0." in err


def test_count_0_only_creates_the_table(target, capsys):
    code, out, err = run(capsys, "generate-users", "--count", "0")
    assert (code, err) == (0, "")
    assert out.endswith("loaded 0 users\n")
    assert user_ids(target) == []


def test_another_prefix_adds_users_beside_the_first_ones(target, capsys):
    assert run(capsys, "generate-users", "--count", "10")[0] == 0
    first = user_ids(target)
    assert first == sorted(SAMPLES + [f"GEN{n:02d}" for n in range(3, 10)])
    # The PRD's samples are there already: the 10 users are all NEW ones.
    code, out, err = run(capsys, "generate-users", "--count", "10", "--prefix", "NEW")
    assert (code, err) == (0, "")
    assert out.endswith("loaded 10 users\n")
    assert user_ids(target) == sorted(first + [f"NEW{n:02d}" for n in range(10)])


def test_a_taken_prefix_loads_nothing_and_says_so_in_one_line(target, capsys):
    assert run(capsys, "generate-users", "--count", "10")[0] == 0
    before = user_ids(target)
    # GEN00..GEN02 are free, GEN03..GEN09 taken: none of the ten may be loaded.
    code, _, err = run(capsys, "generate-users", "--count", "10")
    assert code == 1
    assert err == (
        "error: prefix 'GEN' is taken: 7 of the 10 user ids to load are already in user_spending_data "
        "(e.g. GEN03); nothing was loaded; choose another --prefix\n"
    )
    assert user_ids(target) == before


def test_a_database_error_is_one_line_and_exit_2(target, capsys, tmp_path):
    if target.type == "duckdb":
        broken = {"type": "duckdb", "path": "no_such_folder/users.duckdb"}
    else:
        broken = {"type": "mariadb", "server": target.host, "port": target.port, "schema": target.schema,
                  "username": target.user, "password": target.password + "-wrong"}
    write_profile(tmp_path, broken)
    code, out, err = run(capsys, "generate-users", "--count", "5")
    assert (code, out) == (2, "")
    assert err.startswith("error: connecting to target 't' (") and err.count("\n") == 1
    assert ("Cannot open file" if target.type == "duckdb" else "Access denied") in err
