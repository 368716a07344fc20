"""``flake8-ssot consolidate NAME --into PATH``: fold the duplicate definitions of one class into
its canonical home, as the audit's team did by hand.

1. Audit every home of NAME (the project index's definitions, read with ``ast``: ``shapes``)
   and every reference to each: ``from m import NAME [as X]``, relative imports, ``import m``
   then ``m.NAME``, re-exports through a package, ``TYPE_CHECKING`` blocks, and strings such as
   ``patch("pkg.m.NAME")``.
2. The feature matrix: every row (kind, bases, decorators, constructor fields, public members)
   by home, same / differs / missing / extra against the canonical home.
3. Each other home is compatible, or blocked for named reasons: another kind; a member an
   importer reaches that the canonical class lacks; a reached member whose signature binds
   calls differently; a constructor call whose arguments would bind differently.
4. The compatible homes are folded: their imports are rewritten to the canonical module
   (aliases kept, merged into an existing import of it), the old definition becomes a shim
   re-exporting the canonical class (``--delete``: goes, with its module if nothing is left),
   and the strings naming an old home are listed for a change by hand.

Output and safety as ``fix``: the dry run prints a diff ``git apply`` accepts on stdout and the
report on stderr; ``--write`` writes each file atomically; every changed file must compile or
nothing is written; a second run changes nothing.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
from collections import defaultdict
from typing import NamedTuple, Sequence

from flake8_ssot import relations, twins
from flake8_ssot.commands import common
from flake8_ssot.importedits import (ImportText, alias_text, drop_unused_imports,
                                     exported_names, tidy_blank_lines)
from flake8_ssot.index import module_facts, parse
from flake8_ssot.project import Project
from flake8_ssot.rewrite import Edit, apply_edits, encoding_of
from flake8_ssot.syntax import (absolute_module, dotted_name, module_name, module_names,
                                package_directory)
from flake8_ssot.shapes import Call, Shape, binding_problem, callable_alike, constructor_text, \
    shape_of

HELP = "fold the duplicate definitions of a class into its canonical home"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the class to consolidate")
    # nargs="+": ``NAME --into PATH src tests`` reads the paths after PATH as PATHS (argparse
    # does not take positionals on both sides of an option).
    parser.add_argument("--into", metavar="PATH", required=True, nargs="+",
                        help="the file of its canonical definition (the one to keep); PATHS "
                             "may follow it")
    common.add_paths_argument(parser, "rewrite the imports of",
                              "; flake8's exclude and extend-exclude apply")
    parser.add_argument("--write", action="store_true",
                        help="apply the changes (default: print a diff, change nothing)")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                        help="text (the diff on stdout, the report on stderr), markdown (one "
                             "document for a pull request) or one JSON object")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--shim", dest="mode", action="store_const", const="shim",
                      help="an old definition becomes an import re-exporting the canonical "
                           "class (the default)")
    mode.add_argument("--delete", dest="mode", action="store_const", const="delete",
                      help="an old definition is removed, and its module too if nothing else "
                           "is in it")
    parser.set_defaults(mode="shim")
    common.add_config_argument(parser)


# -- what was found ------------------------------------------------------------------------------

class Reference(NamedTuple):
    """One place a file refers to a home of NAME."""
    path: str  # project-relative
    line: int
    home: str  # the home's project-relative path
    form: str  # "from", "relative", "module attribute", "re-export", "star", "string"
    alias: str | None = None
    type_checking: bool = False
    in_function: bool = False
    through: str = ""  # a re-export: the module imported from
    text: str = ""  # a string: its value

    def describe(self) -> str:
        words = {"from": "from-import", "relative": "relative import",
                 "module attribute": "module attribute (import m; m.NAME)",
                 "re-export": f"through the re-export in {self.through}",
                 "star": "star import", "string": f"string {self.text!r}"}[self.form]
        if self.alias:
            words += f", aliased as {self.alias}"
        if self.type_checking:
            words += ", under TYPE_CHECKING"
        if self.in_function:
            words += ", inside a function"
        return words


class Copy:
    """One definition of NAME (the canonical one too): its shape, the references to it, what
    those references do with it, and the verdict."""

    def __init__(self, definition, display: str):
        self.definition = definition
        self.path = definition.path
        self.line = definition.line
        self.display = display
        self.shape: Shape | None = None
        self.modules = module_names(definition.path)
        self.references: list[Reference] = []
        self.calls: list[tuple[str, int, Call]] = []  # (path, line, call)
        self.reached: dict[str, tuple[str, int]] = {}  # attribute name -> first (path, line)
        self.reasons: list[str] = []
        self.status = ""  # canonical, folded, blocked

    @property
    def where(self) -> str:
        return f"{self.display}:{self.line}"


class Parsed(NamedTuple):
    path: str  # project-relative
    display: str
    data: bytes
    text: str
    tree: ast.Module | None
    error: str = ""


class FileChange(NamedTuple):
    path: str  # display
    original: bytes
    new: bytes | None  # None: the file is deleted

    def diff(self) -> str:
        if self.new is not None:
            return common.unified_diff(self.path, self.original, self.new)
        encoding = encoding_of(self.original)
        lines = self.original.decode(encoding, "replace").splitlines(keepends=True)
        out = [f"--- a/{self.path}\n", "+++ /dev/null\n", f"@@ -1,{len(lines)} +0,0 @@\n"]
        for line in lines:
            out.append(f"-{line}" if line.endswith("\n") else
                       f"-{line}\n\\ No newline at end of file\n")
        return "".join(out)


class Manual(NamedTuple):
    path: str  # display
    line: int
    reason: str


# -- the walk over one file ----------------------------------------------------------------------

def _module_of(path: str, node: ast.ImportFrom) -> str | None:
    """The absolute module a ``from ... import`` in project file *path* imports from."""
    return absolute_module(package_directory(path), node.module, node.level or 0) or None


def _is_type_checking(test: ast.expr) -> bool:
    return (dotted_name(test) or "").rpartition(".")[2] == "TYPE_CHECKING"


def _statements(body, type_checking=False, in_function=False):
    """``(statement, its block, under TYPE_CHECKING, inside a function)`` for every statement."""
    for node in body:
        yield node, body, type_checking, in_function
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _statements(node.body, True, in_function)
            yield from _statements(node.orelse, type_checking, in_function)
            continue
        function = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield from _statements(block, type_checking, function)
        for handler in getattr(node, "handlers", ()):
            yield from _statements(handler.body, type_checking, function)
        for case in getattr(node, "cases", ()):
            yield from _statements(case.body, type_checking, function)


def _class_node(tree: ast.Module, name: str, line: int) -> tuple[ast.ClassDef | None, bool]:
    """The class *name* defined at *line*, and whether it is nested under a module-level
    if/try/with (not directly in the module's body)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == name and node.lineno == line:
            return node, node not in tree.body
    for node in ast.walk(tree):  # decorated: the index may give the decorator's line
        if isinstance(node, ast.ClassDef) and node.name == name and any(
                d.lineno == line for d in node.decorator_list):
            return node, node not in tree.body
    return None, False


class Consolidation:
    """The audit, the verdicts and the edits of one ``consolidate`` run."""

    def __init__(self, project: Project, name: str, into: str, listing: Sequence[str],
                 mode: str, max_line_length: int):
        self.project = project
        self.index = project.index
        self.name = name
        self.mode = mode
        self.max_line_length = max_line_length
        self.listing = {project.relative(f): f.replace("\\", "/").removeprefix("./")
                        for f in listing if project.relative(f) is not None}
        self._parsed: dict[str, Parsed] = {}
        self.aliases: list = []
        self.independent: list = []
        self.homes = self._find_homes(into)
        self.canonical = self.homes[0]
        self.canonical_module = module_name(self.canonical.path)
        self.shims: list[str] = []
        self.manual: list[Manual] = []
        self.skipped: list[Manual] = []
        self.changes: list[FileChange] = []
        self.rewritten = 0

    def display(self, path: str) -> str:
        return self.listing.get(path) or os.path.relpath(
            os.path.join(self.project.root, path)).replace(os.sep, "/")

    def parsed(self, path: str) -> Parsed:
        if path not in self._parsed:
            display = self.display(path)
            data = self.index.read(path)
            if data is None:
                self._parsed[path] = Parsed(path, display, b"", "", None, "cannot be read")
            else:
                try:
                    text = data.decode(encoding_of(data))
                except (UnicodeDecodeError, LookupError):
                    self._parsed[path] = Parsed(path, display, data, "", None,
                                                "cannot be decoded")
                else:
                    tree = parse(text)
                    self._parsed[path] = Parsed(path, display, data, text, tree,
                                                "" if tree is not None else "does not parse")
        return self._parsed[path]

    # -- homes -----------------------------------------------------------------------------

    def _find_homes(self, into: str) -> list[Copy]:
        found = relations.homes(self.index, self.name)
        canonical = next((d for d in found.implementations if d.path == into), None)
        if canonical is None:
            others = ", ".join(f"{d.path}:{d.line}" for d in found.implementations) or "none"
            raise common.CommandError(
                f"{self.display(into)} does not define class {self.name} at module level "
                f"(its definitions in the project: {others})")
        self.aliases = found.aliases
        packages = self.project.settings.independent_packages
        homes = [Copy(canonical, self.display(canonical.path))]
        for definition in sorted(found.implementations, key=lambda d: (d.path, d.line)):
            if definition == canonical:
                continue
            if not relations.related(canonical.path, definition.path, packages):
                self.independent.append(definition)
                continue
            homes.append(Copy(definition, self.display(definition.path)))
        for home in homes:
            parsed = self.parsed(home.path)
            if parsed.tree is None:
                continue
            node, nested = _class_node(parsed.tree, self.name, home.line)
            if node is not None:
                home.shape = shape_of(node, self._kind(home.definition), nested,
                                      lambda base, p=home.path: self._inherited(p, base, 0))
        if homes[0].shape is None:
            raise common.CommandError(f"{self.display(into)}: cannot read the class "
                                      f"{self.name} ({self.parsed(into).error})")
        return homes

    def _inherited(self, path: str, base: str, depth: int) -> Shape | None:
        if depth > 4:
            return None
        definition = self.index.resolve_class(path, base)
        if definition is None:
            return None
        parsed = self.parsed(definition.path)
        if parsed.tree is None:
            return None
        node, nested = _class_node(parsed.tree, definition.name, definition.line)
        if node is None:
            return None
        return shape_of(node, self._kind(definition), nested,
                        lambda b: self._inherited(definition.path, b, depth + 1))

    def _kind(self, definition) -> str:
        """The kind of *definition* as the index's record says (as SOT201 judges it)."""
        record = self.index.record(definition)
        if record is None:  # not what the index scanned (it changed since): no kind known
            return "plain"
        return twins.kind_of(self.index, record, self.index.run_memo("twins-kinds"))

    def home_of_module(self) -> dict[str, Copy]:
        return {module: home for home in self.homes for module in home.modules}

    # -- references ------------------------------------------------------------------------

    def scan(self) -> None:
        """References to every home in the files of the listing (and the homes' own files)."""
        by_module = self.home_of_module()
        needle = self.name.encode()
        paths = sorted(set(self.listing) | {home.path for home in self.homes})
        for path in paths:
            data = self.index.read(path)
            if data is None or (needle not in data and b"import *" not in data):
                continue
            parsed = self.parsed(path)
            if parsed.tree is None:
                if needle in data:
                    self.skipped.append(Manual(parsed.display, 1, f"{parsed.error}: not "
                                               f"searched for references to {self.name}"))
                continue
            self._scan_file(parsed, by_module)

    def _scan_file(self, parsed: Parsed, by_module: dict[str, Copy]) -> None:
        path, tree, name = parsed.path, parsed.tree, self.name
        facts = module_facts(tree, path)
        module_bindings: dict[str, Copy] = {}  # written chain ("m", "pkg.m") -> home
        local_bindings: dict[str, Copy] = {}  # a name bound to a home's class -> home
        own = next((h for h in self.homes if h.path == path), None)
        if own is not None:
            local_bindings[name] = own
        for node, _, type_checking, in_function in _statements(tree.body):
            flags = {"type_checking": type_checking, "in_function": in_function}
            if isinstance(node, ast.ImportFrom):
                module = _module_of(path, node)
                if module is None:
                    continue
                for alias in node.names:
                    if alias.name == name:
                        home = by_module.get(module)
                        form = "relative" if node.level else "from"
                        if home is None:
                            home = self._through(module)
                            form = "re-export"
                        if home is not None and home.path != path:
                            home.references.append(Reference(
                                path, node.lineno, home.path, form, alias.asname,
                                through=module if form == "re-export" else "", **flags))
                            local_bindings[alias.asname or name] = home
                    elif alias.name == "*" and module in by_module:
                        home = by_module[module]
                        home.references.append(Reference(path, node.lineno, home.path, "star",
                                                         **flags))
                    elif f"{module}.{alias.name}" in by_module:
                        module_bindings[alias.asname or alias.name] = by_module[
                            f"{module}.{alias.name}"]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in by_module:
                        module_bindings[alias.asname or alias.name] = by_module[alias.name]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == name:
                chain = dotted_name(node.value)
                home = module_bindings.get(chain) if chain else None
                if home is not None and home.path != path:
                    home.references.append(Reference(path, node.lineno, home.path,
                                                     "module attribute"))
                    continue
                if chain:
                    found = self.index.resolve_class(path, f"{chain}.{name}", facts=facts)
                    home = self._home_at(found)
                    if home is not None and home.path != path:
                        home.references.append(Reference(path, node.lineno, home.path,
                                                         "re-export", through=chain))
        self._reach(parsed, local_bindings, module_bindings)

    def _through(self, module: str) -> Copy | None:
        target = self.index.module_paths().get(module)
        found = self.index.resolve_class(target, self.name) if target else None
        return self._home_at(found)

    def _home_at(self, definition) -> Copy | None:
        if definition is None:
            return None
        where = (definition.path, definition.line)
        return next((h for h in self.homes if (h.path, h.line) == where), None)

    def _reach(self, parsed: Parsed, local_bindings: dict, module_bindings: dict) -> None:
        """What this file does with each home's class: the attribute names it reads (any
        object's: a safe overestimate), its constructor calls, its subclasses."""
        homes = set(local_bindings.values()) | set(module_bindings.values())
        if not homes:
            return
        skip = set()
        for home in homes:
            if home.path == parsed.path and home.shape is not None and home.shape.node:
                skip |= set(range(home.shape.node.lineno, home.shape.node.end_lineno + 1))
        attributes: dict[str, int] = {}
        for node in ast.walk(parsed.tree):
            line = getattr(node, "lineno", 0)
            if line in skip:
                continue
            if isinstance(node, ast.Attribute):
                attributes.setdefault(node.attr, line)
            home = self._called_home(node, local_bindings, module_bindings)
            if isinstance(node, ast.Call) and home is not None:
                home.calls.append((parsed.path, node.lineno, Call.of(node)))
                for keyword in node.keywords:
                    if keyword.arg:
                        home.reached.setdefault(keyword.arg, (parsed.path, node.lineno))
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    home = self._called_home(ast.Call(func=base, args=[], keywords=[]),
                                             local_bindings, module_bindings)
                    if home is not None and home.shape is not None:
                        for member in home.shape.members:
                            home.reached.setdefault(member, (parsed.path, node.lineno))
        for home in homes:
            for attribute, line in attributes.items():
                home.reached.setdefault(attribute, (parsed.path, line))

    def _called_home(self, node, local_bindings, module_bindings) -> Copy | None:
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        if isinstance(func, ast.Name):
            return local_bindings.get(func.id)
        if isinstance(func, ast.Attribute) and func.attr == self.name:
            chain = dotted_name(func.value)
            return module_bindings.get(chain) if chain else None
        return None

    # -- verdicts --------------------------------------------------------------------------

    def _imported_at_load(self) -> dict[str, str]:
        """The project files that the canonical module's body loads (module-level imports, not
        under ``TYPE_CHECKING``, followed through project modules and the packages above them):
        path -> the module that imports it. Importing the canonical class from one of them
        would be circular. The packages above the canonical module are loaded before its body
        runs: they do not count."""
        modules = self.index.module_paths()
        parts = self.canonical_module.split(".")
        loaded_first = {modules.get(".".join(parts[:end])) for end in range(1, len(parts))}
        found: dict[str, str] = {}
        pending = [self.canonical.path]
        while pending:
            path = pending.pop()
            parsed = self.parsed(path)
            if parsed.tree is None:
                continue
            for node, _, type_checking, in_function in _statements(parsed.tree.body):
                if type_checking or in_function:
                    continue
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    module = _module_of(path, node)
                    names = [module, *(f"{module}.{a.name}" for a in node.names)] if module \
                        else []
                else:
                    continue
                for name in names:
                    parts = name.split(".")
                    for end in range(1, len(parts) + 1):  # the packages load first
                        target = modules.get(".".join(parts[:end]))
                        if target and target not in found and target not in loaded_first \
                                and target != self.canonical.path:
                            found[target] = module_name(path)
                            pending.append(target)
        return found

    def judge(self) -> None:
        canonical = self.canonical
        canonical.status = "canonical"
        theirs = canonical.shape
        loaded = self._imported_at_load()
        for home in self.homes[1:]:
            reasons = home.reasons
            parsed = self.parsed(home.path)
            if home.path not in self.listing:
                reasons.append("outside the given paths (or excluded): not rewritten")
            cycles = sorted({r.path for r in home.references if r.path in loaded
                             and r.form in ("from", "relative", "module attribute")
                             and not r.in_function and not r.type_checking}
                            | ({home.path} if home.path in loaded else set()))
            for path in cycles:
                reasons.append(f"import cycle: {self.canonical_module} loads "
                               f"{module_name(path)} (imported by {loaded[path]}), so importing "
                               f"{self.name} there from {self.canonical_module} would be circular")
            if home.shape is None:
                reasons.append(f"the file {parsed.error or 'has no such class'}")
                home.status = "blocked"
                continue
            mine = home.shape
            if home.path == canonical.path:
                reasons.append("defined in the canonical file too: fold it by hand")
            if mine.nested:
                reasons.append("defined inside a module-level if/try/with block: fold it by "
                               "hand")
            if mine.kind != theirs.kind:
                reasons.append(f"other kind: {mine.kind_words} here, {theirs.kind_words} in the "
                               f"canonical class")
            for member in sorted(mine.members):
                used = home.reached.get(member)
                if used is None:
                    continue
                where = f"{self.display(used[0])}:{used[1]}"
                if member not in theirs.members:
                    reasons.append(f"missing member: {member} (used at {where}) is not in the "
                                   f"canonical class")
                    continue
                problem = callable_alike(mine.members[member], theirs.members[member])
                if problem:
                    reasons.append(f"signature differs: {member}: {problem} (used at {where})")
            problems: dict[str, list[str]] = defaultdict(list)
            for path, line, call in home.calls:
                problem = binding_problem(call, mine.constructor, theirs.constructor,
                                          theirs.keyword_only)
                if problem:
                    problems[problem].append(f"{call.text(self.name)} at "
                                             f"{self.display(path)}:{line}")
            for problem, calls in problems.items():
                more = f" (and {len(calls) - 1} more)" if len(calls) > 1 else ""
                reasons.append(f"positional binding: {calls[0]}{more}: {problem}"
                               if "argument" in problem else
                               f"constructor call: {calls[0]}{more}: {problem}")
            home.status = "blocked" if reasons else "folded"

    @property
    def folded(self) -> list[Copy]:
        return [home for home in self.homes if home.status == "folded"]

    @property
    def blocked(self) -> list[Copy]:
        return [home for home in self.homes if home.status == "blocked"]

    # -- the matrix ------------------------------------------------------------------------

    def matrix(self) -> list[dict]:
        """Rows ``{"row", "values": [per home], "cells": [per home]}``; a cell is ``same``,
        ``differs``, ``missing`` or ``extra`` (absent from the canonical class), the canonical
        home's own cell its value or ``missing``."""
        shapes = [home.shape for home in self.homes]
        rows: list[tuple[str, list]] = [
            ("kind", [s.kind_words if s else None for s in shapes]),
            # by the last component: ``enum.Enum`` and ``Enum`` are one base
            ("bases", [", ".join(b.rpartition(".")[2] for b in s.bases) or "-" if s else None
                       for s in shapes]),
            ("decorators", [", ".join(f"@{d}" for d in s.decorators) or "-" if s else None
                            for s in shapes]),
            ("constructor", [constructor_text(s.constructor) if s else None for s in shapes]),
        ]
        fields: list[str] = []
        for shape in shapes:
            for parameter in (shape.constructor or ()) if shape else ():
                if parameter.name not in fields and parameter.kind not in ("*", "**"):
                    fields.append(parameter.name)
        for field in fields:
            values = []
            for shape in shapes:
                parameters = [p for p in (shape.constructor or ())] if shape else []
                positional = [p for p in parameters if p.kind == "positional"]
                found = next((p for p in parameters if p.name == field), None)
                position = positional.index(found) + 1 if found in positional and not (
                    shape.keyword_only) else None
                values.append(found.describe(position) if found else None)
            rows.append((f"field {field}", values))
        canonical_members = sorted(shapes[0].members)
        others = sorted({m for s in shapes[1:] if s for m in s.members} - set(canonical_members))
        for member in [*canonical_members, *others]:
            found = [s.members.get(member) if s else None for s in shapes]
            if member in fields and all(m is None or m.kind == "attribute" for m in found):
                continue  # the field's own row says it
            kind = next(m.kind for m in found if m is not None)
            rows.append((f"{kind} {member}", [m.text if m else None for m in found]))
        table = []
        for row, values in rows:
            cells = [values[0] if values[0] is not None else "missing"]
            for value in values[1:]:
                if value is None:
                    cells.append("missing" if values[0] is not None else "")
                elif values[0] is None:
                    cells.append("extra")
                else:
                    cells.append("same" if value == values[0] else "differs")
            table.append({"row": row, "values": values, "cells": cells})
        return table

    # -- edits -----------------------------------------------------------------------------

    def plan(self) -> None:
        """The edits of every file that refers to a folded home, the shims, the strings."""
        folded = {home.path: home for home in self.folded}
        old_modules = {module for home in self.folded for module in home.modules}
        self._find_shims(old_modules)
        self._strings(old_modules | set(self.shims_modules))
        edits: dict[str, list[Edit]] = defaultdict(list)
        texts: dict[str, ImportText] = {}

        def text_of(path: str) -> ImportText:
            if path not in texts:
                texts[path] = ImportText(self.parsed(path).text)
            return texts[path]

        by_file: dict[str, list[Reference]] = defaultdict(list)
        for home in self.folded:
            for reference in home.references:
                by_file[reference.path].append(reference)
        for path in sorted(by_file):
            if path not in self.listing:
                continue
            try:
                self._plan_importer(path, by_file[path], folded, text_of(path), edits[path])
            except (ValueError, IndexError, StopIteration):  # tokens ast does not match
                edits[path] = []
                self.skipped.append(Manual(self.display(path), by_file[path][0].line,
                                           f"could not edit its imports: import {self.name} "
                                           f"from {self.canonical_module} by hand"))
        for home in self.folded:
            self._plan_home(home, text_of(home.path), edits[home.path])
        for path in sorted(edits):
            if edits[path]:
                self._change(path, texts[path], edits[path])

    def _find_shims(self, old_modules: set[str]) -> None:
        """Modules that only re-export the canonical class (a fold's shims, this run's or an
        earlier one's): a string naming them patches nothing anyone uses."""
        self.shims_modules: list[str] = []
        canonical_modules = self.canonical.modules
        for path in sorted(self.listing):
            parsed = self.parsed(path) if self.name.encode() in (self.index.read(path) or b"") \
                else None
            if parsed is None or parsed.tree is None or path == self.canonical.path \
                    or path.endswith("__init__.py"):  # a package's API, not a shim
                continue
            for node in parsed.tree.body:
                if isinstance(node, ast.ImportFrom) and _module_of(
                        path, node) in canonical_modules and any(
                        a.name == self.name and a.asname in (None, self.name)
                        for a in node.names):
                    uses = {n.id for n in ast.walk(parsed.tree) if isinstance(n, ast.Name)}
                    if self.name not in uses:
                        self.shims.append(path)
                        self.shims_modules += sorted(module_names(path))

    def _strings(self, modules: set[str]) -> None:
        if not modules:
            return
        pattern = re.compile(
            rf"(?:{'|'.join(map(re.escape, sorted(modules)))})[.:]{re.escape(self.name)}"
            rf"(?:\.[\w.]*)?\Z")
        for path in sorted(self.listing):
            data = self.index.read(path)
            if data is None or self.name.encode() not in data:
                continue
            parsed = self.parsed(path)
            if parsed.tree is None:
                continue
            for node in ast.walk(parsed.tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and pattern.match(node.value):
                    self.manual.append(Manual(
                        parsed.display, node.lineno,
                        f"{node.value!r} names an old home of {self.name}; the class lives in "
                        f"{self.canonical_module} now (patch it where it is looked up)"))

    def _module_text(self, importer: str, relative: bool) -> str:
        """The canonical module as *importer* should write it: relative when the import was
        relative and both are in one package, else absolute."""
        canonical = self.canonical_module
        if not relative:
            return canonical
        mine = module_name(importer).split(".")
        package = mine if importer.endswith("__init__.py") else mine[:-1]
        target = canonical.split(".")
        common = 0
        while common < min(len(package), len(target)) and package[common] == target[common]:
            common += 1
        if common == 0:
            return canonical
        return "." * (len(package) - common + 1) + ".".join(target[common:])

    def _canonical_import(self, path: str, node: ast.ImportFrom) -> bool:
        return not any(a.name == "*" for a in node.names) and _module_of(
            path, node) in self.canonical.modules

    def _plan_importer(self, path: str, references: list[Reference], folded: dict,
                       text: ImportText, edits: list[Edit]) -> None:
        parsed = self.parsed(path)
        tree = parsed.tree
        blocks = {id(node): block for node, block, _, _ in _statements(tree.body)}
        lines = {r.line for r in references if r.form in ("from", "relative")}
        moved_statements = []
        for node, block, _, _ in _statements(tree.body):
            if isinstance(node, ast.ImportFrom) and node.lineno in lines:
                module = _module_of(path, node)
                home = self.home_of_module().get(module)
                if home is not None and home.path in folded:
                    moved_statements.append((node, block))
        produced: dict[tuple[int, str], bool] = {}
        for node, block in moved_statements:
            statement = text.statement(node)
            moved = [a for a in statement.aliases if a.name == self.name]
            if not moved:
                continue
            self.rewritten += len(moved)
            target = next((other for other in block if isinstance(other, ast.ImportFrom)
                           and other is not node and self._canonical_import(path, other)),
                          None)
            wanted = [a for a in moved
                      if not produced.get((id(block), alias_text(a.name, a.asname)))]
            for alias in moved:
                produced[(id(block), alias_text(alias.name, alias.asname))] = True
            names = {(a.name, a.asname) for a in moved}
            if target is not None:
                existing = {alias_text(a.name, a.asname) for a in target.names}
                add = [a.text for a in wanted if a.text not in existing]
                edits += text.add_aliases(text.statement(target), add, self.max_line_length)
                edits += text.remove_aliases(statement, names)
            elif not wanted:
                edits += text.remove_aliases(statement, names)
            elif len(moved) == len(statement.aliases):
                edits.append(text.replace_module(statement,
                                                 self._module_text(path, bool(node.level))))
            else:
                edits += text.remove_aliases(statement, names)
                new = self._module_text(path, bool(node.level))
                edits.append(text.insert_after(
                    node, f"from {new} import {', '.join(a.text for a in wanted)}"))
        attribute_refs = [r for r in references if r.form == "module attribute"]
        if attribute_refs:
            self._plan_module_attributes(parsed, attribute_refs, folded, text, edits, blocks)
        for reference in references:
            if reference.form == "star" and self.mode == "delete":
                self.manual.append(Manual(parsed.display, reference.line,
                                          f"a star import of {self.display(reference.home)}, "
                                          f"which --delete removes: import {self.name} from "
                                          f"{self.canonical_module}"))

    def _plan_module_attributes(self, parsed: Parsed, references, folded, text: ImportText,
                                edits: list[Edit], blocks) -> None:
        """``m.NAME`` -> the canonical class, through an import of the canonical module the
        file has or gets."""
        tree, path, name = parsed.tree, parsed.path, self.name
        canonical = self.canonical_module
        replacement, binding_statement = None, None
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and self._canonical_import(path, node):
                for alias in node.names:
                    if alias.name == name:
                        replacement = alias.asname or name
            elif isinstance(node, ast.Import) and replacement is None:
                for alias in node.names:
                    if alias.name == canonical:
                        replacement = f"{alias.asname or canonical}.{name}"
        bound = _bound_names(tree)
        top = canonical.split(".")[0]
        new_import = None
        if replacement is None:
            if top not in bound or bound[top] == "import":
                replacement, new_import = f"{canonical}.{name}", f"import {canonical}"
            elif name not in bound:
                replacement, new_import = name, f"from {canonical} import {name}"
        if replacement is None:
            for reference in references:
                self.manual.append(Manual(parsed.display, reference.line,
                                          f"{name} through a module attribute; both "
                                          f"{top} and {name} are other names in this file"))
            return
        targets = {(r.line) for r in references}
        replaced: set[int] = set()  # ids of the nodes inside a rewritten ``m.NAME``
        chains: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == name and node.lineno in targets:
                chain = dotted_name(node.value)
                home = next((h for h in self.folded if chain and self._chain_home(
                    tree, path, chain) is h), None)
                if home is None:
                    continue
                edits.append(Edit(text.source.start(node), text.source.end(node),
                                  replacement.encode()))
                replaced |= {id(part) for part in ast.walk(node)}
                chains.add(chain)
                self.rewritten += 1
                if binding_statement is None:
                    binding_statement = self._binding_statement(tree, path, chain)
        if new_import and binding_statement is not None:
            edits.append(text.insert_after(binding_statement, new_import))
        # ``import pkg.old`` that served only the rewritten references goes (``pkg`` stays in
        # use through the new import, so the F401 pass would not see it).
        heads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                 and id(n) not in replaced}
        for chain in sorted(chains):
            statement = self._binding_statement(tree, path, chain)
            if not isinstance(statement, ast.Import) or "." not in chain:
                continue
            still_used = any(
                isinstance(n, ast.Attribute) and id(n) not in replaced
                and (dotted_name(n) or "").startswith(chain + ".") for n in ast.walk(tree))
            head = chain.split(".")[0]
            head_kept = (new_import or "").startswith(f"import {head}.") or \
                replacement.startswith(f"{head}.") or head not in heads
            if not still_used and head_kept:
                edits += text.remove_aliases(text.statement(statement), {(chain, None)})

    def _chain_home(self, tree, path: str, chain: str) -> Copy | None:
        by_module = self.home_of_module()
        for node, _, _, _ in _statements(tree.body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if (alias.asname or alias.name) == chain and alias.name in by_module:
                        return by_module[alias.name]
            elif isinstance(node, ast.ImportFrom):
                module = _module_of(path, node)
                for alias in node.names:
                    if (alias.asname or alias.name) == chain and module and \
                            f"{module}.{alias.name}" in by_module:
                        return by_module[f"{module}.{alias.name}"]
        return None

    def _binding_statement(self, tree, path: str, chain: str) -> ast.stmt | None:
        for node, _, _, _ in _statements(tree.body):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                    (a.asname or a.name) == chain for a in node.names):
                return node
        return None

    def _plan_home(self, home: Copy, text: ImportText, edits: list[Edit]) -> None:
        """The old definition goes; a shim import of the canonical class takes its place
        (``--delete``: only when the module itself uses the name or exports it)."""
        parsed = self.parsed(home.path)
        tree, node = parsed.tree, home.shape.node
        edits.append(text.remove_definition(node))
        outside = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                   and not isinstance(n.ctx, ast.Store)
                   and not node.lineno <= n.lineno <= node.end_lineno}
        exported = self.name in exported_names(tree)
        used = self.name in outside or exported
        if self.mode == "delete" and not used:
            return
        module = self.canonical_module
        statement = f"from {module} import {self.name}"
        if not used:  # a re-export only: pyflakes would call it unused
            statement += "  # noqa: F401 (re-export)"
            if len(statement) > self.max_line_length:
                statement = statement.replace("F401 (re-export)", "F401,E501")
        existing = next((n for n in tree.body if isinstance(n, ast.ImportFrom)
                         and self._canonical_import(home.path, n)), None)
        if used and existing is not None:
            edits += text.add_aliases(text.statement(existing), [self.name],
                                      self.max_line_length)
            return
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
                   and n.lineno < node.lineno]
        if imports:
            edits.append(text.insert_after(imports[-1], statement))
            return
        first = tree.body[0] if tree.body else None
        if first is not None and isinstance(first, ast.Expr) and isinstance(
                getattr(first, "value", None), ast.Constant) and isinstance(
                first.value.value, str) and first is not node:
            edits.append(text.insert_after(first, statement))
        else:
            edits.append(text.insert_at_line(1, statement))

    def _change(self, path: str, text: ImportText, edits: list[Edit]) -> None:
        parsed = self.parsed(path)
        new_text = apply_edits(text.source.data, edits).decode("utf-8")
        try:
            new_text = drop_unused_imports(parsed.tree, new_text,
                                           keep_exports=path.endswith("__init__.py"),
                                           keep=frozenset({self.name}))
            new_text = tidy_blank_lines(parsed.text, new_text)
            compile(new_text, parsed.display, "exec")
        except (SyntaxError, ValueError) as error:
            raise common.CommandError(
                f"internal error: the rewrite of {parsed.display} does not compile ({error}); "
                f"nothing written") from None
        encoding = encoding_of(parsed.data)
        home = next((h for h in self.folded if h.path == path), None)
        if self.mode == "delete" and home is not None and _is_empty(ast.parse(new_text)) \
                and not path.endswith("__init__.py") and not self._imported_elsewhere(home):
            self.changes.append(FileChange(parsed.display, parsed.data, None))
            return
        new = new_text.encode(encoding)
        if new != parsed.data:
            self.changes.append(FileChange(parsed.display, parsed.data, new))

    def _imported_elsewhere(self, home: Copy) -> bool:
        """Whether a file of the listing imports something other than NAME from *home*'s
        module (then the module stays)."""
        for path in self.listing:
            parsed = self._parsed.get(path)
            if parsed is None or parsed.tree is None or path == home.path:
                continue
            for node in ast.walk(parsed.tree):
                if isinstance(node, ast.ImportFrom) and _module_of(
                        path, node) in home.modules and any(
                        a.name != self.name for a in node.names):
                    return True
                if isinstance(node, ast.Import) and any(a.name in home.modules
                                                        for a in node.names):
                    return True
        return False


def _bound_names(tree: ast.Module) -> dict[str, str]:
    """Names the module binds: name -> "import" (bound by ``import x...`` only) or "other"."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                key = alias.asname or alias.name.split(".")[0]
                bound.setdefault(key, "import" if not alias.asname else "other")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound[alias.asname or alias.name] = "other"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound[node.name] = "other"
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound[node.id] = "other"
        elif isinstance(node, ast.arg):
            bound[node.arg] = "other"
    return bound


def _is_empty(tree: ast.Module) -> bool:
    """Nothing but a docstring, imports and ``pass``."""
    for index, node in enumerate(tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        return False
    return True


# -- the command ---------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    from flake8.discover_files import expand_paths

    args.into, more = args.into[0], args.into[1:]
    if more:
        args.paths = more if args.paths == ["."] else [*args.paths, *more]
    common.existing_paths([*args.paths, args.into])
    if not args.name.isidentifier():
        raise common.CommandError(f"{args.name!r} is not a class name")
    settings, options = common.flake8_settings(args, args.paths)
    files = sorted(set(expand_paths(
        paths=args.paths, stdin_display_name=options.stdin_display_name,
        filename_patterns=options.filename,
        exclude=[*options.exclude, *options.extend_exclude])))
    project = Project.for_path(args.paths[0], settings)
    into = project.relative(args.into)
    if into is None or not os.path.isfile(args.into):
        raise common.CommandError(f"{args.into}: not a file of the project")
    work = Consolidation(project, args.name, into, files, args.mode,
                         getattr(options, "max_line_length", 79) or 79)
    work.scan()
    work.judge()
    work.plan()
    project.save_index()
    if args.write:
        _write(work.changes)
    output = {"text": _print_text, "markdown": _print_markdown, "json": _print_json}
    output[args.format](work, args.write)
    left = work.blocked or work.manual or work.skipped
    return 1 if left or (work.changes and not args.write) else 0


def _write(changes: Sequence[FileChange]) -> None:
    for change in changes:  # every directory writable first: no half-applied consolidation
        directory = os.path.dirname(os.path.abspath(change.path))
        if not os.access(directory, os.W_OK):
            raise common.CommandError(f"cannot write {change.path}: permission denied; "
                                      f"nothing written")
    for change in changes:
        if change.new is not None:
            common.write_atomically(change.path, change.new)
    for change in changes:
        if change.new is None:
            try:
                os.remove(change.path)
            except OSError as error:
                raise common.CommandError(
                    f"cannot remove {change.path}: {error.strerror}") from None


# -- output --------------------------------------------------------------------------------------

def _home_line(work: Consolidation, index: int, home: Copy) -> str:
    importers = len({r.path for r in home.references if r.form != "string"})
    kind = home.shape.kind_words if home.shape else "?"
    verdict = {"canonical": "canonical",
               "folded": "folded: becomes a shim" if work.mode == "shim" else "folded: deleted",
               "blocked": "blocked"}[home.status]
    return (f"[{index}] {home.where}  {kind}, {common.plural(importers, 'importer')}: "
            f"{verdict}")


def _summary(work: Consolidation, written: bool) -> str:
    plural = common.plural
    folded = len(work.folded)
    files = len(work.changes)
    verb = "folded" if written else "to fold"
    what = "shims" if work.mode == "shim" else "deleted"
    out = (f"{plural(folded, 'home')} {verb} into {work.canonical.where} ({what}), "
           f"{plural(work.rewritten, 'reference')} rewritten in {plural(files, 'file')}, "
           f"{len(work.blocked)} blocked, {len(work.manual) + len(work.skipped)} to change by "
           f"hand.")
    if work.changes and not written:
        out += (f" Next: review the diff, then run `flake8-ssot consolidate {work.name} --into "
                f"{work.canonical.display} --write` (or pipe the diff to `git apply`).")
    elif work.changes:
        out += " Next: review `git diff`, run your tests, commit."
    return out


def _matrix_text(work: Consolidation, table: list[dict]) -> list[str]:
    headers = ["", *(f"[{i}]" for i in range(1, len(work.homes) + 1))]
    rows = [[row["row"], *(_short(c) for c in row["cells"])] for row in table]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(r, widths)).rstrip()
            for r in [headers, *rows]]


def _short(cell: str, width: int = 40) -> str:
    return cell if len(cell) <= width else cell[:width - 3] + "..."


def _differences(work: Consolidation, table: list[dict]) -> list[str]:
    out = []
    for row in table:
        for index, (cell, value) in enumerate(zip(row["cells"], row["values"])):
            if cell == "differs":
                out.append(f"  [{index + 1}] {row['row']}: {value} (canonical: "
                           f"{row['values'][0]})")
            elif cell == "extra":
                out.append(f"  [{index + 1}] {row['row']}: {value} (not in the canonical "
                           f"class)")
    return out


def _report_lines(work: Consolidation, written: bool) -> list[str]:
    out = [f"Consolidating {work.name} into {work.canonical.where} ({work.canonical_module})",
           "", "Homes:"]
    out += [f"  {_home_line(work, i, h)}" for i, h in enumerate(work.homes, start=1)]
    for alias, target in work.aliases:
        out.append(f"  alias: {work.display(alias.path)}:{alias.line} extends "
                   f"{work.display(target.path)}:{target.line} (not a copy)")
    for definition in work.independent:
        out.append(f"  independent package: {work.display(definition.path)}:{definition.line} "
                   f"(not a copy)")
    table = work.matrix()
    out += ["", "Feature matrix (same / differs / missing / extra against [1]):"]
    out += _matrix_text(work, table)
    differences = _differences(work, table)
    if differences:
        out += ["", "Differences:", *differences]
    out += ["", "Importers:"]
    for index, home in enumerate(work.homes, start=1):
        references = [r for r in home.references if r.form != "string"]
        files = len({r.path for r in references})
        out.append(f"  [{index}] {home.display}: " + (
            f"{common.plural(len(references), 'reference')} in {common.plural(files, 'file')}"
            if references else "none"))
        out += [f"      {work.display(r.path)}:{r.line}  {r.describe()}" for r in references]
    if work.shims:
        out += ["", "Shims (re-export the canonical class):"]
        out += [f"  {work.display(path)}" for path in work.shims]
    if work.blocked:
        out += ["", "Blocked (left untouched):"]
        for home in work.blocked:
            out.append(f"  [{work.homes.index(home) + 1}] {home.where}")
            out += [f"      {reason}" for reason in home.reasons]
    manual = [*work.manual, *work.skipped]
    if manual:
        out += ["", "To change by hand:"]
        out += [f"  {m.path}:{m.line}: {m.reason}" for m in manual]
    out += ["", _summary(work, written)]
    return out


def _print_text(work: Consolidation, written: bool) -> None:
    report = sys.stdout if written else sys.stderr
    if not written:
        # In each file's own encoding: the bytes of a latin-1 file's lines, so the diff applies.
        sys.stdout.flush()
        for change in work.changes:
            sys.stdout.buffer.write(change.diff().encode(encoding_of(change.original),
                                                         "replace"))
        sys.stdout.buffer.flush()
    print("\n".join(_report_lines(work, written)), file=report)


def _cell_markdown(text: str) -> str:
    return text.replace("|", "\\|") if text else ""


def _print_markdown(work: Consolidation, written: bool) -> None:
    out = [f"## Consolidating `{work.name}` into `{work.canonical.where}`", "",
           "| # | home | kind | importers | verdict |", "| --- | --- | --- | ---: | --- |"]
    for index, home in enumerate(work.homes, start=1):
        importers = len({r.path for r in home.references})
        verdict = f"folded ({work.mode})" if home.status == "folded" else home.status
        out.append(f"| {index} | `{home.where}` | {home.shape.kind_words if home.shape else '?'} | "
                   f"{importers} | {verdict} |")
    table = work.matrix()
    out += ["", "### Feature matrix", "",
            "| member | " + " | ".join(f"`{h.where}`" for h in work.homes) + " |",
            "| --- |" + " --- |" * len(work.homes)]
    for row in table:
        cells = [f"`{_cell_markdown(row['cells'][0])}`" if row["cells"][0] != "missing"
                 else "missing"]
        for cell, value in zip(row["cells"][1:], row["values"][1:]):
            cells.append(f"{cell}: `{_cell_markdown(value)}`" if cell in ("differs", "extra")
                         else cell)
        out.append(f"| {_cell_markdown(row['row'])} | " + " | ".join(cells) + " |")
    out += ["", "### Importers", ""]
    for home in work.homes:
        out.append(f"- `{home.where}`:" + ("" if home.references else " none"))
        out += [f"  - `{work.display(r.path)}:{r.line}`: {r.describe()}"
                for r in home.references]
    if work.blocked:
        out += ["", "### Blocked", ""]
        for home in work.blocked:
            out.append(f"- `{home.where}`")
            out += [f"  - {reason}" for reason in home.reasons]
    manual = [*work.manual, *work.skipped]
    if manual:
        out += ["", "### To change by hand", ""]
        out += [f"- `{m.path}:{m.line}`: {m.reason}" for m in manual]
    diff = "".join(change.diff() for change in work.changes)
    if diff:
        out += ["", "### Diff", "", "```diff", diff.rstrip("\n"), "```"]
    out += ["", _summary(work, written)]
    print("\n".join(out))


def _print_json(work: Consolidation, written: bool) -> None:
    table = work.matrix()
    homes = []
    for home in work.homes:
        shape = home.shape
        homes.append({
            "path": home.display, "line": home.line, "status": home.status,
            "kind": shape.kind_words if shape else None,
            "bases": list(shape.bases) if shape else [],
            "decorators": list(shape.decorators) if shape else [],
            "constructor": None if shape is None or shape.constructor is None else [
                p._asdict() for p in shape.constructor],
            "members": {name: member.text for name, member in sorted(
                (shape.members if shape else {}).items())},
            "importers": [{"path": work.display(r.path), "line": r.line, "form": r.form,
                           "alias": r.alias, "type_checking": r.type_checking,
                           "in_function": r.in_function, "through": r.through or None}
                          for r in home.references],
            "reasons": home.reasons,
        })
    print(json.dumps({
        "name": work.name, "canonical": {"path": work.canonical.display,
                                         "line": work.canonical.line,
                                         "module": work.canonical_module},
        "mode": work.mode, "written": written, "homes": homes,
        "matrix": [{"row": row["row"], "cells": row["cells"], "values": row["values"]}
                   for row in table],
        "shims": [work.display(path) for path in work.shims],
        "files": [{"path": c.path, "change": "deleted" if c.new is None else "modified"}
                  for c in work.changes],
        "manual": [m._asdict() for m in [*work.manual, *work.skipped]],
        "diff": "".join(change.diff() for change in work.changes),
    }, indent=2))
