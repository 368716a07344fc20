"""The README's first screen: its two commands are the ones CI and users run."""

from __future__ import annotations

import re

from helpers import REPO, reported, run_flake8

README = (REPO / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN_COMMANDS = re.findall(r"^```sh\n(.*?)\n```$", README, re.M | re.S)[:2]


def test_ci_runs_exactly_the_readme_test_command():
    test_command = FIRST_SCREEN_COMMANDS[1]
    assert "pytest" in test_command
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_every_pytest_run_of_ci_takes_the_readme_commands_flags():
    """Every pytest run of .ci/run (the second: some test files under Debian's Python) takes
    the README command's flags."""
    [flags] = re.findall(r"-m pytest (.*?) tests$", FIRST_SCREEN_COMMANDS[1])
    assert "-n" in flags.split()  # pytest-xdist: the suite's subprocesses wait in parallel
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    runs = re.findall(r"-m pytest ((?:-\S+(?: [^-\s]\S*)?\s+)*)tests", ci_run)
    assert len(runs) >= 2 and {" ".join(run.split()) for run in runs} == {flags}


def test_main_command_reports_every_family_on_the_sample_tree():
    main_command = FIRST_SCREEN_COMMANDS[0]
    assert main_command.endswith("&& flake8 examples/agents")
    result = run_flake8("examples/agents", cwd=REPO)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    by_file: dict[str, set] = {}
    for line in result.stdout.splitlines():
        by_file.setdefault(line.split(":")[0], set()).update(reported(line + "\n"))
    assert by_file == {
        "examples/agents/agentsvc/agents/reporting.py": {
            (13, 9, "SOT101"), (15, 13, "SOT101"), (16, 9, "SOT103"), (17, 9, "SOT104"),
            (18, 9, "SOT102"), (19, 9, "SOT301"), (23, 9, "SOT105"), (24, 9, "SOT105"),
            (25, 9, "SOT101"), (25, 9, "SOT302"),
        },
        "examples/agents/agentsvc/agents/data_helper.py": {
            (13, 9, "SOT101"), (14, 9, "SOT107"), (15, 9, "SOT108"), (16, 9, "SOT103"),
            (20, 9, "SOT109"), (24, 9, "SOT106"),
        },
        "examples/agents/agentsvc/engine/execution_engine.py": {(6, 1, "SOT201")},
        "examples/agents/agentsvc/engine/legacy_engine.py": {(4, 1, "SOT201")},
    }
