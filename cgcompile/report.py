"""`cgcompile report`: what a run produced, for people: an HTML page with charts and a markdown summary.

Every figure is aggregated by the database (2M users stay there); the page
receives a few hundred numbers.  The rows read are the ones stored now: with
`--batch B`, only the users batch B ranked (their rows may since have been
replaced for users a later batch ranked again).  The comparison with the
previous batch takes both batches' log rows (cg_batch_log) and the rows each
batch still owns in card_recommendations.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sqlglot
from sqlglot import exp

from . import charts, db
from .errors import CgError
from .page import Page, Section, html, markdown

SEGMENTS = ((10_000, "under ₹10K"), (50_000, "₹10K-50K"), (200_000, "₹50K-2L"), (None, "₹2L and more"))
SAVINGS_EDGES = (0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000)


def _q(sql: str) -> exp.Select:
    return sqlglot.parse_one(sql, read="duckdb")


# Parsed once, in DuckDB's dialect; the batch filters are added with sqlglot's builders.
# Monthly spend = max(confirmed, the named five): other online spend is never below zero.
TOP = _q("""
    SELECT r.card_id, r.card_name, r.net_savings,
        GREATEST(COALESCE(u.avg_confirmed_gmv, 0), COALESCE(u.avg_amazon_gmv, 0) + COALESCE(u.avg_flipkart_gmv, 0)
            + COALESCE(u.avg_myntra_gmv, 0) + COALESCE(u.avg_ajio_gmv, 0) + COALESCE(u.avg_grocery_gmv, 0)) AS spend
    FROM card_recommendations AS r JOIN user_spending_data AS u ON u.user_id = r.user_id
    WHERE r."rank" = 1
""")
SEGMENT_FIGURES = _q("SELECT COUNT(*), SUM(net_savings), SUM(spend * 12), AVG(net_savings / NULLIF(spend * 12, 0)) FROM t")
CARDS = _q("SELECT card_id, MAX(card_name), COUNT(*) FROM t GROUP BY card_id ORDER BY 3 DESC, card_id")
PER_USER_POSITIVE = _q("SELECT r.user_id, SUM(CASE WHEN r.net_savings > 0 THEN 1 ELSE 0 END) AS positive FROM card_recommendations AS r GROUP BY r.user_id")
POSITIVE = _q("SELECT positive, COUNT(*) FROM per_user GROUP BY positive ORDER BY positive")
FAILURES = _q("""
    SELECT COALESCE(processing_error, '(no message)'), COUNT(*) FROM user_spending_data
    WHERE processing_status = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12
""")
# The input keeps no batch id: a batch's failures are those it processed while it ran.
BATCH_WINDOW = _q("""
    SELECT MIN(started_at), MAX(COALESCE(finished_at, CAST(CURRENT_TIMESTAMP AS TIMESTAMP))) FROM cg_batch_log
""")
HISTORY = _q("""
    SELECT batch_id, run_status, started_at, finished_at, users_selected, users_completed, users_failed
    FROM cg_batch_log ORDER BY started_at DESC LIMIT 20
""")
BY_BATCH = _q("""
    SELECT r.batch_id, COUNT(*), AVG(r.net_savings), SUM(CASE WHEN r.net_savings > 0 THEN 1 ELSE 0 END)
    FROM card_recommendations AS r WHERE r."rank" = 1 GROUP BY r.batch_id
""")
BY_BATCH_CARD = _q("""
    SELECT r.batch_id, r.card_id, COUNT(*) FROM card_recommendations AS r
    WHERE r."rank" = 1 GROUP BY r.batch_id, r.card_id
""")


def _is(column: exp.Column, value: str) -> exp.Expression:
    return column.eq(exp.Literal.string(value))


def _from_top(query: exp.Select, top: exp.Select) -> exp.Select:
    """`query` (written FROM t) reading the rank-1 rows instead."""
    query = query.copy()
    query.set("from_", exp.From(this=top.subquery("t")))
    return query


def _segment_case() -> exp.Case:
    case = exp.Case()
    for limit, name in SEGMENTS[:-1]:
        case = case.when(exp.column("spend") < limit, exp.Literal.string(name))
    return case.else_(exp.Literal.string(SEGMENTS[-1][1]))


def _bucket_case() -> exp.Case:
    case = exp.Case().when(exp.column("net_savings") <= 0, exp.Literal.number(0))
    for i, hi in enumerate(SAVINGS_EDGES[1:]):
        case = case.when(exp.column("net_savings") < hi, exp.Literal.number(i + 1))
    return case.else_(exp.Literal.number(len(SAVINGS_EDGES)))


class ReportError(CgError):
    """No recommendations to report on, or an unknown batch (exit 1)."""

    exit_code = 1


def _bucket_labels() -> list[str]:
    def k(v):
        return f"₹{v // 1000}K" if v < 100_000 else f"₹{v // 100_000}L"

    labels = ["≤ 0"] + [f"{k(lo) if lo else '₹0'}-{k(hi)}" for lo, hi in zip(SAVINGS_EDGES, SAVINGS_EDGES[1:])]
    return labels + [f"{k(SAVINGS_EDGES[-1])}+"]


@dataclass(frozen=True)
class Figures:
    target: str
    batch: str | None
    users: int
    savings_buckets: list[int]
    segments: list[tuple[str, int, Decimal, Decimal]]  # name, users, pooled %, average %
    top_cards: list[tuple[str, str, int]]  # card_id, name, users
    positive: list[tuple[int, int]]
    failures: list[tuple[str, int]]
    history: list[dict]
    comparison: dict | None


class Reader:
    def __init__(self, conn, target: db.Target, source_schema: str | None):
        self.cur, self.target, self.schema = conn.cursor(), target, source_schema

    def rows(self, query: exp.Expression) -> list[tuple]:
        self.cur.execute(db.in_schema(query, self.schema).sql(dialect=self.target.dialect))
        return self.cur.fetchall()


def collect(conn, target: db.Target, batch: str | None, source_schema: str | None) -> Figures:
    r = Reader(conn, target, source_schema)
    top, per_user, failures = TOP, PER_USER_POSITIVE, FAILURES
    if batch:
        top = top.where(_is(exp.column("batch_id", "r"), batch))
        per_user = per_user.where(_is(exp.column("batch_id", "r"), batch))
        since, until = (exp.Subquery(this=exp.select(e).from_("cg_batch_log").where(_is(exp.column("batch_id"), batch)))
                        for e in BATCH_WINDOW.selects)
        failures = failures.where(exp.column("last_processed_at").between(since, until))
    count = r.rows(_from_top(exp.select(exp.func("COUNT", exp.Star())), top))[0][0]
    if not count:
        raise ReportError(f"card_recommendations holds no rows{' for batch ' + batch if batch else ''}: run `dbt build` first")
    buckets = dict(r.rows(_from_top(exp.select(_bucket_case().as_("b"), exp.func("COUNT", exp.Star())), top).group_by("b")))
    segment = _from_top(exp.select(_segment_case().as_("s"), *SEGMENT_FIGURES.selects), top).group_by("s")
    seg = {name: (int(n), Decimal(net or 0), Decimal(spent or 0), Decimal(avg or 0)) for name, n, net, spent, avg in r.rows(segment)}
    cards = r.rows(_from_top(CARDS, top))
    positive = r.rows(POSITIVE.with_("per_user", as_=per_user))
    history = [dict(zip(("batch_id", "status", "started", "finished", "selected", "completed", "failed"), row)) for row in r.rows(HISTORY)]
    return Figures(
        target=target.name,
        batch=batch,
        users=int(count),
        savings_buckets=[int(buckets.get(i, 0)) for i in range(len(SAVINGS_EDGES) + 1)],
        segments=[(name, seg[name][0], _pct(seg[name][1], seg[name][2]), (seg[name][3] * 100).quantize(Decimal("0.01")))
                  for _, name in SEGMENTS if name in seg],
        top_cards=[(c, n, int(k)) for c, n, k in cards],
        positive=[(int(p), int(k)) for p, k in positive],
        failures=[(str(m), int(k)) for m, k in r.rows(failures)],
        history=history,
        comparison=_comparison(r, history, batch),
    )


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.01")) if whole else Decimal(0)


def _comparison(r: Reader, history: list[dict], batch: str | None) -> dict | None:
    done = [h for h in history if h["status"] in ("success", "test_failed", "error")]
    ids = [h["batch_id"] for h in done]
    if batch is not None:
        if batch not in ids:
            return None
        done = done[ids.index(batch):]
    if len(done) < 2:
        return None
    this, before = done[0], done[1]
    pair = exp.column("batch_id", "r").isin(exp.Literal.string(this["batch_id"]), exp.Literal.string(before["batch_id"]))
    stats = {b: (int(n), Decimal(avg or 0), int(pos or 0)) for b, n, avg, pos in r.rows(BY_BATCH.where(pair))}
    share = {}
    for b, card, n in r.rows(BY_BATCH_CARD.where(pair)):
        share.setdefault(b, {})[card] = int(n)
    return {"this": this, "before": before, "stats": stats, "cards": share}


def _duration(h: dict) -> float | None:
    if h["started"] and h["finished"]:
        return max((h["finished"] - h["started"]).total_seconds(), 0.001)
    return None


def _money(d) -> str:
    return f"₹{Decimal(d):,.0f}"


def build_page(f: Figures, catalog_banks: dict[str, str]) -> Page:
    scope = f"batch {f.batch}" if f.batch else "every user's current rows"
    s = []
    s.append(Section(
        "Best card's yearly net savings",
        charts.bars(_bucket_labels(), f.savings_buckets, "users"),
        ("net savings of the rank-1 card", "users"),
        tuple(zip(_bucket_labels(), (f"{n:,}" for n in f.savings_buckets))),
    ))
    s.append(Section(
        "Net savings as a share of spend, by monthly spend",
        charts.bars([x[0] for x in f.segments], [float(x[2]) for x in f.segments], "% of yearly spend (pooled)", value_format="{:.2f}%"),
        ("monthly spend", "users", "pooled %", "average user %"),
        tuple((name, f"{n:,}", f"{pooled}%", f"{avg}%") for name, n, pooled, avg in f.segments),
        "Pooled: all the segment's rank-1 net savings over all its yearly spend; average: the mean of each user's share.",
    ))
    shown = f.top_cards[:15]
    rest = sum(n for *_, n in f.top_cards[15:])
    labels = [name for _, name, _ in shown] + (["other cards"] if rest else [])
    s.append(Section(
        "Users by top card",
        charts.hbars(labels, [n for *_, n in shown] + ([rest] if rest else []), "users whose rank-1 card it is"),
        ("card", "users", "share"),
        tuple((name, f"{n:,}", f"{_pct(Decimal(n), Decimal(f.users))}%") for _, name, n in shown),
    ))
    banks: dict[str, int] = {}
    for card_id, _, n in f.top_cards:
        bank = catalog_banks.get(card_id, "(card no longer in the catalog)")
        banks[bank] = banks.get(bank, 0) + n
    by_bank = sorted(banks.items(), key=lambda kv: (-kv[1], kv[0]))
    s.append(Section(
        "Users by bank of the top card",
        charts.hbars([b for b, _ in by_bank], [n for _, n in by_bank], "users"),
        ("bank", "users", "share"),
        tuple((b, f"{n:,}", f"{_pct(Decimal(n), Decimal(f.users))}%") for b, n in by_bank),
    ))
    s.append(Section(
        "Cards with positive net savings, per user (of the stored top 10)",
        charts.bars([str(p) for p, _ in f.positive], [n for _, n in f.positive], "users"),
        ("cards with net savings > 0", "users"),
        tuple((str(p), f"{n:,}") for p, n in f.positive),
    ))
    if f.failures:
        s.append(Section(
            "Failed users by reason",
            charts.hbars([m[:60] for m, _ in f.failures], [n for _, n in f.failures], "users", color=charts.ORANGE),
            ("processing_error", "users"), tuple((m, f"{n:,}") for m, n in f.failures)))
    else:
        s.append(Section("Failed users by reason", note="No user is in status failed" + (f" in batch {f.batch}." if f.batch else ".")))
    runs = list(reversed(f.history))
    timed = [h for h in runs if _duration(h)]
    rows = tuple(
        (h["batch_id"], h["status"], f"{h['selected']:,}", f"{h['completed']:,}", f"{h['failed']:,}",
         f"{_duration(h):,.1f} s" if _duration(h) else "-",
         f"{h['completed'] / _duration(h) * 60:,.0f}" if _duration(h) else "-")
        for h in runs)
    s.append(Section(
        "Batch history (the last 20 runs)",
        charts.history([h["batch_id"][-12:] for h in timed], [h["selected"] for h in timed],
                       [h["completed"] / _duration(h) * 60 for h in timed]) if timed else "",
        ("batch", "status", "users", "completed", "failed", "duration", "users / min"), rows,
    ))
    s.append(_comparison_section(f.comparison))
    return Page(
        f"cgcompile run report: target {f.target}",
        f"{f.users:,} users with recommendations ({scope}); written {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        tuple(s),
    )


def _comparison_section(c: dict | None) -> Section:
    if c is None:
        return Section("This batch against the previous one", note="Only one finished batch in cg_batch_log: nothing to compare yet.")
    this, before = c["this"]["batch_id"], c["before"]["batch_id"]
    a, b = c["stats"].get(this, (0, Decimal(0), 0)), c["stats"].get(before, (0, Decimal(0), 0))
    rows = (
        ("users selected", f"{c['before']['selected']:,}", f"{c['this']['selected']:,}"),
        ("users failed", f"{c['before']['failed']:,}", f"{c['this']['failed']:,}"),
        ("users whose rows the batch still owns", f"{b[0]:,}", f"{a[0]:,}"),
        ("average rank-1 net savings", _money(b[1]), _money(a[1])),
        ("share with a positive rank-1 card", f"{_pct(Decimal(b[2]), Decimal(b[0] or 1))}%", f"{_pct(Decimal(a[2]), Decimal(a[0] or 1))}%"),
    )
    cards = sorted(set(c["cards"].get(this, {})) | set(c["cards"].get(before, {})),
                   key=lambda k: -(c["cards"].get(this, {}).get(k, 0) + c["cards"].get(before, {}).get(k, 0)))[:8]

    def share(batch, n_users, card):
        return float(_pct(Decimal(c["cards"].get(batch, {}).get(card, 0)), Decimal(n_users or 1)))

    chart = charts.paired(cards, [share(before, b[0], k) for k in cards], [share(this, a[0], k) for k in cards],
                          (before, this), "% of the batch's users (rank 1)") if cards else ""
    return Section(f"This batch ({this}) against the previous one ({before})", chart, ("", before, this), rows,
                   "A batch owns the rows of the users it ranked that no later batch ranked again.")


def write(out: Path, page: Page) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    page_file, summary = out / "report.html", out / "report.md"
    for path, text in ((page_file, html(page)), (summary, markdown(page))):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # a reader never sees half a page
    return page_file, summary


def report(target: db.Target, out: Path, batch: str | None = None, project_dir: Path = db.PROJECT_DIR,
           source_schema: str | None = None, banks: dict[str, str] | None = None) -> tuple[Path, Path]:
    conn = db.connect(target, project_dir)
    try:
        with db.database_errors(target, "reading the report's figures from", project_dir):
            figures = collect(conn, target, batch, db.source_schema(project_dir, source_schema))
    finally:
        conn.close()
    return write(out, build_page(figures, banks or {}))
