"""Several flake8 processes on one project with a cold cache: CI with --jobs, pre-commit's split
file lists and an editor all at once. Every process must print the same thing, and the index
they leave behind must be sound for the next run."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from helpers import FLAKE8, READ_ONLY_BASE, reported, user_env, write_tree


CACHE = ".flake8-ssot-cache"
MODULES = 120
# Every module defines Engine, Helper<N> and (one in three) a Registry; a few write metadata.
MODULE = '''\
class Engine:
    pass


class Helper{number}:
    pass
{extra}

def handle(context):
    context.metadata["step{number}"] = {number}
'''
REGISTRY = "\n\nclass Registry:\n    pass\n"


def make_project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "project", {"setup.cfg": "[flake8]\n", **READ_ONLY_BASE, **{
        f"pkg{number % 4}/module_{number}.py":
            MODULE.format(number=number, extra=REGISTRY if number % 3 == 0 else "")
        for number in range(MODULES)}})


def start(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([FLAKE8, "--select", "SOT", *args], cwd=root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=user_env())


def finish(process: subprocess.Popen) -> tuple[str, str]:
    stdout, stderr = process.communicate(timeout=300)
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 1, stderr
    return stdout, stderr


def sqlite_files(cache: Path) -> list[Path]:
    found = []
    for path in cache.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                if handle.read(16) == b"SQLite format 3\x00":
                    found.append(path)
    return found


def test_four_cold_processes_agree_and_leave_a_sound_cache(tmp_path):
    root = make_project(tmp_path)
    processes = [start(root, "--jobs", "2", "."), start(root, "."),
                 start(root, "--jobs", "2", "."), start(root, ".")]
    outputs = [finish(process) for process in processes]
    first = outputs[0][0]
    assert all(stdout == first for stdout, _ in outputs)
    # What they agree on is the right answer: every Engine and Registry definition, each module's
    # metadata write, and no Helper (each defined once).
    found = {(line.split(":")[0], *sorted(reported(line + "\n"))[0])
             for line in first.splitlines()}
    expected = set()
    for number in range(MODULES):
        path = f"./pkg{number % 4}/module_{number}.py"
        expected.add((path, 1, 1, "SOT201"))
        if number % 3 == 0:
            expected.add((path, 9, 1, "SOT201"))
            expected.add((path, 14, 5, "SOT101"))
        else:
            expected.add((path, 10, 5, "SOT101"))
    assert found == expected

    # The cache they built concurrently is sound, and a warm run reads the same answer from it.
    databases = sqlite_files(root / CACHE)
    for database in databases:
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    warm_stdout, _ = finish(start(root, "."))
    assert warm_stdout == first
    assert finish(start(root, "--ssot-no-cache", "."))[0] == first  # the cache changes nothing
    one_file_stdout, _ = finish(start(root, os.path.join("pkg1", "module_9.py")))
    assert one_file_stdout == "".join(
        line + "\n" for line in first.splitlines() if line.startswith("./pkg1/module_9.py:")
    ).replace("./pkg1/", "pkg1/")


def test_concurrent_runs_on_different_subsets_agree(tmp_path):
    # pre-commit splits a long file list into several flake8 runs, started at once.
    root = make_project(tmp_path)
    subsets = [[str(path.relative_to(root)) for path in sorted((root / f"pkg{n}").glob("*.py"))]
               for n in range(4)]
    processes = [start(root, *subset) for subset in subsets]
    outputs = [finish(process)[0] for process in processes]
    whole, _ = finish(start(root, "."))
    assert sorted("".join(outputs).splitlines()) == sorted(
        line.removeprefix("./") for line in whole.splitlines())
