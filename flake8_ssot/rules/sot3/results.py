"""SOT3xx's results cache, looked up before the engine is imported.

A file's findings are kept in the project index under a key made of the engine's version, the
module's name and roots, the configuration, the installed distributions (when they are read) and
the file's text, with the content hash of every module the inference read. An unchanged file
then costs one lookup and those hashes: importing the tracer and its parts would cost more
(about 20 ms in a one-file run) than the lookup.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flake8_ssot.rule import Finding
from flake8_ssot.rules.sot3 import installed
from flake8_ssot.rules.sot3.store import content_hash, digest_of

ENGINE = "sot3-12"  # part of every results key: a new engine never reads old results
NAMESPACE = "sot3-result"


class Lookup(NamedTuple):
    index: Any  # the ProjectIndex, which keeps summaries and results
    key: str
    findings: list[Finding] | None  # the cached findings; None: check the file


def look_up(checked) -> Lookup:
    """*checked* (a ``project.CheckedFile``)'s cached findings, if still valid."""
    index = checked.project.index
    packages = installed.packages(checked)
    distributions = packages.fingerprint() if packages is not None else ""
    key = content_hash(f"{ENGINE}\0{checked.module}\0{tuple(checked.settings)!r}\0"
                       f"{checked.roots!r}\0{distributions}\0{checked.source}"
                       .encode("utf-8", "surrogatepass"))
    cached = index.cache_get(NAMESPACE, key)
    findings = None
    if cached is not None and _still_valid(cached.get("read", {}), index):
        findings = [Finding(*finding) for finding in cached["findings"]]
    return Lookup(index, key, findings)


def _still_valid(read: dict, index) -> bool:
    """Every module the inference read has the content it had, and every path it looked for
    and did not find is still missing ("" for both)."""
    return all(type(digest) is str and digest_of(path, index) == digest
               for path, digest in read.items())
