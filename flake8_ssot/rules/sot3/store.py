"""Content keys for SOT3xx's cache entries; the entries themselves live in the project index
(``ProjectIndex.cache_get``/``cache_put``), keyed by a namespace and a hash of what they were
computed from, so an entry is never stale: a changed file has another key."""

from __future__ import annotations

from flake8_ssot.digests import blake2b_hex


def content_hash(data: bytes) -> str:
    return blake2b_hex(data)
