"""pre-commit: the real ``pre-commit`` installs this repository's hook manifest in a temporary git
repository, and ``git commit`` runs it on the staged files.

The hook environment is built once for the module (one ``PRE_COMMIT_HOME``): pre-commit clones a
snapshot of this checkout (its working tree, so an uncommitted manifest change is tested too) and
pip-installs it into an isolated virtualenv, which needs the package index this environment's
pip is configured with, as in CI.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import helpers
from helpers import READ_ONLY_BASE, REPO, code_blocks, pinned, user_env, write_tree


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one."""
    write_tree(tmp_path, READ_ONLY_BASE)


SOT106 = ("SOT106 context.metadata.clear() empties metadata directly; "
          "use clear_metadata(context) of BaseAgent (base_agent.py:1) after adding "
          "clear_metadata there (`flake8-ssot helpers`)")
# pre-commit's summary line for a hook: ``flake8-ssot.....Failed``.
USAGE = REPO / "docs" / "usage.md"
HOOK_RESULT = re.compile(r"^flake8-ssot\.+(?P<result>Passed|Failed)$", re.M)


def git_env(pre_commit_home: Path) -> dict:
    """No global or system git config, a fixed identity, and a private pre-commit store."""
    return user_env({
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never",
        # ``git commit`` runs the hook script, which finds pre-commit next to this Python.
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    })


def run(*command: str, cwd: Path, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def git(*args: str, cwd: Path, env: dict) -> str:
    return helpers.git(cwd, *args, env=env)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory):
    """``(hook repository, its rev, env)``; the hook environment is installed once, here, for
    the whole run: pytest-xdist's workers share it (the first one builds it under a lock; the
    others wait, then use it, as several repositories of one user share pre-commit's store)."""
    basetemp = tmp_path_factory.getbasetemp()
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    with open(shared / "pre-commit-hooks.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = shared / "pre-commit-hooks"
        if not (built / "rev").is_file():
            shutil.rmtree(built, ignore_errors=True)
            rev = install_hooks(built, git_env(built / "home"))
            (built / "rev").write_text(rev)
    return built / "repository", (built / "rev").read_text(), git_env(built / "home")


def install_hooks(built: Path, env: dict) -> str:
    """Snapshot this checkout into ``built/repository`` and install its hook into
    ``built/home`` (the ``PRE_COMMIT_HOME``); the snapshot's rev."""
    snapshot = built / "repository"
    snapshot.mkdir(parents=True)
    rev = helpers.hosted_snapshot(snapshot, env)

    installer = built / "installer"
    installer.mkdir()
    config = adopting_config(snapshot, rev)
    init_repository(installer, env, {".pre-commit-config.yaml": config})
    installed = run(sys.executable, "-m", "pre_commit", "install-hooks", cwd=installer, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return rev


def adopting_config(hook_repo: Path, rev: str, args: str = "") -> str:
    """The ``.pre-commit-config.yaml`` an adopting repository writes (docs/usage.md, as written
    there, pinned to *rev* of *hook_repo*), with *args* for the hook."""
    [config] = [block for block in code_blocks(USAGE, "yaml")
                if "rev: <commit>" in block and "- id: flake8-ssot\n" in block
                and "name:" not in block]
    config = pinned(config, hook_repo, rev)
    return config + (f"        args: {args}\n" if args else "")


def init_repository(path: Path, env: dict, files: dict[str, str]) -> None:
    """A git repository whose first commit holds *files*."""
    git("init", "-q", cwd=path, env=env)
    write_tree(path, files)
    git("add", "-A", cwd=path, env=env)
    git("commit", "-q", "-m", "initial", cwd=path, env=env)


@pytest.fixture
def adopter(hooks, tmp_path):
    """A repository with the hook installed as a git pre-commit hook; ``commit(files)`` stages
    *files* and runs ``git commit``, returning the hook's result."""
    hook_repo, rev, env = hooks
    init_repository(tmp_path, env, {
        ".pre-commit-config.yaml": adopting_config(hook_repo, rev),
        "setup.cfg": "[flake8]\nmax-line-length = 100\n",
    })
    installed = run(sys.executable, "-m", "pre_commit", "install", cwd=tmp_path, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def commit(files: dict[str, str], message: str = "change") -> subprocess.CompletedProcess:
        write_tree(tmp_path, files)
        git("add", *files, cwd=tmp_path, env=env)
        return run("git", "commit", "-q", "-m", message, cwd=tmp_path, env=env)

    commit.root, commit.env = tmp_path, env
    return commit


def output(result: subprocess.CompletedProcess) -> str:
    """What a user sees: `git commit` shows the hook output on stderr, pre-commit on stdout."""
    return result.stdout + result.stderr


def hook_result(result: subprocess.CompletedProcess) -> str:
    match = HOOK_RESULT.search(output(result))
    assert match, output(result)
    return match["result"]


def test_a_staged_violation_fails_the_commit_and_a_clean_file_passes(adopter):
    clean = adopter({"agents/report.py": "def handle(context):\n"
                                         "    return context.metadata.get('status')\n"})
    assert (clean.returncode, hook_result(clean)) == (0, "Passed")

    bad = adopter({"agents/cleanup.py": "def handle(context):\n"
                                        "    context.metadata.clear()\n"})
    assert (bad.returncode, hook_result(bad)) == (1, "Failed")
    assert f"\nagents/cleanup.py:2:5: {SOT106}\n" in output(bad)
    assert "- hook id: flake8-ssot" in output(bad)


def test_only_sot_codes_are_reported_so_a_flake8_hook_is_not_duplicated(adopter):
    result = adopter({"setup.cfg": "[flake8]\nextend-select = E226\n",
                      "agents/cleanup.py": "import os\n\n\ndef handle(context):\n"
                                           "    x = 1+2\n"
                                           "    context.metadata.clear()\n"})
    assert hook_result(result) == "Failed"
    findings = [line for line in output(result).splitlines() if line.startswith("agents/")]
    assert findings == [f"agents/cleanup.py:6:5: {SOT106}"]


def test_only_staged_files_are_checked(adopter):
    legacy = {"legacy.py": "def handle(context):\n    context.metadata.clear()\n"}
    write_tree(adopter.root, legacy)
    git("add", "legacy.py", cwd=adopter.root, env=adopter.env)
    git("commit", "-q", "--no-verify", "-m", "legacy", cwd=adopter.root, env=adopter.env)
    result = adopter({"agents/report.py": "def handle(context):\n    return None\n"})
    assert (result.returncode, hook_result(result)) == (0, "Passed")


def test_a_staged_duplicate_of_an_unstaged_committed_class_is_sot201(adopter):
    first = adopter({"agents/engine.py": "class ExecutionEngine:\n    pass\n"})
    assert hook_result(first) == "Passed"
    # Only services/engine.py is staged: agents/engine.py is known from the project index.
    second = adopter({"services/engine.py": "import os\n\n\nclass ExecutionEngine:\n    pass\n"})
    assert (second.returncode, hook_result(second)) == (1, "Failed")
    findings = [line for line in output(second).splitlines() if line.startswith("services/")]
    assert len(findings) == 1, output(second)
    assert findings[0].startswith("services/engine.py:4:1: SOT201 ")
    assert "agents/engine.py:1" in findings[0]


def test_a_baseline_keeps_legacy_findings_out_of_the_commit(adopter):
    legacy = "def handle(context):\n    context.metadata.clear()\n"
    write_tree(adopter.root, {
        "setup.cfg": "[flake8]\nssot-baseline = .flake8-ssot-baseline.json\n", "legacy.py": legacy})
    env = adopter.env
    baseline = run(sys.executable, "-m", "flake8_ssot.commands", "baseline", cwd=adopter.root,
                   env=env)
    assert baseline.returncode == 0, baseline.stderr
    git("add", "-A", cwd=adopter.root, env=env)
    git("commit", "-q", "--no-verify", "-m", "baseline", cwd=adopter.root, env=env)

    edited = adopter({"legacy.py": '"""Legacy handler."""\n\n\n' + legacy})
    assert (edited.returncode, hook_result(edited)) == (0, "Passed")
    new = adopter({"legacy.py": '"""Legacy handler."""\n\n\n' + legacy
                   + "    context.metadata.clear()\n"})
    assert hook_result(new) == "Failed"
    assert f"\nlegacy.py:6:5: {SOT106}\n" in output(new)


def test_try_repo_runs_the_manifest_hook_on_given_files(hooks, tmp_path):
    """``pre-commit try-repo`` installs into a store of its own (not PRE_COMMIT_HOME), so it is
    run once; passing on a clean file is covered by the installed-config tests above."""
    hook_repo, rev, env = hooks
    init_repository(tmp_path, env, {"agent.py": "def handle(context):\n"
                                                "    context.metadata.clear()\n",
                                    "clean.py": "x = 1\n"})
    result = run(sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "flake8-ssot",
                 "--ref", rev, "--files", "agent.py", "clean.py", cwd=tmp_path, env=env)
    assert (result.returncode, hook_result(result)) == (1, "Failed")
    findings = [line for line in output(result).splitlines()
                if line.startswith(("agent.py:", "clean.py:"))]
    assert findings == [f"agent.py:2:5: {SOT106}"]


def test_the_documented_local_system_hook(tmp_path_factory, tmp_path):
    """The ``repo: local`` / ``language: system`` snippet of docs/usage.md, as written."""
    [config] = [block for block in code_blocks(USAGE, "yaml")
                if "language: system" in block]
    env = git_env(tmp_path_factory.mktemp("pre-commit-home"))
    init_repository(tmp_path, env, {".pre-commit-config.yaml": config})
    write_tree(tmp_path, {"agent.py": "def handle(context):\n    context.metadata.clear()\n"})
    git("add", "agent.py", cwd=tmp_path, env=env)
    result = run(sys.executable, "-m", "pre_commit", "run", cwd=tmp_path, env=env)
    assert (result.returncode, hook_result(result)) == (1, "Failed")
    assert f"\nagent.py:2:5: {SOT106}\n" in output(result)


def test_the_documented_per_package_hook_applies_the_package_config_and_baseline(hooks, tmp_path):
    """A monorepo: the hook of docs/usage.md with ``files: ^services/api/`` and
    ``--config=services/api/setup.cfg``, run by ``git commit`` from the repository root."""
    hook_repo, rev, env = hooks
    [config] = [block for block in code_blocks(USAGE, "yaml") if "services/api" in block]
    config = pinned(config, hook_repo, rev)
    legacy = "def handle(run_ctx):\n    run_ctx.metadata.clear()\n"
    init_repository(tmp_path, env, {
        ".pre-commit-config.yaml": config,
        # Only the package's config says that ``run_ctx`` is a context, and where its baseline is.
        "services/api/setup.cfg": "[flake8]\nssot-context-names = run_ctx\n"
                                  "ssot-baseline = ssot-baseline.json\n",
        "services/api/legacy.py": legacy,
        **{f"services/api/{name}": text for name, text in READ_ONLY_BASE.items()},
    })
    baseline = run(sys.executable, "-m", "flake8_ssot.commands", "baseline",
                   "--config=services/api/setup.cfg", "services/api", cwd=tmp_path, env=env)
    assert baseline.returncode == 0, baseline.stderr
    assert (tmp_path / "services" / "api" / "ssot-baseline.json").is_file()
    git("add", "-A", cwd=tmp_path, env=env)
    git("commit", "-q", "--no-verify", "-m", "baseline", cwd=tmp_path, env=env)
    assert run(sys.executable, "-m", "pre_commit", "install", cwd=tmp_path,
               env=env).returncode == 0

    def commit(files: dict[str, str]) -> tuple[int, str, str]:
        """``(git commit's exit code, the hook's result, the output)``."""
        write_tree(tmp_path, files)
        git("add", *files, cwd=tmp_path, env=env)
        result = run("git", "commit", "-q", "-m", "change", cwd=tmp_path, env=env)
        shown = re.search(r"^flake8-ssot \(services/api\)\.+(.*)$", output(result), re.M)
        assert shown, output(result)
        return result.returncode, shown[1], output(result)

    edited = commit({"services/api/legacy.py": '"""Legacy."""\n\n\n' + legacy})
    assert edited[:2] == (0, "Passed")  # baselined in the package's baseline
    elsewhere = commit({"tools/agent.py": legacy})  # not the package: not this hook's files
    assert elsewhere[:2] == (0, "(no files to check)Skipped")
    new = commit({"services/api/agent.py": legacy})
    assert new[:2] == (1, "Failed")  # a context only by the package's ssot-context-names
    findings = [line for line in new[2].splitlines() if line.startswith("services/")]
    assert [line.split(" ")[:2] for line in findings] == [
        ["services/api/agent.py:2:5:", "SOT106"]]


def test_the_documented_local_hook_installs_the_pinned_repository(hooks, tmp_path):
    """The ``repo: local`` / ``language: python`` snippet of docs/usage.md: pre-commit installs
    flake8-ssot from the repository's VCS URL at the pinned commit (``additional_dependencies``)."""
    hook_repo, rev, env = hooks
    [config] = [block for block in code_blocks(USAGE, "yaml")
                if "repo: local" in block and "additional_dependencies" in block]
    init_repository(tmp_path, env, {".pre-commit-config.yaml": pinned(config, hook_repo, rev)})
    write_tree(tmp_path, {"agent.py": "def handle(context):\n    context.metadata.clear()\n"})
    git("add", "agent.py", cwd=tmp_path, env=env)
    result = run(sys.executable, "-m", "pre_commit", "run", cwd=tmp_path, env=env)
    assert (result.returncode, hook_result(result)) == (1, "Failed"), output(result)
    assert f"\nagent.py:2:5: {SOT106}\n" in output(result)


def test_autoupdate_moves_the_documented_pin_to_the_newest_commit(hooks, tmp_path):
    """``pre-commit autoupdate --freeze``, as docs/usage.md says, on a repository without tags."""
    hook_repo, rev, env = hooks
    newer = tmp_path / "newer"
    git("clone", "-q", str(hook_repo), str(newer), cwd=tmp_path, env=env)
    git("commit", "-q", "--allow-empty", "-m", "newer", cwd=newer, env=env)
    head = git("rev-parse", "HEAD", cwd=newer, env=env).strip()
    adopter = tmp_path / "adopter"
    adopter.mkdir()
    init_repository(adopter, env, {".pre-commit-config.yaml": adopting_config(newer, rev)})
    result = run(sys.executable, "-m", "pre_commit", "autoupdate", "--freeze", cwd=adopter,
                 env=env)
    assert result.returncode == 0, output(result)
    assert f"rev: {head}\n" in (adopter / ".pre-commit-config.yaml").read_text()
