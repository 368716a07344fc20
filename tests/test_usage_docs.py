"""docs/usage.md as a user follows it: every snippet is run by a test (``RUN_BY`` says which, and
a test keeps that table complete), and a fresh repository adopts the plugin step by step from
the page: install pinned from the repository, configure, hook, baseline, fix, SARIF.

The repository a user installs from is a snapshot of this checkout, committed in a temporary
git repository (``helpers.hosted_snapshot``); its file URL and commit stand for the page's
``https://github.com/<owner>/flake8-ssot`` and ``<commit>``. pip and pre-commit install from it
with the package index this environment is configured with, as in CI.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from helpers import (READ_ONLY_BASE, REPO, git, hosted_snapshot, pinned, run_flake8, user_env,
                     write_tree)
from test_sarif import SCHEMA, github_problems

USAGE = REPO / "docs" / "usage.md"
E2E = "test_usage_docs.py::test_a_fresh_repository_adopts_the_plugin_as_the_page_says"
# A text each snippet contains -> the test that runs it.
CI = "test_ci_usage.py::"
PRE_COMMIT = "test_precommit.py::"
RUN_BY = {
    'flake8-ssot@<commit>"\n```': E2E,  # the install line alone
    "pip install ./flake8-ssot": E2E,
    "ssot-canonical-classes =": E2E,
    "ssot-store-result-helper = save_result": "test_usage_docs.py::test_the_ini_snippets",
    "select = E, F, W": "test_usage_docs.py::test_the_ini_snippets",
    ".flake8-ssot-cache/": E2E,
    "S1, S2, S3": CI + "test_extend_ignore_s_silences_sot_in_flake8_but_not_in_the_hook",
    'external = ["SOT"]':
        "test_usage_docs.py::test_ruff_keeps_sot_noqa_with_the_documented_setting",
    "      - id: flake8-ssot\n```": E2E,  # the page's hook, as written (```: its end)
    "language: python\n        additional_dependencies":
        PRE_COMMIT + "test_the_documented_local_hook_installs_the_pinned_repository",
    "language: system": PRE_COMMIT + "test_the_documented_local_system_hook",
    "files: ^services/api/":
        PRE_COMMIT + "test_the_documented_per_package_hook_applies_the_package_config_and_baseline",
    "runs-on: ubuntu-latest": E2E,
    "flake8-github-annotations": E2E,
    "--output-file=flake8-ssot.sarif": E2E,
    "--output-file=backend.sarif": E2E,
    '"pylsp"': "test_editors.py::test_pylsp_flake8_plugin_shows_the_unsaved_buffers_finding",
    '"flake8.importStrategy"':
        "test_editors.py::test_vscode_documentation_matches_the_tested_command_line",
    "flake8-ssot baseline             #": E2E,
    "[flake8]\nssot-baseline = .flake8-ssot-baseline.json\n```": E2E,
    '"files": {\n    "app/agents/report.py"': E2E,
    "flake8-ssot fix --all --write": E2E,
    "3 findings in 1 file: 2 baselined, 1 new":
        "test_baseline.py::test_report_counts_baselined_new_and_fixed",
}


def snippets() -> list[tuple[str, str]]:
    """``(language, text)`` of every fenced block of the page, indented ones dedented."""
    page = USAGE.read_text(encoding="utf-8")
    return [(m["language"], textwrap.dedent(m["text"]))
            for m in re.finditer(
                r"^(?P<indent> *)```(?P<language>\w*)\n(?P<text>.*?)^(?P=indent)```$",
                page, re.M | re.S)]


def has(text: str, marker: str) -> bool:
    """Whether a snippet has *marker*; a marker ending in ``` matches the snippet's end."""
    return marker in text + "```"


def snippet(marker: str) -> str:
    [text] = [text for _, text in snippets() if has(text, marker)]
    return text


def test_every_snippet_is_run_by_a_named_test():
    for language, text in snippets():
        runners = [RUN_BY[marker] for marker in RUN_BY if has(text, marker)]
        assert len(set(runners)) == 1, (language, text, runners)
    for marker, runner in RUN_BY.items():
        assert any(has(text, marker) for _, text in snippets()), f"no snippet has {marker!r}"
        module, name = runner.split("::")
        tree = ast.parse((REPO / "tests" / module).read_text(encoding="utf-8"))
        assert name in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


SOURCE = '''\
def handle(context):
    context.metadata["a"] = 1
'''


def test_the_ini_snippets(tmp_path):
    """The other configuration snippets, as flake8 reads them."""
    write_tree(tmp_path, READ_ONLY_BASE)  # SOT1xx needs a helper class to advise
    write_tree(tmp_path, {".flake8": snippet("ssot-store-result-helper = save_result"),
                          "agent.py": SOURCE.replace("context", "run_context")})
    named = run_flake8("--select=SOT", "agent.py", cwd=tmp_path)
    assert (named.returncode, named.stderr) == (1, "")
    assert "use save_result(run_context, key, value)" in named.stdout
    (tmp_path / ".flake8").unlink()
    write_tree(tmp_path, {"setup.cfg": snippet("select = E, F, W"), "agent.py": SOURCE})
    selected = run_flake8("agent.py", cwd=tmp_path)
    assert [line.split()[1] for line in selected.stdout.splitlines()] == ["SOT101"]


def test_ruff_keeps_sot_noqa_with_the_documented_setting(tmp_path):
    """RUF100 with --fix deletes a ``noqa`` whose other code is unused, the SOT code with it,
    and SOT101 comes back in flake8; with ``lint.external`` it keeps the SOT code. The real
    ruff from the package index."""
    ruff = str(Path(sys.executable).parent / "ruff")
    source = 'def handle(context):\n    context.metadata["a"] = 1  # noqa: SOT101, E501\n'
    write_tree(tmp_path, {"agent.py": source, **READ_ONLY_BASE})
    assert run_flake8("--select=SOT", "agent.py", cwd=tmp_path).stdout == ""

    def ruff_fix() -> str:
        subprocess.run([ruff, "check", "--select", "RUF100", "--fix", "agent.py"],
                       cwd=tmp_path, capture_output=True, text=True, env=user_env(), check=False)
        return (tmp_path / "agent.py").read_text()

    assert ruff_fix().endswith('context.metadata["a"] = 1\n')  # the whole noqa deleted
    assert "SOT101" in run_flake8("--select=SOT", "agent.py", cwd=tmp_path).stdout
    write_tree(tmp_path, {"agent.py": source, "pyproject.toml": snippet('external = ["SOT"]')})
    assert ruff_fix().endswith('context.metadata["a"] = 1  # noqa: SOT101\n')
    assert run_flake8("--select=SOT", "agent.py", cwd=tmp_path).stdout == ""


BASE = '''\
class BaseAgent:
    def store_metadata_result(self, context, key, value):
        context.metadata[key] = value

    def clear_metadata(self, context):
        context.metadata.clear()
'''
LEGACY = '''\
from app.base import BaseAgent


class ReportAgent(BaseAgent):
    def run(self, context):
        context.metadata["status"] = "running"
        context.metadata.clear()
'''


@pytest.fixture(scope="module")
def hosted(tmp_path_factory):
    """(the repository a user installs from, its commit, the environment of every step)."""
    home = tmp_path_factory.mktemp("home")
    env = user_env({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
                    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
                    "PRE_COMMIT_HOME": str(home / "pre-commit"), "PRE_COMMIT_COLOR": "never"})
    repository = tmp_path_factory.mktemp("hosted") / "flake8-ssot"
    repository.mkdir()
    return repository, hosted_snapshot(repository, env), env


def test_a_fresh_repository_adopts_the_plugin_as_the_page_says(hosted, tmp_path):
    repository, commit, env = hosted
    app = tmp_path / "app"
    write_tree(app, {"app/__init__.py": "", "app/base.py": BASE, "app/agents/report.py": LEGACY})
    git(app, "init", "-q", env=env)
    venv = tmp_path / "venv"  # the page's .venv, kept out of the linted tree here
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # Every step runs in the adopting repository's shell, its virtualenv first on PATH.
    shell_env = {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
                 "VIRTUAL_ENV": str(venv)}

    def sh(command: str, cwd: Path = app) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", command], cwd=cwd, env=shell_env,
                              capture_output=True, text=True, timeout=900)

    def ok(command: str, cwd: Path = app) -> subprocess.CompletedProcess:
        done = sh(command, cwd)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        return done

    # Install: pinned to a commit of the repository; the same from a local clone.
    ok(pinned(snippet('flake8-ssot@<commit>"\n```'), repository, commit))
    assert ok("flake8 --version").stdout.count("flake8-ssot: ") == 1
    clone = tmp_path / "clones"
    clone.mkdir()
    git(clone, "clone", "-q", str(repository), "flake8-ssot", env=env)
    ok("pip install --no-deps --force-reinstall " + snippet("pip install ./flake8-ssot")
       .split("pip install ", 1)[1], cwd=clone)
    # Configuration (it names the baseline before it is written), .gitignore, pre-commit.
    write_tree(app, {"setup.cfg": snippet("ssot-canonical-classes ="),
                     ".gitignore": snippet(".flake8-ssot-cache/"),
                     ".pre-commit-config.yaml": pinned(snippet("      - id: flake8-ssot\n```"),
                                                       repository, commit)})
    # The baseline section's configuration is part of it.
    assert set(snippet("[flake8]\nssot-baseline = .flake8-ssot-baseline.json\n```").splitlines()) \
        <= set((app / "setup.cfg").read_text().splitlines())
    lint = sh("flake8 --select=SOT .")
    assert (lint.returncode, lint.stderr) == (1, "")
    assert lint.stdout.count(" SOT1") == 2
    ok(f"{shlex.quote(sys.executable)} -m pre_commit install")
    git(app, "add", "-A", env=env)
    blocked = sh("git commit -q -m adopt")
    assert blocked.returncode == 1 and "SOT106" in blocked.stdout + blocked.stderr
    # The baseline, as the page writes it; then the commit passes.
    for line in snippet("flake8-ssot baseline             #").splitlines():
        ok(line.split("#", 1)[0])
    recorded = json.loads((app / ".flake8-ssot-baseline.json").read_text())
    documented = json.loads(snippet('"files": {\n    "app/agents/report.py"'))
    assert recorded["version"] == documented["version"]
    [entry] = [e for e in recorded["files"]["app/agents/report.py"] if e["code"] == "SOT101"]
    assert set(entry) == set(documented["files"]["app/agents/report.py"][0])
    assert entry["statement"] == "context.metadata['status']='running'"
    # The page's example entry is this statement's: its fingerprint too.
    assert entry["fingerprint"] == documented["files"]["app/agents/report.py"][0]["fingerprint"]
    git(app, "add", "-A", env=env)
    ok("git commit -q -m adopt")
    # A new direct write is blocked; the legacy ones are not.
    write_tree(app, {"app/agents/new.py": LEGACY.replace("ReportAgent", "NewAgent")})
    git(app, "add", "-A", env=env)
    assert sh("git commit -q -m new").returncode == 1
    git(app, "rm", "-q", "--cached", "app/agents/new.py", env=env)
    (app / "app" / "agents" / "new.py").unlink()
    # Migrating the baselined sites, then the baseline shrinks; CI's checks pass.
    for line in snippet("flake8-ssot fix --all --write").splitlines()[:2]:
        sh(line.split("#", 1)[0])
    assert "self.clear_metadata(context)" in (app / "app" / "agents" / "report.py").read_text()
    ok("flake8-ssot baseline --check")
    ok("flake8-ssot report --fail-on-new")
    git(app, "add", "-A", env=env)
    ok("git commit -q -m migrate")
    # CI: the job's install and flake8 steps, and the SARIF uploads' logs.
    job = snippet("runs-on: ubuntu-latest")
    for step in re.findall(r"^\s+(?:- )?run: (.*)$", job, re.M):
        ok(pinned(step, repository, commit) if "<commit>" in step else step)
    ok(pinned(re.search(r"- run: (pip install .*)", snippet("flake8-github-annotations"))[1],
              repository, commit))
    for marker in ("--output-file=flake8-ssot.sarif", "--output-file=backend.sarif"):
        command = re.search(r"- run: (flake8 .*)", snippet(marker))[1]
        (app / "backend").mkdir(exist_ok=True)
        write_tree(app, {"backend/agent.py": "def f(context):\n    context.metadata.clear()\n"})
        ok(command)
        log = json.loads((app / marker.split("=", 1)[1]).read_text())
        jsonschema.Draft7Validator(SCHEMA).validate(log)
        assert github_problems(log) == [] and log["runs"][0]["results"]
        (app / "backend" / "agent.py").unlink()
