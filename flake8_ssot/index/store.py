"""The index's sqlite file: the only module that speaks SQL.

One file in ``<root>/<cache dir>/``, shared by every flake8 process of the project (sqlite's
locking makes that safe). It holds one row per project file (keyed by path; its stamp is the
file's mtime, size, inode and ctime), the last listing (see ``discovery.Discovery``), and a small
key-value table of derived data keyed by content hashes.

The file is data a checked-out repository could have forged (see ``trust``): it is used only
when its schema is exactly this module's and its owner token was made with this user's key, and
every row, entry and listing read from it carries a MAC made with that key, checked as it is
read. Anything else is rebuilt (only in a directory the plugin marked as its own); an unwritable
cache turns the store off and the index carries on in memory.
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
import os
import sqlite3
import time
from typing import Callable, Iterator, NamedTuple, Sequence

from flake8_ssot.index import trust
from flake8_ssot.index.discovery import Listing, saved_mtime
from flake8_ssot.index.records import KINDS, ClassRecord

try:
    import fcntl
except ImportError:  # Windows: sqlite's own locking still protects the data
    fcntl = None

# 2: the "exact" column (ast-confirmed classes); 3: "names"; 4: listing; 5: base names in
# "classes", the "sha1" column and the "entries" table; 6: public method names in "classes";
# 7: the "names" table (class name -> path), so that a warm run reads only the rows it asks for;
# 8: method names read again (a line at column 0 inside a method no longer ends the class);
# 9: each class's kind, public fields and fallback flag in "classes";
# 10: inode and ctime in a file's stamp, a MAC on every row, entry and listing, the owner token;
# 11: a base imported under an alias (``from m import Base as _Base``) kept as the name imported;
# 12: no "exact" column (a scanned file is no longer confirmed with ast; a file showing a sign of
# not parsing is read by ast when it is scanned).
# 13: a generation (sqlite's user_version) moved on by every write of rows, and the warm
# digest of the stamps, valid for the generation it was saved in.
SCHEMA_VERSION = "13"
WARM = "warm"  # the entries namespace of the warm digest (Store.save_warm)
CACHEDIR_TAG = trust.CACHEDIR_TAG
_BUSY_TIMEOUT_SECONDS = 60.0
# Writes that only save work for a later run (derived data) never wait long.
_BEST_EFFORT_TIMEOUT_MILLISECONDS = 1000
# sqlite's page cache per connection (its default is 2 MiB). A run reads each page about once
# (stamps in one scan, then rows and entries by key), so pages beyond a B-tree's upper levels are
# not read again: the default cost a one-file run 2 MiB of its +8 (#13), a small one nothing.
_PAGE_CACHE_KIBIBYTES = 256
# Source scanned per write transaction when the index is built (Store.update): about 0.1 s of
# scanning that a second process waits for, then takes instead of doing it again.
_CHUNK_BYTES = 512 * 1024

# The whole schema, and nothing else: a file holding any other object (a trigger, a view, a
# table of another shape) is not this store's, and is rebuilt.
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, inode INTEGER,"
    " ctime_ns INTEGER, sha1 TEXT, names TEXT, classes TEXT, mac TEXT)",
    "CREATE TABLE names (name TEXT, path TEXT)",
    "CREATE INDEX names_by_name ON names (name)",
    "CREATE INDEX names_by_path ON names (path)",
    # One row: the last listing (see Discovery).
    "CREATE TABLE listing (id INTEGER PRIMARY KEY CHECK (id = 0), key TEXT, mode TEXT,"
    " tracked_output BLOB, files TEXT, untracked TEXT, witnesses TEXT, mac TEXT)",
    "CREATE TABLE entries (namespace TEXT, key TEXT, value TEXT, mac TEXT,"
    " PRIMARY KEY (namespace, key))",
)


class Row(NamedTuple):
    """A file's row: its stamp (path, mtime, size, inode, ctime), the sha1 of the content the
    rest was made from, its class names and its classes (``encode_classes``)."""
    path: str
    mtime_ns: int
    size: int
    inode: int
    ctime_ns: int
    sha1: str
    names: str
    classes: str


Stamp = tuple  # (path, mtime_ns, size, inode, ctime_ns): a Row's first five columns

# A warm start reads only each row's stamp; the rest of a row is read when a name it defines is
# asked for (through the ``names`` table), and ``classes`` (name:line:col:base,base:method,
# method;...) is decoded only where it is needed. A ``names`` row only says which rows to read:
# a row's own ``names`` column (under its MAC) says what it defines.
_COLUMNS = "path, mtime_ns, size, inode, ctime_ns, sha1, names, classes"
_STAMP_COLUMNS = "path, mtime_ns, size, inode, ctime_ns"
# Paths per ``IN (...)`` query: below sqlite's oldest limit on bound variables (999).
_PATHS_PER_QUERY = 900
_LISTING_COLUMNS = "key, mode, tracked_output, files, untracked, witnesses"

# Everything the plugin writes in its cache directory. None of it may be a symbolic link: a
# checked-out project could plant one to make the linter write over a file elsewhere.
_DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")
_CACHE_FILES = (".gitignore", "CACHEDIR.TAG", "open.lock", trust.MARKER,
                *(f"index.sqlite3{suffix}" for suffix in _DATABASE_SUFFIXES))


def is_database_file(path: str) -> bool:
    """Whether *path* (a cache directory's file) is the database or one of its journals."""
    return path.rpartition("/")[2] in _CACHE_FILES[-len(_DATABASE_SUFFIXES):]


# What a file's stamp keeps of its ``stat``, after its path (the warm digest packs the same).
stamp_fields = operator.attrgetter("st_mtime_ns", "st_size", "st_ino", "st_ctime_ns")


def stamp_of(path: str, stat: os.stat_result, mtime_ns: int | None = None) -> Stamp:
    """The stamp of a file as ``stat`` sees it now (*mtime_ns*: as saved, see cache_mtime)."""
    stamp = (path, *stamp_fields(stat))
    return stamp if mtime_ns is None else (path, mtime_ns, *stamp[2:])


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
    """Claim *directory* (see ``trust.claim_directory``) and write its ``.gitignore`` and
    ``CACHEDIR.TAG``; OSError when anything the plugin would write there is a symbolic link."""
    for path in (os.path.join(directory, name) for name in _CACHE_FILES):
        if os.path.islink(path):
            raise trust.UntrustedError(f"{path} is a symbolic link; not writing through it")
    trust.claim_directory(directory)
    for name, content in ((".gitignore", "# Created by flake8-ssot.\n*\n"),
                          ("CACHEDIR.TAG", CACHEDIR_TAG)):
        path = os.path.join(directory, name)
        if not os.path.lexists(path):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)


@contextlib.contextmanager
def _exclusive_lock(path: str) -> Iterator[None]:
    """Serialise opening (and, if foreign or corrupt, rebuilding) the database across
    processes."""
    with open(path, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _connect(path: str) -> sqlite3.Connection:
    """A connection with this store's per-connection settings (every process sets its own)."""
    connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        # Nothing in the file's schema runs (it is checked, but this is the defence sqlite
        # recommends for a file someone else may have written).
        connection.execute("PRAGMA trusted_schema=OFF")
        # WAL's own durability: a commit is not synced (the cache only saves work), the
        # checkpoint is.
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(f"PRAGMA cache_size=-{_PAGE_CACHE_KIBIBYTES}")
    except BaseException:
        connection.close()
        raise
    return connection


@functools.lru_cache(maxsize=1)
def _expected_schema() -> frozenset:
    """What ``sqlite_master`` holds in a file this module made (sqlite's own indexes too)."""
    connection = sqlite3.connect(":memory:")
    try:
        for statement in _SCHEMA:
            connection.execute(statement)
        return frozenset(connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        connection.close()


def _verified_key(connection: sqlite3.Connection, key: bytes) -> bytes | None:
    """The database's own key when the file is this store's: exactly its schema, this version,
    and an owner token made with this user's *key*; None otherwise. Only reads."""
    found = frozenset(connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    if found != _expected_schema():
        return None
    meta = dict(connection.execute("SELECT key, value FROM meta"))
    identity = meta.get("id")
    if meta.get("schema") != SCHEMA_VERSION or type(identity) is not str:
        return None
    database_key = trust.derived_key(key, f"index {identity}")
    return database_key if trust.is_valid(database_key, ["owner"], meta.get("owner")) else None


def _create(path: str, key: bytes) -> tuple[sqlite3.Connection, bytes]:
    """A new database at *path* (none there): this schema, a new identity, its owner token."""
    connection = _connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("BEGIN IMMEDIATE")
        for statement in _SCHEMA:
            connection.execute(statement)
        identity = os.urandom(16).hex()
        database_key = trust.derived_key(key, f"index {identity}")
        connection.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("schema", SCHEMA_VERSION), ("id", identity),
            ("owner", trust.mac(database_key, ["owner"]))])
        connection.execute("COMMIT")
    except BaseException:
        connection.close()
        raise
    return connection, database_key


def _remove_database(path: str) -> None:
    """Delete the database and its journals (the caller holds the open lock, in a directory
    the plugin claimed)."""
    for suffix in _DATABASE_SUFFIXES:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + suffix)


def _open(path: str, key: bytes) -> tuple[sqlite3.Connection, bytes]:
    """The database at *path* if it is this store's, else a new one in its place."""
    if os.path.lexists(path):
        found = _open_verified(path, key)
        if found is not None:
            return found
        _remove_database(path)  # written elsewhere, forged, older, or corrupt
    elif any(os.path.lexists(path + suffix) for suffix in _DATABASE_SUFFIXES[1:]):
        _remove_database(path)  # journals without their database: someone else's
    return _create(path, key)


def _open_verified(path: str, key: bytes) -> tuple[sqlite3.Connection, bytes] | None:
    """A connection to the database at *path* and its key, when it is this store's (see
    _verified_key); None when it is not, or not a database at all. OperationalError (locked,
    unreadable) is not a verdict on the file: raised."""
    try:
        connection = _connect(path)
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError:
        return None  # not a database
    try:
        database_key = _verified_key(connection, key)
        if database_key is not None:
            connection.execute("PRAGMA journal_mode=WAL")
            return connection, database_key
    except sqlite3.OperationalError:
        connection.close()
        raise
    except sqlite3.DatabaseError:
        pass  # a corrupt one
    except BaseException:
        connection.close()
        raise
    connection.close()
    return None


def _rows_of(connection: sqlite3.Connection, key: bytes, paths: Sequence[str]
             ) -> dict[str, Row]:
    """The saved rows of *paths* whose MAC holds (any other is as good as missing)."""
    rows = {}
    for start in range(0, len(paths), _PATHS_PER_QUERY):
        chunk = paths[start:start + _PATHS_PER_QUERY]
        for *columns, claimed in connection.execute(
                f"SELECT {_COLUMNS}, mac FROM files WHERE path IN ({', '.join('?' * len(chunk))})",
                chunk):
            row = Row(*columns)
            if trust.is_valid(key, ["files", *row], claimed):
                rows[row.path] = row
    return rows


class Store:
    """The sqlite file; any failure turns it off (``connection`` None, ``problem`` says why).

    *refused*: why the cache must not be used at all (its files are tracked by git): the
    directory is then not touched."""

    def __init__(self, directory: str | None, refused: str = ""):
        self.connection: sqlite3.Connection | None = None
        self.problem = refused
        self.opened_at = time.time_ns()  # before any file is read: see discovery.cache_mtime
        self._path = None if directory is None else os.path.join(directory, "index.sqlite3")
        self._pid = os.getpid()
        self._key = b""  # the database's own key (trust.derived_key), once it is verified
        if directory is None or refused:
            return
        try:
            key = trust.user_key()
            _prepare_cache_dir(directory)
            with _exclusive_lock(os.path.join(directory, "open.lock")):
                self.connection, self._key = _open(self._path, key)
        except (OSError, sqlite3.Error) as error:
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

    # -- reads: each row, entry and listing only with a valid MAC -------------------------

    def listing(self) -> dict | None:
        """The saved listing; None when there is none or the store is off."""
        connection = self._connection()
        if connection is None:
            return None
        try:
            row = connection.execute(
                f"SELECT {_LISTING_COLUMNS}, mac FROM listing WHERE id = 0").fetchone()
        except sqlite3.Error as error:
            self._disable(error)
            return None
        if row is None or not trust.is_valid(self._key, ["listing", *row[:-1]], row[-1]):
            return None
        return _decode_listing(row[:-1])

    def stamps(self) -> Iterator[Stamp]:
        """Every row's stamp ``(path, mtime_ns, size, inode, ctime_ns)``, ordered by path, read
        as it is consumed: a warm start compares them with the disk one by one instead of
        holding a dict of 5,000 of them (1.2 MiB) next to 5,000 stat results. A failure ends
        the stamps early (the files left look new, and are scanned again). A stamp only says
        whether a row may be current: the row's MAC is checked when it is read."""
        connection = self._connection()
        if connection is None:
            return
        try:
            for stamp in connection.execute(f"SELECT {_STAMP_COLUMNS} FROM files ORDER BY path"):
                if type(stamp[0]) is str:  # a tampered row otherwise: its file is scanned again
                    yield stamp
        except sqlite3.Error as error:
            self._disable(error)

    def rows(self, paths: Sequence[str]) -> dict[str, Row]:
        """The saved rows of *paths* whose MAC holds; {} when the store is off or fails (the
        caller scans those files again)."""
        connection = self._connection()
        if connection is None:
            return {}
        try:
            return _rows_of(connection, self._key, paths)
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
        """The saved value of *key*; None when there is none, its MAC does not hold, or the
        store is off or busy."""
        connection = self._connection()
        if connection is None:
            return None
        try:
            row = connection.execute(
                "SELECT value, mac FROM entries WHERE namespace = ? AND key = ?",
                (namespace, key)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not trust.is_valid(self._key, ["entries", namespace, key, row[0]],
                                             row[1]):
            return None
        return row[0]

    # -- writes: all through _write ---------------------------------------------------------

    def _write(self, connection: sqlite3.Connection, rows: Sequence[Row] = (),
               removed: Sequence[str] = (), listing: Listing | None = None,
               entries: Sequence[tuple[str, str, str]] = ()) -> None:
        """Inside an open transaction: the one place rows, the listing and entries are saved,
        each with its MAC."""
        key = self._key
        if rows or removed:
            # A new generation: a warm digest saved before no longer says the rows are current.
            generation = connection.execute("PRAGMA user_version").fetchone()[0]
            connection.execute(f"PRAGMA user_version = {(generation + 1) % 2**31}")
        if rows:
            connection.executemany(
                f"INSERT OR REPLACE INTO files ({_COLUMNS}, mac) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row, trust.mac(key, ["files", *row])) for row in rows])
            connection.executemany("DELETE FROM names WHERE path = ?",
                                   [(row.path,) for row in rows])
            connection.executemany("INSERT INTO names (name, path) VALUES (?, ?)",
                                   [(name, row.path) for row in rows
                                    for name in set(row.names.split())])
        if removed:
            for table in ("files", "names"):
                connection.executemany(f"DELETE FROM {table} WHERE path = ?",
                                       [(path,) for path in removed])
        if listing is not None:
            columns = (listing.key, listing.mode, listing.tracked_output,
                       json.dumps(listing.files), json.dumps(listing.untracked),
                       json.dumps(listing.witnesses))
            connection.execute(f"INSERT OR REPLACE INTO listing (id, {_LISTING_COLUMNS}, mac) "
                               "VALUES (0, ?, ?, ?, ?, ?, ?, ?)",
                               (*columns, trust.mac(key, ["listing", *columns])))
        if entries:
            connection.executemany(
                "INSERT OR REPLACE INTO entries (namespace, key, value, mac) VALUES (?, ?, ?, ?)",
                [(namespace, entry, value, trust.mac(key, ["entries", namespace, entry, value]))
                 for namespace, entry, value in entries])

    def update(self, stale: dict[str, os.stat_result], removed: Sequence[str],
               compute: Callable[[str, Row | None], Row],
               listing: Listing | None = None) -> dict[str, Row]:
        """Rows for the *stale* paths, written with *listing* under sqlite's write lock.
        ``compute(path, saved)`` makes a path's row from the file, given its saved row (or
        None): a file whose content is the saved row's keeps the row, under a new stamp.

        Files are scanned and written a chunk at a time (``_CHUNK_BYTES`` of source), each
        chunk under the lock, after reading again what is saved for it: two flake8 ``--jobs``
        workers starting cold take turns, each scanning the chunks the other has not saved
        yet, instead of both scanning the whole project. A file larger than a chunk (a module
        of 100,000 classes) is scanned before the lock is taken, so another process never
        waits on one long scan; under the lock only its row is written. A row another process
        saved meanwhile for the same stat is kept as it is.
        """
        connection = self._connection()
        current: dict[str, Row] = {}
        if connection is not None:
            try:
                current = _rows_of(connection, self._key, list(stale))
            except sqlite3.Error as error:
                self._disable(error)
                connection = None
        rows: dict[str, Row] = {}
        unsaved = []
        for path, stat in stale.items():
            row = current.get(path)
            if row is not None and row[:5] == stamp_of(path, stat):
                rows[path] = row
            else:
                unsaved.append(path)
        large = {path: compute(path, current.get(path)) for path in unsaved
                 if stale[path].st_size > _CHUNK_BYTES}
        rows.update(large)
        chunks = _chunks([path for path in unsaved if path not in large], stale)
        writes = removed or listing is not None
        for number, chunk in enumerate(chunks or [[]]):
            if connection is None or not (chunk or large or writes):
                rows.update((path, compute(path, current.get(path))) for path in chunk)
                continue
            try:
                connection.execute("BEGIN IMMEDIATE")
                saved = _rows_of(connection, self._key, [*chunk, *large])
                written = []
                for path in chunk:
                    other = saved.get(path)
                    if other is not None and other[:5] == stamp_of(path, stale[path]):
                        rows[path] = other  # another process saved it while this one waited
                    else:
                        rows[path] = compute(path, current.get(path))
                        written.append(rows[path])
                for path, row in large.items():
                    other = saved.get(path)
                    if other is not None and other[:5] == row[:5]:
                        rows[path] = other
                    else:
                        written.append(row)
                self._write(connection, [row._replace(mtime_ns=saved_mtime(row.mtime_ns,
                                                                           self.opened_at))
                                         for row in written],
                            removed if number == 0 else (),
                            listing if number == 0 else None)
                connection.execute("COMMIT")
            except sqlite3.Error as error:
                self._disable(error)
                connection = None
                rows.update((path, compute(path, current.get(path))) for path in chunk
                            if path not in rows)
            large = {}
        return rows

    def generation(self) -> int | None:
        """How many writes of rows this store has seen (modulo 2**31); None when it is off."""
        connection = self._connection()
        if connection is None:
            return None
        try:
            generation = connection.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as error:
            self._disable(error)
            return None
        return generation if type(generation) is int else None

    def save_warm(self, digest: str, generation: int) -> None:
        """Save *digest* (of every listed file's stamp, when each was its row's) as the warm
        digest of *generation*, unless rows were written since it was read: then the rows may
        no longer be the ones the stamps were compared with. Best effort, as ``save``."""
        def write(connection: sqlite3.Connection) -> None:
            if connection.execute("PRAGMA user_version").fetchone()[0] == generation:
                self._write(connection, entries=[(WARM, "stamps", f"{generation} {digest}")])

        self._best_effort(write)

    def save(self, entries: Sequence[tuple[str, str, str]] = ()) -> bool:
        """Best effort: what a later run would otherwise compute again. A busy, locked or
        read-only database skips the write, silently. True: skipped because another process
        held the lock, so the caller may try again later (a read-only file will not change)."""
        if not entries:
            return False
        return self._best_effort(lambda connection: self._write(connection, entries=entries))

    def _best_effort(self, write: Callable[[sqlite3.Connection], None]) -> bool:
        """``write(connection)`` in one transaction, waiting little for the lock; skipped
        silently when the database is busy, locked or read-only. True: skipped because another
        process held the lock."""
        connection = self._connection()
        if connection is None:
            return False
        try:
            connection.execute(f"PRAGMA busy_timeout = {_BEST_EFFORT_TIMEOUT_MILLISECONDS}")
            connection.execute("BEGIN IMMEDIATE")
            try:
                write(connection)
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


def _chunks(paths: Sequence[str], stats: dict[str, os.stat_result]) -> list[list[str]]:
    """*paths* in order, cut into runs of at most ``_CHUNK_BYTES`` of source each."""
    chunks: list[list[str]] = []
    size = 0
    for path in paths:
        if not chunks or size + stats[path].st_size > _CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(path)
        size += stats[path].st_size
    return chunks


def _is_busy(error: sqlite3.Error) -> bool:
    """Another connection held the lock (SQLITE_BUSY or SQLITE_LOCKED, extended codes too)."""
    code = getattr(error, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (5, 6)
    return "locked" in str(error) or "busy" in str(error)
