"""The scheduled job driven like a scheduler would, on the package's scratch Workspace.

cgcompile.harness.Workspace does the work (a project copy, its own database,
bulk loading, dbt, the comparison); this adds what the job tests need on top:
assertions, spend updates and the user list the comparison runs over.
"""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

from sqlglot import exp

from cgcompile import db
from cgcompile.datagen import COLUMNS, generate_users
from cgcompile.harness import Workspace, duckdb_target
from cgcompile.loader import load_catalog
from cgcompile.verify import compare, expected_rows

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "card_rules"


def mariadb_target(params) -> db.Target:
    """A cgcompile.testing.mariadb_server ConnParams as a dbt target."""
    return db.Target(
        name="mariadb",
        type="mariadb",
        host=params.host,
        port=params.port,
        user=params.user,
        password=params.password,
        schema=params.database,
    )


# The job tests exercise the batch engine, not the catalog: the proof over every card is
# test_harness (verify) and test_compiler_real_rules.  Seventeen real cards that between
# them use every construct keep each build quick (100 cards made the suite 6x slower).
JOB_CARDS = (
    "amazon_pay_icici", "amex_mrcc", "axis_ace", "axis_magnus", "bob_eterna", "flipkart_axis", "hdfc_freedom", "hdfc_millennia",
    "hdfc_regalia_gold", "hsbc_live_plus", "idfc_first_millennia", "kotak_white", "sbi_cashback", "sbi_simplyclick",
    "swiggy_hdfc", "tata_neu_infinity_hdfc", "yes_bank_marquee",
)


# Card text as analysts write it: quotes, a backslash and non-ASCII must reach the output
# as written on every engine (the seed loaders quote values their own way).
AWKWARD_CARD = "axis_ace"
AWKWARD_TEXT = {
    "name": "Axis Bank's ACE \"Cashback\" \\ Card ₹",
    "bank": "Axis Bank's",
    "method": "Cashback, credited 'as is' \\n to the statement",
}


def job_rules(into: Path) -> Path:
    """A rules folder of JOB_CARDS, copied from card_rules/ as they are now."""
    into.mkdir(parents=True, exist_ok=True)
    for name in ("_catalog", *JOB_CARDS):
        shutil.copy(RULES_DIR / (name + ".yaml"), into / (name + ".yaml"))
    awkward = into / (AWKWARD_CARD + ".yaml")
    text = awkward.read_text(encoding="utf-8")
    for key, value in AWKWARD_TEXT.items():
        text, n = re.subn(r"^(\s*(?:- )?" + key + r": ).*$", lambda m: m.group(1) + json.dumps(value, ensure_ascii=False), text, count=1, flags=re.M)
        assert n == 1, key
    awkward.write_text(text, encoding="utf-8")
    return into


class Job(Workspace):
    def __init__(self, tmp_path: Path, kind: str, mariadb_params=None):
        target = duckdb_target(tmp_path / "job.duckdb") if kind == "duckdb" else mariadb_target(mariadb_params)
        super().__init__(tmp_path, target, REPO / "dbt_project")
        self.rules_dir = job_rules(tmp_path / "job_rules")
        self.assumptions: dict[str, bool] = {}
        self.users: dict[str, tuple] = {}
        self.last_build_second = 0
        self.compile_rules()

    def build(self, *args: str):
        # A run's batch_id is its start time to the second (the PRD's
        # BATCH_YYYYMMDD_HHMMSS); a scheduled run never follows another within
        # a second, but two builds of a few users here can.
        while int(time.time()) <= self.last_build_second:
            time.sleep(0.05)
        result = super().build(*args)
        self.last_build_second = int(time.time())  # the batch started no later
        assert result.success, f"dbt build failed: {result.failures}"
        return result

    def compile_rules(self, *assume: str) -> None:
        """Recompile the generated models into this copy (a rules change)."""
        for a in assume:
            name, value = a.split("=")
            self.assumptions[name] = value == "true"
        super().compile_rules(load_catalog(self.rules_dir), self.rules_dir, None, self.assumptions)

    def load(self, rows: list[tuple]) -> None:
        """rows in datagen.COLUMNS order; None is NULL.

        The data team loads before the run (the PRD: Sunday night for a Monday
        run), so updated_at is set a day back.  Loaded in the same second as a
        batch starts, a row counts as possibly changed after the batch read it
        (updated_at >= last_processed_at at second resolution) and is
        processed once more, which would make the scenarios depend on timing.
        """
        super().load(rows)
        self.query(
            "UPDATE user_spending_data SET updated_at = updated_at - INTERVAL 1 DAY WHERE processing_status = 'new'"
        )
        for r in rows:
            self.users[r[0]] = tuple(r)

    def update_spend(self, user_id: str, **columns) -> None:
        """What the data team does: change a user's spend; updated_at moves."""
        values = {c: exp.Literal.number(v) for c, v in columns.items()}
        values["updated_at"] = exp.CurrentTimestamp()
        stmt = exp.update(
            exp.table_(db.SOURCE_TABLE), values, where=exp.column("user_id").eq(exp.Literal.string(user_id))
        )
        self.execute(stmt)
        old = dict(zip(COLUMNS, self.users[user_id]))
        old.update(columns)
        self.users[user_id] = tuple(old[c] for c in COLUMNS)

    def snapshot(self):
        """Every row of card_recommendations, with id and batch, and every status."""
        recs = self.query('SELECT id, user_id, "rank", card_id, net_savings, batch_id, rules_version FROM card_recommendations ORDER BY id')
        users = self.query("SELECT user_id, processing_status, last_processed_at, processing_error FROM user_spending_data ORDER BY user_id")
        return recs, users

    def statuses(self) -> dict[str, tuple]:
        return {u: (s, e) for u, s, _, e in self.snapshot()[1]}

    def prd_checks(self) -> dict[str, int]:
        return {c.name: c.bad_rows for c in super().prd_checks()}

    def mismatches(self):
        """Differences between the database and the reference evaluator, all users."""
        want = expected_rows(load_catalog(self.rules_dir), self.users.values(), assumptions=self.assumptions or None)
        got, statuses = self.actual()
        return compare(want, got, statuses)


# Edge cases from the PRD (4.1): zero spend, over ₹10L a month, NULL = 0;
# plus confirmed below the named categories (other online spend is then 0).
EDGE_USERS = [
    ("ZERO", 0, 0, 0, 0, 0, 0),
    ("NULLS", None, 25000, None, None, 4000, None),
    ("HUGE", 2500000, 1200000, 300000, 150000, 400000, 6000000),
    ("UNDER", 40000, 20000, 5000, 0, 8000, 10000),
]


def assert_clean(job: Job) -> None:
    assert job.prd_checks() == {
        "2_completed_users_without_10_recommendations": 0,
        "3_null_critical_fields": 0,
        "4_ranking_order": 0,
    }
    mismatches = job.mismatches()
    assert not mismatches, "\n".join(str(m) for m in mismatches[:20])


def edge_case_job(request, tmp_path: Path, seed: int) -> Job:
    """The job fixture of the scenario tests: a Job on request.param's engine holding
    120 generated users and the PRD's edge cases (a fresh MariaDB schema per test)."""
    params = request.getfixturevalue("mariadb_schema") if request.param == "mariadb" else None
    job = Job(tmp_path, request.param, params)
    job.create_source()
    job.load(list(generate_users(120, seed=seed)) + EDGE_USERS)
    return job
