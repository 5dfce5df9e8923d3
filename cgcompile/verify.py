"""Compare what the database wrote with what the reference evaluator says.

Every output column of every row is compared exactly (Decimal against
Decimal, text against text); a user the evaluator rejects must be failed in
the database with the same reason and no new rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

import sqlglot

from .checks import status_source
from .evaluate import InvalidSpend, user_spend
from .fasteval import Ranker
from .model import Catalog
from .resolve import resolve_catalog

OUTPUT_COLUMNS = (
    "card_id",
    "card_name",
    "total_savings_yearly",
    "joining_fees",
    "total_extra_benefits",
    "net_savings",
    "amazon_points",
    "flipkart_points",
    "myntra_points",
    "ajio_points",
    "grocery_points",
    "other_online_points",
    "redemption_method",
    "redemption_rate",
)

ACTUAL_QUERY = sqlglot.parse_one(
    "SELECT user_id, \"rank\", " + ", ".join(OUTPUT_COLUMNS) + " FROM card_recommendations ORDER BY user_id, \"rank\"",
    read="duckdb",
)
STATUS_QUERY = sqlglot.parse_one(
    "SELECT user_id, processing_status, processing_error FROM user_spending_data", read="duckdb"
)
SPEND_FIELDS = ("amazon", "flipkart", "myntra", "ajio", "grocery", "confirmed")


@dataclass(frozen=True)
class Expected:
    rows: dict[str, list[tuple]]  # user_id -> ranked rows (OUTPUT_COLUMNS)
    failed: dict[str, str]  # user_id -> error text


@dataclass(frozen=True)
class Mismatch:
    user_id: str
    rank: int | None
    column: str
    expected: object
    actual: object
    card_id: str | None = None  # the card the evaluator ranks there

    def __str__(self) -> str:
        where = f" (rank {self.rank})" if self.rank is not None and self.column != "rank" else ""
        return (
            f"{self.user_id} {self.card_id or '-'} {self.column}: expected {_shown(self.expected)}, "
            f"database has {_shown(self.actual)}{where}"
        )


def _shown(value) -> str:
    return "NULL" if value is None else repr(value) if isinstance(value, str) else str(value)


def expected_rows(
    catalog: Catalog,
    users: Iterable[tuple],
    as_of: dt.date | None = None,
    assumptions: dict | None = None,
    top: int = 10,
    horizon: str | None = None,
) -> Expected:
    """users: (user_id, amazon, flipkart, myntra, ajio, grocery, confirmed), values or None."""
    # The cards are resolved and laid out once; fasteval does evaluate.py's
    # arithmetic in integers (tests/test_fasteval.py).
    ranker = Ranker.of(resolve_catalog(catalog, as_of, assumptions, horizon))
    rows: dict[str, list[tuple]] = {}
    failed: dict[str, str] = {}
    for user_id, *values in users:
        try:
            spend = user_spend(**dict(zip(SPEND_FIELDS, values)))
        except InvalidSpend as e:
            failed[user_id] = str(e)
            continue
        rows[user_id] = ranker.rank(spend, top)
    return Expected(rows, failed)


def actual_rows(conn, dialect: str) -> tuple[dict[str, list[tuple]], dict[str, tuple[str, str | None]]]:
    """(rows by user in rank order, (status, error) by user) as the database has them."""
    cur = conn.cursor()
    cur.execute(ACTUAL_QUERY.sql(dialect=dialect))
    rows: dict[str, list[tuple]] = {}
    for user_id, rank, *values in cur.fetchall():
        rows.setdefault(user_id, []).append((int(rank), *values))
    cur.execute(status_source(STATUS_QUERY, dialect).sql(dialect=dialect))
    statuses = {u: (s, e) for u, s, e in cur.fetchall()}
    cur.close()
    return rows, statuses


def _same(a, b) -> bool:
    if type(a) is type(b):  # the common case: Decimal with Decimal, str with str
        return a == b
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except Exception:
            return False
    return a == b


def _compare_ranked(user_id: str, want: list[tuple], got: list[tuple]) -> list[Mismatch]:
    """One user's rows, card by card: the rank each side gives it, then every column.

    Matching by card rather than by position keeps a wrong figure attributed to
    its card: when a card drops out of the top 10, the report says so once
    (rank: expected 10, database has NULL) instead of every column of every
    row below it differing.
    """
    out: list[Mismatch] = []
    got_by_card: dict[str, tuple] = {}
    for g in got:
        if g[1] in got_by_card:
            out.append(Mismatch(user_id, g[0], "card_id", "each card once", "listed twice", g[1]))
        got_by_card.setdefault(g[1], g)
    for i, w in enumerate(want, start=1):
        g = got_by_card.pop(w[0], None)
        if g is None:
            out.append(Mismatch(user_id, i, "rank", i, None, w[0]))
            continue
        if g[0] != i:
            out.append(Mismatch(user_id, i, "rank", i, g[0], w[0]))
        for column, wv, gv in zip(OUTPUT_COLUMNS[1:], w[1:], g[2:]):
            if not _same(wv, gv):
                out.append(Mismatch(user_id, i, column, wv, gv, w[0]))
    for card_id, g in got_by_card.items():
        out.append(Mismatch(user_id, None, "rank", None, g[0], card_id))
    return out


def compare(expected: Expected, actual: dict[str, list[tuple]], statuses: dict[str, tuple[str, str | None]]) -> list[Mismatch]:
    """Every difference between the evaluator and the database, column by column."""
    out: list[Mismatch] = []
    for user_id, want in expected.rows.items():
        status = statuses.get(user_id, (None, None))[0]
        if status != "completed":
            out.append(Mismatch(user_id, None, "processing_status", "completed", status))
        got = actual.get(user_id, [])
        if len(got) != len(want):
            out.append(Mismatch(user_id, None, "row count", len(want), len(got)))
        out += _compare_ranked(user_id, want, got)
    for user_id, error in expected.failed.items():
        status, got_error = statuses.get(user_id, (None, None))
        if status != "failed":
            out.append(Mismatch(user_id, None, "processing_status", "failed", status))
        if got_error is None or error not in got_error:
            out.append(Mismatch(user_id, None, "processing_error", error, got_error))
    return out
