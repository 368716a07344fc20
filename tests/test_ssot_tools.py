"""SOT204 (class-family budgets), SOT205 (parallel implementations), independent packages and
shims, through the real flake8 command line on the SOT2xx fixture project (expectations on
the lines of its files), whole-tree and single-file runs."""

from __future__ import annotations

import os
import shutil

import pytest

from helpers import FIXTURES, expected_in, reported, run_flake8, write_tree
from helpers import run_ssot as flake8_ssot

PROJECT = FIXTURES / "sot2xx_project"


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory):
    target = tmp_path_factory.mktemp("tools") / "project"
    shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns(".flake8-ssot-cache"))
    return target


def findings(result) -> set[tuple[str, int, int, str]]:
    assert "Traceback" not in result.stderr, result.stderr
    return {(os.path.normpath(line.split(":")[0]), *key)
            for line in result.stdout.splitlines() for key in reported(line + "\n")}


def expected(root, code: str) -> set[tuple[str, int, int, str]]:
    return {(os.path.relpath(path, root), *item) for path in root.rglob("*.py")
            for item in expected_in(path) if item[2] == code}


@pytest.mark.parametrize("code", ["SOT201", "SOT202", "SOT203", "SOT204", "SOT205", "SOT206"])
def test_each_code_reports_exactly_its_expected_lines(fixture_project, code):
    result = run_flake8("--select", code, ".", cwd=fixture_project)
    assert findings(result) == expected(fixture_project, code), result.stdout


@pytest.mark.parametrize("code", ["SOT205", "SOT206"])
def test_opt_in_codes_are_off_by_default_and_turned_on_with_extend_select(fixture_project, code):
    default = findings(run_flake8(".", cwd=fixture_project))
    assert {item[3] for item in default} >= {"SOT201", "SOT204"}
    assert not {item for item in default if item[3] == code}
    extended = findings(run_flake8("--extend-select", code, ".", cwd=fixture_project))
    assert {item for item in extended if item[3] == code} == expected(fixture_project, code)


@pytest.mark.parametrize("selection", [["--select=SOT", "--extend-select=SOT"],
                                       ["--select=SOT2"]])
def test_a_family_prefix_does_not_turn_sot205_on(fixture_project, selection):
    """The pre-commit hook runs ``flake8 --select=SOT --extend-select=SOT``: flake8 would let an
    off-by-default code through a prefix, so the commit would fail on what CI never reports."""
    result = findings(run_flake8(*selection, ".", cwd=fixture_project))
    assert {item[3] for item in result} >= {"SOT201", "SOT204"}
    assert not {item for item in result if item[3] in ("SOT205", "SOT206")}


def test_single_file_run_counts_the_whole_family(fixture_project):
    result = run_flake8("--select", "SOT204", "app/services/websocket.py", cwd=fixture_project)
    assert result.stdout == (
        "app/services/websocket.py:1:1: SOT204 class WebSocketManager is one of 3 *Manager "
        "classes (budget 2); fold it into an existing one\n")


def test_single_file_run_in_an_independent_package_relates_only_to_shared_code(fixture_project):
    result = run_flake8("--select", "SOT201", "svc/auth/client.py", cwd=fixture_project)
    assert result.stdout == (
        "svc/auth/client.py:2:1: SOT201 class HttpClient is defined in 2 modules; also at "
        "app/http.py:2; keep one and import it (declare its home with ssot-canonical-classes)\n")


def test_single_file_runs_of_shims_are_silent(fixture_project):
    result = run_flake8("--select", "SOT2", "app/compat/auth.py", "app/compat/public.py",
                        "app/auth/bearer.py", cwd=fixture_project)
    assert (result.stdout, result.stderr) == ("", "")


def test_single_file_run_names_the_parallel_implementation(fixture_project):
    result = run_flake8("--select", "SOT205", "app/events.py", cwd=fixture_project)
    assert result.stdout == (
        "app/events.py:2:1: SOT205 EventPublisher shares 5 of its 6 public methods with "
        "SessionNotifier (app/services/notifier.py:1): keep one implementation\n")


def test_parallel_thresholds_are_options(fixture_project):
    result = run_flake8("--select", "SOT205", "--ssot-parallel-min-ratio", "0.5", "app/audit.py",
                        cwd=fixture_project)
    assert reported(result.stdout) == {(2, 1, "SOT205")}
    assert "Auditor shares 5 of its 9 public methods with Reporter" in result.stdout
    fewer = run_flake8("--select", "SOT205", "--ssot-parallel-min-shared", "4",
                       "app/services/notifier.py", cwd=fixture_project)
    assert reported(fewer.stdout) == {(1, 1, "SOT205"), (11, 1, "SOT205")}


def test_a_duplicate_in_the_buffer_that_extends_the_other_is_silent(tmp_path):
    write_tree(tmp_path, {"setup.cfg": "", "pkg/__init__.py": "",
                          "pkg/real.py": "class Auth:\n    pass\n",
                          "pkg/shim.py": "class Auth:\n    pass\n"})
    buffer = "from pkg.real import Auth as _Auth\n\n\nclass Auth(_Auth):\n    pass\n"
    result = run_flake8("--select", "SOT201", "--stdin-display-name", "pkg/shim.py", "-",
                        cwd=tmp_path, stdin=buffer)
    assert (result.stdout, result.stderr) == ("", "")
    on_disk = run_flake8("--select", "SOT201", "pkg/shim.py", cwd=tmp_path)
    assert reported(on_disk.stdout) == {(1, 1, "SOT201")}


def test_with_a_baseline_todays_family_is_accepted_and_a_new_member_fails(tmp_path):
    write_tree(tmp_path, {
        "setup.cfg": "[flake8]\nssot-class-budgets = *Manager:1\n"
                     "ssot-baseline = ssot-baseline.json\n",
        "a.py": "class AManager:\n    pass\n", "b.py": "class BManager:\n    pass\n"})
    assert reported(run_flake8("--select", "SOT204", ".", cwd=tmp_path).stdout) == {
        (1, 1, "SOT204")}
    written = flake8_ssot("baseline", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert run_flake8("--select", "SOT204", ".", cwd=tmp_path).stdout == ""
    (tmp_path / "c.py").write_text("class CManager:\n    pass\n")
    result = run_flake8("--select", "SOT204", ".", cwd=tmp_path)
    assert result.stdout == ("./c.py:1:1: SOT204 class CManager is one of 3 *Manager classes "
                             "(budget 1); fold it into an existing one\n")
