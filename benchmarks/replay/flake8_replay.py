"""A flake8 plugin that checks nothing and reports what a saved run reported.

The yardstick for a plugin's own cost (``python benchmarks/compare.py --vs replay``): flake8
alone plus this plugin, made to report exactly the findings the plugin's run reported (the same
paths, lines, columns and messages), pays flake8's cost of reporting them: the second tokenize of
each file that has a finding (``FileProcessor._noqa_line_mapping``, for ``# noqa``), the results
sent back from the ``--jobs`` workers, sorted, filtered and printed. So the plugin's run less this
one is the plugin's own work. Installed only into ``benchmarks/.corpus/venv-replay``, never with
the plugin (flake8 runs every installed plugin).

``--replay-findings FILE``: flake8's default output (``path:line:col: CODE text``), read once
per process the first time a file is checked; every line of it is reported again on its file.
"""

from __future__ import annotations

import ast
import re
from typing import Iterator

__version__ = "1.0"

FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<text>[A-Z]+[0-9]+ .*)$")

# path -> [(line, column from 0, "CODE text")]: read once per process (a module global, as the
# plugin under measurement keeps what it reads for the run).
_FINDINGS: dict[str, list[tuple[int, int, str]]] | None = None


def read_findings(path: str) -> dict[str, list[tuple[int, int, str]]]:
    findings: dict[str, list[tuple[int, int, str]]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            match = FINDING.match(line.rstrip("\n"))
            if match:
                findings.setdefault(match["path"], []).append(
                    (int(match["line"]), int(match["col"]) - 1, match["text"]))
    return findings


class Replay:
    name = "flake8-replay"
    version = __version__
    findings_file = ""

    def __init__(self, tree: ast.AST, filename: str):
        self.filename = filename

    @classmethod
    def add_options(cls, manager) -> None:
        manager.add_option("--replay-findings", default="", metavar="FILE",
                           help="report again every finding of this saved flake8 output")

    @classmethod
    def parse_options(cls, options) -> None:
        cls.findings_file = options.replay_findings

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        global _FINDINGS
        if not self.findings_file:
            return
        if _FINDINGS is None:
            _FINDINGS = read_findings(self.findings_file)
        for line, column, text in _FINDINGS.get(self.filename, ()):
            yield line, column, text, type(self)
