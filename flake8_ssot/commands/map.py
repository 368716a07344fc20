"""``flake8-ssot map``: the SSOT map of a project, from the project index.

For every class defined in more than one module: all its homes (path, line, size, public
methods), how many modules import each home, and the declared canonical home or a suggested one
(the most imported home; on a tie the shortest path). Then the aliases (a class extending the
other definition of its name: shims, not copies), the direct metadata writes per file (the
migration's remaining work) and the status of each class-family budget.

JSON shape (``--format json``)::

    {"root": str,
     "duplicates": [{"name": str, "canonical": {"path": str, "declared": bool},
                     "homes": [{"path": str, "line": int, "lines": int,
                                "public_methods": int, "importers": int}]}],
     "aliases": [{"name": str, "path": str, "line": int, "extends": {"path": str, "line": int}}],
     "metadata_writes": [{"path": str, "count": int}],
     "budgets": [{"pattern": str, "budget": int, "count": int, "over": bool}]}
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
from collections import Counter
from typing import Sequence

from flake8_ssot import index, relations, twins
from flake8_ssot.checker import mentions_metadata
from flake8_ssot.commands import common
from flake8_ssot.digests import sha1_hex
from flake8_ssot.project import Project

HELP = "the SSOT map: duplicated classes, their homes and importers"

_WRITES = "sot1-writes-2"  # cache namespace: direct metadata writes of a file content (2: the
# file gate of rules/bodies.py, which also sees `ctx. metadata`: counts saved before are not read)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_paths_argument(parser, "map", "; the whole project is read to relate them")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="text (default), json for tools, or markdown for a pull request")
    common.add_config_argument(parser)


def run(args: argparse.Namespace) -> int:
    paths = common.paths_of(args)
    settings, _ = common.flake8_settings(args, paths)  # the configuration flake8 itself reads
    ssot_map = build_map(paths, settings)
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}
    sys.stdout.write(render[args.format](ssot_map))
    return common.EXIT_OK


# -- the map ----------------------------------------------------------------------------------

def build_map(paths: Sequence[str], settings) -> dict:
    ssot_project = Project.for_path(paths[0], settings)
    root, project = ssot_project.root, ssot_project.index
    scope = [os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/") for path in paths]

    def in_scope(path: str) -> bool:
        return any(prefix == "." or path == prefix or path.startswith(prefix + "/")
                   for prefix in scope)

    duplicates, aliases = _duplicates(project, settings, in_scope)
    ssot_map = {
        "root": root,
        "duplicates": duplicates,
        "aliases": aliases,
        "metadata_writes": _metadata_writes(project, settings, in_scope, ssot_project),
        "budgets": [{"pattern": pattern, "budget": budget,
                     "count": len(relations.family(project, pattern)),
                     "over": len(relations.family(project, pattern)) > budget}
                    for pattern, budget in relations.budgets(settings.class_budgets)],
    }
    project.save()
    return ssot_map


def _duplicates(project, settings, in_scope) -> tuple[list[dict], list[dict]]:
    packages = settings.independent_packages
    declared = relations.canonical_homes(tuple(settings.canonical_classes))
    duplicated, aliases = {}, []
    for name in sorted(project.class_names()):
        if len(project.defining_paths(name)) < 2 or any(
                fnmatch.fnmatch(name, pattern) for pattern in settings.ignore_class_names):
            continue
        homes = relations.homes(project, name)
        aliases += [{"name": name, "path": alias.path, "line": alias.line,
                     "extends": {"path": target.path, "line": target.line}}
                    for alias, target in homes.aliases if in_scope(alias.path)]
        # The same judgement as SOT201's: copies and competing classes, not a name reused.
        copies = sorted(twins.copies_among(
            project, homes.implementations,
            lambda path, other: relations.related(path, other, packages)),
            key=lambda d: (d.path, d.line))
        if copies and any(in_scope(home.path) for home in copies):
            duplicated[name] = copies
    importers = _importer_counts(project, set(duplicated))
    found = []
    for name, copies in duplicated.items():
        facts = project.facts_of({home.path for home in copies})
        homes = []
        for home in copies:
            detail = next((c for c in (facts[home.path] or index.ModuleFacts((), ())).classes
                           if (c.name, c.line) == (name, home.line)), None)
            homes.append({
                "path": home.path, "line": home.line,
                "lines": detail.end_line - detail.line + 1 if detail else 1,
                "public_methods": sum(map(index.is_public, detail.methods)) if detail else 0,
                "importers": importers[(home.path, name)]})
        if name in declared:
            canonical = {"path": declared[name], "declared": True}
        else:
            best = min(homes, key=lambda h: (-h["importers"], len(h["path"]), h["path"]))
            canonical = {"path": best["path"], "declared": False}
        found.append({"name": name, "canonical": canonical, "homes": homes})
    return found, aliases


def _importer_counts(project, names: set[str]) -> Counter:
    """(home path, class name) -> how many modules import that definition by name (``from m
    import Name``, following re-exports)."""
    counts: Counter = Counter()
    if not names:
        return counts
    for path, facts in project.facts_of(sorted(project.files)).items():
        targets = set()
        for imported in facts.imports if facts else ():
            if imported.name in names:
                target = project.resolve_class(path, imported.asname or imported.name)
                if target is not None and target.path != path:
                    targets.add((target.path, target.name))
        counts.update(targets)
    return counts


def _metadata_writes(project, settings, in_scope, ssot_project) -> list[dict]:
    """Direct metadata writes (SOT1xx findings) per file, counted once per file content, with
    the linter's own context rules (the project's subclasses of the context classes too)."""
    from flake8_ssot.rules import mutation  # only projects whose files mention metadata

    # A count depends on the settings and on which project classes are contexts.
    settings_key = sha1_hex(repr((settings, sorted(ssot_project.context_subclasses()))).encode())
    context_rules = ssot_project.context_rules
    counts = []
    for path in sorted(filter(in_scope, project.files)):
        sha1 = project.content_hash(path)
        if sha1 is None:
            continue
        key = f"{sha1}:{settings_key}"
        count = project.cache_get(_WRITES, key)
        if type(count) is not int:
            count = 0
            data = project.read(path)
            text = index.decode_source(data) if data is not None else None
            if text is not None and mentions_metadata(text, settings):
                tree = index.parse(text)
                if tree is not None:
                    count = len(mutation.check(tree, settings, context_rules).writes)
            project.cache_put(_WRITES, key, count)
        if count:
            counts.append({"path": path, "count": count})
    return sorted(counts, key=lambda item: (-item["count"], item["path"]))


# -- output -----------------------------------------------------------------------------------

def _canonical_text(duplicate: dict) -> str:
    canonical = duplicate["canonical"]
    return f"{canonical['path']} ({'declared' if canonical['declared'] else 'suggested'})"


def render_text(ssot_map: dict) -> str:
    out = [f"SSOT map of {os.path.relpath(ssot_map['root'])}",
           "", f"Duplicated classes: {len(ssot_map['duplicates'])}"]
    for duplicate in ssot_map["duplicates"]:
        out.append(f"  {duplicate['name']}: {len(duplicate['homes'])} homes, canonical "
                   f"{_canonical_text(duplicate)}")
        out += [f"    {home['path']}:{home['line']}  lines: {home['lines']}, "
                f"public methods: {home['public_methods']}, importers: {home['importers']}"
                for home in duplicate["homes"]]
    out += ["", f"Aliases (extend the other definition of their name): {len(ssot_map['aliases'])}"]
    out += [f"  {alias['name']}: {alias['path']}:{alias['line']} extends "
            f"{alias['extends']['path']}:{alias['extends']['line']}"
            for alias in ssot_map["aliases"]]
    writes = ssot_map["metadata_writes"]
    out += ["", f"Direct metadata writes: {sum(item['count'] for item in writes)} "
                f"(files: {len(writes)})"]
    out += [f"  {item['count']:>4}  {item['path']}" for item in writes]
    out += ["", "Class-family budgets:" if ssot_map["budgets"] else
            "Class-family budgets: none configured (ssot-class-budgets)"]
    out += [f"  {item['pattern']}: classes: {item['count']}, budget {item['budget']}: "
            f"{'over' if item['over'] else 'within'}" for item in ssot_map["budgets"]]
    return "\n".join(out) + "\n"


def render_json(ssot_map: dict) -> str:
    return json.dumps(ssot_map, indent=2) + "\n"


def render_markdown(ssot_map: dict) -> str:
    out = ["## SSOT map", "", f"### Duplicated classes ({len(ssot_map['duplicates'])})", ""]
    if not ssot_map["duplicates"]:
        out.append("None.")
    else:
        out += ["| class | home | lines | public methods | importers | canonical |",
                "| --- | --- | ---: | ---: | ---: | --- |"]
        for duplicate in ssot_map["duplicates"]:
            for home in duplicate["homes"]:
                mark = _canonical_text(duplicate) if home["path"] == duplicate["canonical"][
                    "path"] else ""
                out.append(f"| `{duplicate['name']}` | `{home['path']}:{home['line']}` | "
                           f"{home['lines']} | {home['public_methods']} | {home['importers']} | "
                           f"{mark} |")
    out += ["", f"### Aliases ({len(ssot_map['aliases'])})", ""]
    if not ssot_map["aliases"]:
        out.append("None.")
    else:
        out += ["| class | alias | extends |", "| --- | --- | --- |"]
        out += [f"| `{alias['name']}` | `{alias['path']}:{alias['line']}` | "
                f"`{alias['extends']['path']}:{alias['extends']['line']}` |"
                for alias in ssot_map["aliases"]]
    writes = ssot_map["metadata_writes"]
    out += ["", f"### Direct metadata writes ({sum(item['count'] for item in writes)})", ""]
    if not writes:
        out.append("None.")
    else:
        out += ["| file | writes |", "| --- | ---: |"]
        out += [f"| `{item['path']}` | {item['count']} |" for item in writes]
    out += ["", "### Class-family budgets", ""]
    if ssot_map["budgets"]:
        out += ["| family | classes | budget | status |", "| --- | ---: | ---: | --- |"]
        out += [f"| `{item['pattern']}` | {item['count']} | {item['budget']} | "
                f"{'**over**' if item['over'] else 'within'} |" for item in ssot_map["budgets"]]
    else:
        out.append("None configured (`ssot-class-budgets`).")
    return "\n".join(out) + "\n"
