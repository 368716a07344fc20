"""Installed packages as SOT3xx reads them: where a module that an import names lives in the
interpreter flake8 runs in (its ``sys.path``), and which distribution owns it (its name and
version, from its ``.dist-info``).

Nothing is imported. A module is found as a file, read as text (``files.read_file``: regular
files, bounded) and summarised like a project module (``session``). Its summary is cached under
the distribution's name and version and the file's content: a new version is a new key, and so
is an editable or patched install that changed the file without a new version.

A module is read only when an installed distribution owns its top-level package. A directory on
``sys.path`` that holds no distribution (the project itself, under ``python -m flake8``) gives
nothing, and a standard-library name (``standard.is_standard_module``) is the table's, never a
backport's. Stubs come first: ``<name>-stubs/`` (PEP 561), then a ``.pyi`` beside its ``.py``.

Nothing here imports flake8.
"""

from __future__ import annotations

import os
import re
import sys
from typing import NamedTuple

from flake8_ssot.digests import blake2b_hex
from flake8_ssot.files import read_or_note
from flake8_ssot.rules.sot3 import standard
from flake8_ssot.syntax import search_roots

_MEMO = "sot3-installed"  # the run memo (``ProjectIndex.run_memo``): sys.path is read once a run
_METADATA_FILES = ("METADATA", "PKG-INFO")  # a .dist-info's, an .egg-info's
_METADATA_SUFFIXES = (".dist-info", ".egg-info")
# A distribution's own file list: setuptools' top_level.txt names the packages; RECORD (every
# wheel install) lists every file, so its first path parts name them.
_TOP_LEVEL, _RECORD = "top_level.txt", "RECORD"
_MODULE_SUFFIXES = (".pyi", ".py")  # the stub first: it declares what the source leaves open


class Located(NamedTuple):
    """An installed module: its file, whether it is a package's ``__init__``, and the
    distribution that owns it ("name==version", the summary cache's key)."""

    path: str
    is_package: bool
    distribution: str


class _Top(NamedTuple):
    """Where an installed top-level name's modules are looked for, and its distribution."""

    packages: tuple  # its package directories, the stubs' first
    module_directory: str  # the directory holding it as one module (``six.py``), else ""
    distribution: str


def packages(checked) -> "Installed | None":
    """The installed packages SOT3xx reads for *checked* (a ``project.CheckedFile``); None when
    ``ssot-skip-installed`` is set."""
    if checked.settings.skip_installed:
        return None
    memo = checked.project.index.run_memo(_MEMO)
    found = memo.get("installed")
    if found is None:
        found = memo["installed"] = Installed(search_path(checked.project.root), memo)
    return found


def search_path(project_root: str) -> tuple:
    """The directories of ``sys.path``, without the project's own roots (its modules are looked
    for there first, as project modules)."""
    own = {os.path.abspath(root) for root in (project_root, *search_roots(project_root))}
    found = []
    for entry in sys.path:
        directory = os.path.abspath(entry or os.curdir)
        if directory not in own and directory not in found and os.path.isdir(directory):
            found.append(directory)
    return tuple(found)


def normalized(name: str) -> str:
    """A distribution or module name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


class Installed:
    """The installed modules of the directories in *search_path*, looked up once each per run
    (*memo*: the run memo)."""

    def __init__(self, search_path: tuple, memo: dict):
        self.search_path = search_path
        self._tops: dict = memo.setdefault("tops", {})
        # ("listing", directory) -> its metadata directories; a metadata directory -> the
        # top-level names its distribution ships.
        self._owners: dict = memo.setdefault("owners", {})
        self._fingerprint = None

    def locate(self, qual: str) -> Located | None:
        """The installed module *qual*, or None (not installed, or not a distribution's)."""
        name, *rest = qual.split(".")
        top = self._top(name)
        if top is None or not all(part.isidentifier() for part in rest):
            return None  # (a part that is no name never makes a path: ``..`` climbs)
        for directory in top.packages:
            base = os.path.join(directory, *rest)
            found = (_file(base, False, top) if rest else None) or \
                _file(os.path.join(base, "__init__"), True, top)
            if found is not None:
                return found
        if top.module_directory and not rest:
            return _file(os.path.join(top.module_directory, name), False, top)
        return None

    def fingerprint(self) -> str:
        """A hash of which distributions (name and version) are installed where: part of the
        results cache's key, so that installing, upgrading or removing one rechecks a file."""
        if self._fingerprint is None:
            listed = [f"{directory}\0{name}" for directory in self.search_path
                      for name in self._metadata_directories(directory)]
            self._fingerprint = blake2b_hex("\n".join(listed).encode("utf-8", "surrogatepass"))
        return self._fingerprint

    # -- top-level names -------------------------------------------------------------------------

    def _top(self, name: str) -> _Top | None:
        if name in self._tops:
            return self._tops[name]
        self._tops[name] = found = None
        if name.isidentifier() and not standard.is_standard_module(name):
            found = self._tops[name] = self._find_top(name)
        return found

    def _find_top(self, name: str) -> _Top | None:
        """The first directory of the search path holding *name* that a distribution owns."""
        for directory in self.search_path:
            stubs = os.path.join(directory, f"{name}-stubs")
            stubs_owner = self._owner(directory, f"{name}-stubs") if os.path.isdir(stubs) else ""
            found = self._runtime(directory, name)
            if found is not None:
                package, owner = found
                return _Top(((stubs,) if stubs_owner else ()) + ((package,) if package else ()),
                            "" if package else directory, owner)
            if stubs_owner:
                return _Top((stubs,), "", stubs_owner)
        return None

    def _runtime(self, directory: str, name: str):
        """``(package directory or "", owner)`` of *name* in *directory*, owned by a
        distribution; None when it is not there, or no distribution ships it."""
        package = os.path.join(directory, name)
        if os.path.isdir(package):
            pass
        elif any(os.path.isfile(os.path.join(directory, name + suffix))
                 for suffix in _MODULE_SUFFIXES):
            package = ""
        else:
            return None
        owner = self._owner(directory, name)
        return (package, owner) if owner else None

    # -- distributions ---------------------------------------------------------------------------

    def _metadata_directories(self, directory: str) -> list:
        """The ``.dist-info``/``.egg-info`` directories in *directory*, sorted (listed once)."""
        key = ("listing", directory)
        listed = self._owners.get(key)
        if listed is None:
            try:
                listed = sorted(name for name in os.listdir(directory)
                                if name.endswith(_METADATA_SUFFIXES))
            except OSError:
                listed = []
            self._owners[key] = listed
        return listed

    def _owner(self, directory: str, name: str) -> str:
        """"name==version" of the distribution in *directory* that ships the top-level *name*,
        "" for none. The distribution named like it is asked first (``pydantic``); the others'
        file lists are read only when it is not (``newspaper3k`` ships ``newspaper``)."""
        listed = self._metadata_directories(directory)
        wanted = normalized(name)
        named = [entry for entry in listed if normalized(_name_part(entry)) == wanted]
        for entry in named + [entry for entry in listed if entry not in named]:
            path = os.path.join(directory, entry)
            if name in self._shipped(path):
                return _identity(path)
        return ""

    def _shipped(self, metadata: str) -> frozenset:
        """The top-level names a distribution's metadata directory says it installs."""
        shipped = self._owners.get(metadata)
        if shipped is None:
            shipped = self._owners[metadata] = _top_level_names(metadata)
        return shipped


def _file(base: str, is_package: bool, top: _Top) -> Located | None:
    for suffix in _MODULE_SUFFIXES:
        if os.path.isfile(base + suffix):
            return Located(base + suffix, is_package, top.distribution)
    return None


def _stem(metadata_directory: str) -> str:
    """``pydantic-2.7.1`` of ``.../pydantic-2.7.1.dist-info``."""
    return os.path.basename(metadata_directory).rsplit(".", 1)[0]


def _name_part(metadata_directory: str) -> str:
    """``pydantic`` of ``pydantic-2.7.1.dist-info`` (the name is escaped: it holds no ``-``)."""
    return _stem(metadata_directory).split("-", 1)[0]


def _read_text(path: str) -> str:
    read = read_or_note(path)
    return "" if read is None else read.data.decode("utf-8", "replace")


def _top_level_names(metadata: str) -> frozenset:
    text = _read_text(os.path.join(metadata, _TOP_LEVEL))
    if text:
        return frozenset(line.strip() for line in text.splitlines() if line.strip())
    names = set()
    for line in _read_text(os.path.join(metadata, _RECORD)).splitlines():
        first = line.split(",", 1)[0].split("/", 1)[0]
        if first and not first.startswith(".") and not first.endswith(_METADATA_SUFFIXES):
            names.add(first.rsplit(".", 1)[0] if first.endswith(_MODULE_SUFFIXES) else first)
    return frozenset(names)


def _identity(metadata: str) -> str:
    """"name==version" from the metadata file's headers (the directory's name when they are
    not there)."""
    headers = {}
    for filename in _METADATA_FILES:
        text = _read_text(os.path.join(metadata, filename))
        for line in text.splitlines():
            if not line.strip():
                break  # the body: the headers are over
            key, _, value = line.partition(":")
            headers.setdefault(key.strip().lower(), value.strip())
        if text:
            break
    name, _, version = _stem(metadata).partition("-")
    return f"{headers.get('name') or name}=={headers.get('version') or version}"
