"""The records SOT3xx keeps of a module: what its names are bound to, and what its classes
declare, one slotted class each (as pyflakes' ``Binding`` classes are).

A module's ``bindings`` map a name to a ``summaries.ClassInfo``, a ``summaries.FuncInfo``, an
``Imported`` or an ``Assigned``; a ``ClassInfo``'s ``fields``, ``attrs`` and ``values`` map a
name to a ``Field``, a ``SelfAttribute`` and a ``ClassValue``. A *hint* is a value the tracer
worked out, encoded (``types.encode``) for the summaries cache; None: not worked out.
"""

from __future__ import annotations


class Imported:
    """A name an import binds: the qualified name it stands for."""

    __slots__ = ("qual",)

    def __init__(self, qual: str):
        self.qual = qual


class Assigned:
    """A module-level name assigned a value: where first, and the statements that assign it
    (None for one the tracer cannot follow: a target in a tuple, or a module not kept live)."""

    __slots__ = ("hint", "line", "statements")

    def __init__(self, hint, line: int, statements: list):
        self.hint, self.line, self.statements = hint, line, statements


class Field:
    """``name: annotation`` in a class body; *positional*: whether a dataclass's generated
    ``__init__`` takes it by position (True or False; None: not known, ``field(init=flag)``)."""

    __slots__ = ("annotation", "line", "positional")

    def __init__(self, annotation, line: int, positional=True):
        self.annotation, self.line, self.positional = annotation, line, positional


class SelfAttribute:
    """``self.name`` as a class's methods assign it: the annotation where one is declared, and
    every ``(value node, method node)`` assigning it (``(None, method)``: a value the tracer
    cannot follow, a target in a tuple; ``(None, None)``: nodes not kept). *param*: the
    ``__init__`` parameter it is, when that is its only assignment (``self.state = state``)."""

    __slots__ = ("annotation", "hint", "line", "assignments", "param")

    def __init__(self, annotation, hint, line: int, assignments: list, param=None):
        self.annotation, self.hint, self.line = annotation, hint, line
        self.assignments, self.param = assignments, param


class ClassValue:
    """``name = value`` in a class body (*node*: the value, when the nodes are kept)."""

    __slots__ = ("hint", "line", "node")

    def __init__(self, hint, line: int, node=None):
        self.hint, self.line, self.node = hint, line, node
