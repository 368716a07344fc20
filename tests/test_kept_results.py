"""A file's SOT1xx and SOT2xx findings kept from one run to the next (``checker._kept``): reused
only while the index's rows are the ones they were judged on, so never stale. Through the real
flake8 on projects written to disk.

A run knows its rows' generation only when every listed file's row is current (the listing
reused, every stamp equal to its row's): the files are aged a minute back first, as an
unchanged checkout is (a file changed within the listing's clock tick is listed again).
"""

from __future__ import annotations

import os
import sqlite3
import time

from helpers import reported, run_flake8, write_tree

from flake8_ssot.checker import RESULTS

ENGINE = "class ExecutionEngine:\n    def run(self):\n        pass\n"
OTHER = "import os\n"
BASE = '''\
class BaseAgent:
    def store_metadata_result(self, context, key, value):
        context.metadata[key] = value
'''
NO_HELPER = "class BaseAgent:\n    pass\n"
WORKER = '''\
class Worker:
    def step(self, context):
        context.metadata["step"] = 1
'''


def age(root) -> None:
    """Every file and directory of *root* (but the cache) last changed a minute ago."""
    then = time.time_ns() - 60 * 10**9
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name != ".flake8-ssot-cache"]
        for name in names:
            os.utime(os.path.join(directory, name), ns=(then, then))
        os.utime(directory, ns=(then, then))


def kept_entries(root) -> int:
    with sqlite3.connect(root / ".flake8-ssot-cache" / "index.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM entries WHERE namespace = ?",
                                  (RESULTS,)).fetchone()[0]


def findings(root, *args, stdin=None):
    result = run_flake8("--select=SOT", *args, cwd=root, stdin=stdin)
    assert result.stderr == "", result.stderr
    return {(line.split(":")[0], *key[:2], key[2]) for line in result.stdout.splitlines()
            for key in reported(line + "\n")}


def settled(root, *args, stdin=None):
    """What the runs after a first one print, on files aged a minute back: the first of them
    compares every stamp (and keeps the findings), the next ones reuse what it kept."""
    age(root)
    runs = [findings(root, *args, stdin=stdin) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    return runs[0]


def test_a_kept_result_sees_another_file_make_and_remove_a_twin(tmp_path):
    root = write_tree(tmp_path / "p", {"setup.cfg": "[flake8]\n", "a.py": ENGINE, "b.py": OTHER})
    assert findings(root, "a.py") == set()
    assert settled(root, "a.py") == set()
    assert kept_entries(root) == 1  # (so the last runs reused it)
    (root / "b.py").write_text(ENGINE)
    assert findings(root, "a.py") == {("a.py", 1, 1, "SOT201")}
    assert settled(root, "a.py") == {("a.py", 1, 1, "SOT201")}
    (root / "b.py").write_text(OTHER)
    assert findings(root, "a.py") == set()
    # A new file making a twin, and a file removed.
    assert settled(root, "a.py") == set()
    (root / "c.py").write_text(ENGINE)
    assert findings(root, "a.py") == {("a.py", 1, 1, "SOT201")}
    assert settled(root, "a.py") == {("a.py", 1, 1, "SOT201")}
    (root / "c.py").unlink()
    assert findings(root, "a.py") == set()


def test_a_kept_result_is_not_served_for_another_configuration_or_buffer(tmp_path):
    root = write_tree(tmp_path / "p", {"setup.cfg": "[flake8]\n", "a.py": ENGINE, "b.py": ENGINE})
    both = {("./a.py", 1, 1, "SOT201"), ("./b.py", 1, 1, "SOT201")}
    assert findings(root, ".") == both
    assert settled(root, ".") == both
    assert findings(root, "--ssot-ignore-class-names", "*Engine", ".") == set()
    assert findings(root, ".") == both
    (root / "setup.cfg").write_text("[flake8]\nssot-ignore-class-names = *Engine\n")
    assert findings(root, ".") == set()
    (root / "setup.cfg").write_text("[flake8]\n")
    assert settled(root, ".") == both
    # An editor's buffer of a.py, renamed there: not the disk's kept result.
    renamed = ENGINE.replace("ExecutionEngine", "RunEngine")
    assert findings(root, "--stdin-display-name", "a.py", "-", stdin=renamed) == set()
    assert findings(root, "--stdin-display-name", "a.py", "-", stdin=ENGINE) == {
        ("a.py", 1, 1, "SOT201")}


def test_a_kept_sot1xx_result_sees_the_helper_removed_from_another_file(tmp_path):
    root = write_tree(tmp_path / "p", {"setup.cfg": "[flake8]\n", "agents/base.py": BASE,
                                       "app/worker.py": WORKER})
    assert {code for *_, code in findings(root, "app/worker.py")} == {"SOT101"}
    assert {code for *_, code in settled(root, "app/worker.py")} == {"SOT101"}
    assert kept_entries(root) == 1
    (root / "agents/base.py").write_text(NO_HELPER)
    assert findings(root, "app/worker.py") == set()
    assert settled(root, "app/worker.py") == set()
    (root / "agents/base.py").write_text(BASE)
    assert {code for *_, code in findings(root, "app/worker.py")} == {"SOT101"}
