"""Where SOT3xx keeps module summaries and results between runs: ``cache_get``/``cache_put``.

Values are JSON, keyed by a namespace and a key that names the content they were computed from
(a hash), so an entry is never stale: a changed file has another key. The same two calls as the
project index's generic cache; this file is the stand-in until SOT3xx is wired to it. Any
failure (read-only disk, a corrupt file, a lock held too long) turns the disk part off and the
run carries on in memory.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3

from flake8_ssot import project_index

_FILE = "sot3.sqlite3"
_BUSY_TIMEOUT_SECONDS = 5.0


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Store:
    def __init__(self, directory: str | None):
        self.memory: dict[tuple[str, str], object] = {}
        self.connection = None
        if directory is None:
            return
        path = os.path.join(directory, _FILE)
        try:
            project_index._prepare_cache_dir(directory)
            for name in (_FILE, _FILE + "-wal", _FILE + "-shm", _FILE + "-journal"):
                if os.path.islink(os.path.join(directory, name)):
                    return
            connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_SECONDS,
                                         isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS sot3 (namespace TEXT, key TEXT, "
                               "value TEXT, PRIMARY KEY (namespace, key))")
            self.connection = connection
        except (OSError, sqlite3.Error):
            self.connection = None

    def cache_get(self, namespace: str, key: str):
        found = self.memory.get((namespace, key))
        if found is not None or self.connection is None:
            return found
        try:
            row = self.connection.execute(
                "SELECT value FROM sot3 WHERE namespace = ? AND key = ?", (namespace, key),
            ).fetchone()
            value = json.loads(row[0]) if row else None
        except (sqlite3.Error, ValueError):
            return None
        if value is not None:
            self.memory[(namespace, key)] = value
        return value

    def cache_put(self, namespace: str, key: str, value) -> None:
        self.memory[(namespace, key)] = value
        if self.connection is None:
            return
        try:
            self.connection.execute("INSERT OR REPLACE INTO sot3 VALUES (?, ?, ?)",
                                    (namespace, key, json.dumps(value, separators=(",", ":"))))
        except (sqlite3.Error, TypeError, ValueError):
            self.connection = None


@functools.lru_cache(maxsize=8)  # one per project and process, like the project index
def store_for(root: str, cache_dir: str, use_cache: bool) -> Store:
    return Store(os.path.join(root, cache_dir) if use_cache and cache_dir else None)
