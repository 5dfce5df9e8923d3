"""`cgcompile verify` on both targets: generated plus boundary users, one dbt build, 0 mismatches;
and a deliberately wrong compiler is caught, naming the column."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cgcompile import compiler, db, harness
from cgcompile.boundary import boundary_users
from cgcompile.checks import CheckResult
from cgcompile.cli import main
from cgcompile.harness import Report, Workspace, duckdb_target, scratch_name, verify
from cgcompile.loader import load_catalog
from cgcompile.resolve import resolve_catalog
from cgcompile.run import BuildOutcome
from cgcompile.verify import Expected, Mismatch, compare, expected_rows
from support.jobkit import REPO, RULES_DIR, mariadb_target
from support.mistakes import quarterly_caps_per_year

CATALOG = load_catalog(RULES_DIR)
BOUNDARY = boundary_users(CATALOG)
REJECTED = expected_rows(CATALOG, BOUNDARY).failed  # negative spend, above the input bound
CI_USERS = 2000


def assert_clean(report) -> None:
    assert report.build.success, report.build.failures
    assert [c.name for c in report.checks if c.bad_rows] == []
    assert report.mismatches == (), "\n".join(str(m) for m in report.mismatches[:20])
    assert report.ok
    # Every user but the boundary users with bad data is ranked, 10 cards each.
    assert report.users == CI_USERS + len(BOUNDARY)
    assert report.statuses == {"completed": report.users - len(REJECTED), "failed": len(REJECTED)}
    assert report.rows_compared == 10 * (report.users - len(REJECTED))


def test_duckdb_gives_exactly_the_evaluators_rows():
    assert_clean(verify(CATALOG, RULES_DIR, duckdb_target(REPO / "unused.duckdb"), CI_USERS, seed=4, source_project=REPO / "dbt_project"))


def test_mariadb_gives_exactly_the_evaluators_rows(mariadb):
    target = mariadb_target(mariadb)
    assert_clean(verify(CATALOG, RULES_DIR, target, CI_USERS, seed=5, source_project=REPO / "dbt_project"))
    # The scratch database is gone; the profile's own schema was never touched.
    conn = mariadb.connect()
    try:
        cur = conn.cursor()
        cur.execute("SHOW DATABASES")
        names = {r[0] for r in cur.fetchall()}
        cur.execute("SHOW TABLES")
        assert cur.fetchall() == []
    finally:
        conn.close()
    assert mariadb.database in names and scratch_name(mariadb.database) not in names


def test_a_wrong_compiler_is_caught_and_the_column_named(monkeypatch, capsys):
    quarterly = [
        rc.id for rc in resolve_catalog(CATALOG) for p in rc.pools
        if p.yearly_amount % 4 == 0 and any(
            (rc.earn[i].rule.cap.pool is None and rc.earn[i].rule.cap.period == "quarter") for i in p.members)
    ]
    assert quarterly, "the catalog needs a quarterly cap for this test"
    wrong, calls = quarterly_caps_per_year(compiler.resolve_catalog)
    monkeypatch.setattr(compiler, "resolve_catalog", wrong)
    monkeypatch.chdir(REPO)
    code = main(["verify", "--target", "duckdb", "--users", "300", "--seed", "9"])
    out, err = capsys.readouterr()
    assert calls, "the compiler no longer resolves through compiler.resolve_catalog; patch it elsewhere"
    assert code == 1
    assert "verification failed" in err
    mismatch_lines = [line for line in out.splitlines() if "expected" in line and "database has" in line]
    assert mismatch_lines
    # The capped card's points and savings are named, with both values.
    named = " ".join(mismatch_lines)
    assert any(card in named for card in quarterly)
    assert "_points: expected" in named or "total_savings_yearly: expected" in named
    assert "mismatches: 0" not in out


def test_the_cli_prints_a_summary_and_exits_0(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["verify", "--target", "duckdb", "--users", "50", "--no-boundary"]) == 0
    out = capsys.readouterr().out
    assert "users: 50 (0 boundary users)" in out
    assert "rows compared: 500 (7,500 values)" in out
    assert "mismatches: 0" in out


def test_mismatch_lines_name_user_card_column_and_both_values():
    m = Mismatch("U1", 3, "flipkart_points", Decimal("1333.33"), Decimal("4000.00"), "flipkart_axis")
    assert str(m) == "U1 flipkart_axis flipkart_points: expected 1333.33, database has 4000.00 (rank 3)"
    assert str(Mismatch("U2", None, "processing_status", "completed", None)) == "U2 - processing_status: expected 'completed', database has NULL"
    assert str(Mismatch("U3", 10, "rank", 10, None, "flipkart_axis")) == "U3 flipkart_axis rank: expected 10, database has NULL"


def test_compare_matches_rows_by_card():
    def row(card, net, points="0.00"):
        return (card, card.title(), Decimal(net), Decimal(0), Decimal(0), Decimal(net), Decimal(points), *(Decimal(0),) * 5, "Cashback", Decimal(1))

    want = [row("a", 300, "25.00"), row("b", 200), row("c", 100)]
    got = [(1, *row("a", 300, "25.01")), (2, *row("c", 100)), (3, *row("d", 50))]
    found = [str(m) for m in compare(Expected({"U": want}, {}), {"U": got}, {"U": ("completed", None)})]
    assert found == [
        "U a amazon_points: expected 25.00, database has 25.01 (rank 1)",
        "U b rank: expected 2, database has NULL",
        "U c rank: expected 3, database has 2",
        "U d rank: expected NULL, database has 3",
    ]
    assert compare(Expected({"U": want}, {}), {"U": [(i, *r) for i, r in enumerate(want, 1)]}, {"U": ("completed", None)}) == []


def test_workspace_never_writes_into_the_source_project(tmp_path):
    before = sorted(p.relative_to(REPO) for p in (REPO / "dbt_project").rglob("*") if "target" not in p.parts and "logs" not in p.parts)
    ws = Workspace(tmp_path, duckdb_target(tmp_path / "x.duckdb"), REPO / "dbt_project")
    ws.compile_rules(CATALOG, RULES_DIR)
    assert (ws.project / "profiles.yml").exists() and ws.target.path == str(tmp_path / "x.duckdb")
    after = sorted(p.relative_to(REPO) for p in (REPO / "dbt_project").rglob("*") if "target" not in p.parts and "logs" not in p.parts)
    assert after == before


def test_scratch_name_refuses_overlong_schemas():
    assert scratch_name("cashkaro") == "cashkaro_verify"
    with pytest.raises(db.CgError, match="longer than 64"):
        scratch_name("x" * 60)


def fake_report(mismatches: int = 0, bad_rows: int = 0) -> Report:
    return Report(
        target="duckdb",
        users=12,
        boundary_users=2,
        rows_compared=100,
        values_compared=1500,
        statuses={"completed": 10, "failed": 2},
        checks=(CheckResult("3_null_critical_fields", bad_rows, ()), CheckResult("4_ranking_order", 0, ())),
        build=BuildOutcome(True, 1.23456, 40, ()),
        mismatches=tuple(
            Mismatch(f"U{n}", None if n == 0 else 2, "rank" if n == 0 else "net_savings", 2 if n == 0 else Decimal("10.50"), None, "card_a")
            for n in range(mismatches)
        ),
        seconds={"load": 0.5, "dbt build": 1.23456, "total": 2.0},
        stale=(("stale", "models/generated/schema.yml"),),
    )


def test_report_json_is_exact_and_shows_the_first_mismatches_figures_first():
    doc = fake_report(mismatches=25, bad_rows=1).as_json()
    assert doc["ok"] is False
    assert {k: doc[k] for k in ("target", "horizon", "users", "boundary_users", "statuses", "rows_compared", "values_compared")} == {
        "target": "duckdb", "horizon": "first_year", "users": 12, "boundary_users": 2,
        "statuses": {"completed": 10, "failed": 2}, "rows_compared": 100, "values_compared": 1500,
    }
    assert doc["build"] == {"ok": True, "seconds": 1.235, "passed": 40, "failures": []}
    assert doc["prd_checks"] == [
        {"name": "3_null_critical_fields", "ok": False, "bad_rows": 1},
        {"name": "4_ranking_order", "ok": True, "bad_rows": 0},
    ]
    assert doc["mismatches"]["count"] == 25 and len(doc["mismatches"]["first"]) == 20
    assert doc["mismatches"]["first"][0] == {
        "user_id": "U1", "card_id": "card_a", "rank": 2, "column": "net_savings", "expected": "10.50", "actual": None,
    }
    assert doc["stale_files"] == [{"kind": "stale", "path": "models/generated/schema.yml"}]
    assert doc["seconds"] == {"load": 0.5, "dbt_build": 1.235, "total": 2.0}
    assert json.loads(json.dumps(doc)) == doc


@pytest.mark.parametrize("report, code", [(fake_report(), 0), (fake_report(mismatches=3), 1), (fake_report(bad_rows=2), 1)])
def test_verify_json_prints_only_the_document_on_stdout(monkeypatch, capsys, report, code):
    def fake_verify(*args, progress, **kwargs):
        progress("dbt build")
        print("what dbt logs")
        return report

    monkeypatch.setattr(harness, "verify", fake_verify)
    monkeypatch.chdir(REPO)
    assert main(["verify", "--target", "duckdb", "--users", "10", "--json"]) == code
    out, err = capsys.readouterr()
    assert json.loads(out) == report.as_json()
    assert err == "dbt build\nwhat dbt logs\n"


def test_verify_json_on_invalid_rules_prints_checks_document(monkeypatch, capsys):
    monkeypatch.chdir(REPO / "tests")
    assert main(["verify", "--rules-dir", "fixtures/invalid/unknown_kind", "--json"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)["errors"][0]["message"] == "unknown rule kind 'flatt' (did you mean 'flat'?)"


def test_verify_json_end_to_end(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["verify", "--target", "duckdb", "--users", "50", "--no-boundary", "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert (doc["ok"], doc["users"], doc["rows_compared"], doc["mismatches"]) == (True, 50, 500, {"count": 0, "first": []})
    assert [c["ok"] for c in doc["prd_checks"]] == [True, True, True]
    assert "loading 50 users" in err
