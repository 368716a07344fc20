"""The flake8 entry point: thin on purpose. Options live in ``options``, rules in ``rules``."""

from __future__ import annotations

import ast
import os
from typing import Any, Iterator, Sequence

from flake8_ssot import __version__, counter, options, project
from flake8_ssot.checker import check_file
from flake8_ssot.rules.duplicates import OFF_BY_DEFAULT


class SsotChecker:
    name = "flake8-ssot"
    version = __version__
    settings = options.Settings()

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]):
        # flake8 hands over the tree and lines of what it checks (an editor buffer on stdin
        # included): the plugin never reopens ``filename``.
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        options.register(option_manager)
        # Judgement calls a project turns on with --extend-select (like pycodestyle's W503).
        option_manager.extend_default_ignore(OFF_BY_DEFAULT)

    @classmethod
    def parse_options(cls, parsed: Any) -> None:
        # A new run: projects and their indexes are revalidated against the disk (an editor
        # may run flake8 many times in one process).
        project.begin_run()
        cls.settings = options.settings_from_flake8(parsed, OFF_BY_DEFAULT)
        if cls.settings.baseline:
            from flake8_ssot import baseline_run  # only projects that configure one

            # This run's --config; the file is read again (by a flake8 run, not a command).
            baseline_run.begin_run(cls.settings, load=not project.parsing_for_a_command())

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for finding in check_file(self.tree, self.lines, self.filename, self.settings):
            yield finding.line, finding.col, finding.message, type(self)
        if counter.ENV in os.environ:
            counter.tick(os.environ[counter.ENV])
