"""The real card_rules/ compiled: agrees with the evaluator on DuckDB, and the
committed generated files are what the rules compile to."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from support.builders import spend
from support.catalog import sample_users
from support.fakedbt import load, savings_query, want_figures

from cgcompile.compiler import compile_catalog, differences, project_lanes, settings_for
from cgcompile.evaluate import evaluate
from cgcompile.loader import load_catalog
from cgcompile.resolve import resolve_catalog

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "card_rules"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(RULES)


def real_rows(catalog, prime: bool, engine: str, mariadb_schema=None):
    # Outputs are DECIMAL(12,2): a spend of ₹1,000 crore a month would overflow
    # them on any engine, so the real cards get users below ₹10 crore per category.
    users = [u for u in sample_users(150, seed=7) if max(u[1].values()) < 10**8]
    files = compile_catalog(catalog, settings_for(catalog, RULES, None, {"amazon_prime": prime}))
    if engine == "duckdb":
        con = duckdb.connect()
        load(con, files, users)
        return users, con.execute(savings_query(files, "duckdb")).fetchall()
    conn = mariadb_schema.connect()
    try:
        cur = conn.cursor()
        load(cur, files, users, mark="%s")
        cur.execute(savings_query(files, "mariadb"))  # 100+ cards: no WITH of more than 64 elements
        return users, cur.fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("mariadb", marks=pytest.mark.mariadb)])
@pytest.mark.parametrize("prime", [True, False])
def test_real_rules_match_the_evaluator(catalog, prime, engine, request):
    schema = request.getfixturevalue("mariadb_schema") if engine == "mariadb" else None
    users, rows = real_rows(catalog, prime, engine, schema)
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    want = {}
    for rc in resolve_catalog(catalog, None, {**catalog.defaults(), "amazon_prime": prime}):
        for uid, row in users:
            want[(uid, rc.id)] = want_figures(evaluate(rc, spend(**row)))
    assert len(rows) == len(want)
    mismatches = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    assert mismatches[:5] == []


def test_committed_generated_files_are_up_to_date(catalog):
    files = compile_catalog(catalog, settings_for(catalog, RULES, None, {}, None, project_lanes(ROOT / "dbt_project")))
    assert differences(ROOT / "dbt_project", files) == []
