"""`cgcompile impact`: what a rules change would do to the users' recommendations, before it ships.

The rules at `--base` (a git ref, default HEAD) and the rules in the working
tree are each compiled into a scratch copy of the dbt project (harness.Workspace)
and run by `dbt build` over the same users, read once from the real input
table (read-only) into scratch DuckDB files.  card_recommendations is never
touched.  The two results are then compared in one DuckDB session: users whose
top card changes, whose top-10 set changes, how their best net savings move,
which cards win and lose top spots, and the largest movers with the card (and
its changed terms, from review.diff_catalog) that moved them.

DuckDB computes what MariaDB computes (`cgcompile verify`, both engines), so
the scratch runs are DuckDB for every target; only the users come from it.
"""
from __future__ import annotations

import csv
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

from . import charts, db, review
from .datagen import COLUMNS
from .errors import CgError
from .harness import Workspace, duckdb_target
from .loader import load_catalog
from .page import Page, Section, html, markdown

ATTACH = sqlglot.parse_one("ATTACH 'path' AS src (READ_ONLY)", read="duckdb")
CHANGE_EDGES = (-5000, -1000, -1, 1, 1000, 5000)  # rupees a year, of the best card's net savings

# Both sides' rows per user, side by side (base b, head h), one row per user.
PER_USER = """
    CREATE TABLE per_user AS
    WITH rows AS (
        SELECT 'base' AS side, user_id, "rank", card_id, net_savings FROM base.card_recommendations
        UNION ALL
        SELECT 'head', user_id, "rank", card_id, net_savings FROM head.card_recommendations
    ), per_side AS (
        SELECT side, user_id,
               MAX(CASE WHEN "rank" = 1 THEN card_id END) AS top_card,
               MAX(CASE WHEN "rank" = 1 THEN net_savings END) AS top_net,
               STRING_AGG(card_id, ',' ORDER BY card_id) AS card_set,
               STRING_AGG(card_id || '=' || CAST(net_savings AS VARCHAR), ',' ORDER BY "rank") AS figures
        FROM rows GROUP BY side, user_id
    ), users AS (
        SELECT user_id, processing_status AS base_status FROM base.user_spending_data
    )
    SELECT u.user_id, u.base_status, hs.processing_status AS head_status,
           b.top_card AS base_top, h.top_card AS head_top, b.top_net AS base_net, h.top_net AS head_net,
           COALESCE(h.top_net, 0) - COALESCE(b.top_net, 0) AS net_change,
           b.top_card IS DISTINCT FROM h.top_card AS top_changed,
           b.card_set IS DISTINCT FROM h.card_set AS set_changed,
           b.figures IS DISTINCT FROM h.figures AS moved
    FROM users AS u
    JOIN head.user_spending_data AS hs ON hs.user_id = u.user_id
    LEFT JOIN per_side AS b ON b.side = 'base' AND b.user_id = u.user_id
    LEFT JOIN per_side AS h ON h.side = 'head' AND h.user_id = u.user_id
"""
COUNTS = """
    SELECT COUNT(*), COUNT(*) FILTER (WHERE top_changed), COUNT(*) FILTER (WHERE set_changed),
           COUNT(*) FILTER (WHERE moved), COUNT(*) FILTER (WHERE base_status IS DISTINCT FROM head_status)
    FROM per_user
"""
CHANGE_STATS = """
    SELECT MIN(net_change), MEDIAN(net_change), MAX(net_change), AVG(net_change) FROM per_user WHERE moved
"""
TOP_SPOTS = """
    SELECT card_id, SUM(CASE WHEN side = 'base' THEN 1 ELSE 0 END) AS before, SUM(CASE WHEN side = 'head' THEN 1 ELSE 0 END) AS after
    FROM (SELECT base_top AS card_id, 'base' AS side FROM per_user WHERE top_changed AND base_top IS NOT NULL
          UNION ALL SELECT head_top, 'head' FROM per_user WHERE top_changed AND head_top IS NOT NULL) AS t
    GROUP BY card_id ORDER BY after - before DESC, card_id
"""
TOP10_SPOTS = """
    SELECT COALESCE(b.card_id, h.card_id) AS card_id, COALESCE(b.n, 0) AS before, COALESCE(h.n, 0) AS after
    FROM (SELECT card_id, COUNT(*) AS n FROM base.card_recommendations GROUP BY card_id) AS b
    FULL OUTER JOIN (SELECT card_id, COUNT(*) AS n FROM head.card_recommendations GROUP BY card_id) AS h ON h.card_id = b.card_id
    WHERE COALESCE(b.n, 0) <> COALESCE(h.n, 0)
    ORDER BY COALESCE(h.n, 0) - COALESCE(b.n, 0) DESC, card_id
"""
# The largest movers' cards on either side, with how far each card's net savings moved
# (a card in one top 10 only counts its whole net savings).
MOVER_CARDS = """
    WITH p AS (SELECT user_id FROM per_user WHERE moved ORDER BY ABS(net_change) DESC, user_id LIMIT 20),
    b AS (SELECT r.user_id, r.card_id, r.net_savings FROM base.card_recommendations AS r JOIN p ON p.user_id = r.user_id),
    h AS (SELECT r.user_id, r.card_id, r.net_savings FROM head.card_recommendations AS r JOIN p ON p.user_id = r.user_id)
    SELECT COALESCE(b.user_id, h.user_id), COALESCE(b.card_id, h.card_id),
           ABS(COALESCE(h.net_savings, 0) - COALESCE(b.net_savings, 0))
    FROM b FULL OUTER JOIN h ON h.user_id = b.user_id AND h.card_id = b.card_id
"""


class ImpactError(CgError):
    """A side's rules or build failed, or there are no users (exit 1)."""

    exit_code = 1


@dataclass
class Impact:
    base: str
    users: int
    top_changed: int
    set_changed: int
    moved: int
    status_changed: int
    change: dict
    change_buckets: list[tuple[str, int]]
    top_spots: list[tuple[str, int, int]]
    top10_spots: list[tuple[str, int, int]]
    movers: list[dict]
    changed_terms: dict[str, list[str]]
    seconds: dict[str, float] = field(default_factory=dict)
    csv_rows: list[tuple] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "base": self.base, "users": self.users, "top_card_changed": self.top_changed, "top10_set_changed": self.set_changed,
            "any_row_changed": self.moved, "status_changed": self.status_changed, "best_net_change": self.change,
            "best_net_change_buckets": dict(self.change_buckets),
            "top_spots": [{"card_id": c, "before": b, "after": a} for c, b, a in self.top_spots],
            "top10_spots": [{"card_id": c, "before": b, "after": a} for c, b, a in self.top10_spots],
            "largest_movers": self.movers, "changed_terms": self.changed_terms, "seconds": self.seconds,
        }


def _read_users(target: db.Target, project_dir: Path, count: int | None, schema: str | None) -> exp.Select:
    query = exp.select(*COLUMNS).from_(exp.table_(db.SOURCE_TABLE, db=schema or None))
    if count is not None:
        # A spread of ids, the same on every run: the first N by a hash of the id.
        query = query.order_by(exp.func("MD5", exp.column("user_id"))).limit(count)
    return query


def _load_first(ws: Workspace, target: db.Target, project_dir: Path, count: int | None, schema: str | None) -> int:
    query = _read_users(target, project_dir, count, schema)
    if target.type == "duckdb":
        source = query.copy()
        source.find(exp.Table).set("catalog", exp.to_identifier("src"))
        if not schema:
            source.find(exp.Table).set("db", exp.to_identifier(target.schema or "main"))
        insert = exp.insert(source, db.SOURCE_TABLE, columns=list(COLUMNS))
        return _run(ws, [_attach(db.duckdb_file(target, project_dir), "src"), insert.sql(dialect="duckdb")])
    conn = db.connect(target, project_dir)
    try:
        with db.database_errors(target, "reading users from", project_dir):
            cur = conn.cursor()
            cur.execute(query.sql(dialect=target.dialect))

            def rows():
                while batch := cur.fetchmany(50_000):
                    yield from (tuple(None if v is None else str(v) for v in r) for r in batch)

            return ws.load(rows())
    finally:
        conn.close()


def _copy_users(into: Workspace, source: Workspace) -> int:
    insert = exp.insert(exp.select(*COLUMNS).from_(exp.table_(db.SOURCE_TABLE, db="main", catalog="src")), db.SOURCE_TABLE, columns=list(COLUMNS))
    return _run(into, [_attach(_file(source), "src"), insert.sql(dialect="duckdb")])


def _run(ws: Workspace, statements: list[str]) -> int:
    conn = db.connect(ws.target, ws.project)
    try:
        with db.database_errors(ws.target, "loading users into", ws.project):
            for sql in statements:
                conn.execute(sql)
            return conn.execute("SELECT COUNT(*) FROM user_spending_data").fetchone()[0]
    finally:
        conn.close()


def _rules_at(rules_dir: Path, ref: str, into: Path) -> Path:
    into.mkdir(parents=True)
    for name, text in review.files_at(rules_dir, ref).items():
        (into / name).write_text(text, encoding="utf-8")
    return into


def _bucket_labels() -> list[str]:
    e = CHANGE_EDGES
    return [f"< -₹{-e[0]:,}", f"-₹{-e[0]:,} to -₹{-e[1]:,}", f"-₹{-e[1]:,} to -₹1", "unchanged",
            f"₹1 to ₹{e[4]:,}", f"₹{e[4]:,} to ₹{e[5]:,}", f"> ₹{e[5]:,}"]


def _bucket_case() -> exp.Case:
    e, change = CHANGE_EDGES, exp.column("net_change")
    case = exp.Case()
    for i, cond in enumerate((change < e[0], change < e[1], change < 0, change.eq(0), change < e[4], change < e[5])):
        case = case.when(cond, exp.Literal.number(i))
    return case.else_(exp.Literal.number(6))


def compare(base_ws: Workspace, head_ws: Workspace, base: str, changed: dict[str, list[str]]) -> Impact:
    import duckdb

    con = duckdb.connect()
    try:
        for ws, name in ((base_ws, "base"), (head_ws, "head")):
            con.execute(_attach(_file(ws), name))
        con.execute(PER_USER)
        users, top, sets, moved, status = con.execute(COUNTS).fetchone()
        lo, median, hi, mean = con.execute(CHANGE_STATS).fetchone()
        by_bucket = exp.select(_bucket_case().as_("b"), exp.func("COUNT", exp.Star())).from_("per_user").where("moved").group_by("b")
        buckets = dict(con.execute(by_bucket.sql(dialect="duckdb")).fetchall())
        unchanged = users - moved
        labels = _bucket_labels()
        change_buckets = [(labels[i], int(buckets.get(i, 0)) + (unchanged if i == 3 else 0)) for i in range(len(labels))]
        top_spots = [(c, int(b), int(a)) for c, b, a in con.execute(TOP_SPOTS).fetchall()]
        top10 = [(c, int(b), int(a)) for c, b, a in con.execute(TOP10_SPOTS).fetchall()]
        by_user: dict[str, tuple[str, tuple]] = {}
        for user_id, card_id, moved_by in con.execute(MOVER_CARDS).fetchall():
            # A card whose terms changed explains the move before one that only changed places.
            key = (card_id in changed, moved_by)
            if moved_by and (user_id not in by_user or key > by_user[user_id][1]):
                by_user[user_id] = (card_id, key)
        movers = []
        for row in con.execute("SELECT user_id, base_top, head_top, base_net, head_net, net_change FROM per_user "
                               "WHERE moved ORDER BY ABS(net_change) DESC, user_id LIMIT 20").fetchall():
            card = by_user.get(row[0], (None, 0))[0]
            movers.append({
                "user_id": row[0], "base_top": row[1], "head_top": row[2], "base_net": _s(row[3]), "head_net": _s(row[4]),
                "net_change": _s(row[5]), "moved_by_card": card, "its_changed_terms": changed.get(card, []),
            })
        csv_rows = con.execute("SELECT user_id, base_top, head_top, base_net, head_net, net_change, top_changed, set_changed "
                               "FROM per_user WHERE moved ORDER BY user_id").fetchall()
    finally:
        con.close()
    return Impact(
        base=base, users=int(users), top_changed=int(top), set_changed=int(sets), moved=int(moved), status_changed=int(status),
        change={"min": _s(lo), "median": _s(median), "max": _s(hi), "mean": _s(mean)},
        change_buckets=change_buckets, top_spots=top_spots, top10_spots=top10, movers=movers, changed_terms=changed,
        csv_rows=csv_rows,
    )


def _file(ws: Workspace) -> Path:
    return db.duckdb_file(ws.target, ws.project)


def _attach(path: Path, name: str) -> str:
    """ATTACH the DuckDB file read-only as `name`."""
    attach = ATTACH.copy()
    attach.find(exp.Literal).replace(exp.Literal.string(str(path.resolve())))
    attach.this.set("alias", exp.to_identifier(name))
    return attach.sql(dialect="duckdb")


def _s(v) -> str | None:
    if v is None:
        return None
    return format(v, ".2f") if not isinstance(v, str) else v


def _changed_terms(rules_dir: Path, base: str) -> dict[str, list[str]]:
    """card id -> its figure changes since `base` (what can move a user)."""
    out: dict[str, list[str]] = {}
    for d in review.diff_catalog(rules_dir, base):
        card = d.file[:-5]
        if d.status != "changed":
            out[card] = [f"card {d.status}"]
            continue
        out[card] = [f"{c.term}{'.' + c.path if c.path else ''}: {review._show(c.old)} -> {review._show(c.new)}"
                     for c in d.changes if c.figure]
    return {k: v for k, v in out.items() if v}


def impact(target: db.Target, rules_dir: Path, base: str = "HEAD", users: int | None = 10_000,
           project_dir: Path = db.PROJECT_DIR, source_schema: str | None = None, progress=lambda m: None) -> Impact:
    """Run both rule sets over the same users (None: all of them) and compare."""
    root = Path(tempfile.mkdtemp(prefix="cgcompile-impact-"))
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        head_catalog = load_catalog(rules_dir)
        base_dir = _rules_at(rules_dir, base, root / "base_rules" / rules_dir.name)
        try:
            base_catalog = load_catalog(base_dir)
        except CgError as e:
            raise ImpactError(f"the rules at {base} do not load: {e}") from e
        changed = _changed_terms(rules_dir, base)
        sides = {}
        for side, catalog, where in (("base", base_catalog, base_dir), ("head", head_catalog, rules_dir)):
            ws = Workspace(root / side, duckdb_target(root / side / "impact.duckdb"), project_dir)
            ws.compile_rules(catalog, where)
            ws.create_source()
            sides[side] = ws
        schema = db.source_schema(project_dir, source_schema)
        progress(f"reading {'all users' if users is None else f'{users:,} users'} from {db.describe(target, project_dir)}")
        n = _load_first(sides["base"], target, project_dir, users, schema)
        if not n:
            raise ImpactError(f"no users in {db.SOURCE_TABLE} of {db.describe(target, project_dir)}")
        _copy_users(sides["head"], sides["base"])
        seconds["read users"] = time.perf_counter() - started
        for side, ws in sides.items():
            progress(f"dbt build with the rules {'at ' + base if side == 'base' else 'in the working tree'} ({n:,} users)")
            built = ws.build(quiet=True)
            if not built.success:
                raise ImpactError(f"dbt build with the {side} rules failed: " + "; ".join(built.failures[:3]))
            seconds[f"build {side}"] = built.seconds
        step = time.perf_counter()
        result = compare(sides["base"], sides["head"], base, changed)
        seconds["compare"] = time.perf_counter() - step
        seconds["total"] = time.perf_counter() - started
        result.seconds = {k: round(v, 1) for k, v in seconds.items()}
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)


def text(r: Impact) -> str:
    pct = (lambda n: f"{n / r.users * 100:.2f}%") if r.users else (lambda n: "-")
    lines = [
        f"impact of the working tree's rules against {r.base}, {r.users:,} users:",
        f"  top card changes       {r.top_changed:>10,}  ({pct(r.top_changed)})",
        f"  top-10 set changes     {r.set_changed:>10,}  ({pct(r.set_changed)})",
        f"  any stored row changes {r.moved:>10,}  ({pct(r.moved)})",
    ]
    if r.status_changed:
        lines.append(f"  status changes         {r.status_changed:>10,}  (completed on one side, failed on the other)")
    if r.moved:
        c = r.change
        lines.append(f"  best net savings change (moved users): min {c['min']}, median {c['median']}, mean {c['mean']}, max {c['max']}")
    if r.top_spots:
        lines.append("  top spots: " + ", ".join(f"{card} {a - b:+,}" for card, b, a in r.top_spots if a != b))
    for m in r.movers[:10]:
        why = f"; moved by {m['moved_by_card']}" + (f" ({'; '.join(m['its_changed_terms'][:2])})" if m["its_changed_terms"] else "") if m["moved_by_card"] else ""
        lines.append(f"  {m['user_id']}: {m['base_top']} {m['base_net']} -> {m['head_top']} {m['head_net']} ({m['net_change']}){why}")
    if not r.changed_terms:
        lines.append(f"  no card's figures differ from {r.base}")
    return "\n".join(lines)


def page(r: Impact) -> Page:
    s = [Section("Users moved", headers=("", "users", "share"), rows=tuple(
        (name, f"{n:,}", f"{n / r.users * 100:.2f}%" if r.users else "-")
        for name, n in (("top card changes", r.top_changed), ("top-10 set changes", r.set_changed),
                        ("any stored row changes", r.moved), ("status changes", r.status_changed))))]
    s.append(Section("Change in the best card's yearly net savings",
                     charts.bars([b for b, _ in r.change_buckets], [n for _, n in r.change_buckets], "users"),
                     ("change", "users"), tuple((b, f"{n:,}") for b, n in r.change_buckets)))
    spots = [x for x in r.top_spots if x[1] != x[2]][:15]
    if spots:
        s.append(Section("Cards gaining and losing top spots (users whose top card changes)",
                         charts.paired([c for c, _, _ in spots], [b for _, b, _ in spots], [a for _, _, a in spots], (r.base, "working tree"), "users"),
                         ("card", r.base, "working tree"), tuple((c, f"{b:,}", f"{a:,}") for c, b, a in spots)))
    if r.top10_spots:
        s.append(Section("Places in the top 10", headers=("card", r.base, "working tree"),
                         rows=tuple((c, f"{b:,}", f"{a:,}") for c, b, a in r.top10_spots[:30])))
    s.append(Section("Largest movers", headers=("user", "top card before", "after", "net before", "net after", "change", "moved by", "its changed terms"),
                     rows=tuple((m["user_id"], m["base_top"], m["head_top"], m["base_net"], m["head_net"], m["net_change"],
                                 m["moved_by_card"] or "-", "; ".join(m["its_changed_terms"][:3]) or "-") for m in r.movers)))
    s.append(Section("Figure changes since " + r.base, headers=("card", "changes"),
                     rows=tuple((card, "; ".join(terms)) for card, terms in sorted(r.changed_terms.items())),
                     note="" if r.changed_terms else "No card's figures changed."))
    return Page(f"cgcompile impact: working tree against {r.base}", f"{r.users:,} users, both rule sets run by dbt build on scratch DuckDB files", tuple(s))


def write(out: Path, r: Impact) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    p = page(r)
    for name, body in (("impact.html", html(p)), ("impact.md", markdown(p))):
        tmp = out / (name + ".tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(out / name)
        files.append(out / name)
    tmp = out / "moved_users.csv.tmp"
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("user_id", "base_top", "head_top", "base_net", "head_net", "net_change", "top_changed", "top10_set_changed"))
        w.writerows(r.csv_rows)
    tmp.replace(out / "moved_users.csv")
    files.append(out / "moved_users.csv")
    return files
