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

An editable install (``pip install -e``: its ``direct_url.json`` says so) keeps its sources
outside the directory of its ``.dist-info``. They are found the way the interpreter finds them,
read as text and never run: a plain path line of a ``.pth`` file it installed, and the literal
``MAPPING`` of setuptools' ``__editable___*_finder.py`` (parsed with ``ast``). The ``import``
lines of a ``.pth`` are never executed.

Nothing here imports flake8.
"""

from __future__ import annotations

import ast
import json
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
_DIRECT_URL = "direct_url.json"  # PEP 610: how pip installed it; ``dir_info.editable``
# What an editable install leaves beside its .dist-info (RECORD lists them): .pth files, and
# setuptools' (PEP 660) finder module, whose MAPPING names each top-level package's directory.
_PTH = ".pth"
_FINDER = re.compile(r"__editable___\w*_finder\.py\Z")
_FINDER_MAPPING = "MAPPING"


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
        """The first directory of the search path holding *name* that a distribution owns,
        else an editable install's."""
        for directory in self.search_path:
            stubs = os.path.join(directory, f"{name}-stubs")
            stubs_owner = self._owner(directory, f"{name}-stubs") if os.path.isdir(stubs) else ""
            package = _package_in(directory, name)
            owner = self._owner(directory, name) if package is not None else ""
            if owner:
                return _top_at(directory, package, owner, (stubs,) if stubs_owner else ())
            if stubs_owner:
                return _Top((stubs,), "", stubs_owner)
        return self._editable_top(name)

    # -- editable installs -----------------------------------------------------------------------

    def _editable_top(self, name: str) -> _Top | None:
        """*name* in an editable install's sources, where the interpreter finds it: a ``.pth``'s
        path line is on ``sys.path`` (so it comes first), a finder's mapping is asked after
        every path."""
        path_lines, mappings = self._editables()
        for directory, owner, shipped in path_lines:
            package = _package_in(directory, name) if shipped is None or name in shipped else None
            if package is not None:
                return _top_at(directory, package, owner)
        for mapped, stem, owner in mappings:
            if mapped == name:
                return _top_at(os.path.dirname(stem), stem if os.path.isdir(stem) else "", owner)
        return None

    def _editables(self) -> tuple:
        """``(path lines, mappings)`` of the editable installs in the search path, read once a
        run: ``(directory, owner, its top-level names or None for any)`` and ``(top-level name,
        its path without suffix, owner)``."""
        found = self._owners.get("editables")
        if found is None:
            paths, mappings = [], []
            for site in self.search_path:
                for entry in self._metadata_directories(site):
                    metadata = os.path.join(site, entry)
                    if not _is_editable(metadata):
                        continue
                    owner = _identity(metadata)
                    named = _read_text(os.path.join(metadata, _TOP_LEVEL))
                    shipped = frozenset(named.split()) if named else None
                    for path in _installed_files(metadata, site):
                        if path.endswith(_PTH):
                            paths.extend((line, owner, shipped) for line in _pth_paths(path, site))
                        elif _FINDER.match(os.path.basename(path)):
                            mappings.extend((name, stem, owner)
                                            for name, stem in _finder_mapping(path))
            found = self._owners["editables"] = (paths, mappings)
        return found

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


def _package_in(directory: str, name: str) -> str | None:
    """The package directory of the top-level *name* in *directory*, "" when it is a module
    there (``six.py``), None when it is not there."""
    package = os.path.join(directory, name)
    if os.path.isdir(package):
        return package
    if any(os.path.isfile(package + suffix) for suffix in _MODULE_SUFFIXES):
        return ""
    return None


def _top_at(directory: str, package: str, owner: str, stubs: tuple = ()) -> _Top:
    """A top-level name found in *directory*: its *package* directory, or a module there."""
    return _Top(stubs + ((package,) if package else ()), "" if package else directory, owner)


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


def _is_editable(metadata: str) -> bool:
    """Whether pip installed this distribution editable (PEP 610's ``direct_url.json``)."""
    try:
        direct = json.loads(_read_text(os.path.join(metadata, _DIRECT_URL)) or "{}")
    except ValueError:
        return False
    info = direct.get("dir_info") if isinstance(direct, dict) else None
    return isinstance(info, dict) and info.get("editable") is True


def _installed_files(metadata: str, site: str) -> list:
    """The files a distribution's RECORD lists, as paths (relative ones are *site*'s)."""
    listed = (line.split(",", 1)[0] for line in _read_text(os.path.join(metadata, _RECORD))
              .splitlines())
    return [os.path.normpath(os.path.join(site, path)) for path in listed if path]


def _pth_paths(pth: str, site: str) -> list:
    """The directories a ``.pth`` file's path lines add, as ``site.addpackage`` reads them;
    its ``import`` lines are code, never run."""
    found = []
    for line in _read_text(pth).splitlines():
        line = line.rstrip()
        if line and not line.startswith(("#", "import ", "import\t")):
            directory = os.path.abspath(os.path.join(site, line))
            if os.path.isdir(directory):
                found.append(directory)
    return found


def _finder_mapping(finder: str) -> list:
    """``[(top-level name, its path without suffix)]`` of setuptools' editable finder module:
    its ``MAPPING`` dict literal, read with ``ast`` (the module is never run)."""
    try:
        tree = ast.parse(_read_text(finder))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else \
            [statement.target] if isinstance(statement, ast.AnnAssign) else []
        if any(isinstance(target, ast.Name) and target.id == _FINDER_MAPPING
               for target in targets):
            try:
                mapping = ast.literal_eval(statement.value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                return []
            return [(name, path) for name, path in
                    (mapping.items() if isinstance(mapping, dict) else ())
                    if isinstance(name, str) and name.isidentifier()
                    and isinstance(path, str) and os.path.isabs(path)]
    return []


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
