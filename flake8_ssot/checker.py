"""Runs the rule families on one file; shared by the flake8 plugin and the command line tools.

Every family is guarded: an internal error costs that family's findings for this file, never the
flake8 run, and is reported as SOT901 at line 1 (as flake8 reports E902 for a file it cannot read),
so that CI sees a check that did nothing. A family is imported when a file first needs it: a
flake8 run on one file (pre-commit, an editor) pays only for what that file uses.
"""

from __future__ import annotations

import ast
import copy
import logging
import os
from typing import Any, NamedTuple, Sequence

from flake8_ssot.digests import blake2b_hex
from flake8_ssot.project import CheckedFile, Project
from flake8_ssot.rule import Finding, Rule
from flake8_ssot.rules import duplicates
from flake8_ssot.rules.bodies import mentions_metadata  # the file gate (``map`` counts by it)
from flake8_ssot.syntax import own_statements

LOG = logging.getLogger("flake8_ssot")

SOT901 = Rule(
    code="SOT901",
    name="could-not-check",
    message="flake8-ssot could not check this file: {reason}",
    summary="An internal error stopped a flake8-ssot check on this file; the file was not "
            "fully checked.",
    why="A check that failed silently would pass the file: CI could not tell it apart from a "
        "clean one. Like flake8's E902 for a file it cannot read, it is reported at line 1. The "
        "baseline never accepts it, and `flake8-ssot baseline` keeps the file's entries.",
    example="# any file on which a flake8-ssot check raised (a bug, or a statement nested past\n"
            "# what the check's walk can follow; whatever pyflakes can check, the SOT1xx walk\n"
            "# checks too)\n"
            "agent.py:1:1: SOT901 flake8-ssot could not check this file: it is nested too deeply",
    instead="# split the expression; any other reason is a bug in flake8-ssot: please report it\n"
            "# with the message and, if you can, the file",
)
RULES = (SOT901,)


def could_not_check(reason: str) -> Finding:
    """The SOT901 finding for this file."""
    return Finding(1, 0, SOT901.code, SOT901.format(reason=" ".join(reason.split())))


def _internal_error(check: str, error: Exception) -> Finding:
    return could_not_check(f"internal error in the {check} ({type(error).__name__}: {error}); "
                           "please report it")


def _checks_writes(checked: CheckedFile) -> bool:
    """SOT1xx reports direct writes only where a helper could replace them: in a project with a
    helper class (one defining a helper), outside test code unless ``ssot-check-tests``."""
    project = checked.project
    if not checked.settings.check_tests and project.is_test(checked.relative):
        return False
    return bool(project.helpers.helper_classes)


def _metadata_checks(checked: CheckedFile, kept: "_Kept"
                     ) -> tuple[list[Finding], list[Finding], bool]:
    """SOT1xx's findings (none when *kept* has them), SOT3xx's, and whether SOT3xx had values
    to look at. The SOT1xx walk is skipped when *kept* has its findings and SOT3xx had nothing
    to look at, or its results cache answers."""
    if kept.findings is not None:
        if not kept.looked:
            return [], [], False
        from flake8_ssot.rules import sot3

        cached = sot3.cached(_naming_existing_converters(checked))
        if cached is not None:
            return [], cached, True
    from flake8_ssot.rules import mutation  # most files never mention metadata

    settings = checked.settings
    visitor = mutation.check(checked.tree, settings, checked.project.context_rules,
                             checked.source)
    writes: list[Finding] = []
    if kept.findings is None and visitor.writes and _checks_writes(checked):
        from flake8_ssot.rules.advice import Advisor

        helpers = checked.project.helpers
        advisor = Advisor(settings, helpers.defined_at, helpers.holder)
        writes = [advisor.finding(write) for write in visitor.writes]
    if not visitor.value_sites:
        return writes, [], False
    from flake8_ssot.rules import sot3  # only files that write metadata

    view = _naming_existing_converters(checked)
    if not sot3.needs_a_look(view, visitor.value_sites):
        return writes, [], False
    return writes, sot3.check(view, visitor.value_sites), True


# -- a file's SOT1xx and SOT2xx findings, kept while the index's rows are the same ----------------
#
# Both are a function of the plugin's code, the configuration, the file's text and path, and
# the project's files as the index's rows hold them (SOT2xx's other definitions, the helpers
# and context classes SOT1xx reads through the index, the imports of a file read for a shim,
# which are a function of that file's content). So they are kept under a key of the first four
# with the generation of the rows they were judged on (``ProjectIndex.generation``: known only
# when every listed file's row was found current; every write of rows moves it on, and it never
# comes back), and reused only in a run whose rows are of that same generation: nothing in the
# project changed since. Every run revalidates the rows first, so a long-lived process (an
# editor) reuses nothing stale. SOT3xx keeps its own results (they also depend on installed
# packages); whether it had values to look at is kept here, so that a reused file whose values
# need no look skips the SOT1xx walk.
RESULTS = "checks-result"


class _Kept(NamedTuple):
    index: Any  # the ProjectIndex, or None: nothing is kept for this file
    key: str
    generation: int | None
    findings: list[Finding] | None  # SOT1xx and SOT2xx, reused; None: check the file
    looked: bool  # whether SOT3xx had values to look at


_NOTHING_KEPT = _Kept(None, "", None, None, False)


def _kept(checked: CheckedFile) -> _Kept:
    """*checked*'s kept SOT1xx and SOT2xx findings, when they were judged on this run's rows.
    Only a file with module-level classes (its SOT2xx reads the index anyway) in the project,
    not left out, is kept."""
    project = checked.project
    if checked.relative is None:
        return _NOTHING_KEPT
    try:
        if not _defines_classes(checked.tree) or project.is_left_out(checked.relative):
            return _NOTHING_KEPT
        project_index = project.index
        generation = project_index.generation
        if generation is None:
            return _NOTHING_KEPT
        key = blake2b_hex(f"{_code_stamp()}\0{project.root}\0{checked.relative}\0"
                          f"{tuple(checked.settings)!r}\0{checked.source}"
                          .encode("utf-8", "surrogatepass"))
        value = project_index.cache_get(RESULTS, key)
        findings = None
        if (isinstance(value, dict) and value.get("generation") == generation
                and type(value.get("looked")) is bool):
            findings = [Finding(*finding) for finding in value["findings"]]
            if not all(type(f.line) is int and type(f.col) is int and type(f.code) is str
                       and type(f.message) is str and type(f.end_line) is int
                       for f in findings):
                findings = None  # a foreign or corrupt entry: check the file
        return _Kept(project_index, key, generation, findings,
                     bool(findings is not None and value["looked"]))
    except Exception:  # noqa: BLE001 - reuse only saves work; never stop flake8
        return _NOTHING_KEPT


def _defines_classes(tree: ast.AST) -> bool:
    """Whether *tree* defines a module-level class (``index.module_level_classes``, without
    reading what each class is)."""
    return any(isinstance(node, ast.ClassDef)
               for node in own_statements(getattr(tree, "body", ())))


def _keep(kept: _Kept, findings: list[Finding], looked: bool, sot3_findings) -> None:
    """Keep *findings* (SOT1xx and SOT2xx) for the next run on the same rows; not when a check
    failed (SOT901)."""
    if kept.index is None or any(f.code == SOT901.code for f in (*findings, *sot3_findings)):
        return
    kept.index.cache_put(RESULTS, kept.key, {"generation": kept.generation, "looked": looked,
                                             "findings": [list(f) for f in findings]})


_CODE_STAMP: list[str] = []


def _code_stamp() -> str:
    """The plugin's own code, as the name, size and mtime of each of its modules (once per
    process: the code a process runs does not change): another version never reuses findings
    this one kept."""
    if not _CODE_STAMP:
        package = os.path.dirname(os.path.abspath(__file__))
        stamps = []
        for directory, subdirectories, names in os.walk(package):
            subdirectories.sort()
            for name in sorted(names):
                if name.endswith(".py"):
                    stat = os.stat(os.path.join(directory, name))
                    stamps.append(f"{os.path.relpath(os.path.join(directory, name), package)}"
                                  f" {stat.st_size} {stat.st_mtime_ns}")
        _CODE_STAMP.append(blake2b_hex("\n".join(stamps).encode("utf-8", "surrogatepass")))
    return _CODE_STAMP[0]


def _naming_existing_converters(checked: CheckedFile) -> CheckedFile:
    """*checked* as SOT3xx sees it: the fixes it proposes name only the converting helpers the
    project defines (its settings say so, and so its results cache key)."""
    settings = checked.settings
    defined = checked.project.helpers.defined_names
    converting = tuple(name for name in settings.converting_helpers if name in defined)
    if converting == settings.converting_helpers:
        return checked
    view = copy.copy(checked)
    view.settings = settings._replace(converting_helpers=converting)
    return view


def check_file(tree: ast.AST, lines: Sequence[str], filename: str, settings) -> list[Finding]:
    """Every family's findings for one file; the file's context is built here, once."""
    project = Project.for_path(filename, settings)
    checked = CheckedFile(project, filename, lines, tree)
    kept = _kept(checked)
    findings: list[Finding] = []  # SOT1xx and SOT2xx: what ``_kept`` keeps
    sot3_findings: list[Finding] = []
    looked = False
    if mentions_metadata(checked.source, settings):
        try:
            writes, sot3_findings, looked = _metadata_checks(checked, kept)
            findings += writes
        except RecursionError:
            findings.append(could_not_check("it is nested too deeply"))
        except Exception as error:  # noqa: BLE001 - never stop the flake8 run
            findings.append(_internal_error("metadata checks (SOT1xx, SOT3xx)", error))
    if kept.findings is None:
        try:
            findings += duplicates.check(checked)
        except Exception as error:  # noqa: BLE001 - never stop the flake8 run
            findings.append(_internal_error("duplicate-class check (SOT2xx)", error))
        _keep(kept, findings, looked, sot3_findings)
    else:
        findings = [*kept.findings, *findings]
    findings += sot3_findings
    project.save_index()
    unique = {(f.line, f.col, f.code, f.message): f for f in findings}
    findings = sorted(unique.values(), key=Finding.sort_key)
    if settings.baseline and findings:
        from flake8_ssot import baseline_run  # only projects that configure one

        # SOT901 is never accepted: a baseline must not hide a check that did not run.
        errors = [f for f in findings if f.code == SOT901.code]
        try:
            findings = errors + baseline_run.drop_baselined(
                [f for f in findings if f.code != SOT901.code], lines, filename, settings)
        except Exception as error:  # noqa: BLE001 - never stop the flake8 run
            LOG.warning("flake8-ssot: baseline not applied to %s: %r", filename, error)
    return findings
