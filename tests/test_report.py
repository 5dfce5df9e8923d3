"""`cgcompile report` (report.py, page.py, charts.py): the figures agree with the rows the job
stored, on DuckDB and MariaDB, and the page opens in a real browser with every chart drawn."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from decimal import Decimal

import pytest

from cgcompile import report
from cgcompile.datagen import generate_users
from cgcompile.loader import load_catalog
from support.jobkit import RULES_DIR, Job

from conftest import in_ci

BAD = ("NEGATIVE", 1000, -5, 0, 0, 0, 2000)


@pytest.fixture(scope="module", params=["duckdb", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def job(request, tmp_path_factory) -> Job:
    """Two batches, built once per engine; the tests only read."""
    params = request.getfixturevalue("mariadb_module_schema") if request.param == "mariadb" else None
    job = Job(tmp_path_factory.mktemp("report"), request.param, params)
    job.create_source()
    job.load(list(generate_users(150, seed=7)) + [BAD])
    job.build()
    job.load(list(generate_users(40, seed=8, prefix="WK", samples=())))  # a second, smaller batch
    job.build()
    return job


def figures(job: Job, batch=None) -> report.Figures:
    import cgcompile.db as db

    conn = db.connect(job.target, job.project)
    try:
        return report.collect(conn, job.target, batch, None)
    finally:
        conn.close()


def test_the_figures_are_the_stored_rows(job):
    f = figures(job)
    top = job.query('SELECT card_id, net_savings, batch_id FROM card_recommendations WHERE "rank" = 1')
    assert f.users == len(top) == 190
    assert {c: n for c, _, n in f.top_cards} == dict(Counter(c for c, _, _ in top))
    assert sum(f.savings_buckets) == 190
    edges = report.SAVINGS_EDGES
    over = sum(1 for _, net, _ in top if Decimal(net) >= edges[-1])
    assert f.savings_buckets[-1] == over
    assert sum(n for _, n, _, _ in f.segments) == 190
    assert f.failures == [("avg_flipkart_gmv is negative (-5.00)", 1)]
    assert [h["status"] for h in f.history] == ["success", "success"]
    assert f.comparison is not None
    this, before = f.comparison["this"]["batch_id"], f.comparison["before"]["batch_id"]
    assert f.comparison["stats"][this][0] == 40 and f.comparison["stats"][before][0] == 150


def test_one_batch_and_an_unknown_batch(job):
    last = job.query("SELECT MAX(batch_id) FROM cg_batch_log")[0][0]
    f = figures(job, last)
    assert f.users == 40 and f.failures == []
    with pytest.raises(report.ReportError, match="no rows for batch NOPE"):
        figures(job, "NOPE")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_page_opens_in_a_browser_with_every_chart_drawn(tmp_path):
    job = Job(tmp_path / "job", "duckdb")
    job.create_source()
    job.load(list(generate_users(120, seed=3)) + [BAD])
    job.build()
    catalog = load_catalog(RULES_DIR)
    import cgcompile.db as db

    conn = db.connect(job.target, job.project)
    try:
        page = report.build_page(report.collect(conn, job.target, None, None), {c.id: c.bank for c in catalog.cards})
    finally:
        conn.close()
    html, md = report.write(tmp_path / "out", page)
    assert "# cgcompile run report" in md.read_text()
    text = html.read_text()
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//|url\(\s*["\']?(https?:)?//|@import', text)  # nothing to fetch
    browser = chromium()
    if browser is None:
        if in_ci():
            pytest.fail("chromium is not installed (scripts/apt_install.sh chromium)")
        pytest.skip("chromium is not installed")
    done = subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=5000", "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    charts = int(re.search(r'data-charts="(\d+)"', done.stdout).group(1))
    assert charts == text.count('<figure class="chart"') >= 6
    marks = [int(m) for m in re.findall(r'data-marks="(\d+)"', done.stdout)]
    assert len(marks) == charts and all(m > 0 for m in marks), marks
    assert 'data-empty="0"' in done.stdout
