"""The analyst's review of a catalog change: what changed since a git ref, and what looks too good.

`cgcompile cards --diff REF` compares the card files in the working tree with the
same folder at REF, term by term (fees, each named cap, each rule, each redemption
option), and tells figure changes (what the SQL computes) from citation and text
changes (sources, checked dates, notes, descriptions), so a review before
`cgcompile rules` reads only what moves money.  It reads the YAML as data, not
through the loader, so a ref whose files an older schema wrote still compares.

`cgcompile cards --plausibility` evaluates every card for users of the reference
spending mix (datagen.py) and lists each card's yearly net savings as a share of
the users' yearly spend; a card above the threshold (10% by default) is listed for
a human to confirm against its sources.  It is a report: it never fails.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import statistics
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from .errors import CgError
from .evaluate import user_spend
from .model import Catalog

# Keys whose values are evidence or prose: a change in them moves no figure.
TEXT_KEYS = frozenset({"source", "sources", "note", "notes", "alternatives", "description", "checked", "url", "issuer"})
LIST_TERMS = ("rules", "redemption")
MAP_TERMS = ("caps",)
CATALOG_FILE = "_catalog.yaml"


class BadRef(CgError):
    """The ref is not a commit of the repository holding the rules (exit 2)."""


@dataclass(frozen=True)
class Change:
    term: str  # fees, caps.online, rules[2], redemption[0], card
    path: str  # the changed field under the term, "" for the whole term
    old: object
    new: object
    figure: bool  # False: only sources, dates or prose changed

    @property
    def how(self) -> str:
        return "added" if self.old is None else "removed" if self.new is None else "changed"


@dataclass(frozen=True)
class FileDiff:
    file: str
    status: str  # added, removed, changed
    changes: tuple[Change, ...]

    @property
    def figures_changed(self) -> bool:
        return self.status != "changed" or any(c.figure for c in self.changes)


# -- reading both sides ---------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BadRef(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def files_at(rules_dir: Path, ref: str) -> dict[str, str]:
    """The folder's YAML files at `ref`, by file name."""
    rules_dir = rules_dir.resolve()
    if not rules_dir.is_dir():
        raise BadRef(f"{rules_dir}: no such folder")
    root = Path(_git(rules_dir, "rev-parse", "--show-toplevel").strip())
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    rel = rules_dir.relative_to(root).as_posix()
    names = _git(root, "ls-tree", "--name-only", commit, f"{rel}/").split("\n")
    out = {}
    for name in filter(None, names):
        if name.endswith(".yaml"):
            out[Path(name).name] = _git(root, "show", f"{commit}:{name}")
    return out


def files_now(rules_dir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(rules_dir.glob("*.yaml"))}


def _data(file: str, text: str, side: str):
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise CgError(f"{file} ({side}): not YAML: {e}") from e


# -- comparing ------------------------------------------------------------------------


def _plain(value):
    """Dates as ISO text, so both sides and the JSON output compare the same way."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _figures_only(value):
    if isinstance(value, dict):
        return {k: _figures_only(v) for k, v in value.items() if k not in TEXT_KEYS}
    if isinstance(value, list):
        return [_figures_only(v) for v in value]
    return value


def _leaves(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict) and value:
        out = {}
        for k, v in value.items():
            out.update(_leaves(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def _is_text(path: str) -> bool:
    return any(part.split("[")[0] in TEXT_KEYS for part in path.split("."))


def _term_changes(term: str, old, new) -> list[Change]:
    if old == new:
        return []
    if old is None or new is None:
        return [Change(term, "", old, new, figure=_figures_only(old) != _figures_only(new) or term != "card")]
    a, b = _leaves(old), _leaves(new)
    return [
        Change(term, path, a.get(path), b.get(path), figure=not _is_text(path))
        for path in sorted(set(a) | set(b))
        if a.get(path) != b.get(path)
    ]


def _list_changes(term: str, old: list, new: list) -> list[Change]:
    """Rules and redemption options matched in order by their figures, so an insert shows as one."""
    keys = lambda items: [json.dumps(_figures_only(i), sort_keys=True, default=str) for i in items]  # noqa: E731
    out: list[Change] = []
    matcher = difflib.SequenceMatcher(a=keys(old), b=keys(new), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = list(zip(range(i1, i2), range(j1, j2)))
        for i, j in pairs:
            out += _term_changes(f"{term}[{j}]", old[i], new[j])
        for i in range(i1 + len(pairs), i2):
            out.append(Change(f"{term}[{i}]", "", old[i], None, figure=True))
        for j in range(j1 + len(pairs), j2):
            out.append(Change(f"{term}[{j}]", "", None, new[j], figure=True))
    return out


def _terms(doc: dict) -> dict[str, object]:
    """A card (or _catalog.yaml) as its terms; what no term holds is the `card` term."""
    out: dict[str, object] = {}
    rest = {}
    for key, value in doc.items():
        if key in MAP_TERMS and isinstance(value, dict):
            out.update({f"{key}.{name}": v for name, v in value.items()})
        elif key in LIST_TERMS or key == "fees":
            out[key] = value
        else:
            rest[key] = value
    out["card"] = rest
    return out


def diff_docs(old: dict, new: dict) -> list[Change]:
    a, b = _terms(_plain(old)), _terms(_plain(new))
    out: list[Change] = []
    for term in list(a) + [t for t in b if t not in a]:
        if term in LIST_TERMS and isinstance(a.get(term), list) and isinstance(b.get(term), list):
            out += _list_changes(term, a[term], b[term])
        else:
            out += _term_changes(term, a.get(term), b.get(term))
    return out


def diff_catalog(rules_dir: Path, ref: str) -> list[FileDiff]:
    """Every file that differs between `ref` and the working tree, in file order."""
    before, after = files_at(rules_dir, ref), files_now(rules_dir)
    out = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None:
            out.append(FileDiff(name, "added", ()))
        elif new is None:
            out.append(FileDiff(name, "removed", ()))
        else:
            changes = diff_docs(_data(name, old, ref), _data(name, new, "working tree"))
            if changes:
                out.append(FileDiff(name, "changed", tuple(changes)))
    return out


def _show(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 100 else text[:97] + "..."


def diff_text(diffs: list[FileDiff], ref: str, rules_dir: Path) -> str:
    if not diffs:
        return f"no change in {rules_dir} since {ref}"
    lines = []
    for d in diffs:
        where = f"{rules_dir.as_posix()}/{d.file}"
        if d.status != "changed":
            lines.append(f"{where}: {d.status}")
            continue
        figures = [c for c in d.changes if c.figure]
        text = [c for c in d.changes if not c.figure]
        lines.append(f"{where}: {len(figures)} figure change(s), {len(text)} citation/text change(s)")
        for c in figures:
            field = f"{c.term}.{c.path}" if c.path else c.term
            if c.how == "changed":
                lines.append(f"  ~ {field}: {_show(c.old)} -> {_show(c.new)}")
            else:
                sign = "+" if c.how == "added" else "-"
                lines.append(f"  {sign} {field}: {_show(c.new if c.how == 'added' else c.old)}")
        terms = sorted({c.term for c in text})
        if terms:
            lines.append(f"  sources/notes re-written on: {', '.join(terms)}")
    moved = sum(d.figures_changed for d in diffs)
    lines.append(
        f"{len(diffs)} file(s) differ from {ref}; {moved} with figure changes"
        + (": run `cgcompile rules` after review" if moved else " (citations only: the SQL does not change)")
    )
    return "\n".join(lines)


def diff_json(diffs: list[FileDiff], ref: str) -> str:
    doc = {
        "ref": ref,
        "files": [
            {
                "file": d.file,
                "status": d.status,
                "figures_changed": d.figures_changed,
                "changes": [{**dataclasses.asdict(c), "how": c.how} for c in d.changes],
            }
            for d in diffs
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


# -- plausibility ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plausibility:
    card_id: str
    name: str
    pooled_pct: Decimal  # all users' net savings / all users' spend, yearly
    median_pct: Decimal  # the median user's net savings / spend
    p90_pct: Decimal
    confirm: bool


def _pct(x: Decimal) -> Decimal:
    return (x * 100).quantize(Decimal("0.01"))


def plausibility(
    catalog: Catalog, users: int = 2000, seed: int = 42, threshold: Decimal = Decimal(10), assumptions=None
) -> list[Plausibility]:
    """Per card, for `users` of the reference mix: yearly net savings as a share of yearly spend."""
    from .datagen import generate_users
    from .fasteval import Ranker
    from .resolve import resolve_catalog

    resolved = resolve_catalog(catalog, None, assumptions, None)
    ranker = Ranker.of(resolved)
    names = {rc.card.id: rc.card.name for rc in resolved}
    net: dict[str, list[Decimal]] = {card_id: [] for card_id in names}
    spends: list[Decimal] = []
    for _, *values in generate_users(users, seed, samples=()):
        spend = user_spend(*values)
        if spend.total <= 0:
            continue
        spends.append(spend.total * 12)
        for row in ranker.rank(spend, top=len(names)):
            net[row[0]].append(row[5])
    out = []
    for card_id, figures in net.items():
        shares = sorted(n / s for n, s in zip(figures, spends))
        pooled = sum(figures, Decimal(0)) / sum(spends, Decimal(0)) if spends else Decimal(0)
        median = statistics.median(shares) if shares else Decimal(0)
        p90 = shares[int(0.9 * (len(shares) - 1))] if shares else Decimal(0)
        out.append(Plausibility(card_id, names[card_id], _pct(pooled), _pct(median), _pct(p90), max(_pct(pooled), _pct(median)) > threshold))
    return sorted(out, key=lambda p: (-p.pooled_pct, p.card_id))


def plausibility_text(rows: list[Plausibility], users: int, threshold: Decimal) -> str:
    width = max([len(r.card_id) for r in rows] + [4])
    lines = [
        f"yearly net savings as a share of yearly spend, {users} users of the reference mix (first-year figures as ranked)",
        f"{'CARD'.ljust(width)}  {'POOLED':>7}  {'MEDIAN':>7}  {'P90':>7}",
    ]
    for r in rows:
        flag = "  <- confirm" if r.confirm else ""
        lines.append(f"{r.card_id.ljust(width)}  {r.pooled_pct:>6}%  {r.median_pct:>6}%  {r.p90_pct:>6}%{flag}")
    flagged = [r.card_id for r in rows if r.confirm]
    if flagged:
        lines.append(f"{len(flagged)} card(s) return more than {threshold}% (pooled or median): confirm their terms against the sources: {', '.join(flagged)}")
    else:
        lines.append(f"no card returns more than {threshold}% (pooled or median)")
    return "\n".join(lines)


def plausibility_json(rows: list[Plausibility], users: int, threshold: Decimal) -> str:
    doc = {
        "users": users,
        "threshold_pct": str(threshold),
        "cards": [{**dataclasses.asdict(r), "pooled_pct": str(r.pooled_pct), "median_pct": str(r.median_pct), "p90_pct": str(r.p90_pct)} for r in rows],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
