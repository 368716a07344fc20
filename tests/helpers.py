"""The test toolkit, the one place every test file takes its tools from.

- ``write_tree`` builds a project (optionally a git repository) from ``{path: text}``;
- ``run_flake8`` and ``run_ssot`` run the installed console scripts, as a user's shell does;
- ``user_env`` is the environment every child process gets;
- ``reported`` and ``expected_in`` read what flake8 printed and what a fixture expects;
- ``code_blocks`` gives the snippets of a docs page, so the docs are tested as users copy them.

Tests that exercise an internal function (the property tests, the index API, ``fix_source``)
call it in-process; everything a user runs goes through the real command line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent
BIN = Path(sys.executable).parent
FLAKE8 = str(BIN / "flake8")
FLAKE8_SSOT = str(BIN / "flake8-ssot")

_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>SOT\d{3}(?::\d+)?(?:\s*,\s*SOT\d{3}(?::\d+)?)*)")
_OUTPUT = re.compile(r"^(?P<path>.*?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ", re.M)
# Variables of the shell running the suite that would change what a child process does: where
# Python finds modules and what it runs first, and, when the suite runs inside a git hook, which
# repository and index `git` (so the project listing) reads.
_NOT_INHERITED = ("PYTHONPATH", "PYTHONSAFEPATH", "PYTHONSTARTUP")
_NOT_INHERITED_PREFIXES = ("GIT_", "PRE_COMMIT")


def user_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a user's shell: this one without the variables above, plus *extra*."""
    env = {key: value for key, value in os.environ.items()
           if key not in _NOT_INHERITED and not key.startswith(_NOT_INHERITED_PREFIXES)}
    return {**env, **(extra or {})}


def run_flake8(*args: str, cwd: Path | str | None = None, stdin: str | None = None,
               env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed ``flake8`` console script; never raises on findings. (Not ``python -m
    flake8``, which would put the checked project first on ``sys.path``.)"""
    return subprocess.run([FLAKE8, *args], cwd=str(cwd) if cwd else None, input=stdin,
                          capture_output=True, text=True, env=user_env(env), timeout=timeout)


def run_ssot(*args: str, cwd: Path | str | None = None, env: dict | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed ``flake8-ssot`` console script."""
    return subprocess.run([FLAKE8_SSOT, *args], cwd=str(cwd) if cwd else None,
                          capture_output=True, text=True, env=user_env(env), timeout=timeout)


def git(root: Path, *args: str, env: dict | None = None) -> str:
    """``git *args`` in *root* with a fixed identity and no user config; its stdout."""
    env = user_env({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
                    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
                    **(env or {})})
    result = subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=root, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def write_tree(root: Path, files: dict[str, str | bytes], *, commit: bool = False) -> Path:
    """Write ``{relative path: text or bytes}`` under *root* (directories made as needed); with
    *commit*, *root* becomes a git repository whose first commit holds those files."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if commit:
        git(root, "init", "-q")
        git(root, "add", "--", *files)
        git(root, "commit", "-qm", "initial")
    return root


# What docs/usage.md writes for the flake8-ssot repository and the commit a user pins.
DOCUMENTED_REPOSITORY = "https://github.com/<owner>/flake8-ssot"
DOCUMENTED_COMMIT = "<commit>"
# Where the project keeps what installing it does not need.
NOT_IN_SNAPSHOT = ("tests/", "benchmarks/", "examples/", "docs/", ".ci/")


def hosted_snapshot(destination: Path, env: dict | None = None) -> str:
    """This checkout's working tree (what a test runs: uncommitted changes included) committed
    as a git repository at *destination*, as an organisation hosts flake8-ssot; its commit."""
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard", env=env)
    for relative in filter(None, listed.split("\0")):
        source = REPO / relative
        if relative.startswith(NOT_IN_SNAPSHOT) or not source.is_file():
            continue
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        destination.joinpath(relative).write_bytes(source.read_bytes())
        os.chmod(destination / relative, source.stat().st_mode)
    git(destination, "init", "-q", env=env)
    git(destination, "add", "-A", env=env)
    git(destination, "commit", "-q", "-m", "snapshot", env=env)
    return git(destination, "rev-parse", "HEAD", env=env).strip()


def pinned(snippet: str, repository: Path, commit: str) -> str:
    """A docs snippet with the documented repository URL and commit replaced by *repository*
    (a local git repository, as a file URL: pip's ``git+file://`` and pre-commit take it) and
    *commit*: the snippet as a user fills it in. (``file://localhost/``: the pip a Python's own
    venv brings may refuse a ``git+file:///`` requirement; git takes both.)"""
    assert DOCUMENTED_REPOSITORY in snippet or DOCUMENTED_COMMIT in snippet, snippet
    url = "file://localhost" + repository.resolve().as_posix()
    return snippet.replace(DOCUMENTED_REPOSITORY, url).replace(DOCUMENTED_COMMIT, commit)


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


def code_blocks(markdown: Path, language: str) -> list[str]:
    """The fenced code blocks of *language* in a docs page: the snippets users copy, tested."""
    return re.findall(rf"^```{language}\n(.*?)^```$", markdown.read_text(encoding="utf-8"),
                      re.M | re.S)


# A project mid-migration with one helper, the read: SOT1xx reports only in a project with a
# helper class (one defining a helper), so every project a SOT1xx test writes has one.
READ_ONLY_BASE = {"base_agent.py": "class BaseAgent:\n"
                                   "    def get_metadata_value(self, context, key, default=None):\n"
                                   "        return context.metadata.get(key, default)\n"}
# How a SOT1xx message names where a missing helper goes, in such a project.
READ_ONLY_HOLDER = "BaseAgent (base_agent.py:1)"


def full_base() -> str:
    """A ``BaseAgent`` module with every helper, as ``flake8-ssot helpers`` prints them."""
    from flake8_ssot.commands.helpers import implementation
    from flake8_ssot.options import HELPERS, Settings

    settings = Settings()
    methods = "\n\n".join(implementation(helper, settings) for helper in HELPERS)
    return f"import copy\n\n\nclass BaseAgent:\n{methods}\n"


# -- an editor's long-lived process ------------------------------------------------------------

_DRIVER = textwrap.dedent('''\
    import contextlib, io, json, os, runpy, subprocess, sys

    results = []
    for step in json.loads(sys.argv[1]):
        for path, text in step.get("files", {}).items():
            if text is None:
                os.remove(path)
            else:
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                with open(path, "w") as handle:
                    handle.write(text)
        for command in step.get("commands", []):  # e.g. `flake8-ssot baseline` in a terminal
            subprocess.run([sys.executable, *command], check=True, capture_output=True)
        exec(step.get("python", ""))  # e.g. a rule family made to fail, in this process
        stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # flake8 writes to .buffer
        stderr = io.StringIO()
        sys.argv = ["flake8", *step["flake8"]]
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                runpy.run_module("flake8", run_name="__main__", alter_sys=True)
                status = 0
            except SystemExit as stop:
                status = stop.code
        stdout.flush()
        results.append({"status": status, "stdout": stdout.buffer.getvalue().decode(),
                         "stderr": stderr.getvalue()})
    print(json.dumps(results))
''')


def run_in_one_process(project: Path, steps: list[dict]) -> list[dict]:
    """Run flake8 several times in ONE Python process, as VS Code's flake8 extension does
    (``runpy.run_module("flake8")`` in its language server). Each step applies its file changes
    (``{"files": {path: text or None}}``), its ``commands`` and ``python``, then runs ``flake8``
    with its argv; the result is each step's ``{"status", "stdout", "stderr"}``."""
    driver = project / ".driver.py"
    driver.write_text(_DRIVER)
    result = subprocess.run([sys.executable, str(driver), json.dumps(steps)], cwd=project,
                            capture_output=True, text=True, env=user_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
