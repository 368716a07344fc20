"""flake8 report formats shipped with the plugin (``flake8.report`` entry points).

* ``--format=ssot-sarif``: SARIF 2.1.0 for GitHub code scanning and GitLab (``sarif`` says
  what GitHub needs of it). Results carry a level, a full region and two fingerprints: GitHub's
  ``primaryLocationLineHash`` and the baseline's statement fingerprint, so a finding keeps its
  identity when code above it moves.
* ``--format=ssot-records``: one JSON array a line, what ``flake8-ssot baseline`` and ``report``
  read (see ``commands.findings``).

flake8 imports every report plugin on every run, so this module imports nothing of its own at
import time: each formatter loads what it needs when it is used.
"""

from __future__ import annotations

import json
import sys

from flake8.formatting.base import BaseFormatter


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
    """One SARIF 2.1.0 log for the whole run, written when flake8 stops (``sarif`` builds it)."""

    def after_init(self) -> None:
        self.results: list[dict] = []
        self.occurrences: dict[tuple, int] = {}
        self.lines: dict[str, list[str]] = {}
        self.others: dict[str, str] = {}  # a message of each code, for rules not in the registry

    def start(self) -> None:
        # One document: an --output-file is replaced, not appended to as flake8 appends.
        if self.filename:
            self.output_fd = open(self.filename, "w", encoding="utf-8")

    def format(self, error) -> None:
        from flake8_ssot import sarif
        from flake8_ssot.baseline import fingerprint, normalised_statement

        lines = self._lines_of(error.filename)
        statement = normalised_statement(lines, error.line_number)
        key = (error.filename, error.code, fingerprint(statement))
        self.occurrences[key] = self.occurrences.get(key, 0) + 1
        self.others.setdefault(error.code, error.text)
        text = lines[error.line_number - 1] if 1 <= error.line_number <= len(lines) else None
        self.results.append({
            "ruleId": error.code,
            "level": sarif.level(error.code),
            "message": {"text": error.text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": error.filename},  # made relative in stop()
                "region": sarif.region(error.line_number, error.column_number, text),
            }}],
            # The same statement twice in a file: the second is ":2", as GitHub's own hashes do.
            "partialFingerprints": {sarif.STATEMENT_KEY: f"{key[2]}:{self.occurrences[key]}"},
        })
        return None

    def _is_stdin(self, filename: str) -> bool:
        return filename == self.options.stdin_display_name and "-" in self.options.filenames

    def _lines_of(self, filename: str) -> list[str]:
        if filename not in self.lines:
            from flake8 import utils

            from flake8_ssot.baseline import read_lines

            try:
                if self._is_stdin(filename):
                    self.lines[filename] = utils.stdin_get_value().splitlines(True)
                else:
                    self.lines[filename] = read_lines(filename)
            except (OSError, ValueError):
                self.lines[filename] = []
        return self.lines[filename]

    def _content_of(self, filename: str) -> str | None:
        """The text GitHub's upload hashes: the file as UTF-8 (the buffer for stdin)."""
        if self._is_stdin(filename):
            from flake8 import utils

            return utils.stdin_get_value()
        try:
            with open(filename, "rb") as handle:
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return None

    def _locate(self, root: str) -> None:
        from flake8_ssot import sarif

        by_file: dict[str, list[dict]] = {}
        for result in self.results:
            location = result["locations"][0]["physicalLocation"]
            filename = location["artifactLocation"]["uri"]
            by_file.setdefault(filename, []).append(result)
            location["artifactLocation"] = sarif.artifact_location(filename, root)
        for filename, results in by_file.items():
            content = self._content_of(filename)
            if content is None:
                continue
            lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"]
                     for r in results}
            hashes = sarif.line_hashes(content, lines)
            for result in results:
                line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
                if line in hashes:
                    result["partialFingerprints"][sarif.LINE_HASH_KEY] = hashes[line]

    def stop(self) -> None:
        from flake8_ssot import sarif

        root = sarif.repository_root()
        try:
            log = sarif.log(self.results, root, self.others)
        except sarif.TooManyResults as error:
            super().stop()
            print(f"flake8 --format=ssot-sarif: {error}", file=sys.stderr)
            raise SystemExit(2) from None
        self._locate(root)
        self._write(json.dumps(log, indent=2))
        super().stop()
