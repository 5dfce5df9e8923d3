"""The MySQL/MariaDB rendering: it parses, and on a real MariaDB 10.11 it agrees
with the reference evaluator to the paisa."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlglot
from test_compiler_catalog import compiled, sample_users
from test_compiler_duckdb import PARAM_COLUMNS, SAVINGS_COLUMNS, USERS_TABLE, expected, render, savings_query

from cgcompile.model import CATEGORIES

MODELS = sorted(p for p in compiled() if p.endswith(".sql") and p.startswith("models/"))


@pytest.mark.parametrize("target", ["mysql", "mariadb"])
@pytest.mark.parametrize("path", MODELS)
def test_rendering_parses_as_mysql(path, target):
    sql = render(compiled()[path], target)
    tree = sqlglot.parse_one(sql, read="mysql")
    ctes = {cte.alias: cte.this for cte in tree.find_all(sqlglot.exp.CTE)}
    final = ctes["final"]
    if "params" in path:
        assert final.named_selects == list(PARAM_COLUMNS)
    elif "/cards/" in path:
        # final is the columns (*) of the CTE it reads (figures, or valued when points
        # go to several redemption options) plus net_savings and rank_key
        assert final.selects[0].is_star
        source = final.find(sqlglot.exp.From).this.name
        assert ctes[source].named_selects + final.named_selects[1:] == list(SAVINGS_COLUMNS)
    assert "//" not in sql and "TEXT(" not in sql  # duckdb spellings stay in the duckdb branch


def _load_users(cur, users):
    cur.execute(
        "CREATE TABLE " + USERS_TABLE + " (user_id VARCHAR(50) PRIMARY KEY, user_no BIGINT NOT NULL UNIQUE, "
        + ", ".join(c + " DECIMAL(12,2) NOT NULL" for c in CATEGORIES) + ")"
    )
    cur.executemany(
        "INSERT INTO " + USERS_TABLE + " VALUES (" + ", ".join(["%s"] * (2 + len(CATEGORIES))) + ")",
        [[uid, no, *(row[c] for c in CATEGORIES)] for no, (uid, row) in enumerate(users, start=1)],
    )


@pytest.mark.parametrize("prime", [True, False])
def test_savings_match_the_evaluator_on_mariadb(mariadb_schema, prime):
    users = sample_users(200)
    files = compiled(amazon_prime=prime)
    conn = mariadb_schema.connect()
    try:
        cur = conn.cursor()
        _load_users(cur, users)
        cur.execute(savings_query(files, "mariadb"))
        rows = cur.fetchall()
    finally:
        conn.close()
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    want = expected(users, amazon_prime=prime)
    assert len(rows) == len(want)
    mismatches = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    assert mismatches[:5] == []


def test_params_table_types_on_mariadb(mariadb_schema):
    conn = mariadb_schema.connect()
    try:
        cur = conn.cursor()
        cur.execute("CREATE TABLE int_card_params AS " + render(compiled()["models/generated/int_card_params.sql"], "mariadb"))
        cur.execute(
            "SELECT column_name, column_type FROM information_schema.columns"
            " WHERE table_schema = DATABASE() AND table_name = 'int_card_params' ORDER BY ordinal_position"
        )
        types = [(str(n).lower(), str(t).lower()) for n, t in cur.fetchall()]
        cur.execute("SELECT bank, redemption_rate FROM int_card_params WHERE card_id = 'tiered_points'")
        row = cur.fetchone()
    finally:
        conn.close()
    # card_no, redemption_no: CAST(n AS SIGNED); MariaDB sizes the column by the literals (int(2))
    for (name, kind), want in zip(types, ("card_no", "redemption_no")):
        assert name == want and kind.split("(")[0] in ("int", "bigint")
    assert types[2:] == [
        ("card_id", "varchar(100)"),
        ("card_name", "varchar(200)"),
        ("bank", "varchar(100)"),
        ("joining_fees", "decimal(12,2)"),
        ("annual_fee", "decimal(12,2)"),
        ("redemption_method", "varchar(50)"),
        ("redemption_rate", "decimal(5,4)"),
        ("reward", "varchar(10)"),
    ]
    assert row == ("Bank of O'Brien \\ Sons", Decimal("0.5000"))
