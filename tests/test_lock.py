"""requirements.lock pins every dependency pyproject.toml names, within its range."""
from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from support.jobkit import REPO


def locked() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: '{line}' is not name==version"
            pins[canonicalize_name(name)] = version
    return pins


def unmet(requirements: list[str], pins: dict[str, str]) -> list[str]:
    out = []
    for text in requirements:
        req = Requirement(text)
        version = pins.get(canonicalize_name(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            out.append(f"{text}: locked {version}")
    return out


def test_the_lock_meets_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    assert unmet(wanted, locked()) == []


def test_a_pin_outside_the_range_is_found():
    assert unmet(["sqlglot~=30.30.0", "dbt-core==1.7.20"], {"sqlglot": "30.31.0"}) == [
        "sqlglot~=30.30.0: locked 30.31.0",
        "dbt-core==1.7.20: locked None",
    ]
