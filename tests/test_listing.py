"""The saved project listing (Discovery) through the real flake8 command line.

A warm run reuses the last listing instead of running ``git ls-files --others`` while its
witnesses (directory and ignore-file mtimes, git's tracked files) are unchanged. Every test here
is a change a user makes between two runs that the reused listing must not hide.

Whether git's untracked walk ran is seen through a ``git`` wrapper first on PATH that logs its
arguments. An mtime within 2 seconds of a listing is saved as unknown, so tests that need the
reuse path age every mtime of the project (``settle``) before the listing they change is made.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from helpers import git, run_flake8, write_tree

ENGINE = "class Engine:\n    pass\n"
REAL_GIT = shutil.which("git")  # git is required: the project listing runs it
CHECKED = "a/engine.py"  # every run checks this one file, as pre-commit or an editor would


def finding(*others: str) -> str:
    """What flake8 prints for CHECKED when Engine is also defined at *others*."""
    return (f"{CHECKED}:1:1: SOT201 class Engine is defined in {len(others) + 1} modules; "
            f"also at {', '.join(others)}; keep one and import it (declare its home with "
            f"ssot-canonical-classes)\n")


def make_project(root: Path, files: dict[str, str], *, in_git: bool = True,
                 untracked: tuple[str, ...] = ()) -> Path:
    """A project with a ``[flake8]`` setup.cfg; in git, everything but *untracked* committed."""
    tracked = {"setup.cfg": "[flake8]\n",
               **{name: text for name, text in files.items() if name not in untracked}}
    write_tree(root, tracked, commit=in_git)
    return write_tree(root, {name: files[name] for name in untracked})


def settle(root: Path) -> None:
    """Every mtime of the project a minute old: nothing in it is "racy" any more."""
    then = time.time() - 60
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.utime(os.path.join(directory, name), (then, then), follow_symlinks=False)
    os.utime(root, (then, then))


class GitSpy:
    """A ``git`` first on PATH that appends each command line to a log, then runs the real git."""

    def __init__(self, directory: Path):
        bin_dir = directory / "bin"
        bin_dir.mkdir()
        self.log = directory / "git.log"
        self.log.write_text("")
        wrapper = bin_dir / "git"
        wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(self.log))}\n'
                           f'exec {shlex.quote(REAL_GIT)} "$@"\n')
        wrapper.chmod(0o755)
        self.env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def calls(self) -> list[str]:
        """The git commands run since the last call."""
        lines = self.log.read_text().splitlines()
        self.log.write_text("")
        return lines


@pytest.fixture
def spy(tmp_path):
    return GitSpy(tmp_path)


def lint(root: Path, spy: GitSpy, *args: str, env: dict | None = None):
    result = run_flake8("--select", "SOT201", *args, CHECKED, cwd=root,
                        env={**spy.env, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == (1 if result.stdout else 0), result
    return result


def warm_up(root: Path, spy: GitSpy, env: dict | None = None) -> str:
    """Lint twice so the cache holds a listing the next run may reuse; the first run creates the
    cache directory in the root (a fresh, racy mtime), hence ``settle`` between the runs."""
    lint(root, spy, env=env)
    settle(root)
    output = lint(root, spy, env=env).stdout
    spy.calls()
    return output


def untracked_walks(calls: list[str]) -> list[str]:
    assert any("ls-files -z --cached" in call for call in calls), calls  # the spy sees git
    return [call for call in calls if "--others" in call]


def test_warm_run_reports_the_same_without_listing_untracked_files(tmp_path, spy):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/engine.py": ENGINE,
                                               "c/engine.py": ENGINE}, untracked=("c/engine.py",))
    cold = lint(root, spy).stdout
    assert cold == finding("b/engine.py:1", "c/engine.py:1")
    assert untracked_walks(spy.calls())
    settle(root)
    lint(root, spy)
    spy.calls()
    assert lint(root, spy).stdout == cold
    assert untracked_walks(spy.calls()) == []


def test_new_untracked_file_in_an_existing_package_is_reported(tmp_path, spy):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/__init__.py": ""})
    assert warm_up(root, spy) == ""
    (root / "b" / "engine.py").write_text(ENGINE)
    assert lint(root, spy).stdout == finding("b/engine.py:1")


def test_new_file_in_a_new_subdirectory_is_reported(tmp_path, spy):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/__init__.py": ""})
    assert warm_up(root, spy) == ""
    (root / "b" / "sub").mkdir()
    (root / "b" / "sub" / "engine.py").write_text(ENGINE)
    assert lint(root, spy).stdout == finding("b/sub/engine.py:1")


def test_git_add_of_an_untracked_duplicate_keeps_it_without_listing_again(tmp_path, spy):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/engine.py": ENGINE},
                        untracked=("b/engine.py",))
    assert warm_up(root, spy) == finding("b/engine.py:1")
    git(root, "add", "b/engine.py")
    assert lint(root, spy).stdout == finding("b/engine.py:1")
    assert untracked_walks(spy.calls()) == []


def test_gitignore_edited_in_place_to_ignore_a_duplicate_hides_it(tmp_path, spy):
    root = make_project(tmp_path / "project", {".gitignore": "*.log\n", CHECKED: ENGINE,
                                               "b/engine.py": ENGINE}, untracked=("b/engine.py",))
    assert warm_up(root, spy) == finding("b/engine.py:1")
    root_mtime = root.stat().st_mtime_ns
    with open(root / ".gitignore", "a") as gitignore:  # the same file: no directory changes
        gitignore.write("b/engine.py\n")
    assert root.stat().st_mtime_ns == root_mtime
    assert lint(root, spy).stdout == ""


def test_git_rm_cached_duplicate_still_on_disk_is_still_reported(tmp_path, spy):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/engine.py": ENGINE})
    assert warm_up(root, spy) == finding("b/engine.py:1")
    git(root, "rm", "-q", "--cached", "b/engine.py")
    assert (root / "b" / "engine.py").exists()
    assert lint(root, spy).stdout == finding("b/engine.py:1")


def test_deleted_file_is_no_longer_reported(tmp_path, spy):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/engine.py": ENGINE,
                                               "c/engine.py": ENGINE})
    assert warm_up(root, spy) == finding("b/engine.py:1", "c/engine.py:1")
    (root / "c" / "engine.py").unlink()
    assert lint(root, spy).stdout == finding("b/engine.py:1")


def test_file_added_right_after_a_run_is_reported(tmp_path, spy):
    # No settle: the listing is fresh. A directory's mtime does not move when an entry is added
    # within the same clock tick (a second, on some filesystems): the mtime is put back to show
    # that here, where the test cannot otherwise be as quick as the filesystem's clock.
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/__init__.py": ""})
    assert lint(root, spy).stdout == ""
    listed = (root / "b").stat()
    (root / "b" / "engine.py").write_text(ENGINE)
    os.utime(root / "b", ns=(listed.st_atime_ns, listed.st_mtime_ns))
    assert (root / "b").stat().st_size == listed.st_size
    assert lint(root, spy).stdout == finding("b/engine.py:1")


def test_outside_git_new_file_in_an_existing_directory_is_reported(tmp_path, spy):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/engine.py": ENGINE},
                        in_git=False)
    no_repository_above = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    assert warm_up(root, spy, no_repository_above) == finding("b/engine.py:1")
    assert lint(root, spy, env=no_repository_above).stdout == finding("b/engine.py:1")
    (root / "b" / "other.py").write_text(ENGINE)
    assert lint(root, spy, env=no_repository_above).stdout == finding("b/engine.py:1",
                                                                      "b/other.py:1")


def test_tampered_listing_never_reports_a_file_outside_the_project(tmp_path, spy):
    (tmp_path / "outside.py").write_text(ENGINE)
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/engine.py": ENGINE})
    assert warm_up(root, spy) == finding("b/engine.py:1")
    planted = ["../outside.py", str(tmp_path / "outside.py"), CHECKED, "b/engine.py"]
    with sqlite3.connect(root / ".flake8-ssot-cache" / "index.sqlite3") as database:
        assert database.execute("UPDATE listing SET files = ?", (json.dumps(planted),)).rowcount
    database.close()
    assert lint(root, spy).stdout == finding("b/engine.py:1")  # exit status 1, no traceback


@pytest.mark.parametrize("column, value", [
    ("files", "42"), ("files", '{"a": 1}'), ("untracked", "null"), ("witnesses", '[["x"]]'),
    ("witnesses", '[[1, 2, 3]]'), ("files", "not json"), ("mode", None), ("tracked_output", 7),
])
def test_a_listing_of_the_wrong_shape_is_listed_again(tmp_path, spy, column, value):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "b/engine.py": ENGINE})
    assert warm_up(root, spy) == finding("b/engine.py:1")
    with sqlite3.connect(root / ".flake8-ssot-cache" / "index.sqlite3") as database:
        database.execute(f"UPDATE listing SET {column} = ?", (value,))
    database.close()
    assert lint(root, spy).stdout == finding("b/engine.py:1")  # exit status 1, no traceback


def test_extend_exclude_on_a_later_run_drops_the_excluded_duplicate(tmp_path, spy):
    root = make_project(tmp_path / "project", {CHECKED: ENGINE, "legacy/engine.py": ENGINE})
    assert warm_up(root, spy) == finding("legacy/engine.py:1")
    assert lint(root, spy, "--extend-exclude", "legacy").stdout == ""
