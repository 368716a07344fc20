"""One fixture file per code (``tests/fixtures/sot101.py``, ...): the codes written on its lines
(``# expect: SOT101``) are exactly what flake8 prints for it, and nothing else. SOT2xx needs a
project: its fixture is ``tests/fixtures/sot2xx_project`` (test_duplicates.py)."""

from __future__ import annotations

import ast
import os
import re

import pytest

from flake8_ssot.registry import RULES
from helpers import FIXTURES, expected_in, reported, run_flake8

CODE_FIXTURES = sorted(FIXTURES.glob("sot[0-9][0-9][0-9].py"))
# Codes no single file can show: SOT2xx relates several modules, SOT901 is an internal failure.
NEEDS_A_PROJECT = ("SOT2", "SOT9")
_METADATA_WORD = re.compile(r"metadata|agent_context|\bmd\b")


@pytest.fixture(scope="module")
def printed() -> dict[str, set[tuple[int, int, str]]]:
    """``{fixture name: {(line, col, code)}}`` of ONE flake8 run over every fixture."""
    # A generous inference budget: these fixtures pin what is found, not how fast, and the
    # machines running the suite are shared.
    result = run_flake8("--isolated", "--select", "SOT", "--ssot-inference-budget", "60",
                        "--ssot-check-tests",
                        *map(str, CODE_FIXTURES))
    assert result.stderr == ""
    by_file: dict[str, set[tuple[int, int, str]]] = {path.name: set() for path in CODE_FIXTURES}
    for line in result.stdout.splitlines():
        by_file[os.path.basename(line.split(":", 1)[0])] |= reported(line + "\n")
    return by_file


@pytest.mark.parametrize("fixture", CODE_FIXTURES, ids=lambda p: p.name)
def test_fixture_reports_exactly_the_expected_codes(fixture, printed):
    assert printed[fixture.name] == expected_in(fixture)


def silent_statements(path) -> list[int]:
    """Lines of statements that touch metadata and expect nothing."""
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = {line for line, _, _ in expected_in(path)}
    return [node.lineno for node in ast.walk(ast.parse("\n".join(lines)))
            if isinstance(node, ast.stmt) and not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If))
            and node.lineno not in expected
            and _METADATA_WORD.search(ast.get_source_segment("\n".join(lines), node) or "")]


def test_every_code_a_file_can_show_has_a_fixture_with_positive_and_silent_lines():
    codes = {rule.code for rule in RULES if not rule.code.startswith(NEEDS_A_PROJECT)}
    assert {path.stem.upper() for path in CODE_FIXTURES} == codes
    for path in CODE_FIXTURES:
        assert path.stem.upper() in {code for _, _, code in expected_in(path)}, path.name
        assert silent_statements(path), f"{path.name} has no silent metadata statement"
