"""`cgcompile check` and `cgcompile cards` through the real entry point (exit codes and output)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cgcompile.cli import main

TESTS = Path(__file__).parent
ROOT = TESTS.parent


@pytest.fixture(autouse=True)
def in_tests(monkeypatch):
    monkeypatch.chdir(TESTS)


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_ok(capsys):
    assert run(capsys, "check", "--rules-dir", "fixtures/valid") == (0, "3 cards OK (fixtures/valid)\n", "")


def test_check_invalid_prints_every_problem_and_exits_1(capsys):
    code, out, err = run(capsys, "check", "--rules-dir", "fixtures/invalid/cap_unit_mismatch")
    assert (code, out) == (1, "")
    assert err == (
        "fixtures/invalid/cap_unit_mismatch/c.yaml:16:29: rules[0].cap.unit: a cashback card caps rupees, got 'points'\n"
        "fixtures/invalid/cap_unit_mismatch/p.yaml:16:29: rules[0].cap.unit: a points card caps points, got 'rupees'\n"
        "2 errors in the card rules\n"
    )


def test_check_missing_folder_is_usage_error(capsys):
    assert run(capsys, "check", "--rules-dir", "nowhere") == (2, "", "error: nowhere: no such folder\n")


def test_unknown_option_is_usage_error(capsys):
    code, _, err = run(capsys, "check", "--rules", "fixtures/valid")
    assert code == 2 and "No such option" in err and "--rules" in err


def test_shipped_catalog_is_valid(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "check")
    assert (code, err) == (0, "")
    assert out.endswith(" cards OK (card_rules)\n")


def test_cards_table(capsys):
    code, out, err = run(capsys, "cards", "--rules-dir", "fixtures/valid")
    assert (code, err) == (0, "")
    header, partner, shop, travel = out.splitlines()
    assert header.split() == ["ID", "NAME", "BANK", "JOINING", "ANNUAL", "CHECKED", "CONFIDENCE", "RULES", "SOURCE"]
    assert shop.split()[:6] == ["shop_cashback", "Shop", "Cashback", "Card", "Test", "Bank"]
    assert "  500   499.5  2026-11-20  single_source  bonus, fee_waiver, flat, joining_fee_waiver, welcome, pooled_cap, assumption, validity  " in shop
    assert shop.endswith("  https://example.com/shop-cashback")
    assert "  bonus, flat, milestone, tiered, welcome, cap, points_cap, assumption, validity, redemption_choice  " in travel
    assert ("  flat, welcome, cap, pooled_cap, nested_cap, points_cap, per_order, partner_share, validity, "
            "redemption_choice, redemption_limits, travel_redemption  ") in partner
    # Columns line up: every row has its checked date at the same offset.
    assert shop.index("2026-11-20") == travel.index("2026-11-01") == header.index("CHECKED")


def test_cards_json(capsys):
    code, out, err = run(capsys, "cards", "--rules-dir", "fixtures/valid", "--json")
    assert (code, err) == (0, "")
    cards = json.loads(out)
    assert cards[0]["id"] == "partner_points" and cards[0]["joining_fee"] == 499
    # Every term with its sources; these fixtures cite none, so the card's source backs each.
    shop_terms = cards[1].pop("terms")
    assert [t["term"] for t in shop_terms][:2] == ["fees", "rules[0]"]
    assert shop_terms[0] == {"term": "fees", "confidence": "single_source", "checked": "2026-11-20", "inherited": True, "sources": [
        {"key": "source", "url": "https://example.com/shop-cashback", "checked": "2026-11-20", "issuer": False}]}
    del cards[2]["terms"]
    assert cards[1:] == [
        {
            "id": "shop_cashback",
            "name": "Shop Cashback Card",
            "bank": "Test Bank",
            "joining_fee": 500,
            "annual_fee": 499.5,
            "source_url": "https://example.com/shop-cashback",
            "checked": "2026-11-20",
            "confidence": "single_source",
            "ranked": True,
            "rules": ["bonus", "fee_waiver", "flat", "joining_fee_waiver", "welcome", "pooled_cap", "assumption", "validity"],
        },
        {
            "id": "travel_points",
            "name": "Travel Points Card",
            "bank": "Other Bank",
            "joining_fee": 12500,
            "annual_fee": 12500,
            "source_url": "https://example.com/travel-points",
            "checked": "2026-11-01",
            "confidence": "single_source",
            "ranked": True,
            "rules": [
                "bonus", "flat", "milestone", "tiered", "welcome",
                "cap", "points_cap", "assumption", "validity", "redemption_choice",
            ],
        },
    ]


def test_cards_refuses_invalid_rules(capsys):
    code, out, err = run(capsys, "cards", "--rules-dir", "fixtures/invalid/unknown_kind", "--json")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "fixtures/invalid/unknown_kind/c.yaml:13:9: rules[0].kind: unknown rule kind 'flatt' (did you mean 'flat'?)",
        "1 error in the card rules",
    ]


def test_check_json_ok(capsys):
    code, out, err = run(capsys, "check", "--rules-dir", "fixtures/valid", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"ok": True, "cards": 3, "errors": []}


def test_check_json_lists_each_error_with_its_position_and_exits_1(capsys):
    code, out, err = run(capsys, "check", "--rules-dir", "fixtures/invalid/cap_unit_mismatch", "--json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {
        "ok": False,
        "cards": None,
        "errors": [
            {"file": "fixtures/invalid/cap_unit_mismatch/c.yaml", "line": 16, "column": 29, "path": "rules[0].cap.unit",
             "message": "a cashback card caps rupees, got 'points'"},
            {"file": "fixtures/invalid/cap_unit_mismatch/p.yaml", "line": 16, "column": 29, "path": "rules[0].cap.unit",
             "message": "a points card caps points, got 'rupees'"},
        ],
    }


def test_check_json_path_is_null_for_a_whole_file_problem(capsys, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree("fixtures/valid", rules)
    (rules / "empty.yaml").write_text("")
    code, out, _ = run(capsys, "check", "--rules-dir", str(rules), "--json")
    assert code == 1
    assert json.loads(out)["errors"] == [
        {"file": str(rules / "empty.yaml"), "line": 1, "column": 1, "path": None, "message": "the file is empty"},
    ]


def test_check_json_usage_errors_print_no_json(capsys):
    assert run(capsys, "check", "--rules-dir", "nowhere", "--json") == (2, "", "error: nowhere: no such folder\n")
