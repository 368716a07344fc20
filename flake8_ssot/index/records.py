"""What the index keeps of one file, and how ``ast`` gives it: the module-level classes
(``ClassRecord``: what a class is) and, in detail, its classes and imports (``module_facts``).

``scanner`` reads the same records from the text without parsing (a project's files are scanned,
the checked file's tree is read here). Nothing here imports flake8 (or executes the code it reads).
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from typing import Iterator, NamedTuple, Sequence

from flake8_ssot.syntax import (absolute_module, named_by, own_statements, package_directory,
                                statements_breadth_first)


class ClassRecord(NamedTuple):
    """A module-level class as the scanner sees it (what the index keeps for every file): what
    the class IS, read at scan time, so that judging two classes of one name (SOT201) never
    parses them again.

    ``kind`` is the class's own kind (``KINDS``) from its bases, keywords, decorators and
    ``__tablename__``; a class that inherits its kind from a project base says "plain" here
    (``twins.kind_of`` follows the bases through the index). ``fields`` are the public names
    assigned or annotated directly in the body; ``fallback`` is true for a stand-in for a name
    the ``try`` imports, defined in its ``except ImportError`` / ``ModuleNotFoundError``
    handler.
    """
    name: str
    line: int
    col: int
    # The last dotted component of each base as written (("BaseAgent",)); a bare name bound by
    # a module-level ``from m import Base as _Base`` is read as the name it imports ("Base").
    bases: tuple[str, ...]
    methods: tuple[str, ...] = ()  # public (no leading underscore) defs directly in the body
    kind: str = "plain"
    fields: tuple[str, ...] = ()
    fallback: bool = False


# What a class is, from the last component of its bases, metaclass and decorators: the first
# kind in this order whose markers it carries ("orm": a table; "model": a pydantic model), and
# the words a message or report names it with. SOT2xx, the map and ``consolidate`` all read a
# class's kind from here (through the index's records and ``twins.kind_of``).
KIND_WORDS = {"orm": "ORM model", "model": "pydantic model", "protocol": "protocol",
              "typeddict": "typed dict", "namedtuple": "named tuple", "enum": "enum",
              "exception": "exception", "abc": "abstract class", "dataclass": "dataclass",
              "plain": "class"}
KINDS = tuple(KIND_WORDS)
_KIND_MARKERS = {
    "orm": frozenset({"DeclarativeBase", "DeclarativeBaseNoMeta", "__tablename__", "table=True"}),
    "model": frozenset({"BaseModel", "BaseSettings", "RootModel", "SQLModel", "GenericModel"}),
    "protocol": frozenset({"Protocol"}),
    "typeddict": frozenset({"TypedDict"}),
    "namedtuple": frozenset({"NamedTuple"}),
    "enum": frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"}),
    "exception": frozenset({"Exception", "BaseException"}),
    "abc": frozenset({"ABC", "ABCMeta"}),
    # dataclasses and attrs classes (``@attr.s``, ``@attr.attrs``, ``@attrs.define``, ...)
    "dataclass": frozenset({"@dataclass", "@define", "@frozen", "@mutable", "@attr.s",
                            "@attrs"}),
}
_FALLBACK_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def kind_from_markers(markers) -> str:
    """The kind a class carrying *markers* is: base names (last component), ``ABCMeta`` for a
    metaclass, ``table=True``, ``__tablename__``, ``@dataclass`` for a decorator."""
    markers = set(markers)
    for kind in KINDS[:-1]:
        if markers & _KIND_MARKERS[kind]:
            return kind
    if any(marker.endswith(("Error", "Exception")) for marker in markers
           if not marker.startswith("@")):
        return "exception"
    return "plain"


class ClassFacts(NamedTuple):
    name: str
    line: int
    col: int
    end_line: int
    bases: tuple[str, ...]  # dotted as written: ("BaseAgent", "agents.base.BaseAgent", "Generic")
    methods: tuple[str, ...]  # every def / async def directly in the class body, in order
    decorators: tuple[str, ...]  # dotted: ("dataclass", "typing.final")


class ImportFacts(NamedTuple):
    module: str  # absolute dotted (relative imports resolved against the file's package)
    name: str | None  # None for ``import module``; "*" for a star import
    asname: str | None
    line: int


class ModuleFacts(NamedTuple):
    classes: tuple[ClassFacts, ...]  # module-level classes, as in ``module_level_classes``
    imports: tuple[ImportFacts, ...]  # every import of the module, also inside functions


# -- from ast ---------------------------------------------------------------------------------

def _written_bases(node: ast.ClassDef) -> tuple[str, ...]:
    # A call as a base (``with_metaclass(M, B)``) names no class: it is left out.
    return tuple(name for name in (named_by(base) for base in node.bases
                                   if not isinstance(base, ast.Call)) if name)


def _methods(node: ast.ClassDef) -> tuple[str, ...]:
    return tuple(item.name for item in node.body
                 if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))


def is_public(name: str) -> bool:
    return not name.startswith("_")


def module_level_classes(tree: ast.AST) -> list[ClassRecord]:
    """Classes defined at module level, also under module-level if/try/with/for/while/match."""
    statements = list(own_statements(getattr(tree, "body", ())))  # walked once
    classes = [node for node in statements if isinstance(node, ast.ClassDef)]
    if not classes:
        return []
    fallbacks = _fallback_classes(statements)
    aliases = _import_aliases(statements)
    records = []
    for node in classes:
        bases = tuple(unaliased(base, aliases) for base in _written_bases(node))
        fields = _fields(node)
        markers = [*bases, *_keyword_markers(node)]
        markers += [f"@{name.rpartition('.')[2]}" for name in map(named_by, node.decorator_list)
                    if name] + [f"@{name}" for name in map(named_by, node.decorator_list)
                                if name and "." in name]
        if "__tablename__" in fields:
            markers.append("__tablename__")
        records.append(ClassRecord(node.name, node.lineno, node.col_offset, bases,
                                   tuple(filter(is_public, _methods(node))),
                                   kind_from_markers(markers),
                                   tuple(name for name in fields if is_public(name)),
                                   id(node) in fallbacks))
    return records


def unaliased(written: str, aliases: dict[str, str]) -> str:
    """A base as the index keeps it: the last component of a dotted name; a bare name the
    module imports under an alias, as the name it imports (``_ClientAuthScheme`` of ``from
    .client import ClientAuthScheme as _ClientAuthScheme`` is ``ClientAuthScheme``), so that
    a class's kind and lineage are found through the aliased base."""
    if "." in written:
        return written.rpartition(".")[2]
    return aliases.get(written, written)


def _import_aliases(statements: Sequence[ast.stmt]) -> dict[str, str]:
    """alias -> imported name, of the module-level ``from m import Name as alias`` among the
    module's *statements* (``own_statements``; the last binding of an alias wins). Imports in
    functions cannot bind a module-level class's base."""
    return {alias.asname: alias.name for node in statements
            if isinstance(node, ast.ImportFrom) for alias in node.names if alias.asname}


def _keyword_markers(node: ast.ClassDef) -> list[str]:
    markers = []
    for keyword in node.keywords:
        if keyword.arg == "metaclass":
            name = named_by(keyword.value)
            if name:
                markers.append(name.rpartition(".")[2])
        elif isinstance(keyword.value, ast.Constant) and keyword.value.value is True:
            markers.append(f"{keyword.arg}=True")
    return markers


def _fields(node: ast.ClassDef) -> tuple[str, ...]:
    """Names assigned or annotated directly in the class body, in order, each once."""
    names = []
    for item in node.body:
        targets = (item.targets if isinstance(item, ast.Assign)
                   else [item.target] if isinstance(item, ast.AnnAssign) else [])
        names += [target.id for target in targets if isinstance(target, ast.Name)]
    return tuple(dict.fromkeys(names))


def _fallback_classes(statements: Sequence[ast.stmt]) -> set[int]:
    """``id`` of each module-level class that stands in for a name the ``try`` imports, defined
    in its ``except ImportError`` (or ``ModuleNotFoundError``) handler; *statements*: the
    module's (``own_statements``)."""
    found = set()
    for statement in statements:
        handlers = getattr(statement, "handlers", ())
        if not handlers:
            continue
        imported = {(alias.asname or alias.name).partition(".")[0]
                    for node in own_statements(statement.body)
                    if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
        for handler in handlers:
            caught = handler.type
            names = {named_by(item) for item in (caught.elts if isinstance(caught, ast.Tuple)
                                                 else [caught])} if caught is not None else set()
            if {name.rpartition(".")[2] for name in names if name} & _FALLBACK_ERRORS:
                found.update(id(node) for node in _classes_in_body(handler.body)
                             if node.name in imported)
    return found


def _classes_in_body(body: Sequence[ast.stmt]) -> Iterator[ast.ClassDef]:
    return (node for node in own_statements(body) if isinstance(node, ast.ClassDef))


def module_facts(tree: ast.Module, path: str) -> ModuleFacts:
    """The classes and imports of project file *path* (relative to the root), from its tree."""
    classes = tuple(
        ClassFacts(node.name, node.lineno, node.col_offset,
                   getattr(node, "end_lineno", None) or node.lineno, _written_bases(node),
                   _methods(node),
                   tuple(name for name in map(named_by, node.decorator_list) if name))
        for node in _classes_in_body(tree.body))
    imports = []
    package = package_directory(path)
    for node in statements_breadth_first(tree):
        if isinstance(node, ast.Import):
            imports += [ImportFacts(alias.name, None, alias.asname, node.lineno)
                        for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = absolute_module(package, node.module, node.level or 0)
            if module:
                imports += [ImportFacts(module, alias.name, alias.asname, node.lineno)
                            for alias in node.names]
    return ModuleFacts(classes, tuple(sorted(imports, key=lambda i: i.line)))


def decode_source(data: bytes) -> str | None:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


def parse(data: str | bytes) -> ast.Module | None:
    """The tree of a source file; None for one that does not decode or parse."""
    text = decode_source(data) if isinstance(data, bytes) else data
    if text is None:
        return None
    with warnings.catch_warnings():  # invalid escapes and the like: not this plugin's business
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def classes_from_ast(data: str | bytes) -> list[ClassRecord]:
    """Module-level classes as ``ast`` sees them; a file that does not parse has none."""
    tree = parse(data)
    return [] if tree is None else module_level_classes(tree)
