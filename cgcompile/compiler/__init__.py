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

from ..model import Catalog
from ..resolve import resolve_catalog
from .render import Settings, compile_files, differences, write


def settings_for(catalog: Catalog, rules_dir: Path, as_of: dt.date | None, overrides: dict, horizon: str | None = None) -> Settings:
    values = {**catalog.defaults(), **overrides}
    return Settings(
        rules_label=Path(rules_dir).name + "/",
        as_of=as_of or catalog.as_of,
        assumptions=tuple(sorted(values.items())),
        horizon=horizon or catalog.horizon,
        gst_percent=catalog.gst_percent,
    )


def compile_catalog(catalog: Catalog, settings: Settings) -> dict[str, str]:
    """Every generated file (path relative to the dbt project → text)."""
    cards = resolve_catalog(catalog, settings.as_of, dict(settings.assumptions), settings.horizon)
    return compile_files(cards, settings)


def load(rules_dir: Path, as_of: dt.date | None, assume: tuple[str, ...], horizon: str | None = None) -> dict[str, str]:
    """Load and validate the rules (RulesInvalid on any problem), then compile them."""
    from ..explain import horizon_choice, parse_assumptions
    from ..loader import load_catalog

    catalog = load_catalog(rules_dir)
    settings = settings_for(catalog, rules_dir, as_of, parse_assumptions(assume, catalog), horizon_choice(horizon, catalog))
    return compile_catalog(catalog, settings)


__all__ = ["Settings", "compile_catalog", "differences", "load", "settings_for", "write"]
