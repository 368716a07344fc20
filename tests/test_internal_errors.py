"""SOT901: a rule family that fails on a file reports the file as not checked, at line 1 (as
flake8 does with E902), through flake8's real output; the baseline never hides it, and
`flake8-ssot baseline` keeps the file's entries."""

from __future__ import annotations

import json

from helpers import reported, run_flake8, run_in_one_process, write_tree
from helpers import run_ssot as flake8_ssot
import pytest
from helpers import READ_ONLY_BASE


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one."""
    write_tree(tmp_path, READ_ONLY_BASE)

# Run inside the flake8 process before it checks: the duplicate-class family fails on every file.
BREAK_SOT2 = ("import flake8_ssot.rules.duplicates as family\n"
              "def broken(*args, **kwargs):\n"
              "    raise RuntimeError('index is gone')\n"
              "family.check = broken\n")
AGENT = "def handle(context):\n    context.metadata.clear()\n"
# The SOT1xx walk meets an input it cannot get through (as a statement nested past Python's
# recursion limit would make it), in every Python process started with this on PYTHONPATH:
# `flake8`, `flake8-ssot` and the flake8 that `flake8-ssot baseline` runs.
BREAK_SOT1 = ("import flake8_ssot.rules.mutation as family\n"
              "def broken(*args, **kwargs):\n"
              "    raise RecursionError('maximum recursion depth exceeded')\n"
              "family.check = broken\n")


def sot1_broken(tmp_path) -> dict[str, str]:
    """The environment of processes whose SOT1xx walk fails (a ``sitecustomize``)."""
    directory = tmp_path.parent / f"{tmp_path.name}-sitecustomize"
    directory.mkdir()
    (directory / "sitecustomize.py").write_text(BREAK_SOT1)
    return {"PYTHONPATH": str(directory)}


def test_a_failing_family_is_sot901_at_line_1_and_the_others_still_report(tmp_path):
    write_tree(tmp_path, {"setup.cfg": "[flake8]\n", "agent.py": AGENT})
    [before, broken] = run_in_one_process(tmp_path, [
        {"flake8": ["--select=SOT", "agent.py"]},
        {"python": BREAK_SOT2, "flake8": ["--select=SOT", "agent.py"]},
    ])
    assert reported(before["stdout"]) == {(2, 5, "SOT106")}
    assert broken["status"] == 1
    assert broken["stdout"].splitlines()[0] == (
        "agent.py:1:1: SOT901 flake8-ssot could not check this file: internal error in the "
        "duplicate-class check (SOT2xx) (RuntimeError: index is gone); please report it")
    assert reported(broken["stdout"]) == {(1, 1, "SOT901"), (2, 5, "SOT106")}
    assert broken["stderr"] == ""


def test_the_baseline_neither_hides_sot901_nor_loses_the_files_entries(tmp_path):
    write_tree(tmp_path, {"setup.cfg": "[flake8]\nssot-baseline = ssot-baseline.json\n",
                          "agent.py": AGENT})
    assert flake8_ssot("baseline", cwd=tmp_path).returncode == 0
    # The file grows a statement the SOT1xx walk cannot get through: nothing of it is checked.
    (tmp_path / "agent.py").write_text(AGENT + "def other(context):\n"
                                                "    context.metadata['k'] = 1\n")
    broken = sot1_broken(tmp_path)
    result = run_flake8("--select", "SOT", "agent.py", cwd=tmp_path, env=broken)
    assert result.stdout == ("agent.py:1:1: SOT901 flake8-ssot could not check this file: it is "
                             "nested too deeply\n")

    rewritten = flake8_ssot("baseline", cwd=tmp_path, env=broken)
    assert rewritten.stdout.splitlines()[1] == (
        "agent.py: could not be read or checked (SOT901 flake8-ssot could not check this file: "
        "it is nested too deeply); 1 baseline entry kept unchanged")
    files = json.loads((tmp_path / "ssot-baseline.json").read_text())["files"]
    assert [entry["code"] for entry in files["agent.py"]] == ["SOT106"]
