"""What is an execution context: the decisions, kept apart from the tree walk that asks them.

A receiver is a context when, in this order:
1. its name is bound in scope by an annotation naming a configured context class
   (``ctx: UserExecutionContext``, ``Optional["UserExecutionContext"]``) or by a call to one
   (``ctx = UserExecutionContext(...)``);
2. an explicit annotation naming any other type says it is not one (``context: Message``);
3. otherwise its name matches a configured receiver glob (``context``, ``*_ctx``, ...), bare or
   behind ``self.``.
"""

from __future__ import annotations

import ast
import enum
import fnmatch
import functools
import re
from typing import Iterator

# Annotations that say nothing about the type, so the receiver name decides.
_UNINFORMATIVE_ANNOTATIONS = frozenset({"Any", "object", "Optional", "Union", "typing", "None"})


class Binding(enum.Enum):
    CONTEXT = "context"
    NOT_CONTEXT = "not-context"
    PLAIN = "plain"  # bound, but only the name can tell
    ALIAS = "alias"  # a local name for a context's metadata dict


def _annotation_names(annotation: ast.expr) -> Iterator[str]:
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A forward reference: read the identifiers without parsing the string.
            yield from re.findall(r"[A-Za-z_][A-Za-z0-9_]*", node.value)


class ContextRules:
    """The configured notion of "context", as cheap questions about names and annotations."""

    def __init__(self, context_classes: tuple[str, ...], context_names: tuple[str, ...],
                 metadata_attributes: tuple[str, ...], exempt_classes: tuple[str, ...]):
        self.context_classes = frozenset(context_classes)
        self.metadata_attributes = frozenset(metadata_attributes)
        self.exempt_classes = frozenset(exempt_classes) | self.context_classes
        patterns = "|".join(fnmatch.translate(glob) for glob in context_names) or r"(?!)"
        self._name_matches = re.compile(patterns).match

    @classmethod
    def from_settings(cls, settings) -> "ContextRules":
        return _rules_for(tuple(settings.context_classes), tuple(settings.context_names),
                          tuple(settings.metadata_attributes), tuple(settings.exempt_classes))

    def name_is_context(self, name: str) -> bool:
        return self._name_matches(name) is not None

    def binding_for_annotation(self, annotation: ast.expr | None) -> Binding:
        if annotation is None:
            return Binding.PLAIN
        names = set(_annotation_names(annotation))
        if names & self.context_classes:
            return Binding.CONTEXT
        if names - _UNINFORMATIVE_ANNOTATIONS:
            return Binding.NOT_CONTEXT
        return Binding.PLAIN

    def constructs_context(self, value: ast.expr) -> bool:
        """``UserExecutionContext(...)`` or ``module.UserExecutionContext(...)``."""
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return name in self.context_classes


@functools.lru_cache(maxsize=8)  # one per configuration: the globs compile once per process
def _rules_for(*configuration: tuple[str, ...]) -> ContextRules:
    return ContextRules(*configuration)
