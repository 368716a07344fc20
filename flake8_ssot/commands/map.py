"""``flake8-ssot map``: the SSOT map of a project, from the project index.

For every class defined in more than one module: all its homes (path, line, size, public
methods), how many modules import each home, and the declared canonical home or a suggested one
(the most imported home; on a tie the shortest path). Then the aliases (a class extending the
other definition of its name: shims, not copies), the direct metadata writes per file (the
migration's remaining work), how far that migration has come (helper calls against direct
writes, per file and in total) and the status of each class-family budget.

``--format mermaid`` draws the duplicated classes as a Mermaid flowchart, which GitHub renders
inline in markdown: a node per class name, one per home (path:line and its importers; the
canonical home marked and drawn with a thick edge), and each alias with a dotted edge to the
definition it extends.

JSON shape (``--format json``)::

    {"root": str,
     "duplicates": [{"name": str, "canonical": {"path": str, "declared": bool},
                     "homes": [{"path": str, "line": int, "lines": int,
                                "public_methods": int, "importers": int}]}],
     "aliases": [{"name": str, "path": str, "line": int, "extends": {"path": str, "line": int}}],
     "metadata_writes": [{"path": str, "count": int}],
     "migration": {"helper_calls": int, "direct_writes": int, "percent_done": float | None,
                   "files": [{"path": str, "helper_calls": int, "direct_writes": int}]},
     "budgets": [{"pattern": str, "budget": int, "count": int, "over": bool}]}
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import sys
from collections import Counter
from typing import Sequence

from flake8_ssot import index, relations, twins
from flake8_ssot.checker import mentions_metadata
from flake8_ssot.commands import common
from flake8_ssot.commands.progress import Progress
from flake8_ssot.digests import sha1_hex
from flake8_ssot.options import HELPERS
from flake8_ssot.project import Project

HELP = "the SSOT map: duplicated classes, their homes and importers"

_WRITES = "sot1-progress"  # cache namespace: direct metadata writes of a file content (2: the
# file gate of rules/bodies.py, which also sees `ctx. metadata`: counts saved before are not read)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_paths_argument(parser, "map", "; the whole project is read to relate them")
    parser.add_argument("--format", choices=("text", "json", "markdown", "mermaid"),
                        default="text",
                        help="text (default), json for tools, markdown for a pull request, or "
                             "mermaid: the duplicated classes as a flowchart")
    common.add_config_argument(parser)


def run(args: argparse.Namespace) -> int:
    paths = common.paths_of(args)
    settings, _ = common.flake8_settings(args, paths)  # the configuration flake8 itself reads
    with Progress("map") as progress:
        ssot_map = build_map(paths, settings, progress)
    render = {"text": render_text, "json": render_json, "markdown": render_markdown,
              "mermaid": render_mermaid}
    sys.stdout.write(render[args.format](ssot_map))
    return common.EXIT_OK


# -- the map ----------------------------------------------------------------------------------

def build_map(paths: Sequence[str], settings, progress: Progress) -> dict:
    ssot_project = Project.for_path(paths[0], settings)
    progress.phase("building the project index")
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
        **_migration(project, settings, in_scope, ssot_project, progress),
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


def _migration(project, settings, in_scope, ssot_project, progress) -> dict:
    """``metadata_writes`` (direct writes, SOT1xx findings, per file) and ``migration`` (the
    project's helper calls against those writes, per file and in total), counted once per file
    content, with the linter's own context rules (the project's subclasses of the context
    classes too)."""
    # A count depends on the settings and on which project classes are contexts.
    settings_key = sha1_hex(repr((settings, sorted(ssot_project.context_subclasses()))).encode())
    helpers = tuple(sorted({settings.helper(helper.role) for helper in HELPERS
                            if helper.role != "get-value"} - {""}))  # writers only
    files = []
    paths = sorted(filter(in_scope, project.files))
    for done, path in enumerate(paths, 1):
        progress.show("counting metadata writes", done, len(paths))
        sha1 = project.content_hash(path)
        if sha1 is None:
            continue
        key = f"{sha1}:{settings_key}"
        counts = project.cache_get(_WRITES, key)
        if not (isinstance(counts, list) and len(counts) == 2
                and all(type(count) is int for count in counts)):
            counts = _count(project.read(path), settings, ssot_project.context_rules, helpers)
            project.cache_put(_WRITES, key, counts)
        writes, calls = counts
        if writes or calls:
            files.append({"path": path, "helper_calls": calls, "direct_writes": writes})
    files.sort(key=lambda item: (-item["direct_writes"], -item["helper_calls"], item["path"]))
    calls = sum(item["helper_calls"] for item in files)
    writes = sum(item["direct_writes"] for item in files)
    return {
        "metadata_writes": [{"path": item["path"], "count": item["direct_writes"]}
                            for item in files if item["direct_writes"]],
        "migration": {"helper_calls": calls, "direct_writes": writes,
                      "percent_done": _percent(calls, writes), "files": files},
    }


def _count(data: bytes | None, settings, context_rules, helpers: tuple[str, ...]) -> list[int]:
    """``[direct metadata writes, calls of a writing helper]`` of one file's content."""
    text = index.decode_source(data) if data is not None else None
    if text is None:
        return [0, 0]
    writes_possible = mentions_metadata(text, settings)
    if not writes_possible and not any(name in text for name in helpers):
        return [0, 0]
    tree = index.parse(text)
    if tree is None:
        return [0, 0]
    writes = 0
    if writes_possible:
        from flake8_ssot.rules import mutation  # only files that mention metadata

        writes = len(mutation.check(tree, settings, context_rules).writes)
    # The helpers' own implementation (one helper calling another) is not a migrated site.
    inside = {id(node) for function in ast.walk(tree)
              if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
              and function.name in helpers for node in ast.walk(function)}
    calls = sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call)
                and id(node) not in inside and (
                    (isinstance(node.func, ast.Attribute) and node.func.attr in helpers)
                    or (isinstance(node.func, ast.Name) and node.func.id in helpers)))
    return [writes, calls]


def _percent(calls: int, writes: int) -> float | None:
    """How much of the migration is done: helper calls among all metadata writes."""
    return round(100.0 * calls / (calls + writes), 1) if calls + writes else None


def _done(percent: float | None) -> str:
    return "nothing to migrate" if percent is None else f"{percent:g}% done"


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
    migration = ssot_map["migration"]
    out += ["", f"Metadata migration: {_done(migration['percent_done'])} (helper calls: "
                f"{migration['helper_calls']}, direct writes: {migration['direct_writes']}, "
                f"files: {len(migration['files'])})"]
    if migration["files"]:
        out.append("  calls  writes  file")
        out += [f"  {item['helper_calls']:>5}  {item['direct_writes']:>6}  {item['path']}"
                for item in migration["files"]]
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
        out += ["", "```mermaid", render_mermaid(ssot_map).rstrip("\n"), "```"]
    out += ["", f"### Aliases ({len(ssot_map['aliases'])})", ""]
    if not ssot_map["aliases"]:
        out.append("None.")
    else:
        out += ["| class | alias | extends |", "| --- | --- | --- |"]
        out += [f"| `{alias['name']}` | `{alias['path']}:{alias['line']}` | "
                f"`{alias['extends']['path']}:{alias['extends']['line']}` |"
                for alias in ssot_map["aliases"]]
    migration = ssot_map["migration"]
    out += ["", f"### Metadata migration: {_done(migration['percent_done'])}", ""]
    if not migration["files"]:
        out.append("No helper call and no direct write.")
    else:
        out += ["| file | helper calls | direct writes | done |", "| --- | ---: | ---: | ---: |"]
        out += [f"| `{item['path']}` | {item['helper_calls']} | {item['direct_writes']} | "
                f"{_percent(item['helper_calls'], item['direct_writes']):g}% |"
                for item in migration["files"]]
        out.append(f"| **total** | {migration['helper_calls']} | {migration['direct_writes']} | "
                   f"{migration['percent_done']:g}% |")
    out += ["", "### Class-family budgets", ""]
    if ssot_map["budgets"]:
        out += ["| family | classes | budget | status |", "| --- | ---: | ---: | --- |"]
        out += [f"| `{item['pattern']}` | {item['count']} | {item['budget']} | "
                f"{'**over**' if item['over'] else 'within'} |" for item in ssot_map["budgets"]]
    else:
        out.append("None configured (`ssot-class-budgets`).")
    return "\n".join(out) + "\n"


# Mermaid labels: inside ``["..."]`` a quote would end the label, and ``#``, ``<``, ``>``, ``&``
# would start an entity or a tag: each is written as Mermaid's entity code.
_MERMAID_ESCAPES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}


def _label(*lines: str) -> str:
    """A quoted Mermaid label of *lines* (user text escaped, joined by line breaks)."""
    return '"' + "<br/>".join("".join(_MERMAID_ESCAPES.get(c, c) for c in line)
                              for line in lines) + '"'


def render_mermaid(ssot_map: dict) -> str:
    """The duplicated classes and aliases as a Mermaid flowchart. Node ids are generated
    (``class1``, ``class1_home2``, ``alias1``): paths and names only appear in quoted labels."""
    out = ["flowchart LR"]
    nodes: dict[tuple[str, int], str] = {}  # (path, line) -> node id
    for number, duplicate in enumerate(ssot_map["duplicates"], start=1):
        name = f"class{number}"
        out.append(f"    {name}([{_label(duplicate['name'])}])")
        canonical = duplicate["canonical"]
        for position, home in enumerate(duplicate["homes"], start=1):
            node = nodes[(home["path"], home["line"])] = f"{name}_home{position}"
            lines = [f"{home['path']}:{home['line']}",
                     f"{home['importers']} importer{'s' if home['importers'] != 1 else ''}"]
            if home["path"] == canonical["path"]:
                lines.append("canonical (declared)" if canonical["declared"]
                             else "canonical (suggested)")
            out.append(f"    {node}[{_label(*lines)}]")
            out.append(f"    {name} {'==>' if home['path'] == canonical['path'] else '-->'} "
                       f"{node}")
    for number, alias in enumerate(ssot_map["aliases"], start=1):
        node = f"alias{number}"
        label = _label(f"{alias['path']}:{alias['line']}", f"alias of {alias['name']}")
        out.append(f"    {node}[{label}]")
        target = (alias["extends"]["path"], alias["extends"]["line"])
        if target not in nodes:
            nodes[target] = f"{node}_extends"
            label = _label(f"{target[0]}:{target[1]}", alias["name"])
            out.append(f"    {nodes[target]}[{label}]")
        out.append(f"    {node} -.->|extends| {nodes[target]}")
    if len(out) == 1:
        out.append(f"    none[{_label('no duplicated class')}]")
    return "\n".join(out) + "\n"
