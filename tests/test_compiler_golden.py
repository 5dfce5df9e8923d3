"""The fixed test catalog's compiled SQL, byte for byte, per dialect.

A deliberate change to the generated SQL: rerun with CGCOMPILE_UPDATE_GOLDEN=1,
then read the diff of tests/golden/ before committing it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.catalog import compiled
from support.fakedbt import render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CGCOMPILE_UPDATE_GOLDEN") == "1"
MODELS = sorted(p for p in compiled() if p.endswith(".sql") and "/lanes/" not in p
                and (p.startswith(("models/", "macros/generated/cards/")) or p == "macros/generated/card_savings.sql"))
DIALECTS = {"duckdb": "duckdb", "mysql": "mariadb", "spark": "spark"}  # golden folder → adapter type rendered


def _check(path: Path, text: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    assert path.is_file(), f"{path} is missing; create it with CGCOMPILE_UPDATE_GOLDEN=1"
    assert path.read_bytes().decode() == text


@pytest.mark.parametrize("folder", sorted(DIALECTS))
@pytest.mark.parametrize("model", MODELS)
def test_model_sql_matches_golden(folder, model):
    text = compiled()[model]
    if model.startswith("macros/"):  # a macro, as its caller calls it
        text += "{{ " + Path(model).stem + "() }}"
    # The macros it calls show as calls, not their SQL (each has its golden file).
    called = [Path(p).stem for p in MODELS if p.startswith("macros/") and p != model]
    text = "".join("{% macro " + c + "() %}" + c + "(){% endmacro %}" for c in called) + text
    text = render(text, DIALECTS[folder])
    _check(GOLDEN / folder / Path(model).name, text)


def test_no_stray_golden_files():
    names = {Path(m).name for m in MODELS}
    for folder in DIALECTS:
        assert {p.name for p in (GOLDEN / folder).glob("*.sql")} == names


@pytest.mark.parametrize("path", [
    "models/generated/schema.yml",
    "macros/generated/rules_version.sql",
    "seeds/generated/int_card_params.csv",
    "models/generated/lanes/int_top_cards_lane_1.sql",
])
def test_other_generated_files_match_golden(path):
    _check(GOLDEN / "files" / Path(path).name, compiled()[path])
