"""Errors that carry where they come from."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .model import Pos


class CgError(Exception):
    """A failure the user can act on; `exit_code` is what the CLI returns."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One validation error: `card_rules/x.yaml:14:7: rules[2].cap.amount: message`."""

    pos: Pos
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.pos}: {where}{self.message}"

    def as_json(self) -> dict:
        """The fields of `--json` output; path is null when the problem is the whole file."""
        pos = self.pos
        return {"file": pos.file, "line": pos.line, "column": pos.col, "path": self.path or None, "message": self.message}


class RulesInvalid(CgError):
    """All the problems found in card_rules/, reported at once."""

    exit_code = 1

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.pos.file, p.pos.line, p.pos.col, p.path))
        count = len(self.problems)
        lines = [str(p) for p in self.problems]
        lines.append(f"{count} error{'s' if count != 1 else ''} in the card rules")
        super().__init__("\n".join(lines))


def did_you_mean(word: str, choices) -> str:
    """' (did you mean 'cap'?)' or ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class IdsTaken(CgError):
    """Rows to load whose user_id the table already holds; nothing was loaded (exit 1)."""

    exit_code = 1

    def __init__(self, taken: int, example: str, rows: int, table: str = "user_spending_data"):
        self.taken, self.example, self.rows = taken, example, rows
        super().__init__(f"{taken:,} of the {rows:,} user ids to load are already in {table} (e.g. {example}); nothing was loaded")
