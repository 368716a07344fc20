"""The ``flake8-ssot`` command as a user meets it: its help, and one line and exit 2 on a user error
(never a traceback), through the real console script."""

from __future__ import annotations

import os
import subprocess

import pytest

from helpers import FLAKE8_SSOT, user_env, write_tree
from helpers import run_ssot as flake8_ssot

AGENT = "def handle(context):\n    context.metadata.clear()\n"


def test_top_level_help_describes_the_command_and_its_exit_codes():
    result = flake8_ssot("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: flake8-ssot [-h] [--version] COMMAND ...\n")
    assert "Project-level commands of the flake8-ssot plugin." in result.stdout
    for command in ("baseline", "report", "fix"):
        assert f"\n    {command} " in result.stdout
    assert "exit codes: 0 success" in result.stdout
    assert "dispatches" not in result.stdout  # not the module's docstring


def _read_only_run(project, *args: str) -> subprocess.CompletedProcess:
    """``flake8-ssot *args`` in *project* made read-only: for root (who may write anywhere) a
    read-only bind mount in a mount namespace of its own, else the permission bits."""
    command = [FLAKE8_SSOT, *args]
    env = user_env()
    if os.geteuid() == 0:
        script = ('mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && cd "$0" && '
                  'exec "$@"')
        command = ["unshare", "-rm", "sh", "-c", script, str(project), *command]
        return subprocess.run(command, capture_output=True, text=True, env=env)
    project.chmod(0o555)
    try:
        return subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)
    finally:
        project.chmod(0o755)


def test_a_read_only_project_is_one_line_and_exit_2(tmp_path):
    write_tree(tmp_path, {"setup.cfg": "[flake8]\n", "agent.py": AGENT})
    result = _read_only_run(tmp_path, "baseline")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("flake8-ssot baseline: cannot write ")
    assert line.endswith("/.flake8-ssot-baseline.json: Read-only file system") or \
        line.endswith("/.flake8-ssot-baseline.json: Permission denied")
    assert result.stdout == ""
    assert not (tmp_path / ".flake8-ssot-baseline.json").exists()


def test_a_baseline_path_that_cannot_be_a_file_is_one_line(tmp_path):
    write_tree(tmp_path, {"agent.py": AGENT, "notes": "a file, not a directory\n"})
    result = flake8_ssot("baseline", "--baseline", "notes/baseline.json", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("flake8-ssot baseline: cannot write notes/baseline.json: notes is "
                             "not a directory\n")


def test_an_unreadable_baseline_is_one_line(tmp_path):
    write_tree(tmp_path, {"agent.py": AGENT})
    (tmp_path / "baseline.json").mkdir()  # reading a directory: IsADirectoryError
    for command in ("baseline", "report"):
        result = flake8_ssot(command, "--baseline", "baseline.json", cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == (f"flake8-ssot {command}: {tmp_path}/baseline.json: "
                                 "Is a directory\n")


def test_usage_errors_exit_2(tmp_path):
    assert flake8_ssot(cwd=tmp_path).returncode == 2  # no command
    result = flake8_ssot("report", "--format", "xml", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice: 'xml'" in result.stderr


def test_fix_on_a_missing_path_is_one_line_and_exit_2(tmp_path):
    write_tree(tmp_path, {"setup.cfg": "[flake8]\n"})
    result = flake8_ssot("fix", "does_not_exist.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("flake8-ssot fix: does_not_exist.py: no such file or "
                             "directory\n")


def test_fix_write_in_a_read_only_project_is_one_line_and_exit_2(tmp_path):
    base = ("class BaseAgent:\n    def clear_metadata(self, context, preserve_keys=None):\n"
            "        context.metadata.clear()\n")
    agent = ("from base import BaseAgent\n\n\nclass Agent(BaseAgent):\n"
             "    def run(self, context):\n        context.metadata.clear()\n")
    write_tree(tmp_path, {"setup.cfg": "[flake8]\nssot-no-cache = true\n", "base.py": base,
                          "agent.py": agent})
    result = _read_only_run(tmp_path, "fix", "--write", "agent.py")
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("flake8-ssot fix: cannot write agent.py: "), line
    assert (tmp_path / "agent.py").read_text() == agent


@pytest.mark.parametrize("command", ["baseline", "report", "fix", "helpers", "map"])
def test_every_command_takes_config_and_a_missing_one_is_one_line(tmp_path, command):
    write_tree(tmp_path, {"agent.py": AGENT})
    result = flake8_ssot(command, "--config", "no-such.cfg", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"flake8-ssot {command}: no-such.cfg: config file not found\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["agent.py"]


def _on_a_terminal(command: list[str], cwd) -> tuple[int, str, str]:
    """``(exit code, stdout, stderr)`` of *command* whose stderr is a terminal (a pty)."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(command, cwd=cwd, env=user_env(), stdout=subprocess.PIPE,
                               stderr=follower)
    os.close(follower)
    shown = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the command ended: the terminal is gone
            break
        if not data:
            break
        shown.append(data)
    stdout = process.stdout.read().decode()
    process.wait()
    os.close(leader)
    return process.returncode, stdout, b"".join(shown).decode()


@pytest.mark.parametrize("command, steps", [
    (["baseline", "--check"], ["building the project index, then checking 3 files",
                               "checking files 3/3"]),
    (["report"], ["checking files 3/3"]),
    (["map"], ["building the project index", "counting metadata writes 3/3"]),
    (["fix"], ["building the project index", "rewriting files 1/3", "rewriting files 3/3"]),
])
def test_progress_shows_on_a_terminal_and_nowhere_else(tmp_path, command, steps):
    write_tree(tmp_path, {"setup.cfg": "[flake8]\n", "a.py": AGENT, "b.py": AGENT,
                          "c.py": "x = 1\n"})
    piped = flake8_ssot(*command, cwd=tmp_path)
    status, stdout, shown = _on_a_terminal([FLAKE8_SSOT, *command], tmp_path)
    assert "flake8-ssot" not in piped.stderr  # not a terminal: nothing but what it said before
    assert (status, stdout) == (piped.returncode, piped.stdout)  # the output itself unchanged
    lines = [line for line in shown.replace("\r\n", "\n").split("\r\x1b[K") if line]
    progress = [line for line in lines if line.startswith(f"flake8-ssot {command[0]}: ")]
    for step in steps:
        assert f"flake8-ssot {command[0]}: {step}" in progress, lines
    assert shown.endswith("\r\x1b[K") or "\n" in shown.rsplit("\r\x1b[K", 1)[-1]  # cleared
