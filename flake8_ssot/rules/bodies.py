"""The write prefilter: which text can hold a metadata write or a value SOT3xx checks.

Every write and every value that reaches metadata starts from a metadata attribute (``x.metadata``:
the text has a dot, then maybe spaces, a line continuation or a comment, then the name), a
``setattr`` naming the attribute (in quotes), a helper call (its name), or an alias of metadata
bound in an enclosing scope (which the visitor knows). One pattern says so (``_Mentions``), and
both gates derive from it:

* the file gate (``mentions_metadata``): a file whose text has none is not visited at all (most
  files of a project), and ``flake8-ssot map`` counts the same files;
* the body filter (``BodyFilter``): a file that passes mentions metadata somewhere, yet in agents
  code most of its functions do not (llama-index-core: about nine in ten). A body whose text has
  none, under no alias, is skipped: its bindings die with it.

Identifiers are compared after NFKC normalisation (``ctx.ｍetadata`` is ``ctx.metadata``): the
file gate normalises non-ASCII text first, and the body filter skips nothing in such a file.
"""

from __future__ import annotations

import ast
import functools
import re
import unicodedata

from flake8_ssot.options import HELPERS


class _Mentions:
    """The pattern, and the plain words that are the commonest ways to match it (a substring
    test costs a third of a regex search; the pattern is searched only when they fail)."""

    def __init__(self, settings):
        attributes = [attribute for attribute in settings.metadata_attributes if attribute]
        helpers = [name for name in (settings.helper(h.role) for h in HELPERS if h.value_param)
                   if name]
        names = "|".join(map(re.escape, attributes)) or r"(?!)"
        self.pattern = re.compile("|".join([
            rf"\.(?:\s|\\|#[^\n]*)*(?:{names})",  # an attribute, after a dot
            rf"['\"](?:{names})['\"]",  # a setattr's attribute name
            rf"[(,]\s*(?:{names})\s*=(?!=)",  # a keyword: a context's constructor is given it
            *map(re.escape, helpers),  # a helper call
        ]))
        self.words = (*(f".{name}" for name in attributes),
                      *(f"{quote}{name}{quote}" for name in attributes for quote in "'\""),
                      *helpers)
        self.attributes = tuple(attributes)  # in every match that is not one of the words
        # Every match holds one of these: text holding none is not searched.
        self.needles = (*self.attributes, *helpers)

    def in_text(self, source: str) -> bool:
        if any(word in source for word in self.words):
            return True
        return (any(name in source for name in self.attributes)
                and self.pattern.search(source) is not None)


@functools.lru_cache(maxsize=8)
def _mentions(settings) -> _Mentions:
    return _Mentions(settings)


def mentions_metadata(source: str, settings) -> bool:
    """Whether *source* can hold a SOT1xx or SOT3xx finding (the file gate). A ``metadata``
    parameter or variable is not enough; a ``metadata=`` keyword is (SOT3xx judges what a
    context's constructor is given)."""
    if not source.isascii():
        source = unicodedata.normalize("NFKC", source)
    return _mentions(settings).in_text(source)


class BodyFilter:
    """Answers ``can_skip(function)`` from the file's text; None text (or any non-ASCII text,
    where identifiers are compared after NFKC normalisation) skips nothing."""

    def __init__(self, source: str | None, settings):
        if source is not None and "\r" in source:  # ast counts a lone CR as a line end too
            source = source.replace("\r\n", "\n").replace("\r", "\n")
        self._source = source if source is not None and source.isascii() else None
        if self._source is not None:
            self._line_starts = [0, *(m.end() for m in re.finditer("\n", self._source))]
            mentions = _mentions(settings)
            self._search, self._needles = mentions.pattern.search, mentions.needles

    def can_skip(self, node: ast.AST) -> bool:
        if self._source is None or getattr(node, "end_lineno", None) is None:
            return False
        starts = self._line_starts
        start = starts[min(node.lineno, len(starts)) - 1]
        end = starts[node.end_lineno] if node.end_lineno < len(starts) else len(self._source)
        find = self._source.find
        if all(find(needle, start, end) < 0 for needle in self._needles):
            return True  # (a substring test costs a fraction of the search)
        return self._search(self._source, start, end) is None
