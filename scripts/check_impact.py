"""Check `cgcompile impact` on a real input table against the reference evaluator.

    .venv/bin/python scripts/check_impact.py [--target duckdb] [--base HEAD]

Reads every user of the target's user_spending_data, ranks them with the rules at
--base and with the working tree's rules (fasteval.Ranker, the evaluator's integer
path), runs `cgcompile impact --all --json`, and compares the users each says move
(top card, top-10 set, any of the ten rows' card or net savings).  Prints both counts
and exits 1 on any difference.  Typical use, after `make demo`: change one line of one
card's terms, run this, then `git checkout card_rules`.
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cgcompile import db, review  # noqa: E402
from cgcompile.datagen import COLUMNS  # noqa: E402
from cgcompile.evaluate import InvalidSpend, user_spend  # noqa: E402
from cgcompile.fasteval import Ranker  # noqa: E402
from cgcompile.loader import load_catalog  # noqa: E402
from cgcompile.resolve import resolve_catalog  # noqa: E402
from sqlglot import exp  # noqa: E402


def top10(rules_dir: Path, users: list[tuple]) -> dict[str, list[tuple]]:
    ranker = Ranker.of(resolve_catalog(load_catalog(rules_dir), None, None, None))
    out = {}
    for user_id, *values in users:
        try:
            out[user_id] = [(r[0], r[5]) for r in ranker.rank(user_spend(*values), 10)]
        except InvalidSpend:
            continue
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default=None)
    ap.add_argument("--base", default="HEAD")
    args = ap.parse_args()
    target = db.read_target(ROOT / "dbt_project", args.target)
    conn = db.connect(target, ROOT / "dbt_project")
    try:
        cur = conn.cursor()
        cur.execute(exp.select(*COLUMNS).from_(db.SOURCE_TABLE).sql(dialect=target.dialect))
        users = cur.fetchall()
    finally:
        conn.close()
    with tempfile.TemporaryDirectory() as tmp:
        base_dir = Path(tmp) / "card_rules"
        base_dir.mkdir()
        for name, text in review.files_at(ROOT / "card_rules", args.base).items():
            (base_dir / name).write_text(text)
        before, after = top10(base_dir, users), top10(ROOT / "card_rules", users)
    want = {u for u in before if before[u] != after[u]}
    want_top = {u for u in before if before[u][0][0] != after[u][0][0]}
    out = Path(tempfile.mkdtemp(prefix="check-impact-"))
    cmd = [str(ROOT / ".venv/bin/cgcompile"), "impact", "--all", "--base", args.base, "--out", str(out), "--json"]
    if args.target:
        cmd += ["--target", args.target]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 2
    doc = json.loads(done.stdout)
    with (out / "moved_users.csv").open() as f:
        rows = list(csv.DictReader(f))
    got = {r["user_id"] for r in rows}
    got_top = {r["user_id"] for r in rows if r["top_changed"] == "True"}
    print(f"users: {len(users):,}; evaluator: {len(want):,} moved, {len(want_top):,} change top card; "
          f"impact: {len(got):,} moved, {len(got_top):,} change top card ({doc['seconds']['total']} s)")
    print("changed terms:", json.dumps(doc["changed_terms"], ensure_ascii=False))
    differ = (want ^ got) | (want_top ^ got_top)
    print("same users" if not differ else f"DIFFERENT: {sorted(differ)[:20]}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
