"""`cgcompile explain --user` (lookup.py) on DuckDB and MariaDB: agreement with the stored rows,
and the three ways they can differ: the rules changed, the spend changed, or a fault.
One job is built per engine; each test changes only a user of its own."""
from __future__ import annotations

import json

import pytest

from cgcompile import lookup
from cgcompile.datagen import generate_users
from support.jobkit import Job


@pytest.fixture(scope="module", params=["duckdb", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def job(request, tmp_path_factory) -> Job:
    params = request.getfixturevalue("mariadb_module_schema") if request.param == "mariadb" else None
    job = Job(tmp_path_factory.mktemp("lookup"), request.param, params)
    job.create_source()
    job.load(list(generate_users(60, seed=11)) + [("NEGATIVE", 1000, -5, 0, 0, 0, 2000)])
    job.build()
    return job


def explain(job: Job, user: str, as_json: bool = False):
    return lookup.run(job.target, user, job.rules_dir, project_dir=job.project, json_output=as_json)


def test_the_stored_rows_agree_with_the_explanation(job):
    text, fault = explain(job, "CK7186246")
    assert not fault
    assert "agree: the stored rows are exactly what these rules give" in text
    stored_first = job.query("SELECT card_id FROM card_recommendations WHERE user_id = 'CK7186246' AND \"rank\" = 1")[0][0]
    assert "1. " in text and f"({stored_first}" in text.split("Stored in card_recommendations:")[1].splitlines()[1]
    doc = json.loads(explain(job, "CK7186246", as_json=True)[0])
    assert doc["agrees"] and len(doc["stored"]) == 10 and doc["cards"][0]["card_id"] == stored_first


def test_a_failed_user_agrees_with_its_error(job):
    text, fault = explain(job, "NEGATIVE")
    assert not fault and "avg_flipkart_gmv is negative" in text and "agree" in text


def test_changed_spend_is_expected_to_differ(job):
    job.update_spend("GEN03", avg_amazon_gmv=5, avg_flipkart_gmv=0, avg_confirmed_gmv=10)
    text, fault = explain(job, "GEN03")
    assert not fault and "differ, as expected" in text and "spend updated since" in text


def test_changed_rules_are_expected_to_differ(job):
    job.query("UPDATE card_recommendations SET rules_version = 'aaaaaaaaaaaa', net_savings = net_savings + 1 WHERE user_id = 'GEN04'")
    text, fault = explain(job, "GEN04")
    assert not fault and "computed under rules aaaaaaaaaaaa" in text


def test_a_wrong_stored_figure_is_a_fault(job):
    job.query("UPDATE card_recommendations SET net_savings = net_savings + 1 WHERE user_id = 'GEN05' AND \"rank\" = 2")
    text, fault = explain(job, "GEN05")
    assert fault and "DISAGREE under the same rules" in text and "net_savings" in text, text


def test_an_unknown_user(job):
    with pytest.raises(lookup.UnknownUser, match="NOBODY is not in user_spending_data"):
        explain(job, "NOBODY")
