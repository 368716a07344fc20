"""Declared types in one file, for the SOT1xx pass: what an annotation says an expression is.

The SOT1xx walk knows a receiver is a context from its name, its annotation, or local flow.
The code also declares the type of values it never names: a loop variable over ``docs:
list[Document]``, ``docs[0]``, the return type of ``self.load() -> Document``, ``cls(...)`` in a
classmethod, ``document.source`` through ``source: Document`` declared on the class, and a
generic constructor ``RunContext[Deps](...)``. ``Declared`` holds the file's own declarations
(its classes' annotated fields, ``self.x: T`` in their methods, and the return annotations of its
functions and methods), read once per file; ``Type`` is what an annotation means here: a class
name, or a collection of instances of one.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from flake8_ssot.syntax import own_statements

# Generic collections whose (first) parameter is the element type; mappings give their values.
_COLLECTIONS = frozenset({
    "list", "List", "Sequence", "MutableSequence", "Iterable", "Iterator", "Collection", "set",
    "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet", "tuple", "Tuple", "deque",
    "Deque", "AsyncIterator", "AsyncIterable", "Generator", "AsyncGenerator", "Reversible"})
_MAPPINGS = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "OrderedDict",
                       "defaultdict", "DefaultDict", "ChainMap"})
_WRAPPERS = frozenset({"Optional", "Union", "Annotated", "Final", "ClassVar", "Required",
                       "NotRequired", "ReadOnly", "Awaitable", "Coroutine"})
_MAX_PARSE = 200  # a string annotation longer than this is not read


class Type(NamedTuple):
    name: str  # the class, as its last dotted component
    collection: bool = False  # a collection (or mapping) of instances of it

    def element(self) -> "Type | None":
        return Type(self.name) if self.collection else None


def _last(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def annotation_type(node: ast.AST | None, depth: int = 0) -> Type | None:
    """What the annotation *node* declares; None when it names no class."""
    if node is None or depth > 8:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if len(node.value) > _MAX_PARSE:
            return None
        try:
            node = ast.parse(node.value, mode="eval").body
        except (SyntaxError, ValueError):
            return None
        return annotation_type(node, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # ``X | None``
        return annotation_type(node.left, depth + 1) or annotation_type(node.right, depth + 1)
    if isinstance(node, ast.Subscript):
        base = _last(node.value)
        elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base in _WRAPPERS:
            for element in elements:
                found = annotation_type(element, depth + 1)
                if found is not None:
                    return found if base != "Coroutine" else annotation_type(elements[-1])
            return None
        if base in _COLLECTIONS or base in _MAPPINGS:
            element = elements[-1] if base in _MAPPINGS else elements[0]
            found = annotation_type(element, depth + 1)
            return Type(found.name, True) if found is not None and not found.collection else None
        return Type(base) if base else None  # a generic class: RunContext[Deps]
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = _last(node)
        return Type(name) if name and name != "None" else None
    return None


class Declared:
    """The declarations of one file's tree (see the module docstring)."""

    def __init__(self, tree: ast.AST):
        self.returns: dict[str, dict[str, ast.expr]] = {}  # class ("" for module) -> function
        # class -> its class definitions and methods in the order they are met; its fields
        # (attribute -> annotation) are read from them when first asked for: most files ask
        # for a few classes, and reading ``self.x: T`` means reading every method's body.
        self._owners: dict[str, list[ast.stmt]] = {}
        self._fields: dict[str, dict[str, ast.expr]] = {}
        self._scan(getattr(tree, "body", ()), "")

    def _scan(self, body, owner: str) -> None:
        for node in own_statements(body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.returns is not None:
                    self.returns.setdefault(owner, {}).setdefault(node.name, node.returns)
                if owner:
                    self._owners[owner].append(node)
            elif isinstance(node, ast.ClassDef):
                self._owners.setdefault(node.name, []).append(node)
                self._scan(node.body, node.name)

    def fields(self, owner: str) -> dict[str, ast.expr]:
        """attribute -> annotation: the class's own annotated fields, then ``self.x: T`` in its
        methods (the first one met wins)."""
        fields = self._fields.get(owner)
        if fields is None:
            fields = self._fields[owner] = {}
            for node in self._owners.get(owner, ()):
                if isinstance(node, ast.ClassDef):
                    for item in own_statements(node.body):
                        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                            fields.setdefault(item.target.id, item.annotation)
                else:
                    self._self_fields(node, fields)
        return fields

    def _self_fields(self, function, fields: dict[str, ast.expr]) -> None:
        for item in own_statements(function.body):
            target = getattr(item, "target", None)
            if (isinstance(item, ast.AnnAssign) and isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name) and target.value.id == "self"):
                fields.setdefault(target.attr, item.annotation)

    def field(self, owner: Type | None, attribute: str) -> Type | None:
        if owner is None or owner.collection:
            return None
        return annotation_type(self.fields(owner.name).get(attribute))

    def returned(self, owner: str, function: str) -> Type | None:
        """What *function* of class *owner* ("" for the module) is declared to return."""
        return annotation_type(self.returns.get(owner, {}).get(function))
