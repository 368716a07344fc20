"""The index's sqlite file: the only module that speaks SQL.

One file in ``<root>/<cache dir>/``, shared by every flake8 process of the project (sqlite's
locking makes that safe). It holds one row per project file (keyed by path, mtime and size),
the last listing (see ``discovery.Discovery``), and a small key-value table of derived data keyed
by content hashes. A corrupt or foreign-version database is rebuilt; an unwritable one turns the
store off and the index carries on in memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from typing import Iterator, Sequence

from flake8_ssot.index.discovery import Listing, cache_mtime
from flake8_ssot.index.scanner import KINDS, ClassRecord

try:
    import fcntl
except ImportError:  # Windows: sqlite's own locking still protects the data
    fcntl = None

# 2: the "exact" column (ast-confirmed classes); 3: "names"; 4: listing; 5: base names in
# "classes", the "sha1" column and the "entries" table; 6: public method names in "classes";
# 7: the "names" table (class name -> path), so that a warm run reads only the rows it asks for;
# 8: method names read again (a line at column 0 inside a method no longer ends the class);
# 9: each class's kind, public fields and fallback flag in "classes".
SCHEMA_VERSION = "9"
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by flake8-ssot.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_BUSY_TIMEOUT_SECONDS = 60.0
# Writes that only save work for a later run (ast confirmations, derived data) never wait long.
_BEST_EFFORT_TIMEOUT_MILLISECONDS = 1000
# sqlite's page cache per connection (its default is 2 MiB). A run reads each page about once
# (stamps in one scan, then rows and entries by key), so pages beyond a B-tree's upper levels are
# not read again: the default cost a one-file run 2 MiB of its +8 (#13), a small one nothing.
_PAGE_CACHE_KIBIBYTES = 256

# A row of the files table. A warm start reads only each row's stamp (path, mtime, size); the
# rest of a row is read when a name it defines is asked for (through the ``names`` table), and
# ``classes`` (name:line:col:base,base:method,method;...) is decoded only where it is needed.
_COLUMNS = "path, mtime_ns, size, sha1, names, classes, exact"
_STAMP_COLUMNS = "path, mtime_ns, size"
# Paths per ``IN (...)`` query: below sqlite's oldest limit on bound variables (999).
_PATHS_PER_QUERY = 900
_LISTING = "key TEXT, mode TEXT, tracked_output BLOB, files TEXT, untracked TEXT, witnesses TEXT"
_LISTING_COLUMNS = "key, mode, tracked_output, files, untracked, witnesses"

# Everything the plugin writes in its cache directory. None of it may be a symbolic link: a
# checked-out project could plant one to make the linter write over a file elsewhere.
_CACHE_FILES = (".gitignore", "CACHEDIR.TAG", "open.lock", "index.sqlite3", "index.sqlite3-wal",
                "index.sqlite3-shm", "index.sqlite3-journal")


def encode_classes(classes: Sequence[ClassRecord]) -> tuple[str, str]:
    """The ``names`` and ``classes`` columns of a file's row."""
    names = " ".join(sorted({record.name for record in classes}))
    return names, ";".join(
        f"{name}:{line}:{col}:{','.join(bases)}:{','.join(methods)}:{kind}:{','.join(fields)}:"
        f"{'1' if fallback else ''}"
        for name, line, col, bases, methods, kind, fields, fallback in classes)


def decode_classes(text: str) -> list[ClassRecord]:
    """The ``classes`` column; ValueError for a row this version did not write."""
    classes = []
    for item in filter(None, (text or "").split(";")):
        name, line, col, bases, methods, kind, fields, fallback = item.split(":")
        if kind not in KINDS:
            raise ValueError(f"unknown class kind {kind!r}")
        classes.append(ClassRecord(name, int(line), int(col), tuple(filter(None, bases.split(","))),
                                   tuple(filter(None, methods.split(","))), kind,
                                   tuple(filter(None, fields.split(","))), fallback == "1"))
    return classes


def classes_sharing(text: str, methods: frozenset, at_least: int) -> list[tuple[str, int, int]]:
    """``(name, line, shared)`` of each class in a ``classes`` column declaring at least
    *at_least* of *methods*, read without decoding the rest of the row (a one-file run asks
    this of every row: ~3 times cheaper than ``decode_classes``). ValueError as it raises."""
    found = []
    for item in filter(None, (text or "").split(";")):
        name, line, _, _, declared = item.split(":", 5)[:5]
        shared = len(methods.intersection(declared.split(","))) if declared else 0
        if shared >= at_least:
            found.append((name, int(line), shared))
    return found


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


def _connect(path: str) -> sqlite3.Connection:
    """A connection with this store's per-connection settings (every process sets its own)."""
    connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        # WAL's own durability: a commit is not synced (the cache only saves work), the
        # checkpoint is.
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(f"PRAGMA cache_size=-{_PAGE_CACHE_KIBIBYTES}")
    except BaseException:
        connection.close()
        raise
    return connection


def _open(path: str) -> sqlite3.Connection:
    connection = _connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        version = connection.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if version is None or version[0] != SCHEMA_VERSION:
            connection.execute("BEGIN IMMEDIATE")
            for table in ("files", "names", "listing", "entries"):
                connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.execute(
                "CREATE TABLE files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER,"
                " sha1 TEXT, names TEXT, classes TEXT, exact INTEGER)")
            connection.execute("CREATE TABLE names (name TEXT, path TEXT)")
            connection.execute("CREATE INDEX names_by_name ON names (name)")
            connection.execute("CREATE INDEX names_by_path ON names (path)")
            connection.execute(  # one row: the last listing (see Discovery)
                f"CREATE TABLE listing (id INTEGER PRIMARY KEY CHECK (id = 0), {_LISTING})")
            connection.execute("CREATE TABLE entries (namespace TEXT, key TEXT, value TEXT,"
                               " PRIMARY KEY (namespace, key))")
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)",
                               (SCHEMA_VERSION,))
            connection.execute("COMMIT")
        connection.execute(f"SELECT {_COLUMNS} FROM files LIMIT 1").fetchall()
        connection.execute("SELECT name, path FROM names LIMIT 1").fetchall()
        connection.execute(f"SELECT {_LISTING_COLUMNS} FROM listing LIMIT 1").fetchall()
        connection.execute("SELECT namespace, key, value FROM entries LIMIT 1").fetchall()
    except BaseException:
        connection.close()
        raise
    return connection


def _rows_of(connection: sqlite3.Connection, paths: Sequence[str]) -> dict[str, tuple]:
    rows = {}
    for start in range(0, len(paths), _PATHS_PER_QUERY):
        chunk = paths[start:start + _PATHS_PER_QUERY]
        rows.update((row[0], row) for row in connection.execute(
            f"SELECT {_COLUMNS} FROM files WHERE path IN ({', '.join('?' * len(chunk))})",
            chunk))
    return rows


class Store:
    """The sqlite file; any failure turns it off (``connection`` None, ``problem`` says why)."""

    def __init__(self, directory: str | None):
        self.connection: sqlite3.Connection | None = None
        self.problem = ""
        self.opened_at = time.time_ns()  # before any file is read: see discovery.cache_mtime
        self._path = None if directory is None else os.path.join(directory, "index.sqlite3")
        self._pid = os.getpid()
        if directory is None:
            return
        try:
            _prepare_cache_dir(directory)
            with _exclusive_lock(os.path.join(directory, "open.lock")):
                try:
                    self.connection = _open(self._path)
                except (OSError, sqlite3.Error) as error:
                    self._reset(error)
        except OSError as error:
            self.problem = f"{type(error).__name__}: {error}"

    def _reset(self, error: Exception) -> None:
        """A corrupt file is deleted and rebuilt once; if that fails, no cache at all."""
        if isinstance(error, sqlite3.DatabaseError) and os.path.isfile(self._path):
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(self._path + suffix)
                except OSError:
                    pass
            try:
                self.connection = _open(self._path)
                return
            except (OSError, sqlite3.Error) as second_error:
                error = second_error
        self.connection = None
        self.problem = f"{type(error).__name__}: {error}"

    def _connection(self) -> sqlite3.Connection | None:
        """The open connection; a process forked after opening it (flake8 ``--jobs``) opens
        its own, as sqlite requires."""
        if self.connection is not None and self._pid != os.getpid():
            self._pid = os.getpid()
            try:
                self.connection = _connect(self._path)
            except sqlite3.Error as error:
                self._disable(error)
        return self.connection

    def _disable(self, error: Exception) -> None:
        self.problem = f"{type(error).__name__}: {error}"
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self.connection.close()
        self.connection = None

    # -- reads ------------------------------------------------------------------------------

    def listing(self) -> dict | None:
        """The saved listing; None when there is none or the store is off."""
        connection = self._connection()
        if connection is None:
            return None
        try:
            row = connection.execute(
                f"SELECT {_LISTING_COLUMNS} FROM listing WHERE id = 0").fetchone()
        except sqlite3.Error as error:
            self._disable(error)
            return None
        return _decode_listing(row)

    def stamps(self) -> Iterator[tuple[str, int, int]]:
        """Every row's stamp ``(path, mtime_ns, size)``, ordered by path, read as it is
        consumed: a warm start compares them with the disk one by one instead of holding a
        dict of 5,000 of them (1.2 MiB) next to 5,000 stat results. A failure ends the
        stamps early (the files left look new, and are scanned again)."""
        connection = self._connection()
        if connection is None:
            return
        try:
            for stamp in connection.execute(f"SELECT {_STAMP_COLUMNS} FROM files ORDER BY path"):
                if type(stamp[0]) is str:  # a tampered row otherwise: its file is scanned again
                    yield stamp
        except sqlite3.Error as error:
            self._disable(error)

    def rows(self, paths: Sequence[str]) -> dict[str, tuple]:
        """The rows of *paths* (in ``_COLUMNS`` order) that are saved; {} when the store is off
        or fails (the caller scans those files again)."""
        connection = self._connection()
        if connection is None:
            return {}
        try:
            return _rows_of(connection, paths)
        except sqlite3.Error as error:
            self._disable(error)
            return {}

    def paths_defining(self, name: str) -> list[str] | None:
        """The saved paths whose row defines a class *name*; None when the store cannot say."""
        connection = self._connection()
        if connection is None:
            return None
        try:
            return [row[0] for row in
                    connection.execute("SELECT path FROM names WHERE name = ?", (name,))]
        except sqlite3.Error as error:
            self._disable(error)
            return None

    def get(self, namespace: str, key: str) -> str | None:
        """The saved value of *key*; None when there is none or the store is off or busy."""
        connection = self._connection()
        if connection is None:
            return None
        try:
            row = connection.execute("SELECT value FROM entries WHERE namespace = ? AND key = ?",
                                     (namespace, key)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row is not None and type(row[0]) is str else None

    # -- writes: all through _write ---------------------------------------------------------

    @staticmethod
    def _write(connection: sqlite3.Connection, rows: Sequence[tuple] = (),
               removed: Sequence[str] = (), listing: Listing | None = None,
               entries: Sequence[tuple[str, str, str]] = ()) -> None:
        """Inside an open transaction: the one place rows, the listing and entries are saved."""
        if rows:
            connection.executemany(
                f"INSERT OR REPLACE INTO files ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            connection.executemany("DELETE FROM names WHERE path = ?",
                                   [(row[0],) for row in rows])
            connection.executemany("INSERT INTO names (name, path) VALUES (?, ?)",
                                   [(name, row[0]) for row in rows
                                    for name in set(row[4].split())])
        if removed:
            for table in ("files", "names"):
                connection.executemany(f"DELETE FROM {table} WHERE path = ?",
                                       [(path,) for path in removed])
        if listing is not None:
            connection.execute(f"INSERT OR REPLACE INTO listing (id, {_LISTING_COLUMNS}) "
                               "VALUES (0, ?, ?, ?, ?, ?, ?)", _encode_listing(listing))
        if entries:
            connection.executemany(
                "INSERT OR REPLACE INTO entries (namespace, key, value) VALUES (?, ?, ?)",
                entries)

    def update(self, stale: dict[str, os.stat_result], removed: Sequence[str], compute,
               listing: Listing | None = None) -> dict[str, tuple]:
        """Rows for the *stale* paths (``compute(path)`` gives a row's columns after the
        stat), written under sqlite's write lock with *listing*.

        The rows are computed before the lock is taken, so that another process (a flake8
        ``--jobs`` worker) never waits on this one's reading and scanning (a module of 100,000
        classes); under the lock only the rows are written. A row another process saved
        meanwhile for the same stat is kept as it is.
        """
        connection = self._connection()
        current: dict[str, tuple] = {}
        if connection is not None:
            try:
                current = _rows_of(connection, list(stale))
            except sqlite3.Error as error:
                self._disable(error)
                connection = None
        rows: dict[str, tuple] = {}
        computed: dict[str, tuple] = {}
        for path, stat in stale.items():
            row = current.get(path)
            if row is None or (row[1], row[2]) != (stat.st_mtime_ns, stat.st_size):
                row = computed[path] = (path, stat.st_mtime_ns, stat.st_size, *compute(path))
            rows[path] = row
        if connection is not None and (computed or removed or listing is not None):
            try:
                connection.execute("BEGIN IMMEDIATE")
                saved = _rows_of(connection, list(computed))
                written = []
                for path, row in computed.items():
                    other = saved.get(path)
                    if other is not None and other[1:3] == row[1:3]:
                        rows[path] = other  # another process's, for this very stat
                    else:
                        written.append(row)
                self._write(connection, [(path, cache_mtime(stale[path], self.opened_at), *rest)
                                         for path, _, *rest in written], removed, listing)
                connection.execute("COMMIT")
            except sqlite3.Error as error:
                self._disable(error)
        return rows

    def save(self, rows: Sequence[tuple] = (),
             entries: Sequence[tuple[str, str, str]] = ()) -> bool:
        """Best effort: what a later run would otherwise compute again. A busy, locked or
        read-only database skips the write, silently. True: skipped because another process
        held the lock, so the caller may try again later (a read-only file will not change)."""
        connection = self._connection()
        if connection is None or not (rows or entries):
            return False
        try:
            connection.execute(f"PRAGMA busy_timeout = {_BEST_EFFORT_TIMEOUT_MILLISECONDS}")
            connection.execute("BEGIN IMMEDIATE")
            try:
                self._write(connection, rows=rows, entries=entries)
                connection.execute("COMMIT")
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            return _is_busy(error)
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_SECONDS * 1000)}")
        return False


def _is_busy(error: sqlite3.Error) -> bool:
    """Another connection held the lock (SQLITE_BUSY or SQLITE_LOCKED, extended codes too)."""
    code = getattr(error, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (5, 6)
    return "locked" in str(error) or "busy" in str(error)
