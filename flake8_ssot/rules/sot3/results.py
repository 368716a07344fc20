"""SOT3xx's results cache, looked up before the engine is imported.

A file's findings are kept in the project index under a key made of the engine's version, the
module's name and roots, the configuration and the file's text, with the content hash of every
module the inference read. An unchanged file then costs one lookup and those hashes: importing
the tracer and its parts would cost more (about 20 ms in a one-file run) than the lookup.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from flake8_ssot import index as project_index
from flake8_ssot.rule import Finding
from flake8_ssot.rules.sot3.store import content_hash, digest_of

ENGINE = "sot3-4"  # part of every results key: a new engine never reads old results
NAMESPACE = "sot3-result"


def module_name_and_roots(filename: str, configured_root: str = ""):
    """Dotted module name from the package ``__init__.py`` files, and where imports live."""
    path = os.path.abspath(filename)
    directory, base = os.path.split(path)
    parts = [os.path.splitext(base)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    root = project_index.find_project_root(os.path.dirname(path), configured_root)
    roots = [directory, os.path.dirname(path), root, os.path.join(root, "src")]
    is_package = base == "__init__.py"
    if is_package:
        parts.pop()
    return ".".join(parts), tuple(dict.fromkeys(roots)), root, is_package


class Lookup(NamedTuple):
    store: Any  # the project index, which keeps summaries and results
    key: str
    modname: str
    roots: tuple[str, ...]
    is_package: bool
    findings: list[Finding] | None  # the cached findings; None: check the file


def look_up(source: str, filename: str, settings) -> Lookup:
    modname, roots, _, is_package = module_name_and_roots(filename, settings.project_root)
    from flake8_ssot.project import Project

    store = Project.for_path(filename, settings).index
    key = content_hash(f"{ENGINE}\0{modname}\0{tuple(settings)!r}\0{roots!r}\0{source}"
                       .encode("utf-8", "surrogatepass"))
    cached = store.cache_get(NAMESPACE, key)
    findings = None
    if cached is not None and _still_valid(cached.get("read", {}), store):
        findings = [Finding(*finding) for finding in cached["findings"]]
    return Lookup(store, key, modname, roots, is_package, findings)


def _still_valid(read: dict, index) -> bool:
    """Every module the inference read has the content it had, and every path it looked for
    and did not find is still missing ("" for both)."""
    return all(type(digest) is str and digest_of(path, index) == digest
               for path, digest in read.items())
