"""The project-wide index of class definitions: discovery, cache and invalidation.

flake8 checks one file at a time, pre-commit passes only staged files and an editor sends one
unsaved buffer, yet "this class is defined twice" is a relation between files. So every process
keeps an index of the module-level classes of every Python file of the project:

* discovery: the project root is the nearest directory upward holding a config file or ``.git``;
  its files come from ``git ls-files`` (tracked plus untracked-but-not-ignored) or, outside git,
  from a walk that never follows directory symlinks;
* cache: an sqlite database in ``<root>/.flake8-ssot-cache/`` keyed by path, mtime and size, so a
  warm run re-parses only what changed; sqlite's locking makes it safe for several flake8
  processes at once; a corrupt or foreign-version database is rebuilt, an unwritable one is
  replaced by an in-memory index;
* extraction: a fast text scanner for the common case, ``ast`` where the layout needs it.

Nothing here imports flake8 (or executes the code it reads).
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import fnmatch
import io
import os
import re
import sqlite3
import subprocess
import tokenize
from stat import S_ISREG
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

try:
    import fcntl
except ImportError:  # Windows: sqlite's own locking still protects the data
    fcntl = None

SCHEMA_VERSION = "1"
ROOT_MARKERS = ("setup.cfg", "tox.ini", ".flake8", "pyproject.toml", ".git")
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by flake8-ssot.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
# Directories a walk never enters (flake8's default excludes plus virtualenvs).
_SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", "CVS", "__pycache__", ".tox", ".nox", ".eggs", ".venv",
    "venv", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache",
})
_BUSY_TIMEOUT_SECONDS = 60.0
_GIT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ClassDefinition:
    name: str
    path: str  # relative to the project root, POSIX separators
    line: int
    col: int


# -- discovery ------------------------------------------------------------------------------

def find_project_root(start: str, configured: str = "") -> str:
    """``configured`` if given, else the nearest directory upward from *start* with a marker."""
    if configured:
        return os.path.abspath(configured)
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    candidate = directory
    while True:
        if any(os.path.exists(os.path.join(candidate, marker)) for marker in ROOT_MARKERS):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return directory
        candidate = parent


def _git_python_files(root: str) -> list[str] | None:
    try:
        result = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
             "--", "*.py"],
            capture_output=True, timeout=_GIT_TIMEOUT_SECONDS, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    paths = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({path for path in paths if path.endswith(".py")})


def _walk_python_files(root: str, skipped_dirs: frozenset) -> list[str]:
    found = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in skipped_dirs)
        relative = os.path.relpath(directory, root)
        for filename in filenames:
            if filename.endswith(".py"):
                path = filename if relative == "." else os.path.join(relative, filename)
                found.append(path.replace(os.sep, "/"))
    return sorted(found)


def path_matches(relative_path: str, patterns: Iterable[str], root: str = "") -> bool:
    """flake8-style matching: a pattern matches a path component, the relative or the absolute path."""
    parts = relative_path.split("/")
    absolute = os.path.join(root, *parts) if root else ""
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if not pattern:
            continue
        if "/" in pattern or os.sep in pattern:
            if os.path.isabs(pattern):
                if absolute and (absolute == pattern or absolute.startswith(pattern + os.sep)
                                 or fnmatch.fnmatch(absolute, pattern)):
                    return True
            elif fnmatch.fnmatch(relative_path, pattern) or relative_path.startswith(pattern + "/"):
                return True
        elif any(fnmatch.fnmatch(part, pattern) for part in parts):
            return True
    return False


def list_python_files(root: str, excludes: Sequence[str] = (), cache_dir: str = "") -> list[str]:
    """The project's Python files, relative to *root*, without excluded ones."""
    skipped = _SKIPPED_DIRS | ({os.path.basename(cache_dir.rstrip("/"))} if cache_dir else set())
    paths = _git_python_files(root)
    if not paths:  # not in git, or the whole tree is ignored (a vendored or downloaded tree)
        paths = _walk_python_files(root, frozenset(skipped))
    return [path for path in paths if not path_matches(path, (*excludes, *skipped), root)]


# -- extraction ---------------------------------------------------------------------------------

_COMPOUND_AT_MODULE_LEVEL = re.compile(
    r"^(?:if|elif|else|try|except|finally|with|for|while|async|match|case)\b", re.M)
_CLASS_AT_COLUMN_0 = re.compile(r"^class[ \t]+([^\W\d]\w*)", re.M)
_INDENTED_CLASS = re.compile(r"^[ \t]+class[ \t]", re.M)
# A line starting at column 0 with code (closing brackets end an earlier statement).
_TOP_LEVEL_LINE = re.compile(r"^[^\s#)\]}]", re.M)
# Only what can hide a line from the parser matters here: comments and strings.
_LEXEMES = re.compile(  # written "unrolled" so the regex engine does not step per character
    r"""\#[^\n]*
      | (?P<triple>\"\"\"[^\"\\]*(?:(?:\\.|\"(?!\"\"))[^\"\\]*)*\"\"\"
                 | '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*''')
      | \"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\" | '[^'\\\n]*(?:\\.[^'\\\n]*)*'
    """, re.X | re.S)


def _classes_in_body(body: Sequence[ast.stmt]) -> Iterable[tuple[str, int, int]]:
    for node in body:
        if isinstance(node, ast.ClassDef):
            yield node.name, node.lineno, node.col_offset
        elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            yield from _classes_in_body(node.body)
            yield from _classes_in_body(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _classes_in_body(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            yield from _classes_in_body(node.body)
            for handler in node.handlers:
                yield from _classes_in_body(handler.body)
            yield from _classes_in_body(node.orelse)
            yield from _classes_in_body(node.finalbody)


def module_level_classes(tree: ast.AST) -> list[tuple[str, int, int]]:
    """Classes defined at module level, also under module-level if/try/with/for/while."""
    return list(_classes_in_body(getattr(tree, "body", ())))


def _decode(data: bytes) -> str | None:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


def extract_classes(data: bytes) -> list[tuple[str, int, int]]:
    """Module-level classes of a source file, as ``(name, line, col)``.

    Parsing every file of a large project with ``ast`` costs seconds, so the common layout is read
    from the text: a ``class`` at column 0 outside a string is module-level, an indented one is
    nested in a def or class, unless the top-level statement it is indented under is a compound
    statement (``if``, ``try``, ...), in which case ``ast`` decides. A file that cannot be decoded or parsed has no classes.
    """
    text = _decode(data)
    if text is None or "class" not in text:
        return []
    triple_starts, triple_ends = [], []
    for lexeme in _LEXEMES.finditer(text):
        if lexeme.group("triple") and "\n" in lexeme.group("triple"):
            triple_starts.append(lexeme.start())
            triple_ends.append(lexeme.end())

    def in_string(offset: int) -> bool:
        index = bisect.bisect_right(triple_starts, offset) - 1
        return index >= 0 and offset < triple_ends[index]

    top_level_lines = [m.start() for m in _TOP_LEVEL_LINE.finditer(text) if not in_string(m.start())]

    def under_compound_statement(offset: int) -> bool:
        index = bisect.bisect_right(top_level_lines, offset) - 1
        return index >= 0 and _COMPOUND_AT_MODULE_LEVEL.match(text, top_level_lines[index]) is not None

    if any(not in_string(m.start()) and under_compound_statement(m.start())
           for m in _INDENTED_CLASS.finditer(text)):
        try:
            return module_level_classes(ast.parse(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
    classes = []
    for match in _CLASS_AT_COLUMN_0.finditer(text):
        if not in_string(match.start()):
            line = text.count("\n", 0, match.start()) + 1
            classes.append((match.group(1), line, 0))
    return classes


# -- the cache ------------------------------------------------------------------------------

def _encode_classes(classes: Sequence[tuple[str, int, int]]) -> str:
    return ";".join(f"{name}:{line}:{col}" for name, line, col in classes)


def _decode_classes(text: str) -> list[tuple[str, int, int]]:
    classes = []
    for item in filter(None, (text or "").split(";")):
        name, line, col = item.rsplit(":", 2)
        classes.append((name, int(line), int(col)))
    return classes


def _prepare_cache_dir(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, content in ((".gitignore", "# Created by flake8-ssot.\n*\n"),
                          ("CACHEDIR.TAG", CACHEDIR_TAG)):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)


@contextlib.contextmanager
def _exclusive_lock(path: str) -> Iterator[None]:
    """Serialise opening (and, if corrupt, rebuilding) the database across processes."""
    with open(path, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


class _Store:
    """The sqlite file; any failure turns it off and the index carries on in memory."""

    def __init__(self, directory: str | None):
        self.connection: sqlite3.Connection | None = None
        self.problem = ""
        if directory is None:
            return
        path = os.path.join(directory, "index.sqlite3")
        try:
            _prepare_cache_dir(directory)
            with _exclusive_lock(os.path.join(directory, "open.lock")):
                try:
                    self.connection = self._open(path)
                except (OSError, sqlite3.Error) as error:
                    self._reset(path, error)
        except OSError as error:
            self.problem = f"{type(error).__name__}: {error}"

    @staticmethod
    def _open(path: str) -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            version = connection.execute(
                "SELECT value FROM meta WHERE key='schema'").fetchone()
            if version is None or version[0] != SCHEMA_VERSION:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("DROP TABLE IF EXISTS files")
                connection.execute(
                    "CREATE TABLE files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER,"
                    " classes TEXT)")
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)",
                                   (SCHEMA_VERSION,))
                connection.execute("COMMIT")
            connection.execute("SELECT path, mtime_ns, size, classes FROM files LIMIT 1").fetchall()
        except BaseException:
            connection.close()
            raise
        return connection

    def _reset(self, path: str, error: Exception) -> None:
        """A corrupt file is deleted and rebuilt once; if that fails, no cache at all."""
        if isinstance(error, sqlite3.DatabaseError) and os.path.isfile(path):
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(path + suffix)
                except OSError:
                    pass
            try:
                self.connection = self._open(path)
                return
            except (OSError, sqlite3.Error) as second_error:
                error = second_error
        self.connection = None
        self.problem = f"{type(error).__name__}: {error}"

    def rows(self) -> dict[str, tuple[int, int, str]]:
        if self.connection is None:
            return {}
        try:
            return {path: (mtime, size, classes) for path, mtime, size, classes in
                    self.connection.execute("SELECT path, mtime_ns, size, classes FROM files")}
        except sqlite3.Error as error:
            self._disable(error)
            return {}

    def update(self, stale: dict[str, os.stat_result], removed: Sequence[str],
               compute) -> dict[str, tuple[int, int, str]]:
        """Rows for the *stale* paths, written under sqlite's write lock.

        A process that waited for the lock re-reads the rows first, so when several flake8
        processes start on a cold cache one of them parses and the others reuse its work.
        """
        rows: dict[str, tuple[int, int, str]] = {}
        if self.connection is not None:
            try:
                self.connection.execute("BEGIN IMMEDIATE")
                current = self.rows()
                written = []
                for path, stat in stale.items():
                    row = current.get(path)
                    if row is None or (row[0], row[1]) != (stat.st_mtime_ns, stat.st_size):
                        row = (stat.st_mtime_ns, stat.st_size, compute(path))
                        written.append((path, *row))
                    rows[path] = row
                self.connection.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                                            written)
                self.connection.executemany("DELETE FROM files WHERE path = ?",
                                            [(path,) for path in removed])
                self.connection.execute("COMMIT")
            except sqlite3.Error as error:
                self._disable(error)
        for path, stat in stale.items():
            if path not in rows:
                rows[path] = (stat.st_mtime_ns, stat.st_size, compute(path))
        return rows

    def _disable(self, error: Exception) -> None:
        self.problem = f"{type(error).__name__}: {error}"
        try:
            self.connection.close()
        except sqlite3.Error:
            pass
        self.connection = None


# -- the index ------------------------------------------------------------------------------

class ProjectIndex:
    """Module-level class definitions of every Python file of one project."""

    def __init__(self, root: str, files: Sequence[str], cache_dir: str | None):
        self.root = root
        self.files = frozenset(files)
        store = _Store(cache_dir)
        self.cache_problem = store.problem
        self._by_name: dict[str, list[ClassDefinition]] = {}
        cached = store.rows()
        fresh: dict[str, str] = {}
        stale: dict[str, os.stat_result] = {}
        for path in files:
            try:
                stat = os.stat(os.path.join(root, path))
            except OSError:
                continue  # deleted or unreadable since it was listed
            if not S_ISREG(stat.st_mode):
                continue  # a FIFO or device named *.py: opening it would block the run
            row = cached.get(path)
            if row is not None and (row[0], row[1]) == (stat.st_mtime_ns, stat.st_size):
                fresh[path] = row[2]
            else:
                stale[path] = stat
        removed = [path for path in cached if path not in self.files]
        if stale or removed:
            encode = lambda path: _encode_classes(self._read_classes(path))  # noqa: E731
            for path, row in store.update(stale, removed, encode).items():
                fresh[path] = row[2]
            self.cache_problem = self.cache_problem or store.problem
        for path in sorted(fresh):
            self._add(path, fresh[path])
        if store.connection is not None:
            store.connection.close()

    def _read_classes(self, path: str) -> list[tuple[str, int, int]]:
        try:
            with open(os.path.join(self.root, path), "rb") as handle:
                data = handle.read()
        except OSError:
            return []
        return extract_classes(data)

    def _add(self, path: str, encoded: str) -> None:
        try:
            classes = _decode_classes(encoded)
        except ValueError:
            return  # a tampered row: ignore it rather than trust it
        for name, line, col in classes:
            self._by_name.setdefault(name, []).append(ClassDefinition(name, path, line, col))

    def definitions(self, name: str) -> list[ClassDefinition]:
        return self._by_name.get(name, [])


_INDEXES: dict[tuple, ProjectIndex] = {}


def project_index(root: str, excludes: Sequence[str] = (), cache_dir: str = "",
                  use_cache: bool = True) -> ProjectIndex:
    """The index of *root*, built (or revalidated from the cache) once per process."""
    key = (root, tuple(excludes), cache_dir, use_cache)
    index = _INDEXES.get(key)
    if index is None:
        cache_path = os.path.join(root, cache_dir) if use_cache and cache_dir else None
        files = list_python_files(root, excludes, cache_dir)
        index = _INDEXES[key] = ProjectIndex(root, files, cache_path)
    return index
