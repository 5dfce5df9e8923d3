"""The one stand-in for dbt the compiler tests use: the generated models and
int_top_cards rendered as dbt renders them, run on a plain database connection.

A model's Jinja needs only config(), ref(), target, adapter.quote(), the
generated card macros and the project's macros cg_batch_users() (here a table
of users) and cg_top_n().
An ephemeral model becomes a CTE named as dbt names it, its dependencies
first, spliced into the referencing model's WITH as dbt does (MariaDB does
not see an outer CTE from inside a derived table's WITH).  int_card_params is
the generated seed, loaded into a table.
"""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import jinja2

from cgcompile.model import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
USERS_TABLE = "cg_test_users"
PARAMS = "seeds/generated/int_card_params.csv"
TOP_CARDS = (REPO / "dbt_project/models/intermediate/int_top_cards.sql").read_text()
SAVINGS_COLUMNS = (
    "user_no", "card_no", *(c + "_points" for c in CATEGORIES),
    "total_savings_yearly", "total_extra_benefits", "redemption_no", "redemption_rate", "net_savings", "rank_key",
)
LEADING_WITH = re.compile(r"\A(?:\s+|--[^\n]*\n)*(with)\b", re.IGNORECASE)


class Rendered:
    """One model rendered for one adapter type: its SQL, materialization and refs."""

    def __init__(self, text: str, kind: str = "duckdb", ephemeral: frozenset[str] = frozenset()):
        self.materialized = "table"
        self.refs: list[str] = []

        def config(**kw):
            self.materialized = kw.get("materialized", self.materialized)
            return ""

        def ref(name):
            self.refs.append(name)
            return "__dbt__cte__" + name if name in ephemeral else name

        context = {
            "config": config,
            "ref": ref,
            "target": {"type": kind},
            "adapter": {"quote": (lambda s: '"' + s + '"') if kind == "duckdb" else (lambda s: "`" + s + "`")},
            "cg_batch_users": lambda: USERS_TABLE,
            "cg_top_n": lambda: 10,
        }
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.do"])
        self.sql = env.from_string(text).render(**context)


def render(text: str, kind: str) -> str:
    return Rendered(text, kind).sql


def generated_macros(files: dict[str, str]) -> str:
    """The generated macros' definitions, to put before a model that calls them (as dbt has them)."""
    return "".join(t for p, t in sorted(files.items())
                   if p.startswith("macros/generated/cards/") or p == "macros/generated/card_savings.sql")


def models_of(files: dict[str, str], kind: str) -> dict[str, Rendered]:
    """Every generated model, plus int_top_cards, with refs to ephemeral models as CTE names."""
    texts = {Path(p).stem: t for p, t in files.items() if p.startswith("models/generated/") and p.endswith(".sql")}
    texts = {n: t for n, t in texts.items() if not n.startswith("int_top_cards_lane_")}
    texts["int_top_cards"] = TOP_CARDS
    macros = generated_macros(files)
    ephemeral = frozenset(n for n, t in texts.items() if Rendered(macros + t, kind).materialized == "ephemeral")
    return {n: Rendered(macros + t, kind, ephemeral) for n, t in texts.items()}


def with_ephemerals(name: str, models: dict[str, Rendered]) -> str:
    """A model's SQL with the ephemeral models it needs as CTEs, the way dbt inlines them."""
    order: list[str] = []

    def visit(n: str) -> None:
        m = models.get(n)
        if m is None or n in order:
            return
        for r in m.refs:
            visit(r)
        order.append(n)

    for r in models[name].refs:
        visit(r)
    sql = models[name].sql
    if not order:
        return sql
    ctes = ",\n".join("__dbt__cte__" + n + " AS (\n" + models[n].sql + "\n)" for n in order)
    opening = LEADING_WITH.match(sql)
    if opening:
        return sql[: opening.start(1)] + "WITH " + ctes + ",\n" + sql[opening.end(1):]
    return "WITH " + ctes + "\nSELECT * FROM (\n" + sql + "\n) AS model"


def load(cur, files: dict[str, str], users, mark: str = "?") -> None:
    """The users (user_id, {category: spend}) and the generated seed, as tables."""
    cur.execute(
        "CREATE TABLE " + USERS_TABLE + " (user_id VARCHAR(50), user_no BIGINT, "
        + ", ".join(c + " DECIMAL(12,2) NOT NULL" for c in CATEGORIES) + ")"
    )
    rows = [[uid, no, *(Decimal(str(row[c])) for c in CATEGORIES)] for no, (uid, row) in enumerate(users, start=1)]
    if rows:
        cur.executemany("INSERT INTO " + USERS_TABLE + " VALUES (" + ", ".join([mark] * (2 + len(CATEGORIES))) + ")", rows)
    cur.execute(
        "CREATE TABLE int_card_params (card_no SMALLINT, redemption_no SMALLINT, card_id VARCHAR(100), card_name VARCHAR(200),"
        " bank VARCHAR(100), joining_fees DECIMAL(12,2), annual_fee DECIMAL(12,2), redemption_method VARCHAR(50),"
        " redemption_rate DECIMAL(5,4), reward VARCHAR(10))"
    )
    params = list(csv.reader(io.StringIO(files[PARAMS])))[1:]
    if params:
        cur.executemany("INSERT INTO int_card_params VALUES (" + ", ".join([mark] * 10) + ")", params)


def savings_query(files: dict[str, str], kind: str) -> str:
    """int_card_savings for every user and card, joined back to user_id, card_id and the method."""
    models = models_of(files, kind)
    figures = [c + "_points" for c in CATEGORIES] + ["total_savings_yearly", "total_extra_benefits"]
    columns = ", ".join(["s." + c for c in figures] + ["p.redemption_method", "s.redemption_rate", "s.net_savings"])
    return (
        "SELECT u.user_id, p.card_id, " + columns
        + " FROM (" + with_ephemerals_of("int_card_savings", models) + ") AS s"
        + " JOIN " + USERS_TABLE + " AS u ON u.user_no = s.user_no"
        + " JOIN int_card_params AS p ON p.card_no = s.card_no AND p.redemption_no = s.redemption_no"
    )


def want_figures(r) -> tuple:
    """The evaluator's figures (a CardResult) in savings_query's order after the ids."""
    return (
        *(r.points(c) for c in CATEGORIES), r.total_savings_yearly, r.total_extra_benefits,
        r.redemption_method, r.redemption_rate, r.net_savings,
    )


def with_ephemerals_of(name: str, models: dict[str, Rendered]) -> str:
    """An ephemeral model as dbt would select from it: its own SQL with its dependencies."""
    holder = Rendered("select * from {{ ref('" + name + "') }}", ephemeral=frozenset(models))
    return with_ephemerals("__query", {**models, "__query": holder})


def ranked_query(files: dict[str, str], kind: str, output_columns: tuple[str, ...]) -> str:
    """int_top_cards joined back to ids and the method: the rows card_recommendations writes."""
    models = models_of(files, kind)
    q = '"' if kind == "duckdb" else "`"
    pick = {c: ("p." if c in ("card_id", "card_name", "joining_fees", "redemption_method") else "t.") + c for c in output_columns}
    return (
        "SELECT u.user_id, t.card_rank AS " + q + "rank" + q + ", " + ", ".join(pick[c] for c in output_columns)
        + " FROM (" + with_ephemerals_of("int_top_cards", models) + ") AS t"
        + " JOIN " + USERS_TABLE + " AS u ON u.user_no = t.user_no"
        + " JOIN int_card_params AS p ON p.card_no = t.card_no AND p.redemption_no = t.redemption_no"
        + " ORDER BY u.user_id, t.card_rank"
    )
