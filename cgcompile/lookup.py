"""`cgcompile explain --user ID --target T`: "why was I shown this card?", answered from the database.

Reads the user's spend from the input table and the rows stored for them, runs
today's `explain` on that spend, and compares the stored rows with it exactly as
`verify` compares (verify.compare).  Rows computed under other rules than the
catalog compiles to now are expected to differ; the answer says so, naming both
rules versions, instead of reporting a fault.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from . import compiler, db
from .compiler.render import VERSION_FILE
from .errors import CgError
from .evaluate import InvalidSpend, user_spend
from .verify import OUTPUT_COLUMNS, SPEND_FIELDS, Mismatch, compare, expected_rows

SPEND_QUERY = sqlglot.parse_one(
    "SELECT avg_amazon_gmv, avg_flipkart_gmv, avg_myntra_gmv, avg_ajio_gmv, avg_grocery_gmv, avg_confirmed_gmv,"
    " processing_status, processing_error, last_processed_at, updated_at FROM user_spending_data WHERE user_id = 'u'",
    read="duckdb",
)
ROWS_QUERY = sqlglot.parse_one(
    'SELECT "rank", ' + ", ".join(OUTPUT_COLUMNS) + ", batch_id, rules_version, processed_at"
    " FROM card_recommendations WHERE user_id = 'u' ORDER BY \"rank\"",
    read="duckdb",
)
VERSION = re.compile(r"rules_version\(\) %\}([0-9a-f]+)\{%")


class UnknownUser(CgError):
    """The user is not in the input table (exit 1)."""

    exit_code = 1


class Disagrees(CgError):
    """The stored rows differ from the rules they were computed under (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class Stored:
    spend: tuple
    status: str | None
    error: str | None
    processed_at: object
    changed_since: bool  # updated_at is not older than the last processing: the spend may have changed
    rows: list[tuple]  # rank, OUTPUT_COLUMNS
    batch_id: str | None
    rules_version: str | None


def _for_user(query: exp.Expression, user_id: str) -> exp.Expression:
    query = query.copy()
    query.find(exp.Literal).replace(exp.Literal.string(user_id))
    return query


def read_user(target: db.Target, user_id: str, project_dir: Path = db.PROJECT_DIR, source_schema: str | None = None) -> Stored:
    schema = db.source_schema(project_dir, source_schema)
    conn = db.connect(target, project_dir)
    try:
        with db.database_errors(target, f"reading user {user_id} from", project_dir):
            cur = conn.cursor()
            cur.execute(db.in_schema(_for_user(SPEND_QUERY, user_id), schema).sql(dialect=target.dialect))
            found = cur.fetchall()
            if not found:
                raise UnknownUser(f"user {user_id} is not in {db.SOURCE_TABLE} ({db.describe(target, project_dir)})")
            *spend, status, error, processed, updated = found[0]
            cur.execute(_for_user(ROWS_QUERY, user_id).sql(dialect=target.dialect))
            rows = cur.fetchall()
    finally:
        conn.close()
    return Stored(
        spend=tuple(spend), status=status, error=error, processed_at=processed,
        changed_since=bool(updated and processed and updated >= processed),
        rows=[(int(r[0]), *r[1:1 + len(OUTPUT_COLUMNS)]) for r in rows],
        batch_id=rows[0][-3] if rows else None,
        rules_version=rows[0][-2] if rows else None,
    )


def version_of(files: dict[str, str]) -> str:
    return VERSION.search(files[VERSION_FILE]).group(1)


def project_version(project_dir: Path) -> str | None:
    path = project_dir / VERSION_FILE
    found = VERSION.search(path.read_text()) if path.exists() else None
    return found.group(1) if found else None


def run(target: db.Target, user_id: str, rules_dir: Path, top: int = 10, project_dir: Path = db.PROJECT_DIR,
        source_schema: str | None = None, json_output: bool = False) -> tuple[str, bool]:
    """The explanation beside the stored rows; (text, fault): a fault is a disagreement under the same rules."""
    from .explain import run as explain_run
    from .loader import load_catalog

    stored = read_user(target, user_id, project_dir, source_schema)
    amounts = dict(zip(SPEND_FIELDS, stored.spend))
    catalog = load_catalog(rules_dir)
    now = version_of(compiler.load(rules_dir, None, (), None, project_dir))
    project = project_version(project_dir)
    user = (user_id, *stored.spend)
    want = expected_rows(catalog, [user], top=top)
    mismatches = compare(want, {user_id: stored.rows}, {user_id: (stored.status, stored.error)})
    notes, fault = _notes(stored, now, project, mismatches)
    try:
        user_spend(**amounts)
    except InvalidSpend:
        explained = ""
    else:
        explained = explain_run(rules_dir, amounts, None, top, (), json_output)
    if json_output:
        import json

        doc = json.loads(explained) if explained else {}
        doc.update({
            "user_id": user_id, "processing_status": stored.status, "processing_error": stored.error,
            "batch_id": stored.batch_id, "stored_rules_version": stored.rules_version, "rules_version_now": now,
            "agrees": not mismatches, "fault": fault, "mismatches": [str(m) for m in mismatches[:50]],
            "stored": [dict(zip(("rank", *OUTPUT_COLUMNS), map(_plain, r))) for r in stored.rows], "notes": notes,
        })
        return json.dumps(doc, ensure_ascii=False, indent=2, default=str), fault
    return "\n".join([*_stored_text(user_id, stored), "", explained or "(the spend is invalid: nothing to explain)",
                      "", *notes]), fault


def _plain(v):
    return format(v, "f") if hasattr(v, "as_tuple") else v


def _stored_text(user_id: str, s: Stored) -> list[str]:
    head = f"User {user_id}: processing_status {s.status or 'new'}"
    head += f", batch {s.batch_id}, rules {s.rules_version}, processed {s.processed_at}" if s.rows else ", no stored rows"
    if s.error:
        head += f", error: {s.error}"
    lines = [head, "Stored in card_recommendations:"] if s.rows else [head]
    for r in s.rows:
        lines.append(f"  {r[0]:>2}. {r[2]} ({r[1]})  net_savings {_plain(r[6])}")
    return lines


def _notes(s: Stored, now: str, project: str | None, mismatches: list[Mismatch]) -> tuple[list[str], bool]:
    out = []
    if project and project != now:
        out.append(f"note: the project's generated models are rules {project}, card_rules/ compiles to {now}: run `cgcompile rules`.")
    if not mismatches:
        out.append("agree: the stored rows are exactly what these rules give for this spend.")
    elif s.rules_version and s.rules_version != now:
        out.append(f"differ, as expected: the stored rows were computed under rules {s.rules_version} (batch {s.batch_id}); "
                   f"the rules are now {now}, and the next run reprocesses this user.")
    elif s.status in (None, "new", "pending") or s.changed_since:
        out.append(f"differ, as expected: the user is {s.status or 'new'}" + (", the spend updated since the last processing" if s.changed_since else "")
                   + "; the next run ranks them again.")
    else:
        out.append(f"DISAGREE under the same rules ({now}): {len(mismatches)} difference(s); this is a fault to report:")
        out += [f"  {m}" for m in mismatches[:20]]
        return out, True
    return out, False
