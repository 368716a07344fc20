"""Shared helpers: every test meets the plugin the way a user does, through the flake8 CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent

_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>SOT\d{3}(?::\d+)?(?:\s*,\s*SOT\d{3}(?::\d+)?)*)")
_OUTPUT = re.compile(r"^(?P<path>.*?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ", re.M)


def run_flake8(*args: str, cwd: Path | str | None = None, stdin: str | None = None,
               env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real ``flake8`` command line; never raises on findings."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTHONSAFEPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        cwd=str(cwd) if cwd else None, input=stdin, capture_output=True, text=True,
        env=full_env, timeout=timeout,
    )


def run_ssot(*args: str, cwd: Path | str | None = None, timeout: float = 300
             ) -> subprocess.CompletedProcess:
    """Run the real ``flake8-ssot`` command (as ``python -m flake8_ssot.cli``)."""
    env = {**os.environ}
    env.pop("PYTHONSAFEPATH", None)
    return subprocess.run([sys.executable, "-m", "flake8_ssot.cli", *args],
                          cwd=str(cwd) if cwd else None, capture_output=True, text=True,
                          env=env, timeout=timeout)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under *root* (directories made as needed)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def reported(output: str) -> set[tuple[int, int, str]]:
    """``{(line, col, code)}`` as flake8 printed them."""
    return {(int(m["line"]), int(m["col"]), m["code"]) for m in _OUTPUT.finditer(output)}


def expected_in(path: Path) -> set[tuple[int, int, str]]:
    """Parse ``# expect: SOT101`` (column = the statement's indentation) or ``SOT101:9``."""
    expected = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if not match:
            continue
        for item in match["codes"].split(","):
            code, _, col = item.strip().partition(":")
            default_col = len(line) - len(line.lstrip()) + 1
            expected.add((number, int(col) if col else default_col, code))
    return expected


@pytest.fixture
def flake8():
    return run_flake8


def code_blocks(markdown: Path, language: str) -> list[str]:
    """The fenced code blocks of *language* in a docs page: the snippets users copy, tested."""
    return re.findall(rf"^```{language}\n(.*?)^```$", markdown.read_text(encoding="utf-8"),
                      re.M | re.S)
