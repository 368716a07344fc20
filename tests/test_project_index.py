"""The project index: the text scanner agrees with ast (what it reads is all SOT2xx knows of
every file but the checked one: no file is parsed again to confirm it), a file showing a sign of
not parsing defines nothing, and the public API answers from real files on disk."""

from __future__ import annotations

import ast
import sys
import sysconfig
import warnings
from pathlib import Path

import pytest

from flake8_ssot.index import (ClassDefinition, ProjectIndex, list_python_files,
                               module_level_classes)
from flake8_ssot.index.scanner import scan_classes


TRICKY = {
    "docstring": '"""Docs.\n\nclass NotADefinition:\n    pass\n"""\n\n\nclass Real:\n    pass\n',
    "single-quoted docstring": "'''\nclass Hidden:\n'''\nclass Real: pass\n",
    "escaped quotes": 's = """a \\""" b\nclass Hidden:\n"""\nclass Real: pass\n',
    "under if and try": (
        "import sys\nif sys.platform == 'win32':\n    class A: pass\nelse:\n    class A: pass\n"
        "try:\n    import x\nexcept ImportError:\n    class B: pass\nfinally:\n    pass\n"
    ),
    "nested": "class Outer:\n    class Inner: pass\n\ndef f():\n    class Local: pass\n",
    "nested under if": "if True:\n    def f():\n        class Local: pass\n    class Top: pass\n",
    "decorated": "@dataclass\nclass Decorated:\n    x: int = 1\n",
    "comment": "# class Commented:\nclass Real: pass\n",
    "string line": "x = 'class Inline: pass'\nclass Real: pass\n",
    "dict closing at column 0": "X = {\n    'a': 1,\n}\nif X:\n    class A: pass\n",
    "with block": "import contextlib\nwith contextlib.suppress(Exception):\n    class W: pass\n",
    "unicode name": "class Ünïcode:\n    pass\n",
    "no classes": "x = 1\n",
    # The header's continuation line starts at column 0: what is indented is still under `if`.
    "if header continued at column 0": "a = b = 1\nif (a and\nb):\n    class X: pass\n",
    "def header continued at column 0": "def f(a,\nb):\n    class Local: pass\n",
    "async def": "async def f():\n    class Local: pass\nclass Real: pass\n",
    "string continued with a backslash": 'x = "abc\\\nclass Hidden: pass"\nclass Real: pass\n',
    "old Mac line endings": "x = 1\rclass A: pass\rif x:\r    class B: pass\r",
    "form feed before a class": "x = 1\n\x0cclass A: pass\n",
    "class in a comment under if": "if True:\n    # class NotOne:\n    x = 1\n",
    "bases": "class A(B, pkg.mod.C, Generic[T], metaclass=Meta, **kw): pass\n",
    "bases over lines with comments": (
        "class A(  # the base\n    B,  # (another) one\n    Dict['x, y', int],\n): pass\n"),
    "call and star bases": "class A(with_meta(M, B), *mixins, C): pass\nclass D(): pass\n",
    "keyword only": "class A(total=False): pass\n",
    "methods": (
        "class A(B):\n    \"\"\"Doc.\n    def not_one(self): ...\n\"\"\"\n    x = 1\n\n"
        "    @property\n"
        "    def public(self): ...\n    async def run(self):\n        def inner(): ...\n"
        "    def _private(self): ...\n    if X:\n        def conditional(self): ...\n"
        "# comment at column 0\n    def after_comment(self): ...\nclass C: pass\n"),
    "method after a multi-line header": "class A(\n    B,\n):\n    def m(self): ...\n",
}
if sys.version_info >= (3, 12):
    TRICKY["type parameters"] = "class Box[T: (int, str)](Base[T]): pass\n"
if sys.version_info >= (3, 10):
    TRICKY["under match"] = (
        "import sys\nmatch sys.platform:\n    case 'win32':\n        class P: pass\n"
        "    case _:\n        class P: pass\n"
    )


@pytest.mark.parametrize("source", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_layouts(source):
    assert scan_classes(source.encode()) == module_level_classes(ast.parse(source))


# What each class IS, as the index stores it: the text scan and ast agree.
KINDS = '''\
import abc
from dataclasses import dataclass


@add_slots
@dataclass(
    frozen=True,
)
# a comment between the decorators and the class
class Point:
    x: int
    y: int = 0
    _cache: dict = None
    a = b = None

    def norm(self): ...


class Source(SqlalchemyBase, metaclass=abc.ABCMeta):
    __tablename__ = "sources"
    id = Column()


class Row(SQLModel, table=True):
    id: int


class Schema(pydantic.BaseModel):
    match: str
    else_: int


class Runner(Protocol):
    def run(self): ...


class Failed(ValueError):
    pass


class Color(str, Enum):
    RED = "red"


class Options(TypedDict, total=False):
    verbose: bool


class Pair(NamedTuple):
    left: int


class Meta(metaclass=ABCMeta):
    pass
'''


def test_the_scan_stores_each_classs_kind_fields_and_members():
    found = {record.name: record for record in scan_classes(KINDS.encode())}
    assert list(found.values()) == module_level_classes(ast.parse(KINDS))
    assert {name: record.kind for name, record in found.items()} == {
        "Point": "dataclass", "Source": "orm", "Row": "orm", "Schema": "model",
        "Runner": "protocol", "Failed": "exception", "Color": "enum", "Options": "typeddict",
        "Pair": "namedtuple", "Meta": "abc"}
    assert found["Point"].fields == ("x", "y", "a", "b")  # public names only
    assert found["Point"].methods == ("norm",)
    assert found["Schema"].fields == ("match", "else_")


def test_a_stand_in_for_an_import_is_a_fallback():
    source = ("try:\n    from fast import Encoder, Other\nexcept (ImportError, OSError):\n"
              "    class Encoder:\n        pass\n    class Helper:\n        pass\n"
              "try:\n    import ujson as json\nexcept ModuleNotFoundError:\n"
              "    class json:\n        pass\n")
    records = scan_classes(source.encode())
    assert records == module_level_classes(ast.parse(source))
    assert [(r.name, r.fallback) for r in records] == [
        ("Encoder", True), ("Helper", False), ("json", True)]


ENGINE_LINES = "class Engine:\n    pass\n"
# Signs of a file that does not parse, which the scan sees without parsing: ast then reads the
# file, and it defines nothing.
BROKEN = {
    "python 2 print": ENGINE_LINES + "\nprint 'hello'\n",
    "print statement of a name, indented": ENGINE_LINES + "if x:\n    print x\n",
    "string never terminated": ENGINE_LINES + "\nNAME = 'half-saved\n",
    "lone quote": ENGINE_LINES + 'x = "\n',
    "triple quote never closed": ENGINE_LINES + '\n"""Docs.\n\nclass Other:\n    pass\n',
    "bracket never closed": ENGINE_LINES + "\nvalues = [1, 2,\n",
    "bracket closed twice": ENGINE_LINES + "\nvalues = f(1))\n",
    "merge conflict": "<<<<<<< HEAD\n" + ENGINE_LINES + "=======\nclass Engine:\n    x = 1\n"
                      ">>>>>>> branch\n",
    "merge conflict below": ENGINE_LINES + "<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> b\n",
}


@pytest.mark.parametrize("source", BROKEN.values(), ids=BROKEN.keys())
def test_a_file_showing_a_sign_of_not_parsing_defines_nothing(source):
    with pytest.raises(SyntaxError):
        ast.parse(source)
    assert scan_classes(source.encode()) == []


# Python 3 that looks like the signs above: the scan reads its classes as ast does.
NOT_BROKEN = {
    "print as a value": ENGINE_LINES + ("print >> sys.stderr, 'x'\nprint if x else y\n"
                                        "print in names\nprint\nprint  # a comment\nprint (1)\n"),
    "print statement in strings": ENGINE_LINES + "'''\nprint 'hello'\n'''\nx = ' print y'\n",
    "brackets in strings and comments": ENGINE_LINES + "x = '(['  # ) {\ny = \"]\"\n",
    "conflict markers in a string": ENGINE_LINES + '"""\n<<<<<<< HEAD\n>>>>>>> b\n"""\n',
    "quotes in comments": ENGINE_LINES + "# it's\nx = 1  # \"\n",
}


@pytest.mark.parametrize("source", NOT_BROKEN.values(), ids=NOT_BROKEN.keys())
def test_python_3_resembling_a_sign_of_not_parsing_is_read(source):
    assert scan_classes(source.encode()) == module_level_classes(ast.parse(source)) != []


def test_a_file_with_another_syntax_error_defines_what_the_scan_reads(tmp_path):
    # No file is parsed to confirm what the scan read: a syntax error the scan shows no sign of
    # (here a Python 2 exec statement) leaves the classes it reads in the index.
    source = ENGINE_LINES + "\nexec code\n"
    with pytest.raises(SyntaxError):
        ast.parse(source)
    (tmp_path / "old.py").write_text(source)
    (tmp_path / "new.py").write_text("\n\nclass Engine:\n    pass\n")
    (tmp_path / "py2.py").write_text(BROKEN["python 2 print"])
    index = ProjectIndex.build(str(tmp_path), ["new.py", "old.py", "py2.py"], None)
    found = [(d.path, d.line) for d in index.definitions("Engine")]
    assert found == [("new.py", 3), ("old.py", 1)]


def test_broken_input_has_no_classes():
    broken = b"class Broken(:\n    if x:\n  class A: pass\nif y:\n    class B: pass\n"
    assert scan_classes(broken) == []
    assert scan_classes(b"# -*- coding: no-such-codec -*-\nclass A: pass\n") == []
    assert scan_classes(b"\xff\xfe\x00class A: pass\n") == []


def _parses(path: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            return False  # the stdlib ships bad-syntax test data
    return True


def _stdlib_sample(count: int) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    step = max(1, len(files) // (count + 10))
    return [path for path in files[::step] if _parses(path)][:count]


@pytest.mark.parametrize("path", _stdlib_sample(250), ids=lambda p: p.name)
def test_agrees_with_ast_on_standard_library_files(path):
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(data)
    assert scan_classes(data) == module_level_classes(tree)


def test_walk_does_not_follow_symlink_loops(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("class A: pass\n")
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert list_python_files(str(tmp_path)) == ["pkg/a.py"]


def test_a_lookup_finds_exactly_the_files_defining_the_name(tmp_path):
    # C1 must not match C10..C19; a name defined in every file is found in every file.
    names = [f"C{i}" for i in range(40)]
    for i, name in enumerate(names):
        (tmp_path / f"m{i}.py").write_text(f"class {name}: pass\nclass Shared: pass\n")
    index = ProjectIndex.build(str(tmp_path), [f"m{i}.py" for i in range(40)], None)
    assert index.definitions("C1") == [ClassDefinition("C1", "m1.py", 1, 0)]
    assert index.definitions("C") == []
    assert sorted(d.path for d in index.definitions("Shared")) == sorted(
        f"m{i}.py" for i in range(40))
