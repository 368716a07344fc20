"""How the project's classes relate: copies, extensions, families and parallel implementations.

The one place SOT201-SOT205 and ``flake8-ssot map`` learn these facts from, all read from the
project index (no flake8 imports). Every function takes the class being asked about as its
definition plus, for a checked file, the facts of the buffer flake8 holds (which may differ from
the disk).
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from typing import NamedTuple, Sequence

from flake8_ssot.index import ClassDefinition, ClassRecord, ModuleFacts, ProjectIndex


@functools.lru_cache(maxsize=8)  # asked for every checked file, parsed once per process
def canonical_homes(canonical_classes: tuple[str, ...]) -> dict[str, str]:
    """``ssot-canonical-classes`` entries (``Name:path/to/module.py``) as name -> path."""
    homes = {}
    for entry in canonical_classes:
        name, sep, path = entry.partition(":")
        if sep and name.strip() and path.strip():
            homes[name.strip()] = path.strip().replace(os.sep, "/").lstrip("./")
    return homes


# -- independent packages -------------------------------------------------------------------

def independent_package(path: str | None, packages: Sequence[str]) -> str | None:
    """The configured independent package (a directory) *path* lies in, if any."""
    if path is None:
        return None
    for package in packages:
        prefix = package.strip().strip("/")
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            return prefix
    return None


def related(path: str | None, other: str, packages: Sequence[str]) -> bool:
    """Whether classes in *path* and *other* can duplicate each other: not when they lie in two
    different independent packages (each is its own single source of truth)."""
    if not packages:
        return True
    mine, theirs = independent_package(path, packages), independent_package(other, packages)
    return mine is None or theirs is None or mine == theirs


# -- extensions and shims -------------------------------------------------------------------

def may_extend(record: ClassRecord) -> bool:
    """Whether the class of *record* can extend another definition of its name: one of its
    bases, as the index keeps them (the last component; a name its module imports ``as`` an
    alias, the name imported), is its own name. Only then are its module's imports read (a
    parse, or the facts saved for its content): most duplicates are spared both. A base bound
    through an alias in another module (``from pkg import E``, where ``pkg`` re-exports
    ``Engine as E``) is not followed."""
    return record.name in record.bases


def extended(index: ProjectIndex, definition: ClassDefinition,
             facts: ModuleFacts | None = None, record: ClassRecord | None = None
             ) -> ClassDefinition | None:
    """The other definition of the same name that *definition* subclasses (a deprecated shim
    ``class Auth(_Auth)`` over ``from .real import Auth as _Auth``, or a public class extending
    a runtime class of its name); None for a second implementation. *facts* and *record*: the
    checked buffer's own, when they are not the disk's (else read from the index)."""
    record = record or index.record(definition)
    if record is None or not may_extend(record):
        return None
    facts = facts or index.facts(definition.path or "")
    if facts is None:
        return None
    for found in facts.classes:
        if (found.name, found.line) != (definition.name, definition.line):
            continue
        for base in found.bases:
            target = index.resolve_class(definition.path or "", base, facts=facts)
            if target is not None and target.name == definition.name and (
                    target.path != definition.path):
                return target
    return None


class Homes(NamedTuple):
    """The definitions of one class name: copies to report, and aliases (extensions)."""
    implementations: list[ClassDefinition]
    aliases: list[tuple[ClassDefinition, ClassDefinition]]  # (alias, the definition it extends)


def homes(index: ProjectIndex, name: str, keep=None) -> Homes:
    implementations, aliases = [], []
    for definition in index.definitions(name, keep):
        target = extended(index, definition)
        if target is None:
            implementations.append(definition)
        else:
            aliases.append((definition, target))
    return Homes(implementations, aliases)


# -- class families (SOT204) ----------------------------------------------------------------

def budgets(entries: Sequence[str]) -> list[tuple[str, int]]:
    """``NameGlob:count`` entries as (glob, count); malformed entries are left out."""
    parsed = []
    for entry in entries:
        pattern, _, count = entry.rpartition(":")
        if pattern.strip() and count.strip().isdigit():
            parsed.append((pattern.strip(), int(count)))
    return parsed


@functools.lru_cache(maxsize=16)  # per index and glob: every checked file of a run asks
def family(index: ProjectIndex, pattern: str) -> tuple[ClassDefinition, ...]:
    """The project's module-level classes whose names match *pattern*."""
    matches = re.compile(fnmatch.translate(pattern)).match
    return tuple(definition for name in sorted(index.class_names()) if matches(name)
                 for definition in index.definitions(name))


# -- parallel implementations (SOT205) ------------------------------------------------------

# Classes ClassTable answers "which classes share these methods" for by one pass over the
# index's rows before it builds the table of every method's classes instead: a one-file run asks
# about a few classes (building the table of 5,000 files costs ~100 ms), a whole run about all.
_PASSES_BEFORE_FULL_TABLE = 8


class ClassTable:
    """Every indexed class's bases and public methods by name, and the classes sharing a set of
    methods, read from the index as they are asked for (once per run)."""

    def __init__(self, index: ProjectIndex):
        self._index = index
        self._bases: dict[str, set[str]] = {}  # class name -> base names (every definition)
        self._methods: dict[str, set[str]] = {}  # class name -> public methods (every definition)
        self._postings: dict[str, list[tuple[str, str, int]]] | None = None  # method -> classes
        self._passes = 0

    def _records(self, name: str):
        for path in sorted(set(self._index.defining_paths(name))):
            yield from (record for record in self._index.classes(path) if record.name == name)

    def bases(self, name: str) -> set[str]:
        if name not in self._bases:
            self._bases[name] = {base for record in self._records(name) for base in record.bases}
        return self._bases[name]

    def methods(self, name: str) -> set[str]:
        if name not in self._methods:
            self._methods[name] = {m for record in self._records(name) for m in record.methods}
        return self._methods[name]

    def sharing(self, methods: frozenset, at_least: int) -> dict[tuple[str, str, int], int]:
        """``(class name, path, line) -> shared`` for the classes declaring at least *at_least*
        of *methods*."""
        if self._postings is None and self._passes < _PASSES_BEFORE_FULL_TABLE:
            self._passes += 1
            return self._index.classes_sharing(methods, at_least)
        if self._postings is None:
            self._postings = {}
            for path in sorted(self._index.files):
                for record in self._index.classes(path):
                    for method in set(record.methods):
                        self._postings.setdefault(method, []).append(
                            (record.name, path, record.line))
        counts: dict[tuple[str, str, int], int] = {}
        for method in methods:
            for posting in self._postings.get(method, ()):
                counts[posting] = counts.get(posting, 0) + 1
        return {posting: count for posting, count in counts.items() if count >= at_least}


@functools.lru_cache(maxsize=4)
def class_table(index: ProjectIndex) -> ClassTable:
    """The class table of *index* (one per run: the index is rebuilt each run)."""
    return ClassTable(index)


def _ancestors(table: ClassTable, name: str, own_bases: Sequence[str] = ()) -> set[str]:
    found: set[str] = set()
    pending = [*own_bases, *table.bases(name)]
    while pending:
        base = pending.pop()
        if base not in found and base != name:
            found.add(base)
            pending.extend(table.bases(base))
    return found


class Parallel(NamedTuple):
    other: ClassDefinition
    shared: int  # public methods in common, less those a shared base declares
    public: int  # the reported class's public methods


def parallels(index: ProjectIndex, definition: ClassDefinition, methods: Sequence[str],
              bases: Sequence[str], min_shared: int, min_ratio: float,
              packages: Sequence[str] = (), limit: int | None = None) -> list[Parallel]:
    """Classes under other names in other modules that share most of *definition*'s public
    *methods*, neither inheriting from the other, counting only methods that no project base
    of either declares; the first *limit* of them (by name, path and line) when given."""
    own = set(methods)
    if len(own) < min_shared:
        return []
    table = class_table(index)
    counts = table.sharing(frozenset(own), min_shared)
    own_ancestors = _ancestors(table, definition.name, bases)
    found = []
    for (name, path, line), count in sorted(counts.items()):
        if limit is not None and len(found) >= limit:
            break  # a message lists a few: generated agents share steps with thousands
        if count < min_shared or name == definition.name or path == definition.path:
            continue
        if not related(definition.path, path, packages):
            continue
        theirs = table.methods(name)
        ancestors = _ancestors(table, name)
        if name in own_ancestors or definition.name in ancestors:
            continue  # one extends the other
        # What a project base of either declares is that base's API: compare the base instead
        # (and two implementations of one interface share nothing of their own).
        declared = set().union(*(table.methods(a) for a in own_ancestors | ancestors))
        shared = len((own & theirs) - declared)
        if shared >= min_shared and shared >= min_ratio * min(len(own), len(theirs)):
            other = [d for d in index.definitions(name, keep=lambda d: d.path == path)
                     if d.line == line]
            if other:
                found.append(Parallel(other[0], shared, len(own)))
    return found
