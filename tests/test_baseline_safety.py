"""`flake8-ssot baseline` and `report` never lose data: a typo, a partial run, a file that does not
parse or a baseline of the wrong shape leaves every accepted entry in place. Through the real
commands, on a project with findings in two folders (what the baseline reader says of each
wrong shape, in-process)."""

from __future__ import annotations

import json

import pytest

from flake8_ssot.baseline import Baseline
from helpers import reported, run_flake8, write_tree
from helpers import run_ssot as flake8_ssot
from helpers import READ_ONLY_BASE


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one."""
    write_tree(tmp_path, READ_ONLY_BASE)

REPORT = '''\
class ReportAgent:
    async def execute(self, context):
        context.metadata["status"] = "running"
        context.metadata.clear()
'''
ENGINE = '''\
def run(context):
    context.metadata["engine"] = "v2"
    context.metadata.update({"a": 1})
'''


def entries(root) -> dict[str, list[tuple[str, int]]]:
    """``{file: [(code, count), ...]}`` of the baseline file, as written."""
    data = json.loads((root / "ssot-baseline.json").read_text())
    return {path: [(e["code"], e["count"]) for e in found] for path, found in data["files"].items()}


ALL_ENTRIES = {"agents/report.py": [("SOT101", 1), ("SOT106", 1)],
               "engine/run.py": [("SOT101", 1), ("SOT102", 1)]}


@pytest.fixture
def project(tmp_path):
    write_tree(tmp_path, {"setup.cfg": "[flake8]\nssot-baseline = ssot-baseline.json\n",
                          "agents/report.py": REPORT, "engine/run.py": ENGINE})
    assert flake8_ssot("baseline", cwd=tmp_path).returncode == 0
    assert entries(tmp_path) == ALL_ENTRIES
    return tmp_path


def test_a_missing_path_is_an_error_and_the_baseline_is_untouched(project):
    before = (project / "ssot-baseline.json").read_bytes()
    for command in ("baseline", "report"):
        result = flake8_ssot(command, "engnie", cwd=project)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"flake8-ssot {command}: engnie: no such file or directory\n"
    assert (project / "ssot-baseline.json").read_bytes() == before


def test_a_run_over_some_paths_updates_only_those_files_entries(project):
    (project / "agents" / "report.py").write_text(REPORT.replace(
        "        context.metadata.clear()\n", ""))
    (project / "engine" / "run.py").write_text(ENGINE.replace(
        '    context.metadata.update({"a": 1})\n', ""))

    result = flake8_ssot("baseline", "agents", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "ssot-baseline.json: 3 findings in 2 files accepted; 1 fixed since the previous "
        "baseline dropped\n"
        "2 entries of files not checked in this run kept unchanged\n")
    assert entries(project) == {"agents/report.py": [("SOT101", 1)],
                                "engine/run.py": [("SOT101", 1), ("SOT102", 1)]}

    report = flake8_ssot("report", "agents", cwd=project)
    assert report.stdout.splitlines()[:3] == [
        "1 finding in 1 file: 1 baselined, 0 new",
        "baseline ssot-baseline.json: 1 recorded, 0 fixed since (0.0%), 1 left",
        "  (and 2 entries of files not checked in this run)",
    ]


def test_a_deleted_file_under_the_paths_has_its_entries_dropped(project):
    (project / "engine" / "run.py").unlink()
    result = flake8_ssot("baseline", "engine", cwd=project)
    assert result.stdout.startswith("ssot-baseline.json: 2 findings in 1 file accepted; "
                                    "2 fixed since the previous baseline dropped\n")
    assert entries(project) == {"agents/report.py": ALL_ENTRIES["agents/report.py"]}


def test_a_file_that_does_not_parse_keeps_its_entries(project):
    conflicted = REPORT.replace('        context.metadata["status"] = "running"\n',
                                '<<<<<<< HEAD\n        context.metadata["status"] = "running"\n'
                                '=======\n        context.metadata["status"] = "done"\n'
                                '>>>>>>> branch\n')
    (project / "agents" / "report.py").write_text(conflicted)
    for command in ("baseline", "report"):
        result = flake8_ssot(command, cwd=project)
        assert result.returncode == 0, result.stderr
        [line] = [line for line in result.stdout.splitlines() if "could not be read" in line]
        # E999 and the parser's own words (they differ between Python versions).
        assert line.startswith("agents/report.py: could not be read or checked (E999 ")
        assert line.endswith("); 2 baseline entries kept unchanged")
    assert entries(project) == ALL_ENTRIES
    check = flake8_ssot("baseline", "--check", cwd=project)
    assert (check.returncode, check.stdout.splitlines()[-1]) == (
        0, "ssot-baseline.json: up to date")

    (project / "agents" / "report.py").write_text(REPORT)  # the conflict resolved
    assert run_flake8("--select", "SOT", ".", cwd=project).stdout == ""


WRONG_SHAPES = [
    ({"a.py": "x"}, 'files["a.py"] must be a list of entries, not "x"'),
    ({"a.py": ["x"]},
     'files["a.py"][0] must be an object with code, fingerprint and count, not "x"'),
    ({"a.py": [{"code": "SOT101", "count": 1}]},
     'files["a.py"][0] has no valid fingerprint (16 hex digits): null'),
    ({"a.py": [{"code": 101, "fingerprint": "0" * 16}]}, 'files["a.py"][0] has no valid code: 101'),
    ({"a.py": [{"code": "SOT101", "fingerprint": "0" * 16, "count": "2"}]},
     'files["a.py"][0] has no valid count (a whole number from 1): "2"'),
    ({"a.py": [{"code": "SOT101", "fingerprint": "0" * 16, "count": True}]},
     'files["a.py"][0] has no valid count (a whole number from 1): true'),
]


@pytest.mark.parametrize("files, problem", WRONG_SHAPES)
def test_each_wrong_shape_is_named_by_the_baseline_reader(tmp_path, files, problem):
    """What the reader says of each shape (in-process: the commands and flake8 print the
    reader's words, as the test below shows for one shape)."""
    path = tmp_path / "ssot-baseline.json"
    path.write_text(json.dumps({"version": 1, "files": files}))
    with pytest.raises(ValueError) as raised:
        Baseline.read(str(path))
    assert str(raised.value) == f"{path}: {problem}"


def test_a_baseline_of_the_wrong_shape_is_rejected_and_left_as_it_is(tmp_path):
    files, problem = WRONG_SHAPES[3]
    write_tree(tmp_path, {
        "setup.cfg": "[flake8]\nssot-baseline = ssot-baseline.json\n",
        "a.py": "def handle(context):\n    context.metadata.clear()\n",
        "ssot-baseline.json": json.dumps({"version": 1, "files": files}),
    })
    before = (tmp_path / "ssot-baseline.json").read_text()
    for command in ("baseline", "report"):
        result = flake8_ssot(command, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        [line] = result.stderr.splitlines()
        assert line.startswith(f"flake8-ssot {command}: ")
        assert line.endswith(problem) or problem in line, line
    assert (tmp_path / "ssot-baseline.json").read_text() == before
    # flake8 itself reports everything, with a one-line warning naming the problem.
    flake8 = run_flake8("--select", "SOT", "a.py", cwd=tmp_path)
    assert reported(flake8.stdout) == {(2, 5, "SOT106")}
    assert problem in flake8.stderr and "Traceback" not in flake8.stderr


def test_report_fail_on_new_exits_1_only_when_something_is_new(project):
    assert flake8_ssot("report", "--fail-on-new", cwd=project).returncode == 0
    (project / "engine" / "run.py").write_text(ENGINE + "    context.metadata.clear()\n")
    text = flake8_ssot("report", "--fail-on-new", cwd=project)
    assert text.returncode == 1
    assert text.stdout.splitlines()[-2:-1] == ["new findings:"]
    assert text.stdout.splitlines()[-1].startswith("  engine/run.py:4:5: SOT106 ")
    as_json = flake8_ssot("report", "--fail-on-new", "--format", "json", cwd=project)
    assert (as_json.returncode, json.loads(as_json.stdout)["new"]) == (1, 1)
    assert flake8_ssot("report", cwd=project).returncode == 0  # without the flag: a report


def test_baseline_check_fails_when_the_baseline_could_shrink(project):
    assert flake8_ssot("baseline", "--check", cwd=project).stdout == (
        "ssot-baseline.json: up to date\n")
    (project / "agents" / "report.py").write_text(REPORT.replace(
        "        context.metadata.clear()\n", ""))
    before = (project / "ssot-baseline.json").read_bytes()
    check = flake8_ssot("baseline", "--check", cwd=project)
    assert (check.returncode, check.stdout) == (1, (
        "ssot-baseline.json: out of date: 1 fixed since it was written (rewrite it with "
        "`flake8-ssot baseline`)\n"))
    assert (project / "ssot-baseline.json").read_bytes() == before  # --check writes nothing
    assert flake8_ssot("baseline", cwd=project).returncode == 0
    assert flake8_ssot("baseline", "--check", cwd=project).returncode == 0
    # With --add-new, the command to run is named whole, in one pair of backticks.
    (project / "agents" / "report.py").write_text(REPORT.replace("clear()", "pop('k')"))
    add_new = flake8_ssot("baseline", "--check", "--add-new", cwd=project)
    assert add_new.returncode == 1
    assert add_new.stdout.endswith("(rewrite it with `flake8-ssot baseline --add-new`)\n")


def test_config_option_finds_a_package_config_and_its_baseline(tmp_path):
    """A monorepo package: ``--config services/api/setup.cfg`` from the repository root; its
    relative ``ssot-baseline`` lives next to it, for the commands and for flake8 alike."""
    write_tree(tmp_path, {
        "services/api/setup.cfg": "[flake8]\nssot-baseline = ssot-baseline.json\n",
        "services/api/agent.py": "def handle(context):\n    context.metadata.clear()\n",
        **{f"services/api/{name}": text for name, text in READ_ONLY_BASE.items()},
    })
    config = "--config=services/api/setup.cfg"
    written = flake8_ssot("baseline", config, "services/api", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert written.stdout == "services/api/ssot-baseline.json: 1 finding in 1 file accepted\n"
    assert list(entries(tmp_path / "services" / "api")) == ["agent.py"]
    assert run_flake8(config, "--select", "SOT", "services/api", cwd=tmp_path).stdout == ""
    report = flake8_ssot("report", config, "--fail-on-new", "services/api", cwd=tmp_path)
    assert (report.returncode, report.stdout.splitlines()[0]) == (
        0, "1 finding in 1 file: 1 baselined, 0 new")
    missing = flake8_ssot("report", "--config=nope.cfg", cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (
        2, "flake8-ssot report: nope.cfg: config file not found\n")
