"""Running the job: the demo dataset, bulk user generation and the summary.

The job itself is `dbt build`; this module only prepares data and reports.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import click
import sqlglot

from . import db
from .datagen import COLUMNS, PRD_SAMPLE_USERS, generate_users
from .errors import CgError

EXAMPLE_PROFILES = Path("profiles.yml.example")

# Monitoring queries from the PRD (8.1 and appendix C), written once and
# transpiled to the target's dialect.
STATUS_QUERY = sqlglot.parse_one(
    """
    SELECT processing_status, COUNT(*) AS users, MAX(last_processed_at) AS latest_processed
    FROM user_spending_data GROUP BY processing_status ORDER BY processing_status
    """
)
RECOMMENDATIONS_QUERY = sqlglot.parse_one(
    "SELECT COUNT(*) AS recommendations, COUNT(DISTINCT user_id) AS users FROM card_recommendations"
)
TOP_QUERY = sqlglot.parse_one(
    """
    SELECT user_id, "rank", card_name, net_savings
    FROM card_recommendations
    WHERE user_id IN ('CK7186246', 'USER4188152', 'CUST3267595') AND "rank" <= 3
    ORDER BY user_id, "rank"
    """,
    read="duckdb",
)


def ensure_profiles(project_dir: Path = db.PROJECT_DIR) -> Path:
    """dbt_project/profiles.yml, copied from the example the first time."""
    path = project_dir / "profiles.yml"
    if not path.exists():
        if not EXAMPLE_PROFILES.exists():
            raise CgError(f"{path} not found and no {EXAMPLE_PROFILES} to copy it from; run from the repository root")
        shutil.copyfile(EXAMPLE_PROFILES, path)
        click.echo(f"created {path} from {EXAMPLE_PROFILES}")
    return project_dir


def create_source_table(target_name: str | None, project_dir: Path = db.PROJECT_DIR) -> None:
    """The PRD's input table, for demos and tests (source_table.py)."""
    from .source_table import create_source_table as create

    create(db.read_target(project_dir, target_name), project_dir)


class PrefixTaken(CgError):
    """The generated ids are in the table already (exit 1); nothing was loaded."""

    exit_code = 1


def load_generated(target: db.Target, count: int, seed: int, prefix: str = "GEN", project_dir: Path = db.PROJECT_DIR) -> int:
    """Bulk-load `count` users, all or nothing, with a progress bar; the PRD's samples among them unless already there."""
    present = db.present_ids(target, tuple(u[0] for u in PRD_SAMPLE_USERS), project_dir)
    samples = [u for u in PRD_SAMPLE_USERS if u[0] not in present]
    rows = generate_users(count, seed, prefix, samples)
    try:
        with click.progressbar(length=count, label=f"loading {count:,} users into {target.name}", show_eta=True) as bar:
            return db.load_users(target, rows, COLUMNS, project_dir, on_batch=bar.update)
    except db.IdsTaken as e:
        raise PrefixTaken(
            f"prefix '{prefix}' is taken: {e.taken:,} of the {e.rows:,} user ids to load are already in "
            f"{db.SOURCE_TABLE} (e.g. {e.example}); nothing was loaded; choose another --prefix"
        ) from e


@dataclass(frozen=True)
class BuildOutcome:
    success: bool
    seconds: float
    passed: int
    failures: tuple[str, ...]  # "node: status: message" for every node that errored or failed

    @property
    def failed(self) -> int:
        return len(self.failures)


def build(
    target_name: str | None, project_dir: Path = db.PROJECT_DIR, extra: list[str] | None = None, quiet: bool = False
) -> BuildOutcome:
    """`dbt build`: select, rank, write and validate."""
    started = time.perf_counter()
    result = db.run_dbt([*(["--quiet"] if quiet else []), "build", *(extra or [])], project_dir, target=target_name)
    seconds = time.perf_counter() - started
    passed, failures = 0, []
    for r in result.result or ():
        status = str(r.status).lower()
        if status in ("pass", "success"):
            passed += 1
        elif status != "skipped":
            # A failed on-run-start hook comes back as a result without a node.
            name = r.node.name if getattr(r, "node", None) is not None else "on-run-start"
            failures.append(f"{name}: {r.status}: {r.message}")
    if not result.success and not failures:
        failures.append(f"dbt build: {result.exception or 'failed'}")
    return BuildOutcome(bool(result.success), seconds, passed, tuple(failures))


def summary(target: db.Target, project_dir: Path = db.PROJECT_DIR) -> str:
    """The PRD's dashboard figures and the sample users' top 3, as text."""
    conn = db.connect(target, project_dir)
    try:
        cur = conn.cursor()
        lines = ["processing_status  users      latest_processed"]
        cur.execute(STATUS_QUERY.sql(dialect=target.dialect))
        for status, users, latest in cur.fetchall():
            lines.append(f"{status:<18} {users:<10,} {latest}")
        cur.execute(RECOMMENDATIONS_QUERY.sql(dialect=target.dialect))
        recs, users = cur.fetchone()
        lines.append(f"card_recommendations: {recs:,} rows for {users:,} users")
        cur.execute(TOP_QUERY.sql(dialect=target.dialect))
        rows = cur.fetchall()
        if rows:
            lines.append("top 3 for the PRD's sample users:")
            for user_id, rank, card_name, net in rows:
                lines.append(f"  {user_id:<12} {rank:>2}. {card_name[:48]:<48} ₹{net:>12,}")
        cur.close()
    finally:
        conn.close()
    return "\n".join(lines)


def demo(users: int, seed: int, target_name: str | None, project_dir: Path = db.PROJECT_DIR) -> BuildOutcome:
    """A fresh demo database: the PRD's samples plus generated users, then `dbt build`."""
    ensure_profiles(project_dir)
    target = db.read_target(project_dir, target_name)
    if target.type == "duckdb":
        path = db.duckdb_file(target, project_dir)
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
    else:
        _drop_demo_tables(target, project_dir)
    create_source_table(target_name, project_dir)
    load_generated(target, max(users, len(PRD_SAMPLE_USERS)), seed, project_dir=project_dir)
    outcome = build(target_name, project_dir)
    click.echo("")
    click.echo(summary(target, project_dir))
    state = "passed" if outcome.success else "FAILED"
    click.echo(f"dbt build {state} in {outcome.seconds:.1f} s: {outcome.passed} nodes ok, {outcome.failed} failed")
    return outcome


def _drop_demo_tables(target: db.Target, project_dir: Path) -> None:
    conn = db.connect(target, project_dir)
    try:
        cur = conn.cursor()
        # Children first: card_recommendations references user_spending_data.
        for name in ("card_recommendations", "cg_batch_log", "int_batch", "int_card_params", db.SOURCE_TABLE):
            cur.execute(sqlglot.exp.Drop(tables=[sqlglot.exp.to_table(name)], kind="TABLE", exists=True).sql(dialect="mysql"))
        conn.commit()
    finally:
        conn.close()
