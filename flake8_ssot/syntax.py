"""Facts of Python syntax that several parts need, each written once: statement walks, dotted
names, relative imports, module names and where modules are looked for.

The index (SOT2xx), the SOT1xx visitor's helpers and SOT3xx all read them from here, so that a
class under a module-level ``with`` or an import in a ``lib/`` layout exists for every family
or for none. Nothing here imports flake8 or another part of the package.
"""

from __future__ import annotations

import ast
import os
from collections import deque
from types import MappingProxyType
from typing import Iterable, Iterator

# -- statements ---------------------------------------------------------------------------------

# The fields that hold statements (or the except handlers and match cases that hold them), in
# the order ``ast.iter_child_nodes`` gives them for every node type that has them.
STATEMENT_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")
# Statements whose body runs in a scope of its own, not when the enclosing body runs.
SCOPE_STATEMENTS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _node_types(base=ast.AST):
    for node_type in base.__subclasses__():
        yield node_type
        yield from _node_types(node_type)


# Which of ``STATEMENT_FIELDS`` each node type has (most: none), worked out once.
_FIELDS_BY_TYPE = MappingProxyType({
    node_type: tuple(field for field in STATEMENT_FIELDS if field in node_type._fields)
    for node_type in _node_types()})


def statement_fields(node: ast.AST) -> tuple[str, ...]:
    """Which of ``STATEMENT_FIELDS`` a node of this type has (most statements: none)."""
    fields = _FIELDS_BY_TYPE.get(node.__class__)
    if fields is None:  # a type made after this module was imported
        fields = tuple(field for field in STATEMENT_FIELDS if field in node._fields)
    return fields


def own_statements(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run when *body* runs, in source order: its own, and those nested in
    its compound statements (``if``, ``try``/``try*``, ``with``, ``for``, ``while``, ``match``
    and their ``async`` forms), but not those of a nested ``def`` or ``class`` body.

    A module's tree body gives its module-level statements (the classes, imports and values it
    defines, a ``TYPE_CHECKING`` import or a class under ``with`` included); a function's body
    gives the statements of that function.
    """
    pending = [iter(body)]
    while pending:
        statement = next(pending[-1], None)
        if statement is None:
            pending.pop()
            continue
        if not isinstance(statement, ast.stmt):  # an except handler or a match case
            pending.append(iter(statement.body))
            continue
        yield statement
        if not isinstance(statement, SCOPE_STATEMENTS):
            for field in reversed(statement_fields(statement)):
                pending.append(iter(getattr(statement, field)))
            # (reversed: the last pushed runs first, so the fields come in source order)


def statements_breadth_first(node: ast.AST) -> Iterator[ast.stmt]:
    """The statements under *node* (itself included, when it is one), those in functions and
    classes too, in ``ast.walk``'s order.

    Expressions never hold statements, so leaving them out leaves the order of the statements
    as ``ast.walk`` gives it (breadth first), at a fraction of the nodes (an import or an
    assignment is a statement: most of a tree needs no visit).
    """
    queue = deque([node])
    while queue:
        node = queue.popleft()
        if isinstance(node, ast.stmt):
            yield node
        for field in statement_fields(node):
            queue.extend(getattr(node, field))


# -- names --------------------------------------------------------------------------------------

def dotted_name(node: ast.AST) -> str | None:
    """``a.b.C`` for a name or an attribute chain of names; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def named_by(node: ast.AST) -> str | None:
    """The dotted name a base or decorator is written with: a subscript (``Generic[T]``) or a
    call (``dataclass(frozen=True)``) is named by what it subscripts or calls."""
    if isinstance(node, (ast.Subscript, ast.Call)):
        node = node.value if isinstance(node, ast.Subscript) else node.func
    return dotted_name(node)


# -- imports ------------------------------------------------------------------------------------

def absolute_module(package: str, module: str | None, level: int) -> str | None:
    """The absolute dotted module of ``from <level dots><module> import ...`` in a module of
    *package* (dotted, "" for a top-level module): "" when that is the top of the import path
    itself (``from . import x`` in a top-level module), None when the dots climb above it."""
    if not level:
        return module or ""
    parts = package.split(".") if package else []
    keep = len(parts) - (level - 1)
    if keep < 0:
        return None
    return ".".join([*parts[:keep], *([module] if module else [])])


def package_of(module: str, is_package: bool) -> str:
    """The package relative imports in *module* start from: the module itself for a package's
    ``__init__``, else its parent."""
    return module if is_package else module.rpartition(".")[0]


# -- module names and where modules are looked for -----------------------------------------------

# Directories of a project that hold its importable packages, besides the root itself.
SOURCE_DIRECTORIES = ("src", "lib")


def module_names(path: str) -> set[str]:
    """The dotted names project file *path* (relative to the root, ``/``-separated) can be
    imported as: from the root, and from a source directory (``src/``, ``lib/``) it is under."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    names = {".".join(parts)} if parts else set()
    if len(parts) > 1 and parts[0] in SOURCE_DIRECTORIES:
        names.add(".".join(parts[1:]))
    return names


def module_name(path: str) -> str:
    """The shortest of ``module_names``: how a message names project file *path*."""
    return min(module_names(path), key=len, default="")


def package_directory(path: str) -> str:
    """The dotted package of project file *path* (relative to the root) as the index resolves
    its relative imports: its directories from the root."""
    return ".".join(path.split("/")[:-1])


def search_roots(root: str) -> tuple[str, ...]:
    """The directories of the project at *root* that modules are imported from."""
    return (root, *(os.path.join(root, directory) for directory in SOURCE_DIRECTORIES))


def file_module(filename: str) -> tuple[str, str, bool]:
    """``(dotted name, directory of its top package, is a package)`` of the file at
    *filename*, as Python imports it: its regular packages are the directories above it that
    hold an ``__init__.py`` (works for any file, in a project or not)."""
    path = os.path.abspath(filename)
    directory, base = os.path.split(path)
    parts = [os.path.splitext(base)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    is_package = base == "__init__.py"
    if is_package:
        parts.pop()
    return ".".join(parts), directory, is_package
