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
from typing import Sequence

from flake8_ssot.project import CheckedFile, Project
from flake8_ssot.rule import Finding, Rule
from flake8_ssot.rules import duplicates
from flake8_ssot.rules.bodies import mentions_metadata  # the file gate (``map`` counts by it)

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
    findings: list[Finding] = []
    if mentions_metadata(checked.source, settings):
        try:
            from flake8_ssot.rules import mutation  # most files never mention metadata

            visitor = mutation.check(tree, settings, project.context_rules, checked.source)
            if visitor.writes and _checks_writes(checked):
                from flake8_ssot.rules.advice import Advisor

                helpers = project.helpers
                advisor = Advisor(settings, helpers.defined_at, helpers.holder)
                findings += [advisor.finding(write) for write in visitor.writes]
            if visitor.value_sites:
                from flake8_ssot.rules import sot3  # only files that write metadata

                findings += sot3.check(_naming_existing_converters(checked), visitor.value_sites)
        except RecursionError:
            findings.append(could_not_check("it is nested too deeply"))
        except Exception as error:  # noqa: BLE001 - never stop the flake8 run
            findings.append(_internal_error("metadata checks (SOT1xx, SOT3xx)", error))
    try:
        findings += duplicates.check(checked)
    except Exception as error:  # noqa: BLE001 - never stop the flake8 run
        findings.append(_internal_error("duplicate-class check (SOT2xx)", error))
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
