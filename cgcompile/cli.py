"""The command line: a thin click layer over the stages.

Exit codes (documented in README.md):
  0  ok
  1  invalid rules, stale generated files, failed verification
  2  usage error or internal error
Every command's logic lives in its own module; this file parses options,
calls one function and maps errors to exit codes in one place (`main`).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import CgError, RulesInvalid

DEFAULT_RULES = Path("card_rules")


class Stale(CgError):
    """Generated files differ from what the rules compile to (exit 1)."""


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
def check(rules_dir: Path) -> None:
    """Validate card_rules/; print every error as file:line:col and exit 1 if any."""
    from .loader import load_catalog

    catalog = load_catalog(rules_dir)
    click.echo(f"{len(catalog.cards)} cards OK ({rules_dir})")


@cli.command()
@rules_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def cards(rules_dir: Path, as_json: bool) -> None:
    """List the cards: bank, fees, source, and the rule constructs each one uses."""
    from .loader import card_summaries, cards_json, cards_table, load_catalog

    summaries = card_summaries(load_catalog(rules_dir))
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
def explain(amazon, flipkart, myntra, ajio, grocery, confirmed, as_of, top, assume, horizon, rules_dir, json_output) -> None:
    """Rank the cards for one user's monthly spend and explain every figure."""
    from .explain import run

    amounts = {"amazon": amazon, "flipkart": flipkart, "myntra": myntra, "ajio": ajio, "grocery": grocery, "confirmed": confirmed}
    click.echo(run(rules_dir, amounts, as_of.date() if as_of else None, top, assume, json_output, horizon))


@cli.command()
@rules_dir_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dbt_project"), show_default=True, help="The dbt project to write models/generated/ and macros/generated/ into.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Compile the rules valid on this date (default: _catalog.yaml's as_of).")
@click.option("--assume", multiple=True, metavar="NAME=VALUE", help="Override an assumption's default (repeatable).")
@horizon_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing every stale, missing or extra generated file.")
def rules(rules_dir: Path, out: Path, as_of, assume, horizon, check: bool) -> None:
    """Compile card_rules/ into the generated dbt models (DuckDB and MySQL/MariaDB)."""
    from . import compiler

    files = compiler.load(rules_dir, as_of.date() if as_of else None, assume, horizon, out)
    if check:
        problems = compiler.differences(out, files)
        if problems:
            raise Stale("\n".join(problems + [f"{len(problems)} generated file(s) out of date in {out}; run `cgcompile rules`"]))
        click.echo(f"{len(files)} generated files up to date in {out}")
        return
    for line in compiler.write(out, files):
        click.echo(line)


target_option = click.option(
    "--target",
    default=None,
    help="dbt target in dbt_project/profiles.yml (default: the profile's default, duckdb).",
)


@cli.command()
@click.option("--users", type=int, default=5000, show_default=True, help="Generated users besides the PRD's three samples.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed for the generated users.")
@target_option
def demo(users: int, seed: int, target: str | None) -> None:
    """Run the whole job on a fresh demo database: load users, `dbt build`, print a summary."""
    from .run import demo as run_demo

    outcome = run_demo(users, seed, target)
    if not outcome.success:
        raise CgError("dbt build failed: see its output above")


@cli.command("generate-users")
@click.option("--count", type=int, required=True, help="How many users to add to user_spending_data.")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same users.")
@click.option("--prefix", default="GEN", show_default=True, help="user_id prefix (use another to add more users to a table).")
@target_option
def generate_users(count: int, seed: int, prefix: str, target: str | None) -> None:
    """Bulk-load realistic users (the reference spending mix) into user_spending_data."""
    from . import db
    from .run import create_source_table, ensure_profiles, load_generated

    project = ensure_profiles()
    create_source_table(target, project)
    loaded = load_generated(db.read_target(project, target), count, seed, prefix, project)
    click.echo(f"loaded {loaded:,} users")


@cli.command()
@click.option("--target", type=click.Choice(["duckdb", "mariadb", "mysql"]), default="duckdb", show_default=True, help="duckdb: a temp file; mariadb/mysql: a scratch database <schema>_verify on that dbt target's server (created and dropped).")
@click.option("--users", type=click.IntRange(min=0), default=10000, show_default=True, help="Generated users (the reference spending mix).")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed for the generated users.")
@click.option("--no-boundary", is_flag=True, help="Leave out the boundary users derived from the catalog.")
@horizon_option
@click.option("--assume", multiple=True, metavar="NAME=VALUE", help="Override an assumption's default (repeatable).")
@rules_dir_option
def verify(target: str, users: int, seed: int, no_boundary: bool, horizon, assume, rules_dir: Path) -> None:
    """Prove the compiled SQL equals the reference evaluator: dbt build on scratch data, compare every column."""
    from .harness import run_verify

    run_verify(target, users, seed, not no_boundary, rules_dir, click.echo, horizon=horizon, assume=assume)


def main(argv: list[str] | None = None) -> int:
    """The one error boundary: map every failure to a message and an exit code."""
    try:
        cli.main(args=argv, prog_name="cgcompile", standalone_mode=False)
    except RulesInvalid as e:
        click.echo(str(e), err=True)
        return 1
    except Stale as e:
        click.echo(str(e), err=True)
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
