"""The Spark rendering of the compiled models agrees with the reference evaluator to
the paisa, on a local Spark session (Spark's decimal rules differ from DuckDB's and
MariaDB's: ANSI off gives NULL on overflow, and past 38 digits fraction digits go)."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from support import sparkrun
from support.builders import card, catalog
from support.catalog import CATALOG, RULES_DIR, compiled, expected, sample_users
from support.fakedbt import SAVINGS_COLUMNS, generated_macros, models_of, render, savings_query, want_figures, with_ephemerals_of

from cgcompile.boundary import boundary_users
from cgcompile.compiler import compile_catalog, settings_for
from cgcompile.evaluate import InvalidSpend, evaluate, user_spend
from cgcompile.model import CATEGORIES
from cgcompile.resolve import resolve_catalog

MODELS = sorted(p for p in compiled() if p.endswith(".sql") and p.startswith(("models/", "macros/generated/cards/")) and "/lanes/" not in p)


@pytest.mark.parametrize("path", MODELS)
def test_rendering_parses_as_spark(path):
    text = compiled()[path]
    text = text + "{{ " + Path(path).stem + "() }}" if path.startswith("macros/") else generated_macros(compiled()) + text
    sql = render(text, "spark")
    sqlglot.parse_one(sql, read="spark")
    # the other engines' spellings stay in their branches (the header's comments name them)
    code = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    assert "HUGEINT" not in code and "18446744073709551615" not in code and "DECIMAL(65" not in code


def _savings(spark, files, users) -> dict:
    sparkrun.load(spark, files, users)
    rows = sparkrun.fetch(spark, savings_query(files, "spark"))
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows}
    assert len(got) == len(rows)  # one row per (user, valid card)
    return got


def _boundary(cat) -> list[tuple[str, dict]]:
    """cgcompile/boundary.py's users (every threshold, ±1 paisa) in sample_users' shape;
    those the job fails before any card is computed (negative spend, ...) left out."""
    out = []
    for uid, *values in boundary_users(cat):
        try:
            spend = user_spend(*values)
        except InvalidSpend:
            continue
        out.append((uid, {c: spend.of(c) for c in CATEGORIES}))
    return out


def test_boundary_users_match_the_evaluator_on_spark(spark_scratch):
    users = _boundary(CATALOG)
    assert len(users) > 100
    got = _savings(spark_scratch, compiled(), users)
    want = expected(users)
    mismatches = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    assert mismatches[:5] == []


@pytest.mark.parametrize("horizon, assume", [
    ("first_year", {"amazon_prime": True}),
    ("first_year", {"amazon_prime": False, "travel_redemption": True}),
    ("ongoing", {"amazon_prime": True}),
])
def test_savings_match_the_evaluator_on_spark(spark_scratch, horizon, assume):
    users = sample_users(300)
    files = compiled(horizon=horizon, **assume)
    got = _savings(spark_scratch, files, users)
    want = expected(users, horizon, **assume)
    assert len(got) == len(want)
    mismatches = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
    assert mismatches[:5] == []


def test_output_types_on_spark(spark_scratch):
    files = compiled()
    sparkrun.load(spark_scratch, files, sample_users(3))
    fields = spark_scratch.sql(with_ephemerals_of("int_card_savings", models_of(files, "spark"))).schema.fields
    types = {f.name: f.dataType.simpleString() for f in fields}
    assert list(types) == list(SAVINGS_COLUMNS)
    assert (types["user_no"], types["card_no"], types["rank_key"]) == ("bigint", "smallint", "bigint")
    assert (types["redemption_no"], types["redemption_rate"]) == ("smallint", "decimal(5,4)")
    for name in SAVINGS_COLUMNS[2:-1]:
        if not name.startswith("redemption_"):
            assert types[name] == "decimal(12,2)", name


def test_no_valid_card_on_spark(spark_scratch):
    empty = catalog()
    files = compile_catalog(empty, settings_for(empty, RULES_DIR, None, {}))
    assert _savings(spark_scratch, files, sample_users(3)) == {}


def test_huge_spend_stays_exact_on_spark(spark_scratch):
    """Spend at DECIMAL(12,2)'s top through a 10-place rate and a blended ladder: no NULL from an overflow."""
    c = card("wide", rules=[{"kind": "flat", "categories": ["amazon"], "rate": {"points": 4, "per": 150}}], reward="points",
             redemption_options=[{"method": "A", "rupees_per_point": "0.3333", "max_share": 50}, {"method": "B", "rupees_per_point": "0.25"}])
    cat = catalog(c)
    files = compile_catalog(cat, settings_for(cat, RULES_DIR, None, {}))
    people = [(uid, user_spend(amazon=a, confirmed=a)) for uid, a in (("top", "1000000000.00"), ("paisa", "0.01"), ("mid", "33333.33"))]
    got = _savings(spark_scratch, files, [(uid, {k: s.of(k) for k in CATEGORIES}) for uid, s in people])
    (rc,) = resolve_catalog(cat)
    for uid, spend in people:
        assert got[(uid, "wide")] == want_figures(evaluate(rc, spend)), uid
