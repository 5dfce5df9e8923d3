"""`dbt docs generate` describes every column of the output, the staging model and the source."""
from __future__ import annotations

import json

import pytest

from cgcompile.datagen import generate_users
from support.jobkit import Job

DOCUMENTED = (
    "model.cgcompile.card_recommendations",
    "model.cgcompile.stg_user_spending",
    "model.cgcompile.int_batch",
    "source.cgcompile.cashkaro.user_spending_data",
)


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    job = Job(tmp_path_factory.mktemp("docs"), "duckdb")
    job.create_source()
    job.load(list(generate_users(20, seed=3)))
    job.build()
    result = job.dbt("docs", "generate")
    assert result.success
    target = job.project / "target"
    return json.loads((target / "manifest.json").read_text()), json.loads((target / "catalog.json").read_text())


def undescribed(manifest: dict, catalog: dict, unique_id: str) -> list[str]:
    kind = "sources" if unique_id.startswith("source.") else "nodes"
    live = {c.lower() for c in catalog[kind][unique_id]["columns"]}
    documented = {name.lower(): c.get("description", "").strip() for name, c in manifest[kind][unique_id]["columns"].items()}
    return sorted(c for c in live if not documented.get(c))


@pytest.mark.parametrize("unique_id", DOCUMENTED)
def test_every_column_is_described(docs, unique_id):
    manifest, catalog = docs
    assert undescribed(manifest, catalog, unique_id) == []


def test_a_missing_description_is_found(docs):
    manifest, catalog = docs
    node = json.loads(json.dumps(manifest))
    node["nodes"]["model.cgcompile.card_recommendations"]["columns"].pop("net_savings")
    assert undescribed(node, catalog, "model.cgcompile.card_recommendations") == ["net_savings"]


def test_the_output_has_the_prd_columns_and_rules_version(docs):
    _, catalog = docs
    columns = [c.lower() for c in catalog["nodes"]["model.cgcompile.card_recommendations"]["columns"]]
    assert columns == [
        "id", "user_id", "rank", "card_name", "card_id", "total_savings_yearly", "joining_fees",
        "total_extra_benefits", "net_savings", "amazon_points", "flipkart_points", "myntra_points",
        "ajio_points", "grocery_points", "other_online_points", "redemption_method", "redemption_rate",
        "processed_at", "batch_id", "rules_version", "created_at", "updated_at",
    ]
