"""SOT2xx: the same class defined in several modules of the project.

The checked file's own classes come from flake8's tree (the editor buffer, not the disk copy);
every other file's come from the project index (``flake8_ssot.index``); whether two classes of
one name are the same class twice (kind, layer, members; private, fallback and vendored classes
set aside) from ``flake8_ssot.twins``, judged on what the index stored at scan time; how classes
relate otherwise (extensions, families, parallel implementations) from ``flake8_ssot.relations``.
"""

from __future__ import annotations

import ast
import fnmatch
import logging


from flake8_ssot import index, relations, twins
from flake8_ssot.syntax import absolute_module, module_name, package_directory
from flake8_ssot.rule import Finding, Rule

LOG = logging.getLogger("flake8_ssot")

SOT201 = Rule(
    code="SOT201",
    name="duplicate-class-definition",
    message="class {name} is defined in {count} modules; also at {others}; keep one and import "
            "it (declare its home with ssot-canonical-classes)",
    summary="A class is defined again, at module level, in another module of the project: a "
            "copy (the same members, a drifted superset or subset), or another public class of "
            "the same kind competing under the same specific name.",
    why="Copies drift: a bug fixed in one ExecutionEngine stays in the other two, and callers "
        "import whichever copy they found first. Reported at every definition, with the others "
        "listed as path:line. Classes of one name that are different things are left alone: "
        "of different kinds (an ORM table and the API schema of the same entity, a Protocol and "
        "a model), on different layers (orm/ and schemas/), private to their module "
        "(_Transport), fallbacks defined under except ImportError, vendored code (_vendor/, "
        "vendor/, third_party/), test code, two classes sharing no public member that "
        "subclass different project hierarchies (a storage MongoDb(BaseDb) and a vector store "
        "MongoDb(VectorDb)) or that are records with no field in common (two TaskResult "
        "dataclasses), and a common one-word name (Node, Usage) on classes that share little "
        "(SOT206 reports those, when selected).",
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

SOT204 = Rule(
    code="SOT204",
    name="class-family-over-budget",
    message="class {name} is one of {count} {pattern} classes (budget {budget}); fold it into "
            "an existing one",
    summary="A class family (names matching a glob of ssot-class-budgets) has more members "
            "than its budget.",
    why="\"197 Manager classes, target < 50\": a family that keeps growing is where copies "
        "hide. Every member is reported while the family is over budget; with a baseline, "
        "today's members are accepted and a new member fails the commit.",
    example="# setup.cfg: ssot-class-budgets = *Manager:2\n"
            "class SessionManager: ...  # the third *Manager class of the project",
    instead="# add the behaviour to one of the existing *Manager classes",
)
SOT205 = Rule(
    code="SOT205",
    name="parallel-implementation",
    message="{name} shares {shared} of its {public} public methods with {other} ({where}): "
            "keep one implementation",
    summary="Two classes with different names, in different modules, share most of their "
            "public methods (off by default: name it, --extend-select SOT205; a prefix such as "
            "--select=SOT does not turn it on).",
    why="\"8 emitter classes -> 1\": the same API written twice under two names drifts like a "
        "copy does. Reported when they share at least ssot-parallel-min-shared public methods "
        "making up ssot-parallel-min-ratio of the smaller class's, neither inherits from the "
        "other, and no shared project base declares those methods (two implementations of one "
        "interface are not duplicates).",
    example="class EventPublisher:\n    def notify_start(self): ...\n"
            "    def notify_step(self): ...\n    ...\n\n"
            "# elsewhere\nclass SessionNotifier:\n    def notify_start(self): ...\n"
            "    def notify_step(self): ...\n    ...",
    instead="# one Notifier class, imported where each copy was used",
)

SOT206 = Rule(
    code="SOT206",
    name="class-name-reused",
    message="class name {name} is also used at {others} ({why}); give each class its own name",
    summary="A class name is reused in another module for a class that is not a duplicate "
            "(another kind, layer, class hierarchy or record, private, or sharing little) (off "
            "by default: name it, "
            "--extend-select SOT206; a prefix such as --select=SOT does not turn it on).",
    why="A team that wants every class name unique in its project: two classes named Source "
        "(the ORM table and the API schema) or two Nodes are imported by mistake one for the "
        "other. Fallbacks under except ImportError and vendored code are never reported.",
    example="# app/orm/source.py\nclass Source(Base):\n    __tablename__ = 'sources'\n\n"
            "# app/schemas/source.py\nclass Source(BaseModel): ...",
    instead="# app/orm/source.py\nclass SourceRow(Base):\n    __tablename__ = 'sources'",
)

RULES = (SOT201, SOT202, SOT203, SOT204, SOT205, SOT206)
# Not reported unless selected (flake8's extend_default_ignore): a judgement call per project.
OFF_BY_DEFAULT = (SOT205.code, SOT206.code)


def check(checked) -> list[Finding]:
    """SOT2xx findings for *checked* (a ``project.CheckedFile``)."""
    settings = checked.settings
    own_classes = index.module_level_classes(checked.tree)
    homes = relations.canonical_homes(tuple(settings.canonical_classes))
    # Imports of a class with a canonical home, anywhere in the file (also inside functions).
    imports = [node for node in ast.walk(checked.tree) if isinstance(node, ast.ImportFrom)
               and any(alias.name in homes for alias in node.names)] if homes else []
    if not own_classes and not imports:
        return []
    # Test code is neither reported nor counted: it is left out like excluded code, from the
    # index too (on Django, two thirds of the files: a third of the work of every run).
    project, path = checked.project, checked.relative
    if project.is_left_out(path):
        return []
    project_index = project.index
    if project_index.cache_problem:
        _warn_once(project.root, project_index.cache_problem)
    buffer = _Buffer(checked, project_index)
    findings = []
    for record in own_classes:
        findings += _check_definition(record, buffer, homes, settings)
    findings += _check_budgets(own_classes, buffer, settings)
    if imports:
        findings += _check_imports(imports, path, project_index, homes)
    return findings


class _Buffer:
    """The checked file (flake8's buffer, maybe not the disk's copy) and the project index."""

    def __init__(self, checked, project_index: index.ProjectIndex):
        self.tree, self.path, self.source = checked.tree, checked.relative, checked.source
        self.index = project_index
        self._facts = None

    def extends(self, record) -> bool:
        """Whether the buffer's class *record* extends another definition of its name (a shim).
        The buffer's imports are read only for a class that may (``relations.may_extend``),
        and offered to the index: when the buffer is the disk's content, a check of another
        file asking the same of this one does not parse it."""
        if not relations.may_extend(record):
            return False
        if self._facts is None:
            self._facts = index.module_facts(self.tree, self.path or "")
            if self.path is not None and self.source is not None:
                self.index.adopt_buffer(self.path, self.source, self._facts)
        return relations.extended(self.index, self.definition(record), self._facts,
                                  record) is not None

    def definition(self, record) -> index.ClassDefinition:
        return index.ClassDefinition(record.name, self.path, record.line, record.col)

    def twin(self, record) -> twins.Twin:
        return twins.twin_of(self.index, self.definition(record), record)


_WARNED: set = set()


def _warn_once(root: str, problem: str) -> None:
    if root not in _WARNED:
        _WARNED.add(root)
        LOG.warning("flake8-ssot: project index cache unusable in %s (%s); using memory only",
                    root, problem)


def _check_definition(record, checked: _Buffer, homes, settings) -> list[Finding]:
    name, line, col = record.name, record.line, record.col
    if any(fnmatch.fnmatch(name, pattern) for pattern in settings.ignore_class_names):
        return []
    findings = (_check_parallels(record, checked, settings)
                if SOT205.code in settings.opted_in else [])
    path, project_index = checked.path, checked.index
    packages = settings.independent_packages
    scanned = project_index.scanned(
        name, keep=lambda d: d.path != path and relations.related(path, d.path, packages))
    home = homes.get(name)
    if not scanned and home is None:
        return findings  # the only definition
    # Judged on what the index stored for each definition: no twin is parsed for this.
    this = checked.twin(record)
    others = [twins.stored_twin(project_index, d, r) for d, r in scanned]
    aside = twins.set_aside(this)
    copies = [] if aside else [o for o in others
                               if not twins.set_aside(o) and twins.duplicates(this, o)]
    if aside != "private" and aside:
        return findings  # a fallback or vendored code: neither reported nor a name reused
    if SOT206.code in settings.opted_in:
        findings += _check_reused(this, [o for o in others if o not in copies])
    home_twins = [o for o in others if o.definition.path == home]
    reports_home = (home is not None and path != home and not aside
                    and (not home_twins or any(o in copies for o in home_twins)))
    if not copies and not reports_home:
        return findings
    if checked.extends(record):
        return findings  # an extension of another definition (a shim), not a copy
    if home is not None:
        if not reports_home:
            return findings
        module = module_name(home)
        message = SOT202.format(name=name, home=home, module=module)
        return [*findings, Finding(line, col, SOT202.code, message, line)]
    copies = sorted((o.definition for o in copies
                     if relations.extended(project_index, o.definition, record=o.record) is None),
                    key=lambda d: (d.path, d.line))
    if not copies:
        return findings
    modules = {d.path for d in copies}
    listed = [f"{d.path}:{d.line}" for d in copies[:settings.max_listed]]
    if len(copies) > settings.max_listed:
        listed.append(f"and {len(copies) - settings.max_listed} more")
    message = SOT201.format(name=name, count=len(modules) + 1, others=", ".join(listed))
    return [*findings, Finding(line, col, SOT201.code, message, line)]


def _check_reused(this: twins.Twin, others: list) -> list[Finding]:
    """SOT206 at *this* for the other classes of its name that are not duplicates of it."""
    reused = sorted((o for o in others if twins.set_aside(o) not in ("fallback", "vendored")),
                    key=lambda o: (o.definition.path, o.definition.line))
    if not reused:
        return []
    whys = sorted({twins.why_not(this, o) for o in reused})
    record = this.record
    listed = ", ".join(f"{o.definition.path}:{o.definition.line}" for o in reused)
    return [Finding(record.line, record.col, SOT206.code, SOT206.format(
        name=record.name, others=listed, why="; ".join(whys)), record.line)]


def _check_budgets(own_classes, checked: _Buffer, settings) -> list[Finding]:
    findings = []
    for pattern, budget in relations.budgets(settings.class_budgets):
        members = [record for record in own_classes if fnmatch.fnmatchcase(record.name, pattern)]
        if not members:
            continue
        count = len(members) + sum(1 for definition in relations.family(checked.index, pattern)
                                   if definition.path != checked.path)
        if count > budget:
            findings += [Finding(record.line, record.col, SOT204.code, SOT204.format(
                name=record.name, count=count, pattern=pattern, budget=budget), record.line)
                for record in members]
    return findings


def _check_parallels(record, checked: _Buffer, settings) -> list[Finding]:
    found = relations.parallels(checked.index, checked.definition(record), record.methods,
                                record.bases, settings.parallel_min_shared,
                                settings.parallel_min_ratio, settings.independent_packages,
                                limit=settings.max_listed if settings.max_listed >= 0 else None)
    return [Finding(record.line, record.col, SOT205.code, SOT205.format(
        name=record.name, shared=parallel.shared, public=parallel.public,
        other=parallel.other.name, where=f"{parallel.other.path}:{parallel.other.line}"),
        record.line) for parallel in found[:settings.max_listed]]


def _same_class(project_index, name: str, imported_from: str, home: str) -> bool:
    """Whether *name* as defined in *imported_from* is a duplicate of the canonical one in
    *home*; true when either is not a class the index knows (a re-export: the same class)."""
    places = (imported_from, home)
    found = {d.path: twins.stored_twin(project_index, d, r)
             for d, r in project_index.scanned(name, keep=lambda d: d.path in places)}
    imported, canonical = found.get(imported_from), found.get(home)
    if imported is None or canonical is None:
        return True
    return not twins.set_aside(imported) and twins.duplicates(canonical, imported)


def _check_imports(imports, path, project_index, homes) -> list[Finding]:
    project_modules = project_index.module_paths()
    findings = []
    for node in imports:
        module = (absolute_module(package_directory(path), node.module, node.level)
                  if path is not None else None if node.level else node.module)
        imported_from = project_modules.get(module or "")
        if imported_from is None:
            continue  # not a module of this project
        for alias in node.names:
            home = homes.get(alias.name)
            if home is None or imported_from == home:
                continue
            if not _same_class(project_index, alias.name, imported_from, home):
                continue  # another class that shares the name: never advise the canonical one
            canonical_module = module_name(home)
            findings.append(Finding(node.lineno, node.col_offset, SOT203.code, SOT203.format(
                name=alias.name, module=module, home=home, canonical_module=canonical_module),
                getattr(node, "end_lineno", node.lineno)))
    return findings
