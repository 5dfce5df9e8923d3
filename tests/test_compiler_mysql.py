"""The MySQL/MariaDB rendering: it parses, and on a real MariaDB 10.11 it agrees
with the reference evaluator to the paisa."""
from __future__ import annotations

import pytest
import sqlglot
from support.catalog import compiled, sample_users
from support.catalog import expected
from support.fakedbt import SAVINGS_COLUMNS, generated_macros, load, render, savings_query

MODELS = sorted(p for p in compiled() if p.endswith(".sql") and p.startswith(("models/", "macros/generated/cards/")) and "/lanes/" not in p)


@pytest.mark.parametrize("target", ["mysql", "mariadb"])
@pytest.mark.parametrize("path", MODELS)
def test_rendering_parses_as_mysql(path, target):
    text = compiled()[path]
    # A card's macro as the union calls it; the union with the macros it calls.
    text = text + "{{ " + path.split("/")[-1][:-4] + "() }}" if path.startswith("macros/") else generated_macros(compiled()) + text
    sql = render(text, target)
    tree = sqlglot.parse_one(sql, read="mysql")
    ctes = {cte.alias: cte.this for cte in tree.find_all(sqlglot.exp.CTE)}
    final = ctes["final"]
    if "/cards/" in path:
        # final is the columns (*) of the CTE it reads (figures, or valued when points
        # go to several redemption options) plus net_savings and rank_key
        assert final.selects[0].is_star
        source = final.find(sqlglot.exp.From).this.name
        assert ctes[source].named_selects + final.named_selects[1:] == list(SAVINGS_COLUMNS)
    assert "//" not in sql and "TEXT(" not in sql  # duckdb spellings stay in the duckdb branch


@pytest.mark.parametrize("prime", [True, False])
def test_savings_match_the_evaluator_on_mariadb(mariadb_schema, prime):
    users = sample_users(200)
    files = compiled(amazon_prime=prime)
    conn = mariadb_schema.connect()
    try:
        cur = conn.cursor()
        load(cur, files, users, mark="%s")
        cur.execute(savings_query(files, "mariadb"))
        rows = cur.fetchall()
    finally:
        conn.close()
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    want = expected(users, amazon_prime=prime)
    assert len(rows) == len(want)
    mismatches = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    assert mismatches[:5] == []
