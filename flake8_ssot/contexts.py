"""What is an execution context: the decisions, kept apart from the tree walk that asks them.

A receiver is a context when, in this order:
1. its name is bound in scope by an annotation naming a context class (``ctx:
   UserExecutionContext``, ``Optional["ExecutionContext"]``), by a call to one, or by local flow
   from names and calls that are contexts (``c = ctx or UserExecutionContext()``);
2. an explicit annotation, or local flow, saying it is some other type says it is not one
   (``context: Message``; ``log_context = context or LogContext()`` with ``context: LogContext``);
3. otherwise, when nothing is known, its name matches a configured receiver glob (``context``,
   ``*_ctx``, ...), bare or behind ``self.``.

Context classes are the ``ssot-context-classes`` globs plus the project classes that inherit
from one (found through the project index, across modules).
"""

from __future__ import annotations

import ast
import enum
import fnmatch
import re
from typing import Callable, Iterable, Iterator

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


def _globs(patterns: Iterable[str]):
    pattern = "|".join(fnmatch.translate(glob) for glob in patterns) or r"(?!)"
    return re.compile(pattern).match


def is_class_name(name: str) -> bool:
    """CamelCase, as classes are named (not a CONSTANT, not a function)."""
    return name[:1].isupper() and any(char.islower() for char in name)


class ContextRules:
    """The configured notion of "context", as cheap questions about names and annotations."""

    def __init__(self, settings, inherits_from_context: Callable[[str], bool] | None = None):
        self._class_glob = _globs(settings.context_classes)
        # "a project class inheriting from a configured context class", asked of the project
        # (through its index) for the names a file uses, not of every class of the project.
        self._inherits_from_context = inherits_from_context
        self._inherits: dict[str, bool] = {}
        self.metadata_attributes = frozenset(settings.metadata_attributes)
        self._exempt = frozenset((*settings.helper_classes, *settings.exempt_classes))
        self._name_matches = _globs(settings.context_names)

    @classmethod
    def from_settings(cls, settings) -> "ContextRules":
        """Without a project: only the configured names and globs."""
        return cls(settings)

    def is_context_class(self, name: str) -> bool:
        if self._class_glob(name) is not None:
            return True
        if self._inherits_from_context is None:
            return False
        inherits = self._inherits.get(name)
        if inherits is None:
            inherits = self._inherits[name] = self._inherits_from_context(name)
        return inherits

    def matches_context_glob(self, name: str) -> bool:
        """A configured context class by name (``ssot-context-classes``), not by inheritance."""
        return self._class_glob(name) is not None

    def is_exempt_class(self, name: str) -> bool:
        """The helpers' and the context classes' own methods write metadata directly."""
        return name in self._exempt or self.is_context_class(name)

    def name_is_context(self, name: str) -> bool:
        return self._name_matches(name) is not None

    def binding_for_annotation(self, annotation: ast.expr | None) -> Binding:
        if annotation is None:
            return Binding.PLAIN
        names = set(_annotation_names(annotation))
        if any(self.is_context_class(name) for name in names):
            return Binding.CONTEXT
        if names - _UNINFORMATIVE_ANNOTATIONS:
            return Binding.NOT_CONTEXT
        return Binding.PLAIN

    def kind_of_call(self, call: ast.Call) -> Binding:
        """``UserExecutionContext(...)`` is a context; ``LogContext(...)`` (a class) is not;
        any other call says nothing."""
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if self.is_context_class(name):
            return Binding.CONTEXT
        return Binding.NOT_CONTEXT if is_class_name(name) else Binding.PLAIN
