"""SOT2xx: the same class defined in several modules of the project.

The checked file's own classes come from flake8's tree (the editor buffer, not the disk copy);
every other file's come from the project index (``flake8_ssot.index``).
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import logging
import os

from flake8_ssot import index as project_index
from flake8_ssot.rule import Finding, Rule

LOG = logging.getLogger("flake8_ssot")

SOT201 = Rule(
    code="SOT201",
    name="duplicate-class-definition",
    message="class {name} is defined in {count} modules; also at {others}; keep one and import "
            "it (declare its home with ssot-canonical-classes)",
    summary="A class name is defined at module level in more than one module of the project.",
    why="Copies drift: a bug fixed in one ExecutionEngine stays in the other two, and callers "
        "import whichever copy they found first. Reported at every definition, with the others "
        "listed as path:line.",
    example="# agents/supervisor/execution_engine.py\nclass ExecutionEngine: ...\n\n"
            "# services/execution_engine.py\nclass ExecutionEngine: ...",
    instead="# services/execution_engine.py\n"
            "from agents.supervisor.execution_engine import ExecutionEngine",
)
SOT202 = Rule(
    code="SOT202",
    name="class-outside-canonical-home",
    message="class {name} is defined outside its canonical home {home}; import it from "
            "{module} instead",
    summary="A class with a declared canonical home (ssot-canonical-classes) is defined elsewhere.",
    why="Once a team has chosen where ExecutionEngine lives, any other definition is a "
        "regression of that consolidation.",
    example="# setup.cfg: ssot-canonical-classes = ExecutionEngine:app/engine.py\n"
            "# app/legacy/engine.py\nclass ExecutionEngine: ...",
    instead="# app/legacy/engine.py\nfrom app.engine import ExecutionEngine",
)
SOT203 = Rule(
    code="SOT203",
    name="import-outside-canonical-home",
    message="{name} is imported from {module}, not from its canonical home {home}; "
            "import it from {canonical_module}",
    summary="A class with a declared canonical home is imported from another project module.",
    why="Imports of a non-canonical copy keep the copy alive; updating every import is the "
        "other half of a consolidation.",
    example="from app.legacy.engine import ExecutionEngine",
    instead="from app.engine import ExecutionEngine",
)

RULES = (SOT201, SOT202, SOT203)


@functools.lru_cache(maxsize=8)  # asked for every checked file, parsed once per process
def _canonical_homes(canonical_classes: tuple[str, ...]) -> dict[str, str]:
    homes = {}
    for entry in canonical_classes:
        name, sep, path = entry.partition(":")
        if sep and name.strip() and path.strip():
            homes[name.strip()] = path.strip().replace(os.sep, "/").lstrip("./")
    return homes


def check(tree: ast.AST, filename: str, project) -> list[Finding]:
    settings = project.settings
    own_classes = project_index.module_level_classes(tree)
    homes = _canonical_homes(tuple(settings.canonical_classes))
    # Imports of a class with a canonical home, anywhere in the file (also inside functions).
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and any(alias.name in homes for alias in node.names)] if homes else []
    if not own_classes and not imports:
        return []
    # Test code is neither reported nor counted: it is left out like excluded code, from the
    # index too (on Django, two thirds of the files: a third of the work of every run).
    path = project.relative(filename)
    if project.is_left_out(path):
        return []
    index = project.index
    if index.cache_problem:
        _warn_once(project.root, index.cache_problem)
    findings = []
    for name, line, col, _ in own_classes:
        findings += _check_definition(name, line, col, path, index, homes, settings)
    if imports:
        findings += _check_imports(imports, path, index, homes)
    return findings


_WARNED: set = set()


def _warn_once(root: str, problem: str) -> None:
    if root not in _WARNED:
        _WARNED.add(root)
        LOG.warning("flake8-ssot: project index cache unusable in %s (%s); using memory only",
                    root, problem)


def _check_definition(name, line, col, path, index, homes, settings) -> list[Finding]:
    if any(fnmatch.fnmatch(name, pattern) for pattern in settings.ignore_class_names):
        return []
    home = homes.get(name)
    if home is not None:
        if path == home:
            return []
        module = min(project_index.module_names(home), key=len)
        message = SOT202.format(name=name, home=home, module=module)
        return [Finding(line, col, SOT202.code, message, line)]
    others = sorted(index.definitions(name, keep=lambda d: d.path != path),
                    key=lambda d: (d.path, d.line))
    if not others:
        return []
    modules = {d.path for d in others}
    listed = [f"{d.path}:{d.line}" for d in others[:settings.max_listed]]
    if len(others) > settings.max_listed:
        listed.append(f"and {len(others) - settings.max_listed} more")
    message = SOT201.format(name=name, count=len(modules) + 1, others=", ".join(listed))
    return [Finding(line, col, SOT201.code, message, line)]


def _check_imports(imports, path, index, homes) -> list[Finding]:
    project_modules = index.module_paths()
    findings = []
    for node in imports:
        module = (project_index.absolute_module(path, node.module, node.level) if path is not None
                  else None if node.level else node.module)
        imported_from = project_modules.get(module or "")
        if imported_from is None:
            continue  # not a module of this project
        for alias in node.names:
            home = homes.get(alias.name)
            if home is None or imported_from == home:
                continue
            canonical_module = min(project_index.module_names(home), key=len)
            findings.append(Finding(node.lineno, node.col_offset, SOT203.code, SOT203.format(
                name=alias.name, module=module, home=home, canonical_module=canonical_module),
                getattr(node, "end_lineno", node.lineno)))
    return findings
