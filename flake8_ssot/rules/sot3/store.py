"""Content keys for SOT3xx's cache entries; the entries themselves live in the project index
(``ProjectIndex.cache_get``/``cache_put``), keyed by a namespace and a hash of what they were
computed from, so an entry is never stale: a changed file has another key."""

from __future__ import annotations

from flake8_ssot.digests import blake2b_hex
from flake8_ssot.files import read_or_note

_DIGESTS = "sot3-digests"  # the run memo of module digests


def content_hash(data: bytes) -> str:
    return blake2b_hex(data)


def read_module(path: str, index=None) -> bytes | None:
    """The bytes of a module file; None when it cannot be read, or is refused as
    ``files.read_file`` refuses (a FIFO, a device, too large, a project file leading out of the
    project of *index*)."""
    read = read_or_note(path, getattr(index, "root", None))
    return None if read is None else read.data


def digest_of(path: str, index=None) -> str:
    """The content hash of the file at *path*, "" when it cannot be read; once per run when the
    project *index* is given (every checked file reads the same modules: their text is
    hashed once, and a path that is not there is looked for once)."""
    return read_with_digest(path, index)[1]


def read_with_digest(path: str, index=None) -> tuple[bytes | None, str]:
    """``digest_of``, with the bytes when this call read them (None when the run had)."""
    digests = index.run_memo(_DIGESTS) if index is not None else {}
    digest = digests.get(path)
    if digest is not None:
        return None, digest
    data = read_module(path, index)
    digest = digests[path] = content_hash(data) if data is not None else ""
    return data, digest
