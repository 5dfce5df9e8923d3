"""Reading YAML while keeping where every value was written.

PyYAML's composer gives nodes with start marks; we read values straight off
the nodes so that every problem can name file:line:col, and so that numbers
are taken from their source text (never through float).  A `Doc` collects
problems for one file instead of stopping at the first.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem, did_you_mean
from .model import Pos

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"

# What an analyst may write as a number: 4000, 7.5, 1_00_000, 1e3.  YAML 1.1
# also reads 0x1F and 1:20 as numbers; those are refused as surprising.
NUMBER_TEXT = re.compile(r"[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*([eE][-+]?[0-9]+)?")
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Field:
    """One `key: value` of a mapping."""

    key: ScalarNode
    value: Node


def shown(node: Node) -> str:
    """How a wrong value is quoted back: 'abc', a list, a mapping, nothing."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    if node.tag == NULL_TAG:
        return "nothing"
    return f"'{node.value}'"


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Doc:
    """One YAML file: its name (as reported) and the shared problem list."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems

    # -- positions and problems ------------------------------------------

    def pos(self, node: Node) -> Pos:
        mark = node.start_mark
        return Pos(self.file, mark.line + 1, mark.column + 1)

    def error(self, node: Node | None, path: str, message: str) -> None:
        pos = self.pos(node) if node is not None else Pos(self.file, 1, 1)
        self.problems.append(Problem(pos, path, message))

    def count(self) -> int:
        """Problems so far; compare before and after to see if a part failed."""
        return len(self.problems)

    # -- reading the file -------------------------------------------------

    def compose(self, path: Path) -> Node | None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.error(None, "", "the file is not UTF-8 text")
            return None
        except OSError as e:
            self.error(None, "", f"cannot read the file: {e.strerror}")
            return None
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            self.problems.append(Problem(Pos(self.file, line, col), "", f"invalid YAML: {e.problem or e.context}"))
            return None
        except yaml.YAMLError as e:
            self.error(None, "", f"invalid YAML: {e}")
            return None
        if node is None:
            self.error(None, "", "the file is empty")
        return node

    # -- structure ----------------------------------------------------------

    def fields(
        self,
        node: Node,
        path: str,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        foreign: Callable[[str], str | None] | None = None,
    ) -> dict[str, Field] | None:
        """The mapping's fields, after checking keys are known, unique and complete.

        `foreign(key)` may explain a key that is valid elsewhere but not here.
        Unknown keys are reported and left out; missing required keys are
        reported at the mapping.  None when the node is not a mapping.
        """
        if not isinstance(node, MappingNode):
            self.error(node, path, f"expected a mapping, got {shown(node)}")
            return None
        allowed = tuple(allowed)
        out: dict[str, Field] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag == NULL_TAG:
                self.error(key, path, f"expected a plain key, got {shown(key)}")
                continue
            name = key.value
            where = join(path, name)
            if name in out:
                self.error(key, where, f"duplicate key '{name}'")
                continue
            if name not in allowed:
                hint = foreign(name) if foreign else None
                if not hint and node.flow_style and value.tag == NULL_TAG and not value.value:
                    # `{note: 2,000 points}` splits at the comma into a key '000 points'.
                    hint = f"unknown key '{name}' (a comma inside {{...}} starts a new key; drop it or quote the text)"
                self.error(key, where, hint or f"unknown key '{name}'{did_you_mean(name, allowed)}")
                continue
            out[name] = Field(key, value)
        self.require(out, node, path, required)
        return out

    def require(self, fields: dict[str, Field], node: Node, path: str, keys: Iterable[str]) -> bool:
        """Report the keys of `keys` that `fields` lacks, at the mapping; True if none."""
        missing = [k for k in keys if k not in fields]
        if missing:
            names = ", ".join(f"'{k}'" for k in missing)
            self.error(node, path, f"missing key{'s' if len(missing) > 1 else ''} {names}")
        return not missing

    def pairs(self, node: Node, path: str) -> list[Field] | None:
        """A mapping with free-form keys (names the analyst chooses)."""
        if not isinstance(node, MappingNode):
            self.error(node, path, f"expected a mapping, got {shown(node)}")
            return None
        out: list[Field] = []
        seen: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag == NULL_TAG:
                self.error(key, path, f"expected a plain key, got {shown(key)}")
                continue
            if key.value in seen:
                self.error(key, join(path, key.value), f"duplicate key '{key.value}'")
                continue
            seen.add(key.value)
            out.append(Field(key, value))
        return out

    def items(self, node: Node, path: str, nonempty: bool = True) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.error(node, path, f"expected a list, got {shown(node)}")
            return None
        if nonempty and not node.value:
            self.error(node, path, "expected at least one entry")
            return None
        return list(node.value)

    # -- scalars -------------------------------------------------------------

    def number(self, node: Node, path: str) -> Decimal | None:
        """A Decimal read from the scalar's own text, so 0.1 stays 0.1."""
        text = node.value if isinstance(node, ScalarNode) else None
        # Quoted strings are text even when they look like numbers.
        plain = isinstance(node, ScalarNode) and (node.tag in (INT_TAG, FLOAT_TAG) or (node.tag == STR_TAG and node.style is None))
        if plain and text is not None and NUMBER_TEXT.fullmatch(text):
            try:
                value = Decimal(text.replace("_", ""))
            except InvalidOperation:
                value = None
            if value is not None and value.is_finite():
                return value
        quoted = isinstance(node, ScalarNode) and node.style in ("'", '"') and NUMBER_TEXT.fullmatch(node.value)
        self.error(node, path, f"expected a number, got {shown(node)}{' (remove the quotes)' if quoted else ''}")
        return None

    def amount(self, node: Node, path: str, positive: bool = False) -> Decimal | None:
        """A number that must not be negative (or must be above 0)."""
        value = self.number(node, path)
        if value is None:
            return None
        if value < 0:
            self.error(node, path, f"must not be negative, got {node.value}")
            return None
        if positive and value == 0:
            self.error(node, path, "must be more than 0")
            return None
        return value

    def integer(self, node: Node, path: str) -> int | None:
        if isinstance(node, ScalarNode) and node.tag == INT_TAG and re.fullmatch(r"[0-9][0-9_]*", node.value):
            return int(node.value.replace("_", ""))
        self.error(node, path, f"expected a whole number, got {shown(node)}")
        return None

    def boolean(self, node: Node, path: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == BOOL_TAG:
            return node.value.lower() in ("true", "yes", "on", "y")
        self.error(node, path, f"expected true or false, got {shown(node)}")
        return None

    def text(self, node: Node, path: str) -> str | None:
        """Free text; any plain scalar reads as its source text."""
        if isinstance(node, ScalarNode) and node.tag != NULL_TAG and node.value.strip():
            return node.value
        self.error(node, path, f"expected text, got {shown(node)}")
        return None

    def date(self, node: Node, path: str, optional: bool = False) -> dt.date | None:
        """A YYYY-MM-DD date; `optional` lets null stand for 'no date'."""
        if isinstance(node, ScalarNode):
            if optional and node.tag == NULL_TAG:
                return None
            if DATE_TEXT.fullmatch(node.value):
                try:
                    return dt.date.fromisoformat(node.value)
                except ValueError:
                    pass
        self.error(node, path, f"expected a date (YYYY-MM-DD), got {shown(node)}")
        return None

    def choice(self, node: Node, path: str, options: Iterable[str], what: str) -> str | None:
        options = tuple(options)
        if isinstance(node, ScalarNode) and node.tag != NULL_TAG and node.value in options:
            return node.value
        hint = did_you_mean(node.value, options) if isinstance(node, ScalarNode) else ""
        if not hint:
            hint = f" (expected one of: {', '.join(options)})"
        self.error(node, path, f"unknown {what} {shown(node)}{hint}")
        return None
