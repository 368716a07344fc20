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

from flake8_ssot.index import ClassDefinition, ModuleFacts, ProjectIndex


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
    mine, theirs = independent_package(path, packages), independent_package(other, packages)
    return mine is None or theirs is None or mine == theirs


# -- extensions and shims -------------------------------------------------------------------

def extended(index: ProjectIndex, definition: ClassDefinition,
             facts: ModuleFacts | None = None) -> ClassDefinition | None:
    """The other definition of the same name that *definition* subclasses (a deprecated shim
    ``class Auth(_Auth)`` over ``from .real import Auth as _Auth``, or a public class extending
    a runtime class of its name); None for a second implementation."""
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

class ClassTable(NamedTuple):
    bases: dict[str, set[str]]  # class name -> base names (every definition of it)
    methods: dict[str, set[str]]  # class name -> public methods (every definition of it)
    postings: dict[str, list[tuple[str, str, int]]]  # method -> (class, path, line)


@functools.lru_cache(maxsize=4)
def class_table(index: ProjectIndex) -> ClassTable:
    """Every indexed class's bases and public methods, by name and by method (once per run)."""
    bases: dict[str, set[str]] = {}
    methods: dict[str, set[str]] = {}
    postings: dict[str, list[tuple[str, str, int]]] = {}
    for path in sorted(index.files):
        for record in index.classes(path):
            bases.setdefault(record.name, set()).update(record.bases)
            methods.setdefault(record.name, set()).update(record.methods)
            for method in set(record.methods):
                postings.setdefault(method, []).append((record.name, path, record.line))
    return ClassTable(bases, methods, postings)


def _ancestors(table: ClassTable, name: str, own_bases: Sequence[str] = ()) -> set[str]:
    found: set[str] = set()
    pending = [*own_bases, *table.bases.get(name, ())]
    while pending:
        base = pending.pop()
        if base not in found and base != name:
            found.add(base)
            pending.extend(table.bases.get(base, ()))
    return found


class Parallel(NamedTuple):
    other: ClassDefinition
    shared: int  # public methods in common, less those a shared base declares
    public: int  # the reported class's public methods


def parallels(index: ProjectIndex, definition: ClassDefinition, methods: Sequence[str],
              bases: Sequence[str], min_shared: int, min_ratio: float,
              packages: Sequence[str] = ()) -> list[Parallel]:
    """Classes under other names in other modules that share most of *definition*'s public
    *methods*, neither inheriting from the other, counting only methods that no project base
    of either declares."""
    own = set(methods)
    if len(own) < min_shared:
        return []
    table = class_table(index)
    counts: dict[tuple[str, str, int], int] = {}
    for method in own:
        for posting in table.postings.get(method, ()):
            counts[posting] = counts.get(posting, 0) + 1
    own_ancestors = _ancestors(table, definition.name, bases)
    found = []
    for (name, path, line), count in sorted(counts.items()):
        if count < min_shared or name == definition.name or path == definition.path:
            continue
        if not related(definition.path, path, packages):
            continue
        theirs = table.methods.get(name, set())
        ancestors = _ancestors(table, name)
        if name in own_ancestors or definition.name in ancestors:
            continue  # one extends the other
        # What a project base of either declares is that base's API: compare the base instead
        # (and two implementations of one interface share nothing of their own).
        declared = set().union(*(table.methods.get(a, ()) for a in own_ancestors | ancestors))
        shared = len((own & theirs) - declared)
        if shared >= min_shared and shared >= min_ratio * min(len(own), len(theirs)):
            other = [d for d in index.definitions(name, keep=lambda d: d.path == path)
                     if d.line == line]
            if other:
                found.append(Parallel(other[0], shared, len(own)))
    return found
