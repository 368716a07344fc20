"""What the index knows of one file: its module-level classes (with their base names) from a
fast text scan, and its classes and imports in detail (``module_facts``) from ``ast``.

Nothing here imports flake8 (or executes the code it reads).
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
import warnings
from typing import Iterator, NamedTuple, Sequence

from flake8_ssot.syntax import (absolute_module, named_by, own_statements, package_directory,
                                statements_breadth_first)


class ClassRecord(NamedTuple):
    """A module-level class as the scanner sees it (what the index keeps for every file)."""
    name: str
    line: int
    col: int
    bases: tuple[str, ...]  # the last dotted component of each base as written: ("BaseAgent",)
    methods: tuple[str, ...] = ()  # public (no leading underscore) defs directly in the body


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


# -- ast ----------------------------------------------------------------------------------------

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
    return [ClassRecord(node.name, node.lineno, node.col_offset,
                        tuple(base.rpartition(".")[2] for base in _written_bases(node)),
                        tuple(filter(is_public, _methods(node))))
            for node in _classes_in_body(getattr(tree, "body", ()))]


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


# -- the text scanner ---------------------------------------------------------------------------

# ``class`` and its name may be apart by blanks and backslash continuations (``class \`` and the
# name on the next line is one statement to ``ast``).
_GAP = r"(?:[ \t]|\\\n)"
_CLASS_AT_COLUMN_0 = re.compile(rf"^class{_GAP}+([^\W\d]\w*)", re.M)
_BLANKS = re.compile(rf"{_GAP}*")
_INDENTED_CLASS = re.compile(rf"^[ \t]+class{_GAP}", re.M)
# A line starting at column 0 with code (closing brackets end an earlier statement).
_TOP_LEVEL_LINE = re.compile(r"^[^\s#)\]}]", re.M)
# What is indented under a top-level def or class is nested in it. Under anything else (if, try,
# with, match, or a line continuing a multi-line header) an indented class may be module-level.
_OPENS_DEF_OR_CLASS = re.compile(r"(?:async[ \t]+)?def\b|class\b")
# Only what can hide a line from the parser matters here: comments and strings.
_LEXEMES = re.compile(  # written "unrolled" so the regex engine does not step per character
    r"""\#[^\n]*
      | \"\"\"[^\"\\]*(?:(?:\\.|\"(?!\"\"))[^\"\\]*)*\"\"\"
      | '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
      | \"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\" | '[^'\\\n]*(?:\\.[^'\\\n]*)*'
    """, re.X | re.S)
_IDENTIFIER = re.compile(r"[^\W\d]\w*\Z")
_INDENTED_LINE = re.compile(r"^([ \t]+)[^\s#]", re.M)
_HEADER_END = re.compile(r"[^\n]*")
_OPENING, _CLOSING = "([{", ")]}"


def _bracketed(text: str, start: int) -> tuple[list[str], int]:
    """The top-level comma-separated items of the bracket opening at *start*, and the offset
    after its closing bracket. Strings and comments inside are skipped, not split."""
    items, depth, item_start, position = [], 0, start + 1, start
    pieces: list[str] = []
    while position < len(text):
        char = text[position]
        if char in "#'\"":
            lexeme = _LEXEMES.match(text, position)
            end = lexeme.end() if lexeme else position + 1
            if char != "#":
                pieces.append(text[item_start:end])
            else:
                pieces.append(text[item_start:position])
            item_start = position = end
            continue
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth -= 1
            if depth == 0:
                items.append("".join(pieces) + text[item_start:position])
                return items, position + 1
        elif char == "," and depth == 1:
            items.append("".join(pieces) + text[item_start:position])
            pieces, item_start = [], position + 1
        position += 1
    return items, position


def _base_component(written: str) -> str | None:
    """``pkg.Base[T]`` -> ``Base``; a keyword (``metaclass=M``), ``*bases`` or a call -> None."""
    cut = len(written)
    for index, char in enumerate(written):
        if char in "[(=*":
            if char != "[":
                return None
            cut = index
            break
    dotted = "".join(written[:cut].replace("\\\n", "").split())
    last = dotted.rpartition(".")[2]
    return last if _IDENTIFIER.match(last) else None


def _text_bases(text: str, offset: int) -> tuple[tuple[str, ...], int]:
    """Base names of the class header whose name ends at *offset* (type parameters skipped),
    and the offset of the end of the header's last line."""
    position = _BLANKS.match(text, offset).end()
    if text.startswith("[", position):  # ``class Box[T](Base)``: Python 3.12 type parameters
        position = _BLANKS.match(text, _bracketed(text, position)[1]).end()
    bases: tuple[str, ...] = ()
    if text.startswith("(", position):
        items, position = _bracketed(text, position)
        bases = tuple(name for name in map(_base_component, items) if name)
    return bases, _HEADER_END.match(text, position).end()


def scan_classes(data: bytes) -> tuple[list[ClassRecord], bool]:
    """Module-level classes of a source file, and whether that answer is exact.

    Parsing every file of a large project with ``ast`` costs seconds, so the common layout is read
    from the text: a ``class`` at column 0 outside a string is module-level, an indented one is
    nested if the top-level line it is indented under opens a ``def`` or ``class``. When an
    indented class sits under anything else (``if``, ``try``, a header continued at column 0),
    ``ast`` decides. The text scan cannot see a syntax error, so its answer is not *exact*: the
    index confirms it with ``ast`` before such a definition is reported.
    """
    text = decode_source(data)
    if text is None or "class" not in text:
        return [], True
    if "\f" in text:  # a form feed resets the indentation Python counts: ``ast`` knows how
        return classes_from_ast(text), True
    if "\r" in text:  # old Mac line endings: one newline character for the regexes below
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    multiline_starts, multiline_ends = [], []
    for lexeme in _LEXEMES.finditer(text):
        if "\n" in lexeme.group():  # triple-quoted, or continued with a backslash
            multiline_starts.append(lexeme.start())
            multiline_ends.append(lexeme.end())

    def in_string(offset: int) -> bool:
        index = bisect.bisect_right(multiline_starts, offset) - 1
        return index >= 0 and offset < multiline_ends[index]

    top_level_lines: list[int] | None = None
    for match in _INDENTED_CLASS.finditer(text):
        if in_string(match.start()):
            continue
        if top_level_lines is None:
            top_level_lines = [m.start() for m in _TOP_LEVEL_LINE.finditer(text)
                               if not in_string(m.start())]
        index = bisect.bisect_right(top_level_lines, match.start()) - 1
        if index < 0 or not _OPENS_DEF_OR_CLASS.match(text, top_level_lines[index]):
            return classes_from_ast(text), True
    classes = []
    line, counted_to = 1, 0  # lines are counted on from the previous class: linear in the file
    for match in _CLASS_AT_COLUMN_0.finditer(text):
        if not in_string(match.start()):
            line += text.count("\n", counted_to, match.start())
            counted_to = match.start()
            bases, header_end = _text_bases(text, match.end())
            if top_level_lines is None:
                top_level_lines = [m.start() for m in _TOP_LEVEL_LINE.finditer(text)
                                   if not in_string(m.start())]
            index = bisect.bisect_right(top_level_lines, header_end)
            body_end = top_level_lines[index] if index < len(top_level_lines) else len(text)
            methods = _text_methods(text, header_end, body_end, in_string)
            classes.append(ClassRecord(match.group(1), line, 0, bases, methods))
    return classes, not classes


def _text_methods(text: str, start: int, end: int, in_string) -> tuple[str, ...]:
    """Public ``def`` names at the indentation of the first statement of a class body."""
    indentation = None
    for line in _INDENTED_LINE.finditer(text, start, end):
        if not in_string(line.start()):
            indentation = line.group(1)
            break
    if indentation is None:
        return ()  # ``class A: pass``, or an empty file after the header
    method = re.compile(rf"^{re.escape(indentation)}(?:async[ \t]+)?def[ \t]+([^\W\d]\w*)", re.M)
    return tuple(m.group(1) for m in method.finditer(text, start, end)
                 if not in_string(m.start()) and is_public(m.group(1)))
