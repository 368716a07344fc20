"""Which function bodies the SOT1xx visitor can skip: those whose text cannot hold a write.

A file that passes the checker's prefilter mentions metadata somewhere, yet in agents code most
of its functions do not (llama-index-core: about nine in ten). Every write and every value that
reaches metadata starts from a metadata attribute (``x.metadata``: the text has a dot, then maybe
spaces, a line continuation or a comment, then the name), a ``setattr``, a helper call (its name),
or an alias of metadata bound in an enclosing scope (which the visitor knows). A body whose text
has none of the first three, under no alias, is skipped: its bindings die with it.
"""

from __future__ import annotations

import ast
import functools
import re

from flake8_ssot.options import HELPERS


@functools.lru_cache(maxsize=8)
def _mentions(settings) -> re.Pattern:
    attributes = "|".join(map(re.escape, settings.metadata_attributes)) or r"(?!)"
    words = ["setattr", *(settings.helper(h.role) for h in HELPERS if h.value_param)]
    words = "|".join(re.escape(word) for word in words if word)
    return re.compile(rf"\.(?:\s|\\|#[^\n]*)*(?:{attributes})|{words}")


class BodyFilter:
    """Answers ``can_skip(function)`` from the file's text; None text (or any non-ASCII text,
    where identifiers are compared after NFKC normalisation) skips nothing."""

    def __init__(self, source: str | None, settings):
        if source is not None and "\r" in source:  # ast counts a lone CR as a line end too
            source = source.replace("\r\n", "\n").replace("\r", "\n")
        self._source = source if source is not None and source.isascii() else None
        if self._source is not None:
            self._line_starts = [0, *(m.end() for m in re.finditer("\n", self._source))]
            self._search = _mentions(settings).search

    def can_skip(self, node: ast.AST) -> bool:
        if self._source is None or getattr(node, "end_lineno", None) is None:
            return False
        starts = self._line_starts
        start = starts[min(node.lineno, len(starts)) - 1]
        end = starts[node.end_lineno] if node.end_lineno < len(starts) else len(self._source)
        return self._search(self._source, start, end) is None
