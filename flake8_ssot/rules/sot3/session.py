"""The session of one check: the project's roots, how an import becomes a module summary (the
import hooks), the step budget, and the record of every module read (for the results cache).

Nothing of the checked project is imported or run: a module is found by its path under the
roots and read as text; a module not in the project, by its file in an installed distribution
(``installed``), read the same way. Names of modules found nowhere, and of the standard
library's and the known libraries' (``datetime``, ``pydantic``), stay names (``Ref``), and the
table of kinds says what they are, the same on every Python build.
"""

from __future__ import annotations

import ast
import os

from flake8_ssot.syntax import dotted_name
from flake8_ssot.rules.sot3 import kinds, standard, summaries
from flake8_ssot.rules.sot3.records import Imported
from flake8_ssot.rules.sot3.store import content_hash, read_module, read_with_digest
from flake8_ssot.rules.sot3.types import (
    JSON, UNKNOWN, Annotations, Bad, ClassObj, Func, Inst, Module, Obj, Ref, decode,
)

MAX_HOPS = 12  # re-exports followed from one name to where it is defined
SITE_STEPS = 4_000  # steps one value may take; the file's budget is the option


class OutOfBudget(Exception):
    """The file's step budget is spent: report what was found so far."""


class SiteOutOfBudget(Exception):
    """This value's step budget is spent: no finding for it."""


class Session:
    def __init__(self, roots, store, file_steps: int, summarise, installed=None):
        self.roots, self.store = tuple(roots), store
        self.installed = installed  # installed.Installed, or None: the project's modules only
        self.file_steps, self.steps, self.site_limit = file_steps, 0, 0
        self.summarise = summarise  # (tree, qual, path, is_package, source) -> summary JSON
        self.read: dict[str, str] = {}  # path -> content hash of every module read
        self.missing: set[str] = set()  # paths looked for and not found (a new file matters)
        self._modules: dict[str, object] = {}
        self.lineage = None  # set by the checker: lineage.Lineage(self)

    # -- budget ------------------------------------------------------------------------------

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.file_steps:
            raise OutOfBudget
        if self.steps > self.site_limit:
            raise SiteOutOfBudget

    def start_site(self) -> None:
        self.site_limit = self.steps + SITE_STEPS

    # -- modules -----------------------------------------------------------------------------

    def module(self, qual: str):
        """The summary view of project module *qual*, or None (not in the project)."""
        if qual in self._modules:
            return self._modules[qual]
        self._modules[qual] = None
        if not qual or qual.split(".")[0] in kinds.KNOWN_MODULES:
            return None
        self.tick()
        parts = qual.split(".")
        for root in self.roots:
            base = os.path.join(root, *parts)
            for path, is_package in ((base + ".py", False),
                                     (os.path.join(base, "__init__.py"), True)):
                view = self._load(path, qual, is_package)
                if view is not None:
                    self._modules[qual] = view
                    return view
        located = self.installed.locate(qual) if self.installed is not None else None
        if located is not None:
            view = self._modules[qual] = self._load(located.path, qual, located.is_package,
                                                    located.distribution)
            return view
        return None

    def _load(self, path: str, qual: str, is_package: bool, distribution: str = ""):
        """The view of the module file at *path*; *distribution* ("name==version"): the
        installed distribution it belongs to, "" for a project module."""
        data, digest = read_with_digest(path, self.store)
        if not digest:
            self.missing.add(path)
            return None
        self.read[path] = digest
        key = f"{summaries.VERSION}:{distribution}:{qual}:{int(is_package)}:{digest}"
        summary = self.store.cache_get("sot3-summary", key, keep=True)
        if summary is None:
            if data is None:  # hashed earlier in the run: read again, the same bytes or none
                data = read_module(path, self.store)
                if data is None or content_hash(data) != digest:
                    return None
            try:
                tree = ast.parse(data, path)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
            summary = self.summarise(tree, qual, path, is_package, data)
            self.store.cache_put("sot3-summary", key, summary, keep=True)
        return summaries.from_json(summary, path)

    # -- names -------------------------------------------------------------------------------

    def resolve(self, qual: str, hops: int = 0):
        """What the qualified name *qual* is: a project class/function/module, or a Ref."""
        if hops > MAX_HOPS or not qual:
            return UNKNOWN
        parts = qual.split(".")
        if parts[0] in kinds.KNOWN_MODULES:
            return Ref(qual)
        for cut in range(len(parts), 0, -1):
            view = self.module(".".join(parts[:cut]))
            if view is not None:
                value = Module(view)
                for attribute in parts[cut:]:
                    value = self.member(value, attribute, hops + 1)
                return value
        return Ref(qual)

    def lookup(self, view, name: str, hops: int = 0):
        """A module-level name of *view*."""
        binding = view.bindings.get(name)
        if binding is None:
            if view.package and view.qual == view.package or view.path.endswith("__init__.py"):
                submodule = self.module(f"{view.qual}.{name}")
                if submodule is not None:
                    return Module(submodule)
            return UNKNOWN
        if isinstance(binding, summaries.ClassInfo):
            return ClassObj(binding)
        if isinstance(binding, summaries.FuncInfo):
            return Func(binding)
        if isinstance(binding, Imported):
            return self.resolve(binding.qual, hops + 1)
        return self.settle(decode(binding.hint)) if binding.hint is not None else UNKNOWN

    def member(self, value, attribute: str, hops: int = 0):
        if isinstance(value, Module):
            return self.lookup(value.view, attribute, hops)
        if isinstance(value, Ref):
            qual = f"{value.qual}.{attribute}"
            found = standard.read(qual)  # a standard-library module variable or constant
            return found if found is not None else Ref(qual)
        return UNKNOWN

    def lookup_dotted(self, view, dotted: str):
        """A dotted name (a base class, a decorator) as written in *view*."""
        if not dotted or dotted == "?":
            return UNKNOWN
        head, *rest = dotted.split(".")
        value = self.lookup(view, head)
        if value is UNKNOWN and head not in view.bindings:
            value = Ref(f"builtins.{head}")
        for attribute in rest:
            value = self.member(value, attribute)
        return value

    def resolve_node(self, view, node):
        """A Name/Attribute node of an annotation in *view*."""
        dotted = dotted_name(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        return UNKNOWN if dotted is None else self.lookup_dotted(view, dotted)

    def annotations(self, view, keep_annotated: bool = True) -> Annotations:
        return Annotations(lambda node: self.resolve_node(view, node), self.instance_of,
                           keep_annotated)

    # -- from names to values ----------------------------------------------------------------

    def instance_of(self, value):
        """An instance of what *value* names (an annotation)."""
        if isinstance(value, ClassObj):
            return Inst(value.cls, declared=True)
        if isinstance(value, Ref):
            qual = value.qual
            if qual == "builtins.None" or standard.is_json(qual):
                return JSON
            if qual.startswith(("typing.", "collections.abc.")):
                return self.annotations_of_bare(qual)
            return standard.instance(qual)
        return UNKNOWN

    @staticmethod
    def annotations_of_bare(qual: str):
        """A bare ``Set``/``Iterator`` annotation (no type arguments)."""
        name = qual.rsplit(".", 1)[1]
        if name in ("Set", "FrozenSet", "AbstractSet", "MutableSet"):
            return Obj("builtins.set")
        if name in ("Iterator", "Generator", "AsyncIterator", "AsyncGenerator"):
            return Bad(kinds.ITERATOR, name)
        if name in ("List", "Dict", "Tuple"):
            return JSON
        return UNKNOWN

    def settle(self, value, depth: int = 0):
        """Resolve the names a summary's hint holds (``Ref``) to what they are now."""
        if depth > 6:
            return UNKNOWN
        if isinstance(value, Ref):
            target = self.resolve(value.qual)
            if value.mode == "instance":
                return self.instance_of(target).proved(value.proof)
            if value.mode == "call":
                return self.call_result(target).proved(value.proof)
            return target.proved(value.proof)
        return value

    def call_result(self, callee):
        """The result of calling a resolved name with no more context (a summary's hint)."""
        if isinstance(callee, ClassObj):
            return Inst(callee.cls)
        if isinstance(callee, Ref):
            qual = callee.qual
            if qual in kinds.JSON_RETURNS:
                return JSON
            found = standard.called(qual)
            if found is not None:
                return found
        return UNKNOWN
