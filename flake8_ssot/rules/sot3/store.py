"""Content keys for SOT3xx's cache entries; the entries themselves live in the project index
(``ProjectIndex.cache_get``/``cache_put``), keyed by a namespace and a hash of what they were
computed from, so an entry is never stale: a changed file has another key."""

from __future__ import annotations

import hashlib


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
