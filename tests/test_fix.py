"""``flake8-ssot fix``: golden before/after pairs, idempotence, the manual list, and a real
migration of the sample tree whose own tests must still pass afterwards.

Every run goes through the real command line in a subprocess, on copies in tmp directories.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import (REPO, code_blocks, full_base, reported, run_flake8, run_ssot, user_env,
                     write_tree)

GOLDEN = Path(__file__).parent / "golden" / "fix"
SAMPLE = REPO / "examples" / "agents"
_MANUAL_MARK = re.compile(r"#\s*manual:\s*(?P<code>SOT\d{3})")
_MANUAL_SITE = re.compile(r"^  (?P<path>\S+?):(?P<line>\d+): (?P<code>SOT\d{3})$", re.M)


def run_fix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_ssot("fix", *args, cwd=cwd, timeout=120)


def manual_marks(directory: Path) -> set[tuple[str, int, str]]:
    """``{(file name, line, code)}`` of the ``# manual: SOT1xx`` comments under *directory*."""
    marks = set()
    for path in sorted(directory.glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _MANUAL_MARK.search(line)
            if match:
                marks.add((path.name, number, match["code"]))
    return marks


def listed_manual(output: str) -> set[tuple[str, int, str]]:
    return {(Path(m["path"]).name, int(m["line"]), m["code"])
            for m in _MANUAL_SITE.finditer(output)}


def manual_by_reason(output: str) -> dict[str, set[str]]:
    """``{reason: {"path:line: CODE", ...}}`` from the grouped list."""
    groups: dict[str, set[str]] = {}
    reason = None
    for line in output.splitlines():
        heading = re.match(r"^\d+ sites? to change by hand: (.+)$", line)
        if heading:
            reason = heading[1]
            groups[reason] = set()
        elif line.startswith("  ") and reason is not None:
            groups[reason].add(line.strip())
    return groups


MANUAL = manual_marks(GOLDEN / "before")  # {(file, line, code)}: a line may hold two sites


@pytest.fixture(scope="module")
def golden_project(tmp_path_factory) -> Path:
    """A project with the golden *before* files in ``code/`` and an empty flake8 config."""
    root = tmp_path_factory.mktemp("golden")
    shutil.copytree(GOLDEN / "before", root / "code")
    write_tree(root, {"setup.cfg": "[flake8]\n", "agentsvc/__init__.py": "",
                      "agentsvc/base_agent.py": full_base()})
    return root


@pytest.fixture(scope="module")
def dry_run(golden_project):
    return run_fix("code", cwd=golden_project)


@pytest.fixture(scope="module")
def written(golden_project, dry_run):
    return run_fix("--write", "code", cwd=golden_project)


def test_dry_run_prints_a_diff_and_changes_nothing(golden_project, dry_run):
    assert dry_run.returncode == 1, dry_run.stderr
    for path in (GOLDEN / "before").glob("*.py"):
        assert (golden_project / "code" / path.name).read_bytes() == path.read_bytes()
    assert "--- a/code/counter.py\n+++ b/code/counter.py\n" in dry_run.stdout
    lines = dry_run.stdout.splitlines()
    assert '-        context.metadata["tokens"]  +=  len(tokens)  # odd spacing, a comment' in lines
    assert ('+        self.increment_metadata_counter(context, "tokens", len(tokens))'
            '  # odd spacing, a comment') in lines
    # stdout is the diff alone (for `git apply`); the manual list and the summary go to stderr.
    assert "to change by hand" not in dry_run.stdout
    sites = len(_MANUAL_SITE.findall(dry_run.stderr))
    assert re.search(r"^\d+ sites to rewrite in 7 files, %d to change by hand\. Next: review "
                     r"the diff" % sites, dry_run.stderr, re.M)


@pytest.mark.parametrize("name", sorted(p.name for p in (GOLDEN / "before").glob("*.py")))
def test_write_produces_the_golden_after_file(golden_project, written, name):
    assert written.returncode == 1, written.stderr
    assert (golden_project / "code" / name).read_text(encoding="utf-8") == \
        (GOLDEN / "after" / name).read_text(encoding="utf-8")


def test_write_reports_each_file_and_a_summary(written):
    assert "Rewriting code/lists.py (7 sites)\n" in written.stdout
    sites = len(_MANUAL_SITE.findall(written.stdout))
    assert re.search(r"^\d+ sites rewritten in 7 files, %d to change by hand\. Next: review "
                     r"`git diff`" % sites, written.stdout, re.M)
    assert written.stderr == ""


def test_unsafe_sites_are_grouped_by_reason(golden_project, dry_run):
    assert listed_manual(dry_run.stderr) == MANUAL
    groups = manual_by_reason(dry_run.stderr)
    assert groups["writes through the alias `md`: call the helper on the context itself"] == {
        "code/unsafe.py:30: SOT101"}
    assert groups["the value of .pop() is used; read it with the get helper, then remove the "
                  "key"] == {"code/removal.py:11: SOT105"}
    assert "code/unsafe.py:12: SOT101" in groups[
        "not directly in a method of a class that has the helpers (self.store_metadata_result "
        "is not there)"]
    assert re.search(r"^3 sites to change by hand: not directly in a method", dry_run.stderr,
                     re.M)


def test_fixing_fixed_code_changes_nothing(golden_project, written):
    again = run_fix("--write", "code", cwd=golden_project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Rewriting" not in again.stdout
    for path in (GOLDEN / "after").glob("*.py"):
        assert (golden_project / "code" / path.name).read_bytes() == path.read_bytes()
    assert listed_manual(again.stdout) == manual_marks(GOLDEN / "after")
    sites = len(_MANUAL_SITE.findall(again.stdout))
    assert "0 sites rewritten in 0 files, %d to change by hand." % sites in again.stdout


def test_flake8_reports_only_the_manual_sites_after_the_fix(golden_project, written):
    result = run_flake8("--select=SOT1", "code", cwd=golden_project)
    by_file = {(Path(m[1]).name, int(m[2]), m[3])
               for m in re.finditer(r"^(.+?):(\d+):\d+: (SOT\d+) ", result.stdout, re.M)}
    assert by_file == manual_marks(GOLDEN / "after")


def test_files_with_syntax_errors_are_skipped_with_a_message(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\n", encoding="utf-8")
    broken = "class A(BaseAgent):\n    def run(self, context):\n        context.metadata['k'] = (\n"
    (tmp_path / "broken.py").write_text(broken, encoding="utf-8")
    shutil.copy(GOLDEN / "before" / "counter.py", tmp_path / "counter.py")
    write_tree(tmp_path, {"agentsvc/__init__.py": "", "agentsvc/base_agent.py": full_base()})
    result = run_fix("--write", "broken.py", "counter.py", cwd=tmp_path)
    assert result.returncode == 1
    # The message after "line" is Python's own, and differs between Python versions.
    assert re.fullmatch(r"broken\.py: syntax error at line \d+ \(.+\), skipped\n", result.stderr)
    assert (tmp_path / "broken.py").read_text(encoding="utf-8") == broken
    assert (tmp_path / "counter.py").read_bytes() == (GOLDEN / "after" / "counter.py").read_bytes()
    assert not list(tmp_path.glob("*.tmp"))  # no temporary file left behind


def test_helper_names_and_classes_come_from_the_flake8_config(tmp_path):
    write_tree(tmp_path, {
        "setup.cfg": "[flake8]\nssot-helper-classes = AgentBase\n"
                     "ssot-store-result-helper = save_result\nssot-context-names = run_state\n",
        "base.py": "class AgentBase:\n    def save_result(self, run_state, key, value):\n"
                   "        run_state.metadata[key] = value\n",
        "agent.py": "from base import AgentBase\n\n\n"
                    "class Agent(AgentBase):\n"
                    "    def run(self, run_state, context):\n"
                    "        run_state.metadata['k'] = 1\n"
                    "        context.metadata['not_a_context_here'] = 1\n"})
    result = run_fix("--write", "agent.py", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (tmp_path / "agent.py").read_text(encoding="utf-8") == (
        "from base import AgentBase\n\n\n"
        "class Agent(AgentBase):\n"
        "    def run(self, run_state, context):\n"
        "        self.save_result(run_state, 'k', 1)\n"
        "        context.metadata['not_a_context_here'] = 1\n")


def test_nothing_to_do_exits_zero(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\n", encoding="utf-8")
    shutil.copy(GOLDEN / "after" / "lists.py", tmp_path / "lists.py")
    result = run_fix("lists.py", cwd=tmp_path)
    assert result.returncode == 0
    assert "---" not in result.stdout


def test_sample_tree_keeps_its_behaviour_with_the_real_helpers(tmp_path):
    project = tmp_path / "agents"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache*"))
    result = run_fix("--write", ".", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "\n10 sites rewritten in 2 files, 4 to change by hand. Next:" in result.stdout
    reporting = (project / "agentsvc" / "agents" / "reporting.py").read_text(encoding="utf-8")
    assert "not in context.metadata" not in reporting  # the list guard went away
    assert '        self.append_metadata_list(context, "steps", "reporting")\n' in reporting
    data_helper = (project / "agentsvc" / "agents" / "data_helper.py").read_text(encoding="utf-8")
    assert "import copy" not in data_helper  # only the rewritten deepcopy used it

    remaining = run_flake8("--select=SOT1", ".", cwd=project)
    assert reported(remaining.stdout) == {
        (11, 9, "SOT101"), (12, 9, "SOT107"), (13, 9, "SOT108"),  # data_helper.py: alias, nested
        (21, 9, "SOT105"),  # reporting.py: `draft = context.metadata.pop(...)`, value used
    }
    assert listed_manual(result.stdout) == {
        ("data_helper.py", 13, "SOT101"), ("data_helper.py", 14, "SOT107"),
        ("data_helper.py", 15, "SOT108"), ("reporting.py", 23, "SOT105"),
    }

    env = {**os.environ}
    env.pop("PYTHONPATH", None)
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project, capture_output=True, text=True, env=env, timeout=120)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout


def test_the_documented_example_is_what_the_command_prints(tmp_path):
    project = tmp_path / "agents"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache*"))
    result = run_fix("agentsvc/agents/reporting.py", cwd=project)
    diff, = [block for block in code_blocks(REPO / "docs" / "fix.md", "diff")
             if "reporting.py" in block]
    [listed] = [block for block in code_blocks(REPO / "docs" / "fix.md", "text")
                if "reporting.py" in block]
    assert result.stdout == diff
    assert result.stderr == listed
    assert result.returncode == 1


def fix_hook_repository(root: Path, files: dict[str, str]):
    """A git repository at *root* whose pre-commit config runs the ``flake8-ssot-fix`` entry of
    .pre-commit-hooks.yaml as a local hook (``language: system``: no hook virtualenv to build,
    so no network needed), with *files* and a ``BaseAgent`` with every helper; ``run(*command)``
    runs a command there."""
    [hook] = [h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
              if h["id"] == "flake8-ssot-fix"]
    local = {key: hook[key] for key in ("id", "name", "entry", "types")}
    config = {"repos": [{"repo": "local", "hooks": [{**local, "language": "system"}]}]}
    write_tree(root, {".pre-commit-config.yaml": yaml.safe_dump(config), **files,
                      "agentsvc/__init__.py": "", "agentsvc/base_agent.py": full_base()})
    env = user_env({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                    "PRE_COMMIT_HOME": str(root / ".pre-commit-home"),
                    "PRE_COMMIT_COLOR": "never",
                    "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]})

    def run(*command):
        return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                              timeout=120)

    assert run("git", "init", "-q").returncode == 0
    return run


def test_the_manifest_hook_rewrites_staged_files_and_fails_the_commit(tmp_path):
    """The ``flake8-ssot-fix`` entry of .pre-commit-hooks.yaml, run by the real pre-commit as a
    local hook (``language: system``: no hook virtualenv to build, so no network needed)."""
    run = fix_hook_repository(tmp_path, {"setup.cfg": "[flake8]\n"})
    shutil.copy(GOLDEN / "before" / "counter.py", tmp_path / "counter.py")
    staged = run("git", "add", ".pre-commit-config.yaml", "setup.cfg", "counter.py", "agentsvc")
    assert staged.returncode == 0
    first = run(sys.executable, "-m", "pre_commit", "run")
    assert first.returncode == 1, first.stdout + first.stderr
    assert re.search(r"^flake8-ssot fix\.+Failed$", first.stdout, re.M)
    assert "files were modified by this hook" in first.stdout
    assert (tmp_path / "counter.py").read_bytes() == (GOLDEN / "after" / "counter.py").read_bytes()
    assert run("git", "add", "counter.py").returncode == 0
    second = run(sys.executable, "-m", "pre_commit", "run")
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"^flake8-ssot fix\.+Passed$", second.stdout, re.M)


def test_the_fix_hook_leaves_baselined_sites_alone_until_the_migration(tmp_path):
    """A legacy file whose sites the baseline accepts: editing its docstring commits through the
    ``flake8-ssot-fix`` hook unchanged; ``fix --all --write`` migrates them, and rewriting the
    baseline then shrinks it (docs/usage.md, "Migrating the baselined sites")."""
    legacy = ('"""Legacy."""\n\nfrom agentsvc.base_agent import BaseAgent\n\n\n'
              "class Legacy(BaseAgent):\n    def run(self, context):\n"
              '        context.metadata["a"] = 1\n        context.metadata.clear()\n')
    run = fix_hook_repository(tmp_path, {
        "setup.cfg": "[flake8]\nssot-baseline = ssot-baseline.json\n", "legacy.py": legacy})
    assert run_ssot("baseline", cwd=tmp_path).returncode == 0
    assert run("git", "add", "-A").returncode == 0
    # A docstring edit to the legacy file: the hook passes and rewrites nothing.
    (tmp_path / "legacy.py").write_text(legacy.replace('"""Legacy."""', '"""Legacy code."""'))
    assert run("git", "add", "legacy.py").returncode == 0
    hook = run(sys.executable, "-m", "pre_commit", "run")
    assert hook.returncode == 0, hook.stdout + hook.stderr
    assert re.search(r"^flake8-ssot fix\.+Passed$", hook.stdout, re.M)
    assert "context.metadata.clear()" in (tmp_path / "legacy.py").read_text()
    dry_run = run_fix(".", cwd=tmp_path)
    assert (dry_run.returncode, dry_run.stdout) == (0, "")
    assert dry_run.stderr.endswith(
        "2 sites the baseline accepts left alone (`--all` rewrites them too; then "
        "`flake8-ssot baseline` shrinks the baseline).\n")
    # The migration: every site, then the baseline shrinks, and CI's check passes.
    migrated = run_fix("--all", "--write", ".", cwd=tmp_path)
    assert migrated.returncode == 1, migrated.stderr
    assert "self.clear_metadata(context)" in (tmp_path / "legacy.py").read_text()
    shrunk = run_ssot("baseline", cwd=tmp_path)
    assert shrunk.stdout.startswith("ssot-baseline.json: 0 findings in 0 files accepted; "
                                    "2 fixed since the previous baseline dropped\n")
    assert run_ssot("baseline", "--check", cwd=tmp_path).returncode == 0
