"""The checked project is data, never code: nothing of it runs, the cache stays in its
directory, and what the cache says is not trusted to point anywhere."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from helpers import READ_ONLY_BASE, reported, run_ssot, write_tree
from helpers import run_flake8 as flake8


CACHE = ".flake8-ssot-cache"


def payload(marker: str) -> str:
    """Module code that leaves a file behind if anything imports or runs it."""
    return (f"import pathlib\n"
            f"pathlib.Path(__file__).resolve().parent.joinpath({marker!r}).write_text('ran')\n")


AGENT = '''\
from datetime import datetime

from helpers import Engine, make_value, Result
import plugins.loader


def handle(context, self):
    context.metadata["value"] = make_value()
    context.metadata["engine"] = Engine()
    context.metadata["when"] = datetime.now()
    self.store_metadata_result(context, "result", Result().model_dump())
    self.store_metadata_result(context, "loaded", plugins.loader.LOADED)
'''

HELPERS = payload("RAN-helpers") + '''
class Engine:
    """Instantiating this runs code; inference must read the source, not call it."""

    def __init__(self):
        pathlib.Path(__file__).resolve().parent.joinpath("RAN-engine").write_text("ran")


class Result:
    def model_dump(self):
        pathlib.Path(__file__).resolve().parent.joinpath("RAN-dump").write_text("ran")
        return {}


def make_value():
    pathlib.Path(__file__).resolve().parent.joinpath("RAN-make-value").write_text("ran")
    return datetime.now()


from datetime import datetime  # noqa: E402
'''


def make_project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "project", {
        "setup.cfg": "[flake8]\n",
        "setup.py": payload("RAN-setup"),
        "conftest.py": payload("RAN-conftest"),
        "sitecustomize.py": payload("RAN-sitecustomize"),
        "usercustomize.py": payload("RAN-usercustomize"),
        "__init__.py": payload("RAN-init"),
        "helpers.py": HELPERS,
        "agent.py": AGENT,
        **READ_ONLY_BASE,
        "plugins/__init__.py": payload("RAN-plugins-init"),
        "plugins/loader.py": payload("RAN-loader") + "LOADED = {1, 2}\nclass Engine: pass\n",
        "plugins/engine.pth": "import os; open('RAN-pth', 'w').write('ran')\n",
        "tests/test_agent.py": payload("RAN-test"),
    })


def tree(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def new_files_outside_cache(before: set[str], top: Path) -> list[str]:
    """Paths (relative to *top*, as *before*) that appeared outside project/.flake8-ssot-cache."""
    cache = os.path.join("project", CACHE)
    return sorted(path for path in tree(top) - before
                  if path != cache and not path.startswith(cache + os.sep))


def test_nothing_of_the_checked_project_runs(tmp_path):
    root = make_project(tmp_path)
    before = tree(tmp_path)
    runs = [
        flake8(".", cwd=root),
        flake8("--jobs", "2", ".", cwd=root),
        flake8("agent.py", cwd=root),
        flake8("--stdin-display-name", "agent.py", "-", cwd=root, stdin=AGENT),
        flake8("--stdin-display-name", "plugins/loader.py", "-", cwd=root,
               stdin=(root / "plugins/loader.py").read_text()),
    ]
    for result in runs:
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
    # No RAN-* marker, no __pycache__, nothing at all outside the cache directory; also not
    # next to the project (tmp_path is its parent).
    assert new_files_outside_cache(before, tmp_path) == []
    # And the run did check the project: the metadata writes are reported.
    assert {(8, 5, "SOT101"), (9, 5, "SOT101"), (10, 5, "SOT101")} <= reported(runs[2].stdout)


def test_the_cache_directory_is_marked_and_holds_everything_written(tmp_path):
    root = make_project(tmp_path)
    before = tree(tmp_path)
    result = flake8("--jobs", "2", ".", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert new_files_outside_cache(before, tmp_path) == []
    cache = root / CACHE
    assert (cache / ".gitignore").read_text().strip().splitlines()[-1] == "*"
    assert (cache / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")


def sqlite_databases(directory: Path) -> list[Path]:
    return [path for path in directory.iterdir()
            if path.is_file() and path.read_bytes()[:16] == b"SQLite format 3\x00"]


def test_paths_in_the_cache_are_not_trusted(tmp_path):
    root = write_tree(tmp_path / "project", {"setup.cfg": "[flake8]\n",
                                             "agent.py": "class Engine:\n    pass\n",
                                             "other.py": "class Helper:\n    pass\n"})
    outside = tmp_path / "outside"
    outside.mkdir()
    # Reading this would block the run (a FIFO): the test times out if anything opens it.
    os.mkfifo(outside / "secret.py")
    assert flake8("--select", "SOT", "agent.py", cwd=root).stdout == ""

    databases = sqlite_databases(root / CACHE)
    assert databases
    forged_rows = 0
    targets = ["../outside/secret.py", str(outside / "secret.py"), "/etc/passwd",
               "other.py/../../outside/secret.py"]
    for database in databases:
        with sqlite3.connect(database) as connection:
            for (table,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
                rows = connection.execute(f"SELECT * FROM {table}").fetchall()
                for row in rows:
                    # Every row that names a file gets copies naming places outside the project,
                    # claiming an Engine there, with the metadata of a file that exists.
                    texts = [value for value in row if isinstance(value, str)]
                    if not any(text.endswith(".py") for text in texts):
                        continue
                    for target in targets:
                        forged = [target if isinstance(value, str) and value.endswith(".py")
                                  else value.replace("Helper", "Engine")
                                  if isinstance(value, str) else value for value in row]
                        connection.execute(
                            f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES "
                            f"({', '.join('?' * len(columns))})", forged)
                        forged_rows += 1
    assert forged_rows >= len(targets)
    result = flake8("--select", "SOT", "agent.py", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""  # no Engine anywhere but agent.py, whatever the cache says
    assert "outside" not in result.stderr and "passwd" not in result.stderr
    # The project itself still works: a real second Engine is found.
    (root / "other.py").write_text("class Engine:\n    pass\n")
    result = flake8("--select", "SOT", "agent.py", cwd=root)
    assert result.stdout.splitlines() == [
        "agent.py:1:1: SOT201 class Engine is defined in 2 modules; also at other.py:1; keep one "
        "and import it (declare its home with ssot-canonical-classes)"]


def test_the_commands_run_flake8_itself_not_a_project_file_named_flake8(tmp_path):
    """``baseline`` and ``report`` start flake8 from inside the project: a ``flake8.py`` there
    must not be what runs (``python -m flake8`` would import it first)."""
    root = write_tree(tmp_path / "p", {
        "setup.cfg": "[flake8]\n",
        "flake8.py": "import pathlib\npathlib.Path('RAN-flake8-py').write_text('x')\n",
        "agent.py": "def handle(context):\n    context.metadata['k'] = 1\n",
        **READ_ONLY_BASE,
    })
    report = run_ssot("report", cwd=root)
    baseline = run_ssot("baseline", cwd=root)
    assert not (root / "RAN-flake8-py").exists()
    assert report.returncode == 0 and report.stdout.startswith("1 finding in 1 file"), \
        report.stdout + report.stderr
    assert baseline.returncode == 0, baseline.stderr
