"""dbt_project/macros/mysql_incremental.sql on a real MariaDB: JOIN delete, one transaction."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mariadb_server import write_profiles

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "dbt_incremental"
MACRO = ROOT / "dbt_project" / "macros" / "mysql_incremental.sql"
# The helpers the macro calls (cg_key_match).
HELPERS = ROOT / "dbt_project" / "macros" / "relations.sql"


@pytest.fixture
def project(tmp_path, mariadb_schema):
    """The fixture dbt project with our macro and its helpers, in a temp dir, profiled for a fresh schema."""
    project_dir = tmp_path / "project"
    shutil.copytree(FIXTURE, project_dir)
    (project_dir / "macros").mkdir()
    for macro in (MACRO, HELPERS):
        shutil.copy(macro, project_dir / "macros" / macro.name)
    write_profiles(tmp_path / "profiles", mariadb_schema)
    return DbtProject(project_dir, tmp_path / "profiles", mariadb_schema)


class DbtProject:
    def __init__(self, project_dir, profiles_dir, db):
        self.project_dir = project_dir
        self.profiles_dir = profiles_dir
        self.db = db

    def run(self, *args: str) -> tuple[bool, list[tuple[str, str]], str]:
        """`dbt run` in-process: (success, [(model name, SQL sent)] in order, error messages)."""
        from dbt.cli.main import dbtRunner

        sent: list[tuple[str, str]] = []

        def on_event(event):
            if event.info.name == "SQLQuery":
                sent.append((event.data.node_info.node_name, event.data.sql))

        result = dbtRunner(callbacks=[on_event]).invoke(
            [
                "run",
                "--project-dir", str(self.project_dir),
                "--profiles-dir", str(self.profiles_dir),
                "--target", "mariadb",
                *args,
            ]
        )
        messages = ""
        if result.result is not None:
            messages = "\n".join(str(r.message) for r in result.result.results if r.status == "error")
        return result.success, sent, messages

    def execute(self, *statements, rows=()):
        conn = self.db.connect()
        try:
            cur = conn.cursor()
            for sql in statements:
                cur.execute(sql)
            if rows:
                cur.executemany("INSERT INTO incoming (user_id, card_id, points) VALUES (%s, %s, %s)", rows)
            conn.commit()
        finally:
            conn.close()

    def load_incoming(self, rows):
        self.execute("DELETE FROM incoming", rows=rows)

    def table(self, name: str) -> list[tuple]:
        conn = self.db.connect()
        try:
            cur = conn.cursor()
            # `name` is one of this file's model names, never user input.
            cur.execute("SELECT user_id, card_id, points FROM " + name + " ORDER BY user_id, card_id")
            return [tuple(r) for r in cur.fetchall()]
        finally:
            conn.close()


def _squash(sql: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"/\*.*?\*/", "", sql, flags=re.S)).strip().lower()


FIRST = [(1, "a", 10), (1, "b", 11), (2, "a", 20), (2, "b", 21), (3, "c", 30)]
SECOND = [(2, "c", 22), (2, "d", 23), (2, "e", 24), (4, "a", 40)]


def _first_two_runs(project):
    project.execute("CREATE TABLE incoming (user_id INT, card_id VARCHAR(20), points INT)")
    project.load_incoming(FIRST)
    ok, _, _ = project.run()
    assert ok
    assert project.table("user_cards") == FIRST
    project.load_incoming(SECOND)
    ok, sent, _ = project.run()
    assert ok
    return [(model, _squash(sql)) for model, sql in sent]


def test_rows_of_incoming_users_are_replaced_whole(project):
    _first_two_runs(project)
    # User 2's old cards a, b are gone; users 1 and 3 untouched; user 4 added.
    assert project.table("user_cards") == [
        (1, "a", 10), (1, "b", 11), (2, "c", 22), (2, "d", 23), (2, "e", 24), (3, "c", 30), (4, "a", 40)
    ]


def test_composite_key_replaces_only_matching_pairs(project):
    _first_two_runs(project)
    project.load_incoming([(1, "a", 100), (1, "z", 101)])
    ok, _, _ = project.run("--select", "user_card_points")
    assert ok
    # (1, a) replaced, (1, b) kept because the key is the pair, (1, z) added.
    assert [r for r in project.table("user_card_points") if r[0] == 1] == [
        (1, "a", 100), (1, "b", 11), (1, "z", 101)
    ]


def test_delete_is_a_join_inside_one_transaction(project):
    sent = _first_two_runs(project)
    deletes = [sql for _, sql in sent if sql.startswith("delete")]
    t = "`" + project.db.database + "`.`user_cards`"
    n = "`" + project.db.database + "`.`user_cards__dbt_tmp`"
    pt = "`" + project.db.database + "`.`user_card_points`"
    pn = "`" + project.db.database + "`.`user_card_points__dbt_tmp`"
    assert sorted(deletes) == sorted([
        f"delete {t} from {t} inner join {n} on {t}.`user_id` = {n}.`user_id`",
        f"delete {pt} from {pt} inner join {pn} on {pt}.`user_id` = {pn}.`user_id` and {pt}.`card_id` = {pn}.`card_id`",
    ])

    sent = [sql for model, sql in sent if model == "user_cards"]  # two threads interleave

    def position(prefix, start=0):
        return next(i for i in range(start, len(sent)) if sent[i].startswith(prefix))

    # Per model: START TRANSACTION, then the delete, then the insert, then COMMIT, with no
    # DDL (which would commit implicitly) in between.
    begin = position("start transaction")
    delete = position("delete", begin)
    insert = position("insert into", delete)
    commit = position("commit", insert)
    assert begin < delete < insert < commit
    between = sent[begin + 1 : commit]
    assert not [s for s in between if s.split(" ", 1)[0] in ("create", "alter", "drop", "rename", "truncate")]


def test_failed_insert_leaves_old_rows(project):
    _first_two_runs(project)
    before = project.table("user_cards")
    # The new rows for user 1 break a constraint, so the insert fails after the delete ran.
    project.execute("ALTER TABLE user_cards ADD CONSTRAINT points_not_negative CHECK (points >= 0)")
    project.load_incoming([(1, "x", -5), (3, "y", 33)])
    ok, sent, errors = project.run("--select", "user_cards")
    assert not ok
    assert "points_not_negative" in errors  # it was the insert that failed ...
    assert any(_squash(sql).startswith("delete ") for _, sql in sent)  # ... after the delete
    assert project.table("user_cards") == before


def test_full_refresh_rebuilds_from_incoming_only(project):
    _first_two_runs(project)
    ok, _, _ = project.run("--full-refresh", "--select", "user_cards")
    assert ok
    assert project.table("user_cards") == sorted(SECOND)
