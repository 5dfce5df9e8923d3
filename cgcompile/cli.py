"""The command line: a thin click layer over the stages.

Exit codes (documented in README.md):
  0  ok
  1  invalid rules, stale generated files, failed verification, user ids already loaded,
     an alert (status --check)
  2  usage error or internal error
Every command's logic lives in its own module; this file parses options,
calls one function and maps errors to exit codes in one place (`main`).
With --json a command prints one JSON document on stdout when it exits 0 or
1; usage and internal errors (2) print only to stderr, as without it.
"""
from __future__ import annotations

import contextlib
import functools
import json
import sys
from pathlib import Path

import click

from .errors import CgError, RulesInvalid

DEFAULT_RULES = Path("card_rules")


class Stale(CgError):
    """Generated files differ from what the rules compile to (exit 1)."""

    exit_code = 1


class AlertRaised(CgError):
    """status --check found an alert, printed with the status (exit 1)."""

    exit_code = 1


class Reported(CgError):
    """A --json command printed its report; exit as its failure would, printing nothing more."""

    def __init__(self, failure: CgError):
        super().__init__(str(failure))
        self.exit_code = failure.exit_code


def echo_json(doc: dict, failure: CgError | None = None) -> None:
    """The one JSON document of a --json command; its failure still sets the exit code."""
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    if failure is not None:
        raise Reported(failure) from failure


@contextlib.contextmanager
def rules_reported(as_json: bool):
    """With --json, invalid rules print check's document instead of file:line:col lines."""
    try:
        yield
    except RulesInvalid as e:
        if not as_json:
            raise
        from .loader import check_json

        echo_json(check_json(None, e.problems), e)


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout (see README); exit codes unchanged."
)

target_option = click.option(
    "--target",
    "-t",
    default=None,
    help="dbt target in dbt_project/profiles.yml (default: the profile's default, duckdb).",
)


def job_target(target: str | None):
    """The dbt target the job runs on, read from dbt_project/profiles.yml (made from the example if missing)."""
    from . import db
    from .run import ensure_profiles

    return db.read_target(ensure_profiles(), target)


rules_dir_option = click.option(
    "--rules-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_RULES,
    show_default=True,
    help="Folder holding _catalog.yaml and one YAML file per card.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cgcompile")
def cli() -> None:
    """cgcompile: credit-card reward rules in YAML, compiled to SQL that ranks every user's best cards."""


@cli.command()
@rules_dir_option
@json_option
def check(rules_dir: Path, as_json: bool) -> None:
    """Validate card_rules/; print every error as file:line:col and exit 1 if any."""
    from .loader import check_json, load_catalog

    with rules_reported(as_json):
        catalog = load_catalog(rules_dir)
    if as_json:
        echo_json(check_json(len(catalog.cards)))
    else:
        click.echo(f"{len(catalog.cards)} cards OK ({rules_dir})")


@cli.command()
@rules_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (the list: every term with its sources).")
@click.option("--stale", "stale_days", type=click.IntRange(min=0), default=None, metavar="DAYS", help="List the terms whose sources were checked more than DAYS days ago (or never).")
@click.option("--diff", "diff_ref", default=None, metavar="REF", help="Show what changed in the card files since the git ref REF, figures apart from citations.")
@click.option("--plausibility", is_flag=True, help="Each card's yearly net savings as a share of yearly spend for the reference mix; list those above --threshold.")
@click.option("--users", type=click.IntRange(min=1), default=2000, show_default=True, help="With --plausibility: users of the reference mix.")
@click.option("--threshold", type=click.FloatRange(min=0), default=10, show_default=True, help="With --plausibility: percent return above which a card is listed to confirm.")
def cards(rules_dir: Path, as_json: bool, stale_days: int | None, diff_ref: str | None, plausibility: bool, users: int, threshold: float) -> None:
    """List the cards (bank, fees, confidence, source, rule constructs), or review them: --stale, --diff, --plausibility."""
    import datetime as dt
    from decimal import Decimal

    from .loader import card_summaries, cards_json, cards_table, load_catalog, stale_table, stale_terms

    modes = [m for m, on in (("--stale", stale_days is not None), ("--diff", diff_ref is not None), ("--plausibility", plausibility)) if on]
    if len(modes) > 1:
        raise click.UsageError(f"{' and '.join(modes)} cannot be combined")
    if diff_ref is not None:
        from . import review

        diffs = review.diff_catalog(rules_dir, diff_ref)
        click.echo(review.diff_json(diffs, diff_ref) if as_json else review.diff_text(diffs, diff_ref, rules_dir))
        return
    catalog = load_catalog(rules_dir)
    if plausibility:
        from . import review

        limit = Decimal(str(threshold))
        rows = review.plausibility(catalog, users, threshold=limit)
        click.echo(review.plausibility_json(rows, users, limit) if as_json else review.plausibility_text(rows, users, limit))
        return
    if stale_days is not None:
        rows = stale_terms(catalog, stale_days, dt.date.today())
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False) if as_json else stale_table(rows, stale_days))
        return
    summaries = card_summaries(catalog)
    click.echo(cards_json(summaries) if as_json else cards_table(summaries))


horizon_option = click.option(
    "--horizon",
    type=click.Choice(["first_year", "ongoing"]),
    default=None,
    help="Fees of the first year (joining fee, welcome, joining waiver) or of a later year (annual fee, renewal waiver); default: _catalog.yaml's horizon.",
)


@cli.command()
@click.option("--amazon", type=str, default=None, help="avg_amazon_gmv (omitted = NULL = 0).")
@click.option("--flipkart", type=str, default=None, help="avg_flipkart_gmv.")
@click.option("--myntra", type=str, default=None, help="avg_myntra_gmv.")
@click.option("--ajio", type=str, default=None, help="avg_ajio_gmv.")
@click.option("--grocery", type=str, default=None, help="avg_grocery_gmv.")
@click.option("--confirmed", type=str, default=None, help="avg_confirmed_gmv (other_online = confirmed − the five above).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Evaluate the rules valid on this date (default: _catalog.yaml's as_of).")
@click.option("--top", type=int, default=10, show_default=True, help="How many cards to show.")
@click.option("--assume", multiple=True, metavar="NAME=VALUE", help="Override an assumption's default: amazon_prime=false, avg_order_value.myntra=2500 (repeatable).")
@horizon_option
@rules_dir_option
@click.option("--json", "json_output", is_flag=True, help="Print every column and explanation as JSON.")
@click.option("--user", "user_id", default=None, help="Read this user's spend from the input table of --target and compare with the rows stored for them.")
@target_option
@click.option("--source-schema", default=None, help="With --user: schema of user_spending_data when it is not the target's.")
def explain(amazon, flipkart, myntra, ajio, grocery, confirmed, as_of, top, assume, horizon, rules_dir, json_output, user_id, target, source_schema) -> None:
    """Rank the cards for one user's monthly spend and explain every figure (--user: a stored user, beside their rows)."""
    from .explain import run

    if user_id is not None:
        given = [n for n, v in (("--amazon", amazon), ("--flipkart", flipkart), ("--myntra", myntra), ("--ajio", ajio), ("--grocery", grocery),
                                ("--confirmed", confirmed), ("--as-of", as_of), ("--horizon", horizon)) if v is not None] + (["--assume"] if assume else [])
        if given:
            raise click.UsageError(f"--user reads the spend and the rules the job used; {', '.join(given)} cannot go with it")
        from . import lookup

        text, fault = lookup.run(job_target(target), user_id, rules_dir, top, source_schema=source_schema, json_output=json_output)
        click.echo(text)
        if fault:
            raise Reported(lookup.Disagrees("the stored rows disagree with the rules they were computed under"))
        return
    if target is not None or source_schema is not None:
        raise click.UsageError("--target and --source-schema go with --user")
    amounts = {"amazon": amazon, "flipkart": flipkart, "myntra": myntra, "ajio": ajio, "grocery": grocery, "confirmed": confirmed}
    click.echo(run(rules_dir, amounts, as_of.date() if as_of else None, top, assume, json_output, horizon))


@cli.command()
@rules_dir_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dbt_project"), show_default=True, help="The dbt project to write models/generated/ and macros/generated/ into.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Compile the rules valid on this date (default: _catalog.yaml's as_of).")
@click.option("--assume", multiple=True, metavar="NAME=VALUE", help="Override an assumption's default (repeatable).")
@horizon_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing every stale, missing or extra generated file.")
@click.option("--json", "as_json", is_flag=True, help="With --check: print the result as one JSON document (see README).")
def rules(rules_dir: Path, out: Path, as_of, assume, horizon, check: bool, as_json: bool) -> None:
    """Compile card_rules/ into the generated dbt models (DuckDB and MySQL/MariaDB)."""
    from . import compiler

    if as_json and not check:
        raise click.UsageError("--json goes with --check (writing the files prints no report)")
    with rules_reported(as_json):
        files = compiler.load(rules_dir, as_of.date() if as_of else None, assume, horizon, out)
    if check:
        check_generated(out, files, as_json)
        return
    for line in compiler.write(out, files):
        click.echo(line)


def check_generated(out: Path, files: dict[str, str], as_json: bool) -> None:
    from . import compiler

    changes = compiler.changed_files(out, files)
    failure = None
    if changes:
        lines = [f"{kind}: {path}" for kind, path in changes]
        failure = Stale("\n".join(lines + [f"{len(lines)} generated file(s) out of date in {out}; run `cgcompile rules`"]))
    if as_json:
        echo_json(compiler.check_json(out, files, changes), failure)
    elif failure is not None:
        raise failure
    else:
        click.echo(f"{len(files)} generated files up to date in {out}")


@cli.command()
@click.option("--users", type=int, default=5000, show_default=True, help="Generated users besides the PRD's three samples.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed for the generated users.")
@target_option
@click.option("--report-out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/demo"), show_default=True, help="Where the run report is written.")
def demo(users: int, seed: int, target: str | None, report_out: Path) -> None:
    """Run the whole job on a fresh demo database: load users, `dbt build`, print a summary, write the report."""
    from .run import demo as run_demo

    outcome = run_demo(users, seed, target)
    if not outcome.success:
        raise CgError("dbt build failed: see its output above")
    page, _ = write_report(target, report_out, None, None, DEFAULT_RULES)
    click.echo(f"report: {page}")


def write_report(target: str | None, out: Path, batch: str | None, source_schema: str | None, rules_dir: Path):
    from .loader import load_catalog
    from .report import report

    catalog = load_catalog(rules_dir)
    banks = {c.id: c.bank for c in catalog.cards + catalog.excluded}
    return report(job_target(target), out, batch, source_schema=source_schema, banks=banks)


@cli.command()
@target_option
@click.option("--batch", default=None, help="Only the users this batch ranked, compared with the batch before it (default: every user's rows, the last batch compared).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/latest"), show_default=True, help="Folder for report.html and report.md.")
@click.option("--source-schema", default=None, help="Schema of user_spending_data when it is not the target's (default: dbt_project.yml's var).")
@rules_dir_option
def report(target: str | None, batch: str | None, out: Path, source_schema: str | None, rules_dir: Path) -> None:
    """Write a self-contained HTML page with charts, and a markdown summary, of what the runs produced."""
    page, summary = write_report(target, out, batch, source_schema, rules_dir)
    click.echo(f"report: {page}\nsummary: {summary}")


@cli.command()
@click.option("--base", default="HEAD", show_default=True, help="The git ref whose rules are compared with the working tree's.")
@click.option("--users", "users", type=click.IntRange(min=1), default=10000, show_default=True, help="How many users to run (a fixed spread of ids).")
@click.option("--all", "all_users", is_flag=True, help="Run every user of the input table.")
@target_option
@click.option("--source-schema", default=None, help="Schema of user_spending_data when it is not the target's.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/impact"), show_default=True, help="Folder for impact.html, impact.md and moved_users.csv.")
@rules_dir_option
@json_option
def impact(base: str, users: int, all_users: bool, target: str | None, source_schema: str | None, out: Path, rules_dir: Path, as_json: bool) -> None:
    """What the working tree's rules would change against --base, on the real users (read-only), before `cgcompile rules`."""
    from . import impact as impact_module

    progress = (lambda m: click.echo(m, err=True))
    result = impact_module.impact(job_target(target), rules_dir, base, None if all_users else users,
                                  source_schema=source_schema, progress=progress)
    files = impact_module.write(out, result)
    if as_json:
        echo_json({**result.as_json(), "files": [str(f) for f in files]})
    else:
        click.echo(impact_module.text(result))
        click.echo("wrote " + ", ".join(str(f) for f in files))


@cli.command("generate-users")
@click.option(
    "--count",
    type=click.IntRange(min=0),
    required=True,
    help="How many users to add, the PRD's 3 sample users among them unless already there; 0 only creates the table.",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same users.")
@click.option("--prefix", default="GEN", show_default=True, help="user_id prefix (use another to add more users to a table).")
@target_option
def generate_users(count: int, seed: int, prefix: str, target: str | None) -> None:
    """Bulk-load realistic users (the reference spending mix) into user_spending_data, all or nothing."""
    from . import db
    from .run import create_source_table, ensure_profiles, load_generated

    project = ensure_profiles()
    create_source_table(target, project)
    loaded = load_generated(db.read_target(project, target), count, seed, prefix, project)
    click.echo(f"loaded {loaded:,} users")


@cli.command()
@click.option("--target", type=click.Choice(["duckdb", "mariadb", "mysql", "spark"]), default="duckdb", show_default=True, help="duckdb: a temp file; mariadb/mysql: a scratch database <schema>_verify on that dbt target's server (created and dropped); spark: a local Spark in a temp folder (CGCOMPILE_SPARK_CORES cores, default 1).")
@click.option("--users", type=click.IntRange(min=0), default=10000, show_default=True, help="Generated users (the reference spending mix).")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed for the generated users.")
@click.option("--no-boundary", is_flag=True, help="Leave out the boundary users derived from the catalog.")
@horizon_option
@click.option("--assume", multiple=True, metavar="NAME=VALUE", help="Override an assumption's default (repeatable).")
@rules_dir_option
@json_option
def verify(target: str, users: int, seed: int, no_boundary: bool, horizon, assume, rules_dir: Path, as_json: bool) -> None:
    """Prove the compiled SQL equals the reference evaluator: dbt build on scratch data, compare every column."""
    from .harness import run_verify, verify_command

    if not as_json:
        run_verify(target, users, seed, not no_boundary, rules_dir, click.echo, horizon=horizon, assume=assume)
        return
    # dbt logs to whatever sys.stdout is when it starts; stdout is kept for the JSON document.
    with rules_reported(as_json), contextlib.redirect_stdout(sys.stderr):
        progress = functools.partial(click.echo, err=True)
        report = verify_command(target, users, seed, not no_boundary, rules_dir, progress, horizon=horizon, assume=assume)
    echo_json(report.as_json(), report.failure())


source_schema_option = click.option(
    "--source-schema",
    default=None,
    help="Schema (MySQL: database) of user_spending_data; default: the var source_schema of dbt_project.yml, else the target's.",
)


@cli.command()
@target_option
@json_option
@click.option("--check", "check_alerts", is_flag=True, help="Evaluate the alerts (the PRD, 8.2); exit 1 when one holds.")
@click.option("--fail-on", type=click.Choice(["warning", "critical"]), default="warning", show_default=True, help="With --check: the lowest alert level that exits 1.")
@click.option("--stall-minutes", type=click.FloatRange(min=0), default=15, show_default=True, help="Critical: a run with no progress for this long.")
@click.option("--error-rate-critical", type=click.FloatRange(min=0), default=5, show_default=True, help="Critical: percent of the last batch's users that failed.")
@click.option("--error-rate-warning", type=click.FloatRange(min=0), default=1, show_default=True, help="Warning: percent of the last batch's users that failed.")
@click.option("--throughput-critical", type=click.FloatRange(min=0), default=100, show_default=True, help="Critical: users per minute of a running batch.")
@click.option("--throughput-warning", type=click.FloatRange(min=0), default=500, show_default=True, help="Warning: users per minute of a running batch.")
@click.option("--min-batch-users", type=click.IntRange(min=0), default=100, show_default=True, help="Smaller batches are not judged on their error rate.")
@source_schema_option
def status(target, as_json, check_alerts, fail_on, stall_minutes, error_rate_critical, error_rate_warning,
           throughput_critical, throughput_warning, min_batch_users, source_schema) -> None:
    """Users by status, the batch under way (progress, throughput, ETA), recent errors and the last batches."""
    from . import db
    from .run import ensure_profiles
    from .status import Alert, Run, Status, StatusError, Thresholds, render, status_now

    limits = Thresholds(stall_minutes, error_rate_critical, error_rate_warning, throughput_critical, throughput_warning, min_batch_users)
    project = ensure_profiles()
    target_config = db.read_target(project, target)
    try:
        result = status_now(target_config, project, limits, db.source_schema(project, source_schema))
    except StatusError as e:
        if not check_alerts:
            raise
        # The PRD's "database connection lost" alert: reported like the others.
        result = Status(target_config.name, {}, Run("unknown"), None, None, 0, [], [Alert("critical", "database", str(e))])
    click.echo(json.dumps(result.as_json(), default=str, indent=2) if as_json else render(result))
    levels = ("critical",) if fail_on == "critical" else ("critical", "warning")
    if check_alerts and any(a.level in levels for a in result.alerts):
        raise AlertRaised(f"{len(result.alerts)} alert(s)")


@cli.command()
@click.option("--failed", is_flag=True, required=True, help="Set failed users back to new (the only kind today; required so the intent is explicit).")
@click.option("--older-than", default="0", show_default=True, help="Only users whose last processing is older than this: 1h, 30m, 2d; 0 = all.")
@target_option
@source_schema_option
def reprocess(failed: bool, older_than: str, target, source_schema) -> None:
    """Queue failed users for the next run: status new, error cleared (the PRD, 7.2)."""
    from . import db
    from .reprocess import parse_age, reset_failed
    from .run import ensure_profiles

    try:
        age = parse_age(older_than)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--older-than") from e
    project = ensure_profiles()
    count = reset_failed(db.read_target(project, target), age, project, db.source_schema(project, source_schema))
    click.echo(f"{count:,} failed users set back to new; the next `dbt build` processes them")


def main(argv: list[str] | None = None) -> int:
    """The one error boundary: map every failure to a message and an exit code."""
    try:
        cli.main(args=argv, prog_name="cgcompile", standalone_mode=False)
    except Reported as e:
        return e.exit_code
    except RulesInvalid as e:
        click.echo(str(e), err=True)
        return 1
    except Stale as e:
        click.echo(str(e), err=True)
        return 1
    except AlertRaised:
        return 1
    except CgError as e:
        click.echo(f"error: {e}", err=True)
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 2
    except click.ClickException as e:
        e.show()
        return 2
    except click.exceptions.Exit as e:
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
