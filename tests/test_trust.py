"""A checked repository is handed over by someone else: its git configuration runs nothing, a
cache that came with it is never believed, and a cache directory the plugin did not make is
never touched (issue #29, items 1, 2, 3 and 10)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers import user_env, write_tree
from helpers import run_flake8 as flake8

SOT201 = ("SOT201 class Engine is defined in 2 modules; also at {other}:1; keep one and import "
          "it (declare its home with ssot-canonical-classes)")

# -- item 1: git runs nothing the repository's configuration names -----------------------------

# Every configuration key that makes git run a command, each planted as a command leaving a
# marker file behind. ``ls-files`` and ``rev-parse`` (all the plugin runs) reach only
# core.fsmonitor among them; the others prove that nothing else is reached either.
RUNNING_KEYS = (
    "core.fsmonitor", "core.pager", "pager.ls-files", "pager.rev-parse", "core.sshCommand",
    "core.askPass", "core.editor", "core.gitProxy", "core.alternateRefsCommand",
    "sequence.editor", "credential.helper", "diff.external", "diff.evil.textconv",
    "diff.evil.command", "filter.evil.clean", "filter.evil.smudge", "filter.evil.process",
    "merge.evil.driver", "gpg.program", "gpg.ssh.program", "uploadpack.packObjectsHook",
    "remote.origin.uploadpack", "remote.origin.receivepack",
)
HOOKS = ("post-index-change", "fsmonitor-watchman", "pre-commit", "post-checkout",
         "reference-transaction", "pre-auto-gc", "post-rewrite")


def plant_git_config(root: Path, markers: Path) -> list[str]:
    """Append the running keys, hooks (in .git/hooks and a core.hooksPath), an include and an
    includeIf to *root*'s repository; the names of the markers they would leave."""
    markers.mkdir(exist_ok=True)
    names = []

    def command(name: str) -> str:
        names.append(name)
        return f"touch {markers / name}; false"

    sections: dict[str, list[str]] = {}
    for key in RUNNING_KEYS:
        section, _, variable = key.rpartition(".")
        head, _, sub = section.partition(".")
        header = f'[{head} "{sub}"]' if sub else f"[{head}]"
        sections.setdefault(header, []).append(f'\t{variable} = "{command(key)}"')
    hooks = root / "other-hooks"
    for directory in (root / ".git" / "hooks", hooks):
        directory.mkdir(exist_ok=True)
        for hook in HOOKS:
            script = directory / hook
            script.write_text(f"#!/bin/sh\n{command(f'hook-{directory.name}-{hook}')}\n")
            script.chmod(0o755)
    included = root / ".git" / "included.config"
    included.write_text(f'[core]\n\tfsmonitor = "{command("included-fsmonitor")}"\n'
                        f"\thooksPath = {hooks}\n")
    conditional = root / ".git" / "conditional.config"
    conditional.write_text(f'[core]\n\tfsmonitor = "{command("includeIf-fsmonitor")}"\n')
    text = "".join(f"{header}\n" + "\n".join(lines) + "\n" for header, lines in sections.items())
    text += f"[include]\n\tpath = {included}\n"
    text += f'[includeIf "gitdir:{root}/"]\n\tpath = {conditional}\n'
    with open(root / ".git" / "config", "a", encoding="utf-8") as handle:
        handle.write(text)
    (root / ".gitattributes").write_text("*.py filter=evil diff=evil merge=evil\n")
    return names


def engine_repository(tmp_path: Path) -> Path:
    """A repository: Engine in a tracked file, a tracked file edited since (as racy as git's
    index can be), and Engine again in an untracked file."""
    root = write_tree(tmp_path / "repo", {"setup.cfg": "[flake8]\n",
                                          "app/engine.py": "class Engine:\n    pass\n",
                                          "app/other.py": "class Other:\n    pass\n"},
                      commit=True)
    (root / "app" / "other.py").write_text("class Other:\n    x = 1\n")
    (root / "app" / "copy.py").write_text("class Engine:\n    pass\n")
    return root


def test_git_runs_nothing_the_repository_configures(tmp_path):
    root = engine_repository(tmp_path)
    markers = tmp_path / "markers"
    planted = plant_git_config(root, markers)
    assert len(planted) == len(RUNNING_KEYS) + 2 * len(HOOKS) + 2
    expected_engine = [f"app/engine.py:1:1: {SOT201.format(other='app/copy.py')}"]
    runs = [
        flake8("--select", "SOT", "app", cwd=root),  # cold: git lists the project
        flake8("--select", "SOT", "app/engine.py", cwd=root),  # warm: git ls-files --cached
        flake8("--select", "SOT", "--jobs", "2", "app", cwd=root),
        flake8("--select", "SOT", "--stdin-display-name", "app/engine.py", "-", cwd=root,
               stdin="class Engine:\n    pass\n"),
    ]
    assert sorted(markers.iterdir()) == []
    for result in runs:
        assert "Traceback" not in result.stderr, result.stderr
    assert runs[1].stdout.splitlines() == expected_engine
    assert runs[3].stdout.splitlines() == expected_engine
    assert runs[0].stdout == runs[2].stdout
    assert sorted(runs[0].stdout.splitlines()) == sorted([
        *expected_engine, f"app/copy.py:1:1: {SOT201.format(other='app/engine.py')}"])
    # The planted keys do run where git is asked to do their work: the test would see them.
    subprocess.run(["git", "diff", "--ext-diff"], cwd=root, capture_output=True, env=user_env())
    assert sorted(markers.iterdir()) != []


@pytest.mark.parametrize("refusal", ["unknown format", "gitdir elsewhere", "another owner"])
def test_a_repository_git_refuses_is_listed_by_a_walk(tmp_path, refusal):
    root = engine_repository(tmp_path)
    markers = tmp_path / "markers"
    plant_git_config(root, markers)
    if refusal == "unknown format":
        with open(root / ".git" / "config", "a", encoding="utf-8") as handle:
            handle.write("[core]\n\trepositoryformatversion = 99\n")
    elif refusal == "gitdir elsewhere":
        (root / ".git").rename(tmp_path / "moved.git")
        (root / ".git").write_text(f"gitdir: {tmp_path / 'missing.git'}\n")
    else:
        if os.geteuid() != 0:
            pytest.skip("making a repository another user's needs root")
        os.chown(root / ".git", 12345, 12345)  # git: "detected dubious ownership"
    # git does refuse: ls-files fails there.
    refused = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True,
                             env=user_env({"GIT_CONFIG_NOSYSTEM": "1",
                                           "GIT_CONFIG_GLOBAL": os.devnull}))
    assert refused.returncode != 0
    result = flake8("--select", "SOT", "app/engine.py", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.splitlines() == [
        f"app/engine.py:1:1: {SOT201.format(other='app/copy.py')}"]
    assert sorted(markers.iterdir()) == []
