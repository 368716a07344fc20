"""The baseline: `flake8-ssot baseline` accepts today's findings, flake8 then reports only new ones,
`flake8-ssot report` shows the migration's progress. Everything through the real commands."""

from __future__ import annotations

import json

import pytest

from helpers import reported, run_flake8, write_tree
from helpers import run_ssot as flake8_ssot
from helpers import READ_ONLY_BASE


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one."""
    write_tree(tmp_path, READ_ONLY_BASE)

CONFIG = "[flake8]\nssot-baseline = ssot-baseline.json\n"

LEGACY = '''\
class ReportAgent:
    async def execute(self, context):
        context.metadata["status"] = "running"
        context.metadata["status"] = "running"
        context.metadata.clear()
'''


@pytest.fixture
def project(tmp_path):
    """A project with three legacy findings and a baseline accepting them."""
    write_tree(tmp_path, {"setup.cfg": CONFIG, "agents/report.py": LEGACY})
    before = run_flake8("--select", "SOT", ".", cwd=tmp_path)
    assert reported(before.stdout) == {(3, 9, "SOT101"), (4, 9, "SOT101"), (5, 9, "SOT106")}
    written = flake8_ssot("baseline", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert written.stdout.startswith("ssot-baseline.json: 3 findings in 1 file accepted\n")
    return tmp_path


def test_baselined_findings_are_silent(project):
    result = run_flake8("--select", "SOT", ".", cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_baseline_file_is_keyed_by_path_code_and_statement_not_line(project):
    data = json.loads((project / "ssot-baseline.json").read_text())
    assert data["version"] == 1
    entries = data["files"]["agents/report.py"]
    assert [(e["code"], e["count"], e["statement"]) for e in entries] == [
        ("SOT101", 2, "context.metadata['status']='running'"),
        ("SOT106", 1, "context.metadata.clear()"),
    ]
    assert all(len(e["fingerprint"]) == 16 for e in entries)
    assert "line" not in json.dumps(data)


def test_a_new_finding_is_reported(project):
    source = LEGACY + "        context.metadata['owner'] = 'me'\n"
    (project / "agents" / "report.py").write_text(source)
    result = run_flake8("--select", "SOT", ".", cwd=project)
    assert result.returncode == 1
    assert reported(result.stdout) == {(6, 9, "SOT101")}


def test_a_third_copy_of_a_statement_baselined_twice_is_reported(project):
    source = LEGACY + '        context.metadata["status"] = "running"\n'
    (project / "agents" / "report.py").write_text(source)
    result = run_flake8("--select", "SOT", ".", cwd=project)
    assert reported(result.stdout) == {(6, 9, "SOT101")}


def test_edits_above_and_reformatting_keep_baselined_findings_silent(project):
    (project / "agents" / "report.py").write_text(
        '"""Report agent."""\n'
        "import logging\n"
        "\n"
        "LOG = logging.getLogger(__name__)\n"
        "\n"
        "\n"
        "class ReportAgent:\n"
        "    async def execute(self, context):\n"
        "        LOG.info('starting')\n"
        "        if context:\n"
        "            context.metadata['status'] = 'running'  # noted in the migration plan\n"
        "        context.metadata[\n"
        "            \"status\"\n"
        "        ] = \"running\"\n"
        "        context.metadata.clear( )\n"
    )
    result = run_flake8("--select", "SOT", ".", cwd=project)
    assert (result.returncode, result.stdout) == (0, "")


def test_a_changed_statement_is_a_new_finding(project):
    (project / "agents" / "report.py").write_text(LEGACY.replace('"running"', '"done"', 1))
    result = run_flake8("--select", "SOT", ".", cwd=project)
    assert reported(result.stdout) == {(3, 9, "SOT101")}


def test_the_same_statement_in_another_file_is_not_baselined(project):
    (project / "agents" / "copy.py").write_text(LEGACY)
    # SOT1 only: the copy also duplicates the class, a new SOT201 in both files.
    result = run_flake8("--select", "SOT1", ".", cwd=project)
    assert result.stdout.count("./agents/copy.py:") == 3
    assert "report.py" not in result.stdout


def test_baseline_applies_from_a_subdirectory_with_several_jobs_and_on_stdin(project):
    """The relative path is resolved against the config file's directory, whatever the cwd."""
    subdirectory = project / "agents"
    from_subdirectory = run_flake8("--select", "SOT", "--jobs", "2", "report.py", "..",
                                   cwd=subdirectory)
    assert (from_subdirectory.returncode, from_subdirectory.stdout) == (0, "")
    buffer = LEGACY + "        context.metadata['owner'] = 'me'\n"
    editor = run_flake8("--select", "SOT", "--stdin-display-name", "agents/report.py", "-",
                        cwd=project, stdin=buffer)
    assert reported(editor.stdout) == {(6, 9, "SOT101")}


def test_report_counts_baselined_new_and_fixed(project):
    source = LEGACY.replace("        context.metadata.clear()\n", "")
    source += "        context.metadata['owner'] = 'me'\n"
    (project / "agents" / "report.py").write_text(source)
    result = flake8_ssot("report", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "3 findings in 1 file: 2 baselined, 1 new\n"
        "baseline ssot-baseline.json: 3 recorded, 1 fixed since (33.3%), 2 left\n"
        "\n"
        "code    findings  baselined  new  fixed\n"
        "SOT101         3          2    1      0\n"
        "SOT106         0          0    0      1\n"
        "\n"
        "file              findings  baselined  new  fixed\n"
        "agents/report.py         3          2    1      1\n"
        "\n"
        "new findings:\n"
        "  agents/report.py:5:9: SOT101 context.metadata[...] = ... writes metadata directly; "
        "use self.store_metadata_result(context, key, value) after adding "
        "store_metadata_result to BaseAgent (base_agent.py:1) (`flake8-ssot helpers`)\n"
    )
    as_json = json.loads(flake8_ssot("report", "--format", "json", cwd=project).stdout)
    assert (as_json["fixed"], as_json["baselined"], as_json["new"],
            as_json["progress_percent"]) == (1, 2, 1, 33.3)


def test_rewriting_the_baseline_only_shrinks_unless_asked(project):
    source = LEGACY.replace("        context.metadata.clear()\n", "")
    source += "        context.metadata['owner'] = 'me'\n"
    (project / "agents" / "report.py").write_text(source)

    rewritten = flake8_ssot("baseline", cwd=project)
    assert rewritten.stdout.splitlines()[:2] == [
        "ssot-baseline.json: 2 findings in 1 file accepted; 1 fixed since the previous "
        "baseline dropped",
        "1 new finding not added (fix them, or rerun with --add-new):",
    ]
    codes = [e["code"] for e in
             json.loads((project / "ssot-baseline.json").read_text())["files"]["agents/report.py"]]
    assert codes == ["SOT101"]
    still_new = run_flake8("--select", "SOT", ".", cwd=project)
    assert reported(still_new.stdout) == {(5, 9, "SOT101")}

    # The fixed clear() is gone from the baseline: bringing it back is reported again.
    (project / "agents" / "report.py").write_text(source + "        context.metadata.clear()\n")
    assert reported(run_flake8("--select", "SOT", ".", cwd=project).stdout) == {
        (5, 9, "SOT101"), (6, 9, "SOT106")}

    grown = flake8_ssot("baseline", "--add-new", cwd=project)
    assert grown.stdout.startswith("ssot-baseline.json: 4 findings in 1 file accepted")
    assert run_flake8("--select", "SOT", ".", cwd=project).stdout == ""


def test_noqa_and_ignored_codes_stay_out_of_the_baseline(tmp_path):
    (tmp_path / "setup.cfg").write_text(CONFIG + "extend-ignore = SOT106\n")
    (tmp_path / "agent.py").write_text(
        "def handle(context):\n"
        "    context.metadata['a'] = 1  # noqa: SOT101\n"
        "    context.metadata.clear()\n"
    )
    result = flake8_ssot("baseline", cwd=tmp_path)
    assert result.stdout.startswith("ssot-baseline.json: 0 findings in 0 files accepted\n")
    assert json.loads((tmp_path / "ssot-baseline.json").read_text())["files"] == {}


def test_without_configuration_the_command_says_how_to_enable_it(tmp_path):
    (tmp_path / "tox.ini").write_text("[flake8]\nmax-line-length = 100\n")
    (tmp_path / "agent.py").write_text("def handle(context):\n    context.metadata.clear()\n")
    result = flake8_ssot("baseline", cwd=tmp_path)
    assert result.stdout == (
        ".flake8-ssot-baseline.json: 1 finding in 1 file accepted\n"
        "Enable it: add `ssot-baseline = .flake8-ssot-baseline.json` to the [flake8] section "
        "of setup.cfg, tox.ini or .flake8.\n"
    )
    assert (tmp_path / ".flake8-ssot-baseline.json").exists()


@pytest.mark.parametrize("content, reason", [
    ("{not json", "is not valid JSON"),
    ('{"version": 99, "files": {}}', "is not a flake8-ssot baseline"),
])
def test_a_broken_baseline_reports_everything_with_one_warning_a_run(tmp_path, content, reason):
    """One warning a run, however many processes flake8 checks in (``--jobs``; pre-commit's
    flake8 runs several too)."""
    (tmp_path / "setup.cfg").write_text(CONFIG)
    for name in "abcdef":
        (tmp_path / f"agent_{name}.py").write_text(
            "def handle(context):\n    context.metadata.clear()\n")
    (tmp_path / "ssot-baseline.json").write_text(content)
    for jobs in ("1", "4"):
        result = run_flake8("--select", "SOT", "--jobs", jobs, ".", cwd=tmp_path)
        assert result.returncode == 1
        assert len(result.stdout.splitlines()) == 6
        assert reason in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.count("flake8-ssot:") == 1, result.stderr


def test_a_configured_baseline_not_written_yet_reports_everything_silently(tmp_path):
    """The documented first step names the baseline in setup.cfg before `flake8-ssot baseline`
    writes it: until then flake8 reports every finding, as without one, and says nothing more;
    `flake8-ssot report` names the missing file."""
    (tmp_path / "setup.cfg").write_text(CONFIG)
    for name in "abc":
        (tmp_path / f"agent_{name}.py").write_text(
            "def handle(context):\n    context.metadata.clear()\n")
    result = run_flake8("--select", "SOT", "--jobs", "4", ".", cwd=tmp_path)
    assert (result.returncode, len(result.stdout.splitlines()), result.stderr) == (1, 3, "")
    assert "no baseline at ssot-baseline.json" in flake8_ssot("report", cwd=tmp_path).stdout


def test_a_baseline_in_a_missing_directory_is_an_error(tmp_path):
    (tmp_path / "agent.py").write_text("def handle(context):\n    context.metadata.clear()\n")
    result = flake8_ssot("baseline", "--baseline", "missing/dir/b.json", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("flake8-ssot baseline: cannot write missing/dir/b.json: missing/dir "
                             "does not exist (create it first)\n")
    assert not (tmp_path / "missing").exists()


def test_report_without_a_baseline_lists_findings(tmp_path):
    (tmp_path / "agent.py").write_text("def handle(context):\n    context.metadata.clear()\n")
    result = flake8_ssot("report", "agent.py", cwd=tmp_path)
    assert result.stdout.splitlines()[:2] == [
        "1 finding in 1 file: 0 baselined, 1 new",
        "no baseline at .flake8-ssot-baseline.json (create one with `flake8-ssot baseline`)",
    ]
