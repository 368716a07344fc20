"""flake8 report formats shipped with the plugin (``flake8.report`` entry points).

* ``--format=ssot-sarif``: SARIF 2.1.0 for GitHub code scanning and GitLab. Rules carry their
  summary, why and help from the registry, results a level and a ``partialFingerprints`` entry
  computed from the statement (the baseline's fingerprint), so a finding keeps its identity when
  code above it moves.
* ``--format=ssot-records``: one JSON array a line, what ``flake8-ssot baseline`` and ``report``
  read (see ``commands.findings``).

flake8 imports every report plugin on every run, so this module imports nothing of its own at
import time: each formatter loads what it needs when it is used.
"""

from __future__ import annotations

import json
import os

from flake8.formatting.base import BaseFormatter

from flake8_ssot import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# Where each code's documentation is: its section of docs/rules.md.
RULES_URL = f"https://github.com/flake8-ssot/flake8-ssot/blob/v{__version__}/docs/rules.md"
# SARIF levels per family: SOT3xx values fail at run time, SOT9xx is a check that did not run.
LEVELS = {"SOT1": "warning", "SOT2": "warning", "SOT3": "error", "SOT9": "error"}
FINGERPRINT = "flake8-ssot/statement/v1"


class _Quiet(BaseFormatter):
    """A formatter whose stdout carries one machine-readable document: no source lines,
    statistics or benchmarks in between, whatever the configuration asks for."""

    def show_source(self, error) -> None:
        return None

    def show_statistics(self, statistics) -> None:
        pass

    def show_benchmarks(self, benchmarks) -> None:
        pass


class RecordsFormatter(_Quiet):
    """``["checked", path]`` for every file flake8 checked, ``["finding", path, row, col, code,
    text]`` for every finding, one JSON array a line on stdout."""

    def after_init(self) -> None:
        self.filename = None  # an ``output-file`` in the config must not take the records away

    def beginning(self, filename: str) -> None:
        self._write(json.dumps(["checked", filename]))

    def format(self, error) -> str:
        return json.dumps(["finding", error.filename, error.line_number, error.column_number,
                           error.code, error.text])


class SarifFormatter(_Quiet):
    """One SARIF 2.1.0 log for the whole run, written when flake8 stops."""

    def after_init(self) -> None:
        self.results: list[dict] = []
        self.occurrences: dict[tuple, int] = {}
        self.lines: dict[str, list[str]] = {}

    def format(self, error) -> None:
        from flake8_ssot.baseline import fingerprint, normalised_statement

        statement = normalised_statement(self._lines_of(error.filename), error.line_number)
        key = (error.filename, error.code, fingerprint(statement))
        self.occurrences[key] = self.occurrences.get(key, 0) + 1
        self.results.append({
            "ruleId": error.code,
            "level": _level(error.code),
            "message": {"text": error.text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(error.filename), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(error.line_number, 1),
                           "startColumn": max(error.column_number, 1)},
            }}],
            # The same statement twice in a file: the second is ":2", as GitHub's own hashes do.
            "partialFingerprints": {FINGERPRINT: f"{key[2]}:{self.occurrences[key]}"},
        })
        return None

    def _lines_of(self, filename: str) -> list[str]:
        if filename not in self.lines:
            from flake8 import utils

            from flake8_ssot.baseline import read_lines

            try:
                if (filename == self.options.stdin_display_name
                        and "-" in self.options.filenames):
                    self.lines[filename] = utils.stdin_get_value().splitlines(True)
                else:
                    self.lines[filename] = read_lines(filename)
            except (OSError, ValueError):
                self.lines[filename] = []
        return self.lines[filename]

    def stop(self) -> None:
        self._write(json.dumps(sarif_log(self.results), indent=2))
        super().stop()


def _level(code: str) -> str:
    return LEVELS.get(code[:4], "warning")


def _uri(filename: str) -> str:
    """A path relative to the directory flake8 ran in (``%SRCROOT%``), with ``/``."""
    relative = os.path.relpath(os.path.abspath(filename)) if os.path.isabs(filename) else filename
    relative = relative.replace(os.sep, "/")
    return relative[2:] if relative.startswith("./") else relative


def sarif_log(results: list[dict]) -> dict:
    from flake8_ssot.registry import RULES

    rules = [_rule(rule) for rule in RULES]
    known = {rule.code for rule in RULES}
    for code in sorted({result["ruleId"] for result in results} - known):
        rules.append({"id": code, "defaultConfiguration": {"level": _level(code)}})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "flake8-ssot", "version": __version__,
                                "informationUri": RULES_URL.rsplit("/blob/", 1)[0],
                                "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _rule(rule) -> dict:
    markdown = (f"**{rule.summary}**\n\n{rule.why}\n\nReported:\n\n```python\n{rule.example}\n"
                f"```\n\nInstead:\n\n```python\n{rule.instead}\n```")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "helpUri": f"{RULES_URL}#{rule.code.lower()}",
        "help": {"text": f"{rule.summary} {rule.why}", "markdown": markdown},
        "defaultConfiguration": {"level": _level(rule.code)},
    }
