"""flake8 run several times in ONE Python process, as VS Code's flake8 extension does by default
(``runpy.run_module("flake8")`` inside its long-lived language server): every run must see the
disk as it is now. ``helpers.run_in_one_process`` plays the editor."""

from __future__ import annotations

from helpers import reported, run_in_one_process, write_tree
import pytest
from helpers import READ_ONLY_BASE


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one."""
    write_tree(tmp_path, READ_ONLY_BASE)

# The argv VS Code's extension passes (microsoft/vscode-flake8, bundled/tool/lsp_server.py).
VSCODE_ARGS = ["--format=%(row)d,%(col)d,%(code).1s,%(code)s:%(text)s"]


def vscode_findings(stdout: str) -> set[tuple[int, int, str]]:
    rows = (line.split(",", 3) for line in stdout.splitlines())
    return {(int(row), int(col), rest.split(":", 1)[0]) for row, col, _, rest in rows}


AGENT = '''\
class ReportAgent:
    async def execute(self, context):
        context.metadata["status"] = "running"
        context.metadata.clear()
'''


def test_a_rewritten_baseline_counts_from_the_next_run(tmp_path):
    write_tree(tmp_path, {"setup.cfg": "[flake8]\nssot-baseline = ssot-baseline.json\n",
                          "agents/report.py": AGENT})
    lint = {"flake8": [*VSCODE_ARGS, "agents/report.py"]}
    accept = {"commands": [["-m", "flake8_ssot.commands", "baseline"]]}
    edited = AGENT + '        context.metadata["owner"] = "me"\n'
    results = run_in_one_process(tmp_path, [
        lint,                                        # no baseline yet: everything
        {**accept, **lint},                          # baseline written: nothing
        {"files": {"agents/report.py": edited}, **lint},  # a new write: only it
        {"commands": [["-m", "flake8_ssot.commands", "baseline", "--add-new"]], **lint},
        {"files": {"ssot-baseline.json": None}, **lint},  # baseline deleted: everything
    ])
    assert [vscode_findings(r["stdout"]) for r in results] == [
        {(3, 9, "SOT101"), (4, 9, "SOT106")},
        set(),
        {(5, 9, "SOT101")},
        set(),
        {(3, 9, "SOT101"), (4, 9, "SOT106"), (5, 9, "SOT101")},
    ]
    assert [r["status"] for r in results] == [1, 0, 1, 0, 1]
    # A missing baseline is no baseline (docs/usage.md): every finding, and nothing more.
    assert [r["stderr"] for r in results] == [""] * 5


def test_a_deleted_twin_is_forgotten_and_a_new_twin_is_seen(tmp_path):
    engine = "class ExecutionEngine:\n    pass\n"
    write_tree(tmp_path, {"setup.cfg": "[flake8]\n", "app/engine.py": engine,
                          "app/legacy.py": engine})
    lint = {"flake8": ["--select=SOT2", "app/engine.py"]}
    results = run_in_one_process(tmp_path, [
        lint,
        {"files": {"app/legacy.py": None}, **lint},  # the twin deleted: no duplicate left
        {"files": {"app/services/engine_v2.py": "import os\n\n" + engine}, **lint},  # a new twin
    ])
    first, after_delete, after_new = (r["stdout"] for r in results)
    assert reported(first) == {(1, 1, "SOT201")} and "app/legacy.py:1" in first
    assert after_delete == ""
    assert reported(after_new) == {(1, 1, "SOT201")}
    assert "app/services/engine_v2.py:3" in after_new and "legacy" not in after_new


def test_an_imported_module_edited_between_runs_changes_the_sot3_finding(tmp_path):
    # SOT3xx keeps each imported module's digest and summary for a run: the next run in the
    # same process reads the edited module, and the cached results of the first are not used.
    agent = ("from app.clock import stamp\n\n\nclass Agent:\n    def run(self, context):\n"
             "        self.store_metadata_result(context, 'at', stamp())\n")
    write_tree(tmp_path, {"setup.cfg": "[flake8]\n", "app/__init__.py": "",
                          "app/clock.py": "from datetime import datetime\n\n\n"
                                          "def stamp() -> datetime:\n    return datetime.now()\n",
                          "app/agent.py": agent})
    lint = {"flake8": ["--select=SOT3", "app/agent.py"]}
    results = run_in_one_process(tmp_path, [
        lint,
        lint,  # unchanged: the results cache
        {"files": {"app/clock.py": "def stamp() -> str:\n    return 'now'\n"}, **lint},
        {"files": {"app/clock.py": "from datetime import date\n\n\n"
                                   "def stamp() -> date:\n    return date.today()\n"}, **lint},
    ])
    assert [reported(r["stdout"]) for r in results] == [
        {(6, 9, "SOT301")}, {(6, 9, "SOT301")}, set(), {(6, 9, "SOT301")}]


# Every file and directory but the cache last changed a minute ago, as in an unchanged checkout:
# a run then knows its rows' generation and keeps (or reuses) each file's SOT1xx/SOT2xx findings.
AGE = '''
import time
then = time.time_ns() - 60 * 10**9
for directory, subdirectories, names in os.walk("."):
    subdirectories[:] = [name for name in subdirectories if name != ".flake8-ssot-cache"]
    for name in names:
        os.utime(os.path.join(directory, name), ns=(then, then))
    os.utime(directory, ns=(then, then))
'''


def test_a_kept_result_is_reused_only_while_nothing_changed(tmp_path):
    engine = "class ExecutionEngine:\n    pass\n"
    write_tree(tmp_path, {"setup.cfg": "[flake8]\n", "app/engine.py": engine,
                          "app/other.py": "import os\n"})
    lint = {"flake8": ["--select=SOT2", "app/engine.py"]}
    settle = [{"python": AGE, **lint}, lint, lint]  # compared one by one, then reused
    results = run_in_one_process(tmp_path, [
        lint, *settle,
        {"files": {"app/other.py": engine}, **lint},  # a twin made in another file
        *settle,
        {"files": {"app/other.py": "import os\n"}, **lint},  # and removed
    ])
    assert [reported(r["stdout"]) for r in results] == [set()] * 4 + [{(1, 1, "SOT201")}] * 4 + [
        set()]
