"""Runs the rule families on one file; shared by the flake8 plugin and the command line tools.

Every family is guarded: an internal error is logged as a warning on stderr and costs that
family's findings for this file, never the flake8 run. A family is imported when a file first
needs it: a flake8 run on one file (pre-commit, an editor) pays only for what that file uses.
"""

from __future__ import annotations

import ast
import logging
from typing import Sequence

from flake8_ssot.rule import Finding
from flake8_ssot.rules import duplicates

LOG = logging.getLogger("flake8_ssot")


def _mentions_metadata(source: str, settings) -> bool:
    """Cheap text prefilter: most files never mention metadata or a helper, skip their walk."""
    words = (*settings.metadata_attributes,
             settings.helper("store-result"), settings.helper("store-batch"),
             settings.helper("append-list"), settings.helper("extend-list"))
    return any(word in source for word in words)


def check_file(tree: ast.AST, lines: Sequence[str], filename: str, settings) -> list[Finding]:
    source = "".join(lines)
    findings: list[Finding] = []
    if _mentions_metadata(source, settings):
        try:
            from flake8_ssot.rules import mutation  # most files never mention metadata

            visitor = mutation.check(tree, settings)
            findings += visitor.findings
            if visitor.value_sites:
                from flake8_ssot.rules import sot3  # only files that write metadata

                findings += sot3.check(source, filename, visitor.value_sites, settings, tree)
        except RecursionError:
            LOG.warning("flake8-ssot: %s is nested too deeply to check; skipped", filename)
        except Exception as error:  # noqa: BLE001 - never stop the flake8 run
            LOG.warning("flake8-ssot: internal error on %s: %r; skipped", filename, error)
    try:
        findings += duplicates.check(tree, filename, settings)
    except Exception as error:  # noqa: BLE001 - never stop the flake8 run
        LOG.warning("flake8-ssot: duplicate-class check failed on %s: %r", filename, error)
    unique = {(f.line, f.col, f.code, f.message): f for f in findings}
    findings = sorted(unique.values(), key=Finding.sort_key)
    if settings.baseline and findings:
        from flake8_ssot import baseline  # only projects that configure one

        try:
            findings = baseline.drop_baselined(findings, lines, filename, settings)
        except Exception as error:  # noqa: BLE001 - never stop the flake8 run
            LOG.warning("flake8-ssot: baseline not applied to %s: %r", filename, error)
    return findings
