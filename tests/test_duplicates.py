"""SOT2xx through the real flake8 command line, on whole projects in temporary directories."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time

import pytest

from helpers import (FIXTURES, REPO, code_blocks, expected_in, reported, run_flake8,
                     write_tree)

from flake8_ssot.index.store import WARM, Store

PROJECT = FIXTURES / "sot2xx_project"
ENGINE = "class ExecutionEngine:\n    pass\n"


@pytest.fixture
def fixture_project(tmp_path):
    target = tmp_path / "project"
    shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns(".flake8-ssot-cache"))
    return target


def project(tmp_path, files: dict[str, str]):
    return write_tree(tmp_path, {"setup.cfg": "", **files})


def sot2(result):
    assert "Traceback" not in result.stderr, result.stderr
    return {(os.path.normpath(line.split(":")[0]), *key[:2], key[2])
            for line in result.stdout.splitlines()
            for key in reported(line + "\n")}


def test_fixture_project_reports_exactly_the_expected_lines(fixture_project):
    result = run_flake8("--select", "SOT2,SOT205,SOT206", ".", cwd=fixture_project)  # named
    expected = {
        (os.path.relpath(path, fixture_project), *item)
        for path in fixture_project.rglob("*.py") for item in expected_in(path)
    }
    assert result.stderr == ""
    assert sot2(result) == expected, result.stdout


def test_message_names_the_other_definitions_sorted(fixture_project):
    result = run_flake8("--select", "SOT201", "app/legacy/engine.py", cwd=fixture_project)
    assert result.stdout == (
        "app/legacy/engine.py:8:5: SOT201 class ExecutionEngine is defined in 3 modules; also at "
        "app/agents/supervisor/execution_engine.py:7, app/services/execution_engine.py:7; keep one "
        "and import it (declare its home with ssot-canonical-classes)\n"
    )


def test_one_file_on_the_command_line_reports_its_duplicate_in_an_unlisted_file(tmp_path):
    project(tmp_path, {"a/engine.py": ENGINE, "b/engine.py": "\n\n" + ENGINE})
    result = run_flake8("--select", "SOT", "a/engine.py", cwd=tmp_path)
    assert result.stdout.startswith(
        "a/engine.py:1:1: SOT201 class ExecutionEngine is defined in 2 modules; also at "
        "b/engine.py:3;")


def test_stdin_reports_against_the_on_disk_project_and_the_buffer_wins(tmp_path):
    project(tmp_path, {"a/engine.py": "# saved without the class\n", "b/engine.py": ENGINE})
    buffer = "import os\n\n\n" + ENGINE
    result = run_flake8("--select", "SOT", "--stdin-display-name", "a/engine.py", "-",
                        cwd=tmp_path, stdin=buffer)
    assert sot2(result) == {("a/engine.py", 4, 1, "SOT201")}
    # The other file sees the disk copy of a/engine.py, which has no class.
    other = run_flake8("--select", "SOT", "b/engine.py", cwd=tmp_path)
    assert other.stdout == ""


def test_an_edited_buffer_never_stands_in_for_the_disk_copy_in_the_index(tmp_path):
    # The buffer of a/engine.py moves the class down; the index keeps the saved file's line
    # (a buffer that is the saved content confirms the file's row instead of a new parse).
    project(tmp_path, {"a/engine.py": ENGINE, "b/engine.py": "\n\n" + ENGINE})
    for path in tmp_path.rglob("*.py"):  # older than the cache's "racy" window: rows are kept
        os.utime(path, ns=(time.time_ns() - 10**10,) * 2)
    buffer = "import os\n\n\n" + ENGINE
    result = run_flake8("--select", "SOT", "--stdin-display-name", "a/engine.py", "-",
                        cwd=tmp_path, stdin=buffer)
    assert sot2(result) == {("a/engine.py", 4, 1, "SOT201")}
    other = run_flake8("--select", "SOT", "b/engine.py", cwd=tmp_path)
    assert "also at a/engine.py:1;" in other.stdout, other.stdout
    saved = run_flake8("--select", "SOT", "--stdin-display-name", "a/engine.py", "-",
                       cwd=tmp_path, stdin=ENGINE)
    assert sot2(saved) == {("a/engine.py", 1, 1, "SOT201")}
    assert "also at a/engine.py:1;" in run_flake8("--select", "SOT", "b/engine.py",
                                                  cwd=tmp_path).stdout


def test_removing_the_class_from_one_file_clears_the_report_next_run(tmp_path):
    project(tmp_path, {"a/engine.py": ENGINE, "b/engine.py": ENGINE})
    assert sot2(run_flake8("--select", "SOT", ".", cwd=tmp_path)) == {
        ("a/engine.py", 1, 1, "SOT201"), ("b/engine.py", 1, 1, "SOT201")}
    (tmp_path / "b/engine.py").write_text("from a.engine import ExecutionEngine\n")
    assert run_flake8("--select", "SOT", "a/engine.py", cwd=tmp_path).stdout == ""


def test_deleting_a_file_clears_the_report_next_run(tmp_path):
    project(tmp_path, {"a/engine.py": ENGINE, "b/engine.py": ENGINE})
    assert run_flake8("--select", "SOT", "a/engine.py", cwd=tmp_path).stdout
    (tmp_path / "b/engine.py").unlink()
    assert run_flake8("--select", "SOT", "a/engine.py", cwd=tmp_path).stdout == ""


def test_adding_a_file_is_noticed_with_a_warm_cache(tmp_path):
    project(tmp_path, {"a/engine.py": ENGINE})
    assert run_flake8("--select", "SOT", ".", cwd=tmp_path).stdout == ""
    (tmp_path / "c.py").write_text(ENGINE)
    assert sot2(run_flake8("--select", "SOT", "a/engine.py", cwd=tmp_path)) == {
        ("a/engine.py", 1, 1, "SOT201")}


def test_test_code_is_neither_reported_nor_counted(tmp_path):
    project(tmp_path, {"app.py": ENGINE, "tests/test_app.py": ENGINE, "conftest.py": ENGINE,
                       "test_more.py": ENGINE})
    assert run_flake8("--select", "SOT", ".", cwd=tmp_path).stdout == ""


def test_ignored_class_names_and_excludes(tmp_path):
    project(tmp_path, {"a.py": ENGINE + "class Meta:\n    pass\n",
                       "b.py": ENGINE + "class Meta:\n    pass\n",
                       "vendor/c.py": ENGINE})
    result = run_flake8("--select", "SOT", "--ssot-ignore-class-names", "Meta,*Engine",
                        ".", cwd=tmp_path)
    assert result.stdout == ""
    result = run_flake8("--select", "SOT", "--extend-exclude", "vendor", "a.py", cwd=tmp_path)
    assert "also at b.py:1;" in result.stdout and "vendor" not in result.stdout


def test_git_project_lists_untracked_but_not_ignored_files(tmp_path):
    write_tree(tmp_path, {"a.py": ENGINE, ".gitignore": "build_out/\n"}, commit=True)
    project(tmp_path, {"build_out/gen.py": ENGINE, "new.py": ENGINE})
    result = run_flake8("--select", "SOT", "a.py", cwd=tmp_path)
    assert "also at new.py:1;" in result.stdout and "build_out" not in result.stdout


def test_older_cache_schema_is_rebuilt(tmp_path):
    project(tmp_path, {"a.py": ENGINE, "b.py": ENGINE})
    first = run_flake8("--select", "SOT", ".", cwd=tmp_path)
    database = tmp_path / ".flake8-ssot-cache" / "index.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
        connection.execute("UPDATE files SET classes = ''")
    assert run_flake8("--select", "SOT", ".", cwd=tmp_path).stdout == first.stdout


def test_no_cache_writes_nothing(tmp_path):
    project(tmp_path, {"a.py": ENGINE, "b.py": ENGINE})
    result = run_flake8("--select", "SOT", "--ssot-no-cache", ".", cwd=tmp_path)
    assert result.stdout.count("SOT201") == 2
    assert not (tmp_path / ".flake8-ssot-cache").exists()


def test_configured_project_root(tmp_path):
    project(tmp_path, {"svc/setup.cfg": "", "svc/a.py": ENGINE, "b.py": ENGINE})
    nearest = run_flake8("--select", "SOT", "svc/a.py", cwd=tmp_path)
    assert nearest.stdout == ""  # svc/ has its own marker: a separate project
    configured = run_flake8("--select", "SOT", "--ssot-project-root", str(tmp_path), "svc/a.py",
                            cwd=tmp_path)
    assert "also at b.py:1;" in configured.stdout


def test_syntax_errors_elsewhere_do_not_break_the_index(tmp_path):
    project(tmp_path, {"a.py": ENGINE, "broken.py": "class ExecutionEngine(:\n",
                       "latin.py": "# \xff\xfe\nclass ExecutionEngine:\n    pass\n"})
    result = run_flake8("--select", "SOT", "a.py", cwd=tmp_path)
    assert "Traceback" not in result.stderr


def test_a_file_showing_a_sign_of_not_parsing_defines_nothing(tmp_path):
    # A Python 2 leftover (a print statement) or a half-saved edit (a string or a bracket never
    # closed): flake8 reports E999 there, and its classes are not counted elsewhere. Once it
    # parses again, they are.
    project(tmp_path, {"a.py": ENGINE, "old.py": ENGINE + "\nprint 'hello'\n",
                       "half.py": ENGINE + "\nNAMES = ['a',\n"})
    assert run_flake8("--select", "SOT", "a.py", cwd=tmp_path).stdout == ""
    assert run_flake8("--select", "SOT", "a.py", cwd=tmp_path).stdout == ""  # warm: the same
    (tmp_path / "old.py").write_text(ENGINE + "\nprint('hello')\n")
    assert sot2(run_flake8("--select", "SOT", "a.py", cwd=tmp_path)) == {("a.py", 1, 1, "SOT201")}
    assert "also at old.py:1;" in run_flake8("--select", "SOT", "a.py", cwd=tmp_path).stdout


def test_a_file_with_a_syntax_error_the_scan_shows_no_sign_of_counts_its_classes(tmp_path):
    # Twins are judged from what the index stored when it scanned them: no file is parsed again
    # to confirm its classes, so one whose only error the scan cannot see still counts them.
    project(tmp_path, {"a.py": ENGINE, "old.py": ENGINE + "\nexec code\n"})
    result = run_flake8("--select", "SOT", "a.py", cwd=tmp_path)
    assert "also at old.py:1;" in result.stdout


def test_class_under_a_header_continued_at_column_0_is_counted(tmp_path):
    project(tmp_path, {"a.py": ENGINE,
                       "b.py": "import os\nif (os.name == 'nt' or\nos.name == 'posix'):\n"
                               "    class ExecutionEngine:\n        pass\n"})
    result = run_flake8("--select", "SOT", "a.py", cwd=tmp_path)
    assert "also at b.py:4;" in result.stdout


def test_import_inside_a_function_of_an_otherwise_plain_file(tmp_path):
    project(tmp_path, {"app/__init__.py": "", "app/engine.py": ENGINE,
                       "app/old.py": "from app.engine import ExecutionEngine\n",
                       "app/use.py": "def run():\n    from app.old import ExecutionEngine\n"
                                     "    return ExecutionEngine\n"})
    result = run_flake8("--select", "SOT", "--ssot-canonical-classes",
                        "ExecutionEngine:app/engine.py", "app/use.py", cwd=tmp_path)
    assert result.stdout == (
        "app/use.py:2:5: SOT203 ExecutionEngine is imported from app.old, not from its canonical "
        "home app/engine.py; import it from app.engine\n")


DOCS = REPO / "docs" / "cache.md"


def classes(*names: str) -> str:
    """Module-level classes, one every four lines (lines 1, 5, 9, ...)."""
    return "".join(f"class {name}:\n    pass\n\n\n" for name in names)


def test_the_documented_configuration_does_what_the_comments_say(tmp_path):
    (config,) = code_blocks(DOCS, "ini")
    project(tmp_path, {
        "app/__init__.py": "",
        "app/agents/supervisor/execution_engine.py": ENGINE,  # the declared home: silent
        "app/legacy/engine.py": classes("ExecutionEngine", "Meta", "ParseError", "Worker"),
        "app/other.py": "from app.legacy.engine import ExecutionEngine\n\n\n"
                        + classes("Meta", "ParseError", "Worker"),
        "migrations/0001_initial.py": classes("Worker"),  # ssot-exclude
        "scripts/one_off/fix.py": classes("Worker"),  # ssot-exclude
        "app/tests/test_other.py": classes("Worker"),  # test code
    })
    (tmp_path / "setup.cfg").write_text(config)
    result = run_flake8("--select", "SOT", ".", cwd=tmp_path)
    assert result.stderr == ""
    assert sorted(result.stdout.splitlines()) == sorted([
        "./app/legacy/engine.py:1:1: SOT202 class ExecutionEngine is defined outside its canonical "
        "home app/agents/supervisor/execution_engine.py; import it from "
        "app.agents.supervisor.execution_engine instead",
        "./app/legacy/engine.py:13:1: SOT201 class Worker is defined in 2 modules; also at "
        "app/other.py:12; keep one and import it (declare its home with ssot-canonical-classes)",
        "./app/other.py:1:1: SOT203 ExecutionEngine is imported from app.legacy.engine, not from "
        "its canonical home app/agents/supervisor/execution_engine.py; import it from "
        "app.agents.supervisor.execution_engine",
        "./app/other.py:12:1: SOT201 class Worker is defined in 2 modules; also at "
        "app/legacy/engine.py:13; keep one and import it (declare its home with "
        "ssot-canonical-classes)",
    ])


def test_the_documented_message_is_what_flake8_prints(fixture_project):
    result = run_flake8("--select", "SOT201", "app/legacy/engine.py", cwd=fixture_project)
    assert result.stdout in code_blocks(DOCS, "text")


def test_a_config_file_in_the_home_directory_does_not_make_home_one_project(tmp_path):
    # flake8 itself does not look for configuration in the home directory or above.
    home = tmp_path / "home"
    project(home, {"scripts/tool.py": ENGINE, "other/tool.py": ENGINE})
    (home / "setup.cfg").unlink()
    (home / ".flake8").write_text("[flake8]\nmax-line-length = 100\n")
    result = run_flake8("--select", "SOT", "scripts/tool.py", cwd=home, env={"HOME": str(home)})
    assert result.stdout == "" and result.stderr == ""
    # A project with its own marker below home is found as usual.
    (home / "other" / "setup.cfg").write_text("")
    (home / "other" / "engine.py").write_text(ENGINE)
    result = run_flake8("--select", "SOT", "other/tool.py", cwd=home, env={"HOME": str(home)})
    assert sot2(result) == {("other/tool.py", 1, 1, "SOT201")}


@pytest.mark.parametrize("planted", [".flake8-ssot-cache", ".flake8-ssot-cache/.gitignore",
                                     ".flake8-ssot-cache/index.sqlite3-wal"])
def test_a_symlink_planted_in_the_cache_directory_is_not_written_through(tmp_path, planted):
    root = project(tmp_path / "project", {"a.py": ENGINE, "b.py": ENGINE})
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "precious"
    if planted == ".flake8-ssot-cache":
        (root / planted).symlink_to(outside, target_is_directory=True)
    else:
        (root / ".flake8-ssot-cache").mkdir()
        (root / planted).symlink_to(target)  # dangling: opening it for writing would create it
    result = run_flake8("--select", "SOT", ".", cwd=root)
    assert sot2(result) == {("a.py", 1, 1, "SOT201"), ("b.py", 1, 1, "SOT201")}
    assert "is a symbolic link; not writing through it); using memory only" in result.stderr
    assert list(outside.iterdir()) == []


def test_a_warm_run_served_by_the_stamps_digest_still_sees_an_edit(tmp_path):
    # Files and directory last changed a minute ago (not racy): a run that finds every stamp
    # equal to its row's saves their digest, and the next one is served by it. An edit moves a
    # stamp: the next run compares them one by one again and sees the new copy.
    project(tmp_path, {"a.py": ENGINE, "b.py": "import os\n"})
    assert run_flake8("--select", "SOT", "a.py", cwd=tmp_path).stdout == ""
    for path in (tmp_path, tmp_path / "setup.cfg", tmp_path / "a.py", tmp_path / "b.py"):
        os.utime(path, ns=(time.time_ns() - 60 * 10**9,) * 2)
    for _ in range(3):  # listed again, compared one by one, served by the digest
        assert run_flake8("--select", "SOT", "a.py", cwd=tmp_path).stdout == ""
    store = Store(str(tmp_path / ".flake8-ssot-cache"))
    assert store.get(WARM, "stamps") is not None  # (so the last run was served by it)
    (tmp_path / "b.py").write_text(ENGINE)
    assert sot2(run_flake8("--select", "SOT", "a.py", cwd=tmp_path)) == {
        ("a.py", 1, 1, "SOT201")}
