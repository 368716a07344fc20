"""The two value types every rule family shares: a rule's definition and a finding.

NamedTuples, as flake8's own types are: a dataclass costs half a millisecond of import time
per class, paid by every flake8 process, a pre-commit run on one file included.
"""

from __future__ import annotations

import ast
from typing import NamedTuple


class Rule(NamedTuple):
    """One code, its message and its user documentation, in one place (the ruff way).

    ``message`` is a ``str.format`` template; the rule family fills in the fields.
    ``example`` shows code that is reported, ``instead`` what to write instead.
    """

    code: str
    name: str
    message: str
    summary: str
    why: str
    example: str
    instead: str

    def format(self, **fields: object) -> str:
        return f"{self.code} {self.message.format(**fields)}"


class Finding(NamedTuple):
    """A finding at a statement: flake8 prints ``line:col+1``; ``end_line`` bounds the statement."""

    line: int
    col: int
    code: str
    message: str
    end_line: int = 0

    def sort_key(self) -> tuple[int, int, str]:
        return (self.line, self.col, self.code)


_MAX_TEXT = 40


def text(node, limit: int = _MAX_TEXT) -> str:
    """*node* as source, shortened for a message."""
    try:
        written = ast.unparse(node)
    except (ValueError, RecursionError, AttributeError, TypeError):
        return "..."
    return written if len(written) <= limit else written[: limit - 3] + "..."


def finding_at(statement, rule: Rule, **fields: object) -> Finding:
    """A finding of *rule* at the start of *statement* (where ``# noqa`` is looked for), spanning
    the statement's lines."""
    line = statement.lineno
    return Finding(line, statement.col_offset, rule.code, rule.format(**fields),
                   getattr(statement, "end_lineno", None) or line)
