"""Content digests without OpenSSL.

``import hashlib`` loads OpenSSL's libcrypto (about 4 MiB resident, a sixth of what a flake8
process holds at its peak) even for algorithms CPython builds in; the index needs only sha1 and
SOT3xx's cache blake2b, so they come from the built-in modules, the same digests.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
    from _sha1 import sha1
except ImportError:  # an interpreter built without them
    from hashlib import blake2b, sha1


def sha1_hex(data: bytes) -> str:
    return sha1(data).hexdigest()


def blake2b_hex(data: bytes, digest_size: int = 16) -> str:
    return blake2b(data, digest_size=digest_size).hexdigest()
