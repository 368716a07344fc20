"""The index's text scanner sees every module-level class ``ast`` sees, on the same line, with the
same bases: a class it misses is a duplicate no other module is told about (SOT201 says "2
modules" in one file and "3" in another).

Hypothesis writes the programs from the pieces that have fooled text scanners: ``class`` and its
name apart by tabs and backslash continuations, bases over several lines, look-alikes in strings
and comments, headers continued at column 0, form feeds, blocks of every kind, and the three line
breaks (LF, CRLF, a lone CR). Only programs that parse are compared: what the scan reads is
all SOT2xx knows of a file (nothing is parsed again to confirm it). The same programs made not to
parse by a sign the scan sees (a string never terminated, a bracket never closed, a Python 2
print) define nothing.
"""

from __future__ import annotations

import ast
import os
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_ssot.index.records import module_level_classes
from flake8_ssot.index.scanner import scan_classes

EXAMPLES = int(os.environ.get("SSOT_HYPOTHESIS_EXAMPLES", "150"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None,
                    derandomize=not os.environ.get("SSOT_HYPOTHESIS_RANDOM"))

NAMES = st.sampled_from(["ExecutionEngine", "Engine", "A", "Ünïcode", "_Private", "B2"])
# Between ``class`` and its name, or the name and its bases: what Python reads as one gap.
GAPS = st.sampled_from([" ", "\t", "  ", " \\\n", "\\\n", " \\\n    ", "\t\\\n\t"])
BASES = st.sampled_from([
    "", "()", "(Base)", "(pkg.Base)", "(Base, Mixin)", "(\nBase,\n)", "(\n    Base,\n    Mixin)",
    "(Base, metaclass=Meta)", "(Generic[T])", "(Base  # a comment (with a bracket\n)",
    "(Base, 'a string with ) in it')", "(\\\n Base)", "(pkg \\\n .Base)",
    *(["[T](Base)", "[T: int, *Ts]"] if sys.version_info >= (3, 12) else []),
])
SIMPLE = st.sampled_from([
    "pass", "x = 1", "x = (\n1,\n)", "x = [\n    2]", "y = 1 + \\\n    2",
    "s = '''\nclass InAString:\n    pass\n'''", 's = """class AlsoInAString"""',
    "# class InAComment:", "t = 'class Quoted:'", "u = \"a\\\nclass Continued:\"",
    "import os", "from . import x", "\x0c", "",
    # aliased imports: a base bound by one is kept as the name it imports
    "from m import Base as Mixin", "from .m import (\n    Other as Base,  # (a comment\n    B2,\n)",
])


def indent(lines: list[str], by: str) -> list[str]:
    """*lines* one block deeper; continuation lines inside brackets stay where they are."""
    return [by + line if line.strip() else line for line in lines]


@st.composite
def class_statement(draw, body) -> list[str]:
    decorators = draw(st.lists(st.sampled_from(["@dataclass", "@final", "@register(\n'x')"]),
                               max_size=2))
    gap_before_bases = draw(st.sampled_from(["", " ", " \\\n"]))
    header = f"class{draw(GAPS)}{draw(NAMES)}{gap_before_bases}{draw(BASES)}:"
    if draw(st.booleans()):
        return [*decorators, f"{header} {draw(st.sampled_from(['pass', '...', 'x = 1']))}"]
    return [*decorators, header, *indent(draw(body), draw(st.sampled_from(["    ", "\t", "  "])))]


@st.composite
def block_statement(draw, body) -> list[str]:
    header = draw(st.sampled_from([
        "if x:", "if (\nx\n):", "if x \\\n   and y:", "while x:", "for i in y:", "with x:",
        "def f():", "async def g():", "def h(\n    a,\n):", "try:",
    ]))
    lines = [header, *indent(draw(body), "    ")]
    if header == "try:":
        lines += ["except Exception:", "    pass"]
    return lines


def statements(depth: int = 2):
    simple = SIMPLE.map(lambda line: line.split("\n"))
    if depth == 0:
        return st.lists(simple, min_size=1, max_size=3).map(lambda parts: sum(parts, []))
    inner = statements(depth - 1)
    one = st.one_of(simple, class_statement(inner), block_statement(inner))
    return st.lists(one, min_size=1, max_size=5).map(lambda parts: sum(parts, []))


@st.composite
def programs(draw) -> str:
    lines = draw(statements())
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(line for part in lines for line in part.split("\n")) + newline


def seen_by_ast(source: str) -> list[tuple] | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    return [(c.name, c.line, c.col, c.bases) for c in module_level_classes(tree)]


@PROPERTY
@given(programs())
def test_the_scanner_sees_every_class_ast_sees(source):
    expected = seen_by_ast(source)
    if expected is None:
        return
    classes = scan_classes(source.encode("utf-8"))
    assert [(c.name, c.line, c.col, c.bases) for c in classes] == expected


# Lines that make any program above fail to parse, each a sign the scan sees without parsing.
SIGNS = st.sampled_from(["print 'hello'", "print x", "x = 'never closed", 's = "', "y = (1,",
                         "z = [1]]", '"""a docstring never closed', "<<<<<<< HEAD"])


@PROPERTY
@given(programs(), SIGNS, st.booleans())
def test_a_program_showing_a_sign_of_not_parsing_defines_nothing(source, sign, first):
    if seen_by_ast(source) is None:
        return
    broken = f"{sign}\n{source}" if first else f"{source}{sign}\n"
    assert seen_by_ast(broken) is None
    assert scan_classes(broken.encode("utf-8")) == []


def test_a_class_name_on_the_line_after_a_backslash_is_seen():
    source = "class \\\nExecutionEngine:\n    pass\n\n\nclass\\\n  Other(\\\n Base):\n    pass\n"
    classes = scan_classes(source.encode("utf-8"))
    assert [(c.name, c.line, c.bases) for c in classes] == [
        ("ExecutionEngine", 1, ()), ("Other", 6, ("Base",))]
