"""CI usage: SOT codes behave like any flake8 plugin's under flake8's command line options."""

from __future__ import annotations

import re
import shlex

import pytest

from helpers import READ_ONLY_BASE, REPO, code_blocks, reported, run_flake8, write_tree
from flake8_ssot import options

SOURCE = '''\
import os


def handle(context):
    context.metadata["a"] = 1
    context.metadata["b"] = 2
    context.metadata.clear()
'''
SOT101 = ("SOT101 context.metadata[...] = ... writes metadata directly; "
          "use store_metadata_result(context, key, value) of BaseAgent (base_agent.py:1)"
          " after adding store_metadata_result there (`flake8-ssot helpers`)")
SOT106 = ("SOT106 context.metadata.clear() empties metadata directly; "
          "use clear_metadata(context) of BaseAgent (base_agent.py:1) after adding "
          "clear_metadata there (`flake8-ssot helpers`)")
ALL = {(1, 1, "F401"), (5, 5, "SOT101"), (6, 5, "SOT101"), (7, 5, "SOT106")}


@pytest.fixture
def project(tmp_path):
    return write_tree(tmp_path, {
        **READ_ONLY_BASE, "agent.py": SOURCE, "clean.py": "def handle(context):\n    return context.metadata['a']\n"})


def test_exit_codes(project):
    assert run_flake8("agent.py", cwd=project).returncode == 1
    assert run_flake8("clean.py", cwd=project).returncode == 0
    assert run_flake8("--select", "SOT", "--exit-zero", "agent.py", cwd=project).returncode == 0


def test_findings_print_in_flake8_default_format(project):
    result = run_flake8("--select", "SOT", "agent.py", cwd=project)
    assert result.stdout == (f"agent.py:5:5: {SOT101}\nagent.py:6:5: {SOT101}\n"
                             f"agent.py:7:5: {SOT106}\n")
    assert result.stderr == ""


def test_show_source_points_at_the_statement(project):
    result = run_flake8("--select", "SOT106", "--show-source", "agent.py", cwd=project)
    assert result.stdout == f"agent.py:7:5: {SOT106}\n    context.metadata.clear()\n    ^\n"


def test_count_and_statistics(project):
    result = run_flake8("--count", "--statistics", "agent.py", cwd=project)
    assert result.stdout.splitlines()[-4:] == [
        "1     F401 'os' imported but unused",
        f"2     {SOT101}",
        f"1     {SOT106}",
        "4",
    ]


def test_output_file(project):
    result = run_flake8("--select", "SOT", "--output-file", "flake8.txt", "agent.py", cwd=project)
    assert (result.returncode, result.stdout) == (1, "")
    assert reported((project / "flake8.txt").read_text()) == ALL - {(1, 1, "F401")}
    teed = run_flake8("--select", "SOT", "--output-file", "tee.txt", "--tee", "agent.py",
                      cwd=project)
    assert teed.stdout == (project / "tee.txt").read_text() != ""


def test_pylint_format(project):
    result = run_flake8("--select", "SOT106", "--format", "pylint", "agent.py", cwd=project)
    assert result.stdout == f"agent.py:7: [SOT106]{SOT106[6:]}\n"


@pytest.mark.parametrize("args, expected", [
    ((), ALL),
    (("--select", "SOT"), ALL - {(1, 1, "F401")}),
    (("--select", "SOT1"), {(5, 5, "SOT101"), (6, 5, "SOT101"), (7, 5, "SOT106")}),
    (("--select", "SOT106"), {(7, 5, "SOT106")}),
    (("--select", "F"), {(1, 1, "F401")}),
    (("--select", "F", "--extend-select", "SOT106"), {(1, 1, "F401"), (7, 5, "SOT106")}),
    (("--extend-ignore", "SOT101"), {(1, 1, "F401"), (7, 5, "SOT106")}),
    (("--extend-ignore", "SOT"), {(1, 1, "F401")}),
    (("--ignore", "SOT106,F401"), {(5, 5, "SOT101"), (6, 5, "SOT101")}),
    (("--select", "SOT", "--extend-ignore", "SOT101"), {(7, 5, "SOT106")}),
    (("--per-file-ignores", "agent.py:SOT101"), {(1, 1, "F401"), (7, 5, "SOT106")}),
])
def test_select_and_ignore(project, args, expected):
    assert reported(run_flake8(*args, "agent.py", cwd=project).stdout) == expected


def test_config_select_without_sot_needs_extend_select(project):
    """A config that lists ``select`` turns off every code it does not name, plugins' included."""
    (project / "setup.cfg").write_text("[flake8]\nselect = E,F,W\n")
    assert reported(run_flake8("agent.py", cwd=project).stdout) == {(1, 1, "F401")}
    (project / "setup.cfg").write_text("[flake8]\nselect = E,F,W\nextend-select = SOT\n")
    assert reported(run_flake8("agent.py", cwd=project).stdout) == ALL


def test_noqa(project):
    (project / "agent.py").write_text(SOURCE.replace('"a"] = 1', '"a"] = 1  # noqa: SOT101')
                                      .replace(".clear()", ".clear()  # noqa"))
    assert reported(run_flake8("--select", "SOT", "agent.py", cwd=project).stdout) == {
        (6, 5, "SOT101")}
    disabled = run_flake8("--select", "SOT", "--disable-noqa", "agent.py", cwd=project)
    assert reported(disabled.stdout) == ALL - {(1, 1, "F401")}


def test_several_jobs_report_the_same(project):
    for number in range(4):
        (project / f"agent{number}.py").write_text(SOURCE)
    serial = run_flake8("--select", "SOT", "--jobs", "1", ".", cwd=project)
    parallel = run_flake8("--select", "SOT", "--jobs", "2", ".", cwd=project)
    assert sorted(parallel.stdout.splitlines()) == sorted(serial.stdout.splitlines())
    assert len(serial.stdout.splitlines()) == 15


def test_stdin_with_display_name(project):
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores = legacy/*.py:SOT101\n")
    result = run_flake8("--select", "SOT", "--stdin-display-name", "agents/agent.py", "-",
                        cwd=project, stdin=SOURCE)
    assert result.stdout == (f"agents/agent.py:5:5: {SOT101}\nagents/agent.py:6:5: {SOT101}\n"
                             f"agents/agent.py:7:5: {SOT106}\n")
    # per-file-ignores match the display name, as for a file on disk.
    legacy = run_flake8("--select", "SOT", "--stdin-display-name", "legacy/agent.py", "-",
                        cwd=project, stdin=SOURCE)
    assert legacy.stdout == f"legacy/agent.py:7:5: {SOT106}\n"
    without_name = run_flake8("--select", "SOT106", "-", cwd=project, stdin=SOURCE)
    assert without_name.stdout == f"stdin:7:5: {SOT106}\n"


ADOPTION = REPO / "docs" / "usage.md"


def test_documented_github_actions_command(project):
    """The flake8 step of the GitHub Actions job in docs/usage.md, as written there."""
    [job] = [block for block in code_blocks(ADOPTION, "yaml") if "runs-on:" in block]
    [command] = re.findall(r"^\s+run: (flake8 .*)$", job, re.M)
    result = run_flake8(*shlex.split(command)[1:], cwd=project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"./agent.py:5:5: {SOT101}", f"./agent.py:6:5: {SOT101}", f"./agent.py:7:5: {SOT106}",
        f"2     {SOT101}", f"1     {SOT106}", "3",
    ]
    assert reported((project / "flake8-ssot.txt").read_text()) == ALL - {(1, 1, "F401")}


def test_documented_configuration_uses_declared_options():
    declared = {f"ssot-{option.name}" for option in options.OPTIONS}
    blocks = code_blocks(ADOPTION, "ini")
    used = {key for block in blocks for key in re.findall(r"^(ssot-[a-z-]+)\s*=", block, re.M)}
    assert used and used <= declared


def test_extend_ignore_s_silences_sot_in_flake8_but_not_in_the_hook(project):
    """flake8 matches by prefix: ``S`` (flake8-bandit's) also matches ``SOT``. The hook's
    ``--select=SOT`` is the longer prefix and wins, so it still reports: documented, with the
    bandit-only alternative."""
    (project / "setup.cfg").write_text("[flake8]\nextend-ignore = S\n")
    assert reported(run_flake8("agent.py", cwd=project).stdout) == {(1, 1, "F401")}
    hook = run_flake8("--select=SOT", "--extend-select=SOT", "agent.py", cwd=project)
    assert reported(hook.stdout) == ALL - {(1, 1, "F401")}

    [bandit_only] = [block for block in code_blocks(ADOPTION, "ini") if "S1, S2" in block]
    (project / "setup.cfg").write_text(bandit_only)
    assert reported(run_flake8("agent.py", cwd=project).stdout) == ALL
