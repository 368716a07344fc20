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
import functools
import io
import json
import os
import re
import sqlite3
import subprocess
import time
import tokenize
import warnings
from stat import S_ISREG
from typing import Iterable, Iterator, NamedTuple, Sequence

try:
    import fcntl
except ImportError:  # Windows: sqlite's own locking still protects the data
    fcntl = None

SCHEMA_VERSION = "4"  # 2: the "exact" column (ast-confirmed classes); 3: "names"; 4: listing
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
# Saving ast confirmations is an optimisation for the next run: never wait long for it.
_CONFIRM_TIMEOUT_SECONDS = 1.0
_GIT_TIMEOUT_SECONDS = 30.0


class ClassDefinition(NamedTuple):
    name: str
    path: str  # relative to the project root, POSIX separators
    line: int
    col: int


# -- discovery ------------------------------------------------------------------------------

def find_project_root(start: str, configured: str = "") -> str:
    """``configured`` if given, else the nearest directory upward from *start* with a marker.

    Like flake8's configuration search, the search stops below the home directory: a
    ``~/.flake8`` must not make the whole home directory one project. Without a marker, the
    project is *start*'s directory.
    """
    if configured:
        return os.path.abspath(configured)
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    return _nearest_marked_directory(directory, os.path.expanduser("~"))


@functools.lru_cache(maxsize=256)  # asked for every checked file; most share a few directories
def _nearest_marked_directory(directory: str, home: str) -> str:
    candidate = directory
    while True:
        if any(os.path.exists(os.path.join(candidate, marker)) for marker in ROOT_MARKERS):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate or parent == home:
            return directory
        candidate = parent


def _start_git(root: str, *arguments: str) -> subprocess.Popen | None:
    """Start a git command in *root*; it runs while the caller does other work."""
    try:
        return subprocess.Popen(
            ["git", "-C", root, *arguments],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _git_output(process: subprocess.Popen | None) -> bytes | None:
    """What a started git command printed; None when it failed (not a repository, no git)."""
    if process is None:
        return None
    try:
        output, _ = process.communicate(timeout=_GIT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    return output if process.returncode == 0 else None


def _python_paths(output: bytes) -> list[str]:
    paths = output.decode("utf-8", "surrogateescape").split("\0")
    return sorted({path for path in paths if path.endswith(".py")})


def _walk_python_files(root: str, excluded: Sequence[str],
                       directories: list[str] | None = None) -> list[str]:
    """Python files under *root*; excluded directories are not entered (a virtualenv or
    site-packages below the root costs nothing). The directories entered are added to
    *directories*."""
    found = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        if directories is not None:
            directories.append(prefix.rstrip("/"))
        dirnames[:] = sorted(d for d in dirnames if not path_matches(prefix + d, excluded, root))
        found += [prefix + filename for filename in filenames if filename.endswith(".py")]
    return sorted(found)


def path_matches(relative_path: str, patterns: Iterable[str], root: str = "") -> bool:
    """flake8-style matching: a pattern matches a path component, the relative or absolute path."""
    return _path_matcher(tuple(patterns))(relative_path, root)


@functools.lru_cache(maxsize=32)
def _path_matcher(patterns: tuple[str, ...]):
    """One compiled test for a set of patterns: listing a large project tests every file."""
    normcase = os.path.normcase if os.name == "nt" else None  # fnmatch ignores case there
    names, name_globs, relative, absolute = set(), [], [], []
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if not pattern:
            continue
        if normcase:
            pattern = normcase(pattern)
        if "/" in pattern or os.sep in pattern:
            (absolute if os.path.isabs(pattern) else relative).append(pattern)
        elif any(char in pattern for char in "*?["):
            name_globs.append(fnmatch.translate(pattern))
        else:
            names.add(pattern)
    any_name_glob = re.compile("|".join(name_globs)).match if name_globs else None

    def matches(relative_path: str, root: str) -> bool:
        if normcase:
            relative_path = normcase(relative_path)
        parts = relative_path.split("/")
        if not names.isdisjoint(parts):
            return True
        if any_name_glob and any(any_name_glob(part) for part in parts):
            return True
        for pattern in relative:
            if fnmatch.fnmatch(relative_path, pattern) or relative_path.startswith(pattern + "/"):
                return True
        if absolute and root:
            absolute_path = os.path.join(root, *parts)
            for pattern in absolute:
                if (absolute_path == pattern or absolute_path.startswith(pattern + os.sep)
                        or fnmatch.fnmatch(absolute_path, pattern)):
                    return True
        return False

    return matches


_TRACKED = ("ls-files", "-z", "--cached", "--", "*.py")
_UNTRACKED = ("ls-files", "-z", "--others", "--exclude-standard", "--", "*.py")
_GIT_LOCATIONS = ("rev-parse", "--show-toplevel", "--git-common-dir")


def list_python_files(root: str, excludes: Sequence[str] = (), cache_dir: str = "") -> list[str]:
    """The project's Python files, relative to *root*, without excluded ones."""
    return Discovery(root, excludes, cache_dir).listing(None).files


# -- the listing and what vouches for it ------------------------------------------------------
#
# Listing a project is most of a warm run's cost: ``git ls-files --others`` reads every
# directory to find untracked files (30 ms for Django's 3,000 directories), and a one-file
# flake8 run from pre-commit or an editor pays it in full. Yet the listing can only change when
#
# * git's tracked files change: ``git ls-files --cached`` only reads git's index (3 ms), so it
#   runs every time, and its output is compared with the last one;
# * a directory gains or loses an entry: that changes the directory's mtime;
# * an ignore rule changes: a ``.gitignore``, ``info/exclude`` or the global excludes file.
#
# So the listing is saved with the mtimes of those "witnesses" (the directories holding a listed
# file and their parents, and the ignore files) and reused while none of them changed. An mtime
# within _RACY_NANOSECONDS of the listing may hide a change made in the same clock tick (as in
# git's "racy git" problem); it is saved as "unknown", so the next run lists again.

_RACY_NANOSECONDS = 2_000_000_000
_UNKNOWN_MTIME = -1


class Listing(NamedTuple):
    key: str  # the excludes it was made with
    files: list[str]
    mode: str  # "git": from git ls-files; "walk": a walk of the tree
    tracked_output: bytes | None  # what ``git ls-files --cached`` printed, None outside git
    untracked: list[str]  # git mode: the files among *files* that git does not track
    witnesses: list[tuple[str, int, int]]  # (path, mtime_ns, size) that vouch for *files*
    reused: bool = False  # exactly the saved listing: nothing to save


def _stat_all(root: str, paths: Iterable[str]) -> list[os.stat_result | None]:
    """``stat`` of each path, relative to *root* (or absolute); None where it fails.

    Through a descriptor of the root where the OS allows it: the kernel then does not walk the
    root's own path for every file, a fifth of the cost on a large project.
    """
    if os.stat in os.supports_dir_fd:
        try:
            descriptor = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return [None for _ in paths]
        try:
            return [_stat_or_none(path or ".", descriptor) for path in paths]
        finally:
            os.close(descriptor)
    return [_stat_or_none(os.path.join(root, path)) for path in paths]


def _stat_or_none(path: str, directory: int | None = None) -> os.stat_result | None:
    try:
        return os.stat(path, dir_fd=directory)
    except (OSError, TypeError, ValueError):  # the last two: a tampered saved listing
        return None


def _cache_mtime(stat: os.stat_result, listed_at: int) -> int:
    """The mtime to save for a witness or a file read at *listed_at*; see _RACY_NANOSECONDS."""
    return _UNKNOWN_MTIME if stat.st_mtime_ns > listed_at - _RACY_NANOSECONDS else stat.st_mtime_ns


class Discovery:
    """Lists one project's files, reusing the saved listing while its witnesses are unchanged."""

    def __init__(self, root: str, excludes: Sequence[str] = (), cache_dir: str = ""):
        self.root = root
        self.skipped = (*excludes, *_SKIPPED_DIRS,
                        *([os.path.basename(cache_dir.rstrip("/"))] if cache_dir else []))
        # The saved listing is only valid for the same excludes.
        self.key = json.dumps(sorted(set(self.skipped)))
        self.listed_at = time.time_ns()
        self.tracked = _start_git(root, *_TRACKED)  # runs while the cache is read

    def listing(self, saved: dict | None) -> Listing:
        tracked_output = _git_output(self.tracked)
        if saved is not None and saved.get("key") == self.key:
            reused = self._reuse(saved, tracked_output)
            if reused is not None:
                return reused
        return self._list(tracked_output)

    def _keep(self, paths: Iterable[str]) -> list[str]:
        return [path for path in paths if not path_matches(path, self.skipped, self.root)]

    def _reuse(self, saved: dict, tracked_output: bytes | None) -> Listing | None:
        try:
            mode, files, untracked = saved["mode"], saved["files"], saved["untracked"]
            witnesses = [(path, int(mtime), int(size)) for path, mtime, size in saved["witnesses"]]
        except (KeyError, TypeError, ValueError):
            return None  # written by hand, or by a different version
        if not (type(files) is list and type(untracked) is list
                and all(type(path) is str for path in (*files, *untracked))):
            return None  # (what is opened is checked where it is opened: ``_read``)
        stats = _stat_all(self.root, [path for path, _, _ in witnesses])
        if any(stat is None or (stat.st_mtime_ns, stat.st_size) != (mtime, size)
               for stat, (_, mtime, size) in zip(stats, witnesses)):
            return None
        if tracked_output == saved["tracked_output"]:
            return Listing(self.key, files, mode, tracked_output, untracked, witnesses, reused=True)
        if mode != "git" or tracked_output is None:
            return None
        # The tracked files changed. If some untracked ones were only added (``git add``), the
        # untracked files are the same less those: no need to look for them again.
        before = set(files) - set(untracked)
        now = set(self._keep(_python_paths(tracked_output)))
        if not before <= now or not now - before <= set(untracked):
            return None
        untracked = [path for path in untracked if path not in now]
        return Listing(self.key, sorted(now.union(untracked)), mode, tracked_output, untracked,
                       witnesses)

    def _list(self, tracked_output: bytes | None) -> Listing:
        if tracked_output is not None:
            locations = _start_git(self.root, *_GIT_LOCATIONS)
            untracked_output = _git_output(_start_git(self.root, *_UNTRACKED))
            tracked = self._keep(_python_paths(tracked_output))
            untracked = self._keep(_python_paths(untracked_output or b""))
            if tracked or untracked:
                files = sorted({*tracked, *untracked})
                witnesses = self._git_witnesses(files, _git_output(locations))
                return Listing(self.key, files, "git", tracked_output, untracked, witnesses)
        # Not in git, or the whole tree is ignored (a vendored or downloaded tree).
        directories: list[str] = []
        files = self._keep(_walk_python_files(self.root, self.skipped, directories))
        return Listing(self.key, files, "walk", tracked_output, [],
                       self._witness_stats(directories))

    def _git_witnesses(self, files: Sequence[str], locations: bytes | None):
        directories = {""}
        for path in files:
            directory = path.rpartition("/")[0]
            while directory not in directories:
                directories.add(directory)
                directory = directory.rpartition("/")[0]
        paths = sorted(directories)
        paths += [os.path.join(directory, ".gitignore") for directory in paths]
        lines = (locations or b"").decode("utf-8", "surrogateescape").splitlines()
        if len(lines) == 2:
            top, common_dir = lines
            # Ignore files between the repository's top and the project root apply too.
            above = os.path.dirname(os.path.abspath(self.root))
            while len(above) >= len(os.path.abspath(top)) and above != os.path.dirname(above):
                paths += [above, os.path.join(above, ".gitignore")]
                above = os.path.dirname(above)
            common_dir = os.path.join(self.root, common_dir)
            config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
            paths += [os.path.join(common_dir, "info"), os.path.join(common_dir, "info", "exclude"),
                      os.path.join(config_home, "git"), os.path.join(config_home, "git", "ignore"),
                      os.path.expanduser("~/.gitconfig")]  # where core.excludesFile is set
        return self._witness_stats(paths)

    def _witness_stats(self, paths: Sequence[str]) -> list[tuple[str, int, int]]:
        """Only what exists is a witness: a file appearing changes its directory's mtime."""
        return [(path, _cache_mtime(stat, self.listed_at), stat.st_size)
                for path, stat in zip(paths, _stat_all(self.root, paths)) if stat is not None]


# -- extraction ---------------------------------------------------------------------------------

_CLASS_AT_COLUMN_0 = re.compile(r"^class[ \t]+([^\W\d]\w*)", re.M)
_INDENTED_CLASS = re.compile(r"^[ \t\f]+class[ \t]", re.M)
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
        elif type(node).__name__ == "Match":  # Python >= 3.10
            for case in node.cases:
                yield from _classes_in_body(case.body)


def module_level_classes(tree: ast.AST) -> list[tuple[str, int, int]]:
    """Classes defined at module level, also under module-level if/try/with/for/while/match."""
    return list(_classes_in_body(getattr(tree, "body", ())))


def _decode(data: bytes) -> str | None:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


def _parse_classes(source: str | bytes) -> list[tuple[str, int, int]]:
    with warnings.catch_warnings():  # invalid escapes and the like: not this plugin's business
        warnings.simplefilter("ignore")
        try:
            return module_level_classes(ast.parse(source))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []


def classes_from_ast(data: bytes) -> list[tuple[str, int, int]]:
    """Module-level classes as ``ast`` sees them; a file that does not parse has none."""
    text = _decode(data)
    return [] if text is None else _parse_classes(text)


def scan_classes(data: bytes) -> tuple[list[tuple[str, int, int]], bool]:
    """Module-level classes of a source file as ``(name, line, col)``, and whether that is exact.

    Parsing every file of a large project with ``ast`` costs seconds, so the common layout is read
    from the text: a ``class`` at column 0 outside a string is module-level, an indented one is
    nested if the top-level line it is indented under opens a ``def`` or ``class``. When an
    indented class sits under anything else (``if``, ``try``, a header continued at column 0),
    ``ast`` decides. The text scan cannot see a syntax error, so its answer is not *exact*: the
    index confirms it with ``ast`` before such a definition is reported (``definitions``).
    """
    text = _decode(data)
    if text is None or "class" not in text:
        return [], True
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
            return _parse_classes(text), True
    classes = []
    for match in _CLASS_AT_COLUMN_0.finditer(text):
        if not in_string(match.start()):
            line = text.count("\n", 0, match.start()) + 1
            classes.append((match.group(1), line, 0))
    return classes, not classes


def extract_classes(data: bytes) -> list[tuple[str, int, int]]:
    """The text scanner's answer alone (see ``scan_classes``); the index confirms it with ast."""
    return scan_classes(data)[0]


# -- the cache ------------------------------------------------------------------------------

# A row of the files table. ``names`` (space separated) is all a warm start reads of a row;
# ``classes`` (name:line:col;...) is decoded only for the names a checked file also defines.
_COLUMNS = "path, mtime_ns, size, names, classes, exact"
_LISTING = "key TEXT, mode TEXT, tracked_output BLOB, files TEXT, untracked TEXT, witnesses TEXT"
_LISTING_COLUMNS = "key, mode, tracked_output, files, untracked, witnesses"


def _encode_classes(classes: Sequence[tuple[str, int, int]]) -> tuple[str, str]:
    names = " ".join(sorted({name for name, _, _ in classes}))
    return names, ";".join(f"{name}:{line}:{col}" for name, line, col in classes)


def _decode_classes(text: str) -> list[tuple[str, int, int]]:
    classes = []
    for item in filter(None, (text or "").split(";")):
        name, line, col = item.rsplit(":", 2)
        classes.append((name, int(line), int(col)))
    return classes


def _encode_listing(listing: Listing) -> tuple:
    return (listing.key, listing.mode, listing.tracked_output, json.dumps(listing.files),
            json.dumps(listing.untracked), json.dumps(listing.witnesses))


def _decode_listing(row: tuple | None) -> dict | None:
    if row is None:
        return None
    try:
        return dict(zip(("key", "mode", "tracked_output"), row),
                    files=json.loads(row[3]), untracked=json.loads(row[4]),
                    witnesses=json.loads(row[5]))
    except (TypeError, ValueError):
        return None


# Everything the plugin writes in its cache directory. None of it may be a symbolic link: a
# checked-out project could plant one to make the linter write over a file elsewhere.
_CACHE_FILES = (".gitignore", "CACHEDIR.TAG", "open.lock", "index.sqlite3", "index.sqlite3-wal",
                "index.sqlite3-shm", "index.sqlite3-journal")


def _prepare_cache_dir(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for path in (directory, *(os.path.join(directory, name) for name in _CACHE_FILES)):
        if os.path.islink(path):
            raise OSError(f"{path} is a symbolic link; not writing through it")
    for name, content in ((".gitignore", "# Created by flake8-ssot.\n*\n"),
                          ("CACHEDIR.TAG", CACHEDIR_TAG)):
        path = os.path.join(directory, name)
        if not os.path.lexists(path):
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
        self.opened_at = time.time_ns()  # before any file is read: see _RACY_NANOSECONDS
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
                connection.execute("DROP TABLE IF EXISTS listing")
                connection.execute(
                    "CREATE TABLE files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER,"
                    " names TEXT, classes TEXT, exact INTEGER)")
                connection.execute(  # one row: the last listing (see Discovery)
                    f"CREATE TABLE listing (id INTEGER PRIMARY KEY CHECK (id = 0), {_LISTING})")
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)",
                                   (SCHEMA_VERSION,))
                connection.execute("COMMIT")
            connection.execute(f"SELECT {_COLUMNS} FROM files LIMIT 1").fetchall()
            connection.execute(f"SELECT {_LISTING_COLUMNS} FROM listing LIMIT 1").fetchall()
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

    def read(self) -> tuple[dict[str, tuple], dict | None]:
        """Every row by path (the row itself, in ``_COLUMNS`` order), and the saved listing."""
        if self.connection is None:
            return {}, None
        try:
            self.connection.execute("BEGIN")  # both reads from the same state of the file
            rows = {row[0]: row for row in
                    self.connection.execute(f"SELECT {_COLUMNS} FROM files")}
            listing = self.connection.execute(
                f"SELECT {_LISTING_COLUMNS} FROM listing WHERE id = 0").fetchone()
            self.connection.execute("COMMIT")
        except sqlite3.Error as error:
            self._disable(error)
            return {}, None
        return rows, _decode_listing(listing)

    def update(self, stale: dict[str, os.stat_result], removed: Sequence[str], compute,
               listing: Listing | None = None) -> dict[str, tuple]:
        """Rows for the *stale* paths, written under sqlite's write lock with *listing*.

        A process that waited for the lock re-reads the rows first, so when several flake8
        processes start on a cold cache one of them parses and the others reuse its work.
        """
        rows: dict[str, tuple] = {}
        if self.connection is not None:
            try:
                self.connection.execute("BEGIN IMMEDIATE")
                current = {row[0]: row for row in
                           self.connection.execute(f"SELECT {_COLUMNS} FROM files")}
                written = []
                for path, stat in stale.items():
                    row = current.get(path)
                    if row is None or (row[1], row[2]) != (stat.st_mtime_ns, stat.st_size):
                        row = (path, stat.st_mtime_ns, stat.st_size, *compute(path))
                        written.append(row)
                    rows[path] = row
                self.connection.executemany(
                    f"INSERT OR REPLACE INTO files ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    [(path, _cache_mtime(stale[path], self.opened_at), *rest)
                     for path, _, *rest in written])
                self.connection.executemany("DELETE FROM files WHERE path = ?",
                                            [(path,) for path in removed])
                if listing is not None:
                    self.connection.execute(
                        f"INSERT OR REPLACE INTO listing (id, {_LISTING_COLUMNS}) "
                        "VALUES (0, ?, ?, ?, ?, ?, ?)", _encode_listing(listing))
                self.connection.execute("COMMIT")
            except sqlite3.Error as error:
                self._disable(error)
        for path, stat in stale.items():
            if path not in rows:
                rows[path] = (path, stat.st_mtime_ns, stat.st_size, *compute(path))
        return rows

    def _disable(self, error: Exception) -> None:
        self.problem = f"{type(error).__name__}: {error}"
        try:
            self.connection.close()
        except sqlite3.Error:
            pass
        self.connection = None


# -- the index ------------------------------------------------------------------------------

def _read_regular_file(path: str) -> tuple[bytes, os.stat_result] | None:
    """The bytes of *path* and the stat they go with; None for a FIFO, device or missing file.

    Opened non-blocking: opening a FIFO named ``*.py`` for reading would otherwise wait for a
    writer forever, even if it was a regular file when the project was listed.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        stat = os.fstat(descriptor)
        if not S_ISREG(stat.st_mode):
            return None
        with os.fdopen(descriptor, "rb") as handle:
            descriptor = -1  # the file object owns (and closes) it now
            return handle.read(), stat
    except OSError:
        return None
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def module_names(path: str) -> set[str]:
    """Dotted names a project file can be imported as (``src/`` and ``lib/`` layouts too)."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    names = {".".join(parts)} if parts else set()
    if len(parts) > 1 and parts[0] in ("src", "lib"):
        names.add(".".join(parts[1:]))
    return names


class ProjectIndex:
    """Module-level class definitions of every Python file of one project."""

    def __init__(self, root: str, files: Sequence[str] | Discovery, cache_dir: str | None):
        """*files*: the project's files, or a ``Discovery`` that lists them (reusing the listing
        saved in the cache when it is still valid)."""
        self.root = root
        store = _Store(cache_dir)
        self.cache_problem = store.problem
        self._paths_by_name: dict[str, list[str]] = {}
        self._encoded: dict[str, str] = {}  # path -> classes, as stored
        self._decoded: dict[str, list[tuple[str, int, int]]] = {}
        # Files whose classes come from the text scanner: confirmed with ast before any of
        # them is reported (the scanner does not see syntax errors).
        self._unconfirmed: set[str] = set()
        self._module_paths: dict[str, str] | None = None
        cached, saved_listing = store.read()
        listing = None
        if isinstance(files, Discovery):
            listing = files.listing(saved_listing)
            files = listing.files
        self.files = frozenset(files)
        fresh: list[tuple] = []
        stale: dict[str, os.stat_result] = {}
        for path, stat in zip(files, _stat_all(root, files)):
            if stat is None:
                continue  # deleted or unreadable since it was listed
            if not S_ISREG(stat.st_mode):
                continue  # a FIFO or device named *.py: opening it would block the run
            row = cached.get(path)
            if row is not None and row[1] == stat.st_mtime_ns and row[2] == stat.st_size:
                fresh.append(row)
            else:
                stale[path] = stat
        removed = [path for path in cached if path not in self.files]
        new_listing = listing if listing is not None and not listing.reused else None
        if stale or removed or new_listing:
            fresh += store.update(stale, removed, self._scan, new_listing).values()
            self.cache_problem = self.cache_problem or store.problem
        for path, _, _, names, encoded, exact in fresh:
            if names:
                self._add(path, names, encoded, exact)
        # Where to save ast confirmations later; None when the cache is off or unusable.
        self._database = None
        if cache_dir and store.connection is not None:
            self._database = os.path.join(cache_dir, "index.sqlite3")
            store.connection.close()

    def _read(self, path: str) -> tuple[bytes, os.stat_result] | None:
        # A saved listing is data from disk: only plain relative paths below the root are read.
        if path.startswith("/") or "\\" in path or ".." in path.split("/"):
            return None
        return _read_regular_file(os.path.join(self.root, path))

    def _scan(self, path: str) -> tuple[str, str, bool]:
        read = self._read(path)
        if read is None:
            return "", "", True
        classes, exact = scan_classes(read[0])
        return (*_encode_classes(classes), exact)

    def _add(self, path: str, names: str, encoded: str, exact) -> None:
        if type(names) is not str or type(encoded) is not str:
            return  # a tampered row: ignore it rather than trust it
        for name in set(names.split()):
            self._paths_by_name.setdefault(name, []).append(path)
        self._encoded[path] = encoded
        if not exact:
            self._unconfirmed.add(path)

    def _forget(self, path: str) -> None:
        for name in {name for name, _, _ in self._classes_of(path)}:
            self._paths_by_name[name] = [p for p in self._paths_by_name[name] if p != path]
        self._encoded.pop(path, None)
        self._decoded.pop(path, None)
        self._unconfirmed.discard(path)

    def _classes_of(self, path: str) -> list[tuple[str, int, int]]:
        classes = self._decoded.get(path)
        if classes is None:
            try:
                classes = _decode_classes(self._encoded.get(path, ""))
            except ValueError:
                classes = []  # a tampered row: ignore it rather than trust it
            self._decoded[path] = classes
        return classes

    def _find(self, name: str, keep) -> list[ClassDefinition]:
        found = []
        for path in self._paths_by_name.get(name, ()):
            for class_name, line, col in self._classes_of(path):
                if class_name == name:
                    definition = ClassDefinition(name, path, line, col)
                    if keep is None or keep(definition):
                        found.append(definition)
        return found

    def definitions(self, name: str, keep=None) -> list[ClassDefinition]:
        """Module-level definitions of *name* for which ``keep(definition)`` holds, as ast sees
        them: a file the text scanner read is parsed (once) before it is returned."""
        found = self._find(name, keep)
        unconfirmed = sorted({d.path for d in found} & self._unconfirmed)
        if not unconfirmed:
            return found
        self._confirm(unconfirmed)
        return self._find(name, keep)

    def _confirm(self, paths: Sequence[str]) -> None:
        rows = []
        for path in paths:
            self._forget(path)
            read_at = time.time_ns()
            read = self._read(path)
            if read is None:
                continue  # gone since the listing: it defines nothing now
            data, stat = read
            names, encoded = _encode_classes(classes_from_ast(data))
            self._add(path, names, encoded, True)
            rows.append((path, _cache_mtime(stat, read_at), stat.st_size, names, encoded, 1))
        self._save_confirmed(rows)

    def _save_confirmed(self, rows: list[tuple]) -> None:
        """Best effort: the next run reuses these; if the cache is busy, it confirms again."""
        if self._database is None or not rows:
            return
        try:
            connection = sqlite3.connect(self._database, timeout=_CONFIRM_TIMEOUT_SECONDS,
                                         isolation_level=None)
        except sqlite3.Error:
            return
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(
                f"INSERT OR REPLACE INTO files ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows)
            connection.execute("COMMIT")
        except sqlite3.Error:
            pass
        finally:
            connection.close()

    def module_paths(self) -> dict[str, str]:
        """Dotted module name -> project file, for resolving imports (computed once)."""
        if self._module_paths is None:
            paths: dict[str, str] = {}
            for path in sorted(self.files):  # sorted: every process resolves a clash alike
                for name in sorted(module_names(path), key=len, reverse=True):
                    paths.setdefault(name, path)
            self._module_paths = paths
        return self._module_paths


_INDEXES: dict[tuple, ProjectIndex] = {}


def project_index(root: str, excludes: Sequence[str] = (), cache_dir: str = "",
                  use_cache: bool = True) -> ProjectIndex:
    """The index of *root*, built (or revalidated from the cache) once per process."""
    key = (root, tuple(excludes), cache_dir, use_cache)
    index = _INDEXES.get(key)
    if index is None:
        cache_path = os.path.join(root, cache_dir) if use_cache and cache_dir else None
        index = _INDEXES[key] = ProjectIndex(root, Discovery(root, excludes, cache_dir),
                                             cache_path)
    return index
