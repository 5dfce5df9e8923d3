"""`cgcompile rules`: the validated rules compiled into dbt models (docs/rules.md).

Stages, one module each:
  exprs   exact-arithmetic sqlglot helpers (no division, explicit DECIMAL casts)
  emit    one emitter per rule kind
  models  the per-model SELECTs
  render  dialect rendering, headers, writing, staleness
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from ..errors import CgError
from ..model import Catalog
from ..resolve import resolve_catalog
from .render import Settings, changed_files, check_json, compile_files, differences, write


def settings_for(
    catalog: Catalog, rules_dir: Path, as_of: dt.date | None, overrides: dict, horizon: str | None = None, lanes: int = 2
) -> Settings:
    values = {**catalog.defaults(), **overrides}
    return Settings(
        rules_label=Path(rules_dir).name + "/",
        as_of=as_of or catalog.as_of,
        assumptions=tuple(sorted(values.items())),
        horizon=horizon or catalog.horizon,
        gst_percent=catalog.gst_percent,
        lanes=lanes,
    )


def project_lanes(project: Path) -> int:
    """vars: cg_lanes of the dbt project: how many lane models to generate (2 where none says)."""
    path = Path(project) / "dbt_project.yml"
    doc = (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}
    lanes = (doc.get("vars") or {}).get("cg_lanes", 2)
    if not isinstance(lanes, int) or isinstance(lanes, bool) or lanes < 1:
        raise CgError(f"{Path(project) / 'dbt_project.yml'}: vars.cg_lanes: expected a whole number of at least 1, got {lanes!r}")
    return lanes


def compile_catalog(catalog: Catalog, settings: Settings) -> dict[str, str]:
    """Every generated file (path relative to the dbt project → text)."""
    cards = resolve_catalog(catalog, settings.as_of, dict(settings.assumptions), settings.horizon)
    return compile_files(cards, settings)


def load(rules_dir: Path, as_of: dt.date | None, assume: tuple[str, ...], horizon: str | None = None, project: Path = Path("dbt_project")) -> dict[str, str]:
    """Load and validate the rules (RulesInvalid on any problem), then compile them for `project`."""
    from ..loader import load_catalog
    from ..options import horizon_choice, parse_assumptions

    catalog = load_catalog(rules_dir)
    overrides = parse_assumptions(assume, catalog)
    settings = settings_for(catalog, rules_dir, as_of, overrides, horizon_choice(horizon, catalog), project_lanes(project))
    return compile_catalog(catalog, settings)


__all__ = ["Settings", "changed_files", "check_json", "compile_catalog", "differences", "load", "settings_for", "write"]
