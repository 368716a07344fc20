"""A checked repository is handed over by someone else: its git configuration runs nothing, a
cache that came with it is never believed, and a cache directory the plugin did not make is
never touched (issue #29, items 1, 2, 3 and 10)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from helpers import FLAKE8, git, user_env, write_tree
from helpers import run_flake8 as flake8

SOT201 = ("SOT201 class Engine is defined in 2 modules; also at {other}:1; keep one and import "
          "it (declare its home with ssot-canonical-classes)")

# -- item 1: git runs nothing the repository's configuration names -----------------------------

# Every configuration key that makes git run a command, each planted as a command leaving a
# marker file behind. ``ls-files`` and ``rev-parse`` (all the plugin runs) reach only
# core.fsmonitor among them; the others prove that nothing else is reached either.
RUNNING_KEYS = (
    "core.fsmonitor", "core.pager", "pager.ls-files", "pager.rev-parse", "core.sshCommand",
    "core.askPass", "core.editor", "core.gitProxy", "core.alternateRefsCommand",
    "sequence.editor", "credential.helper", "diff.external", "diff.evil.textconv",
    "diff.evil.command", "filter.evil.clean", "filter.evil.smudge", "filter.evil.process",
    "merge.evil.driver", "gpg.program", "gpg.ssh.program", "uploadpack.packObjectsHook",
    "remote.origin.uploadpack", "remote.origin.receivepack",
)
HOOKS = ("post-index-change", "fsmonitor-watchman", "pre-commit", "post-checkout",
         "reference-transaction", "pre-auto-gc", "post-rewrite")


def plant_git_config(root: Path, markers: Path) -> list[str]:
    """Append the running keys, hooks (in .git/hooks and a core.hooksPath), an include and an
    includeIf to *root*'s repository; the names of the markers they would leave."""
    markers.mkdir(exist_ok=True)
    names = []

    def command(name: str) -> str:
        names.append(name)
        return f"touch {markers / name}; false"

    sections: dict[str, list[str]] = {}
    for key in RUNNING_KEYS:
        section, _, variable = key.rpartition(".")
        head, _, sub = section.partition(".")
        header = f'[{head} "{sub}"]' if sub else f"[{head}]"
        sections.setdefault(header, []).append(f'\t{variable} = "{command(key)}"')
    hooks = root / "other-hooks"
    for directory in (root / ".git" / "hooks", hooks):
        directory.mkdir(exist_ok=True)
        for hook in HOOKS:
            script = directory / hook
            script.write_text(f"#!/bin/sh\n{command(f'hook-{directory.name}-{hook}')}\n")
            script.chmod(0o755)
    included = root / ".git" / "included.config"
    included.write_text(f'[core]\n\tfsmonitor = "{command("included-fsmonitor")}"\n'
                        f"\thooksPath = {hooks}\n")
    conditional = root / ".git" / "conditional.config"
    conditional.write_text(f'[core]\n\tfsmonitor = "{command("includeIf-fsmonitor")}"\n')
    text = "".join(f"{header}\n" + "\n".join(lines) + "\n" for header, lines in sections.items())
    text += f"[include]\n\tpath = {included}\n"
    text += f'[includeIf "gitdir:{root}/"]\n\tpath = {conditional}\n'
    with open(root / ".git" / "config", "a", encoding="utf-8") as handle:
        handle.write(text)
    (root / ".gitattributes").write_text("*.py filter=evil diff=evil merge=evil\n")
    return names


def engine_repository(tmp_path: Path) -> Path:
    """A repository: Engine in a tracked file, a tracked file edited since (as racy as git's
    index can be), and Engine again in an untracked file."""
    root = write_tree(tmp_path / "repo", {"setup.cfg": "[flake8]\n",
                                          "app/engine.py": "class Engine:\n    pass\n",
                                          "app/other.py": "class Other:\n    pass\n"},
                      commit=True)
    (root / "app" / "other.py").write_text("class Other:\n    x = 1\n")
    (root / "app" / "copy.py").write_text("class Engine:\n    pass\n")
    return root


def test_git_runs_nothing_the_repository_configures(tmp_path):
    root = engine_repository(tmp_path)
    markers = tmp_path / "markers"
    planted = plant_git_config(root, markers)
    assert len(planted) == len(RUNNING_KEYS) + 2 * len(HOOKS) + 2
    expected_engine = [f"app/engine.py:1:1: {SOT201.format(other='app/copy.py')}"]
    runs = [
        flake8("--select", "SOT", "app", cwd=root),  # cold: git lists the project
        flake8("--select", "SOT", "app/engine.py", cwd=root),  # warm: git ls-files --cached
        flake8("--select", "SOT", "--jobs", "2", "app", cwd=root),
        flake8("--select", "SOT", "--stdin-display-name", "app/engine.py", "-", cwd=root,
               stdin="class Engine:\n    pass\n"),
    ]
    assert sorted(markers.iterdir()) == []
    for result in runs:
        assert "Traceback" not in result.stderr, result.stderr
    assert runs[1].stdout.splitlines() == expected_engine
    assert runs[3].stdout.splitlines() == expected_engine
    assert runs[0].stdout == runs[2].stdout
    assert sorted(runs[0].stdout.splitlines()) == sorted([
        *expected_engine, f"app/copy.py:1:1: {SOT201.format(other='app/engine.py')}"])
    # The planted keys do run where git is asked to do their work: the test would see them.
    subprocess.run(["git", "diff", "--ext-diff"], cwd=root, capture_output=True, env=user_env())
    assert sorted(markers.iterdir()) != []


@pytest.mark.parametrize("refusal", ["unknown format", "gitdir elsewhere", "another owner"])
def test_a_repository_git_refuses_is_listed_by_a_walk(tmp_path, refusal):
    root = engine_repository(tmp_path)
    markers = tmp_path / "markers"
    plant_git_config(root, markers)
    if refusal == "unknown format":
        with open(root / ".git" / "config", "a", encoding="utf-8") as handle:
            handle.write("[core]\n\trepositoryformatversion = 99\n")
    elif refusal == "gitdir elsewhere":
        (root / ".git").rename(tmp_path / "moved.git")
        (root / ".git").write_text(f"gitdir: {tmp_path / 'missing.git'}\n")
    else:
        if os.geteuid() != 0:
            pytest.skip("making a repository another user's needs root")
        os.chown(root / ".git", 12345, 12345)  # git: "detected dubious ownership"
    # git does refuse: ls-files fails there.
    refused = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True,
                             env=user_env({"GIT_CONFIG_NOSYSTEM": "1",
                                           "GIT_CONFIG_GLOBAL": os.devnull}))
    assert refused.returncode != 0
    result = flake8("--select", "SOT", "app/engine.py", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.splitlines() == [
        f"app/engine.py:1:1: {SOT201.format(other='app/copy.py')}"]
    assert sorted(markers.iterdir()) == []


# -- item 2: a cache proves it is this user's ---------------------------------------------------

CACHE = ".flake8-ssot-cache"
PROJECT = {
    "setup.cfg": "[flake8]\n",
    "app/__init__.py": "",
    "app/engine.py": "class Engine:\n    pass\n",
    "app/legacy.py": "class Engine:\n    pass\n",
    "app/stamps.py": "from datetime import datetime\n\n\ndef started():\n"
                     "    return datetime.now()\n",
    "app/agent.py": "from app.stamps import started\n\n\ndef handle(context):\n"
                    "    context.metadata['at'] = started()\n",
}
# What the attacker's twin of app/stamps.py says: the same function, returning a JSON value.
TWIN_STAMPS = "def started():\n    return 1\n"


def home(tmp_path: Path, who: str) -> dict[str, str]:
    """A user's environment: the key lives under XDG_CACHE_HOME (another user, another machine)."""
    return {"XDG_CACHE_HOME": str(tmp_path / f"{who}-home")}


def lint(root: Path, env: dict, *args: str) -> list[str]:
    result = flake8("--select", "SOT", *args, "app", cwd=root, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return sorted(result.stdout.splitlines())


def database(root: Path) -> Path:
    return root / CACHE / "index.sqlite3"


def entries(connection: sqlite3.Connection, namespace: str) -> list[tuple[str, str]]:
    return connection.execute("SELECT key, value FROM entries WHERE namespace = ?",
                              (namespace,)).fetchall()


def forge_summary(root: Path, connection: sqlite3.Connection, tmp_path: Path, env: dict):
    """app/stamps.py's summary replaced by its twin's (whose started() returns 1), under the
    real file's key; the results computed from the real summary dropped."""
    twin = write_tree(tmp_path / "twin", {**PROJECT, "app/stamps.py": TWIN_STAMPS})
    lint(twin, env)
    with sqlite3.connect(database(twin)) as twin_connection:
        forged = {key.rsplit(":", 1)[0]: value
                  for key, value in entries(twin_connection, "sot3-summary")}
    for key, _ in entries(connection, "sot3-summary"):
        if key.rsplit(":", 1)[0] in forged:
            connection.execute("UPDATE entries SET value = ? WHERE namespace = 'sot3-summary' "
                               "AND key = ?", (forged[key.rsplit(":", 1)[0]], key))
    connection.execute("DELETE FROM entries WHERE namespace = 'sot3-result'")


def forge_class_rows(root, connection, tmp_path, env):
    """The rows of the two Engines say they define nothing: SOT201 hidden."""
    connection.execute("UPDATE files SET names = '', classes = '' "
                       "WHERE path IN ('app/engine.py', 'app/legacy.py')")
    connection.execute("DELETE FROM names WHERE name = 'Engine'")


def forge_results(root, connection, tmp_path, env):
    """Every result says: one invented code, nothing else."""
    for key, value in entries(connection, "sot3-result"):
        result = json.loads(value)
        result["findings"] = [[1, 0, "SOT399", "SOT399 invented by a committed cache", 1]]
        connection.execute("UPDATE entries SET value = ? WHERE namespace = 'sot3-result' "
                           "AND key = ?", (json.dumps(result), key))


def forge_trigger(root, connection, tmp_path, env):
    """A trigger blanks every SOT3xx result as it is written."""
    connection.execute("DELETE FROM entries WHERE namespace = 'sot3-result'")
    connection.execute(
        "CREATE TRIGGER blank AFTER INSERT ON entries WHEN new.namespace = 'sot3-result' BEGIN "
        "UPDATE entries SET value = '{\"read\": {}, \"findings\": []}' "
        "WHERE namespace = new.namespace AND key = new.key; END")


def forge_view(root, connection, tmp_path, env):
    """The results table swapped for a view of blank results."""
    connection.execute("ALTER TABLE entries RENAME TO real_entries")
    connection.execute(
        "CREATE VIEW entries AS SELECT namespace, key, CASE namespace WHEN 'sot3-result' "
        "THEN '{\"read\": {}, \"findings\": []}' ELSE value END AS value, mac "
        "FROM real_entries")


def reseal(root: Path, env: dict) -> None:
    """Every MAC made again with the key of *env*'s user (the attacker's own, which the
    attacker has: the forged cache is as good as a cache can be, but for the key)."""
    from flake8_ssot.index import trust
    key_file = Path(env["XDG_CACHE_HOME"]) / "flake8-ssot" / "key"
    key = bytes.fromhex(key_file.read_text())
    with sqlite3.connect(database(root)) as connection:
        identity = connection.execute("SELECT value FROM meta WHERE key = 'id'").fetchone()[0]
        own = trust.derived_key(key, f"index {identity}")
        table = "real_entries" if connection.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'real_entries'").fetchone() else "entries"
        for row in connection.execute(
                "SELECT path, mtime_ns, size, inode, ctime_ns, sha1, names, classes "
                "FROM files").fetchall():
            connection.execute("UPDATE files SET mac = ? WHERE path = ?",
                               (trust.mac(own, ["files", *row]), row[0]))
        for namespace, entry, value in connection.execute(
                f"SELECT namespace, key, value FROM {table}").fetchall():
            connection.execute(f"UPDATE {table} SET mac = ? WHERE namespace = ? AND key = ?",
                               (trust.mac(own, ["entries", namespace, entry, value]),
                                namespace, entry))


FORGERIES = {
    "summary suppressing SOT301": (forge_summary, lambda found: not any(
        "SOT301" in line for line in found)),
    "class rows hiding SOT201": (forge_class_rows, lambda found: not any(
        "SOT201" in line for line in found)),
    "results inventing a code": (forge_results, lambda found: any(
        "SOT399" in line for line in found)),
    "trigger blanking SOT3xx": (forge_trigger, None),
    "view blanking SOT3xx": (forge_view, None),
}


def hostile_repository(tmp_path: Path, forgery: str) -> Path:
    """The attacker's repository: the project, its cache forged and committed (git add -f)."""
    attacker = home(tmp_path, "attacker")
    root = write_tree(tmp_path / "attacker", PROJECT, commit=True)
    honest = lint(root, attacker)
    assert any("SOT201" in line for line in honest) and any("SOT301" in line for line in honest)
    forge, works = FORGERIES[forgery]
    with sqlite3.connect(database(root)) as connection:
        forge(root, connection, tmp_path, attacker)
    reseal(root, attacker)
    if works is not None:  # the forgery does what it is for, where the key is the attacker's
        assert works(lint(root, attacker)), forgery
    git(root, "add", "-f", CACHE)
    git(root, "commit", "-qm", "cache")
    return root


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_committed_forged_cache_changes_nothing_in_a_fresh_clone(tmp_path, forgery):
    attacker_root = hostile_repository(tmp_path, forgery)
    victim = home(tmp_path, "victim")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(attacker_root), str(clone))
    assert database(clone).exists()
    expected = lint(clone, victim, "--ssot-no-cache")
    assert any("SOT201" in line for line in expected)
    assert any("SOT301" in line for line in expected)
    assert lint(clone, victim) == expected
    assert lint(clone, victim) == expected  # and warm
    # A tracked cache is not read at all, and says so.
    result = flake8("--select", "SOT", "app", cwd=clone, env=victim)
    assert "is tracked by git" in result.stderr


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_cache_in_a_copied_tree_is_rebuilt(tmp_path, forgery):
    """A tarball or an artifact: the forged cache is not tracked, mtimes are kept (cp -a)."""
    attacker_root = hostile_repository(tmp_path, forgery)
    victim = home(tmp_path, "victim")
    copy = tmp_path / "copy"
    shutil.copytree(attacker_root, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    before = sqlite3.connect(database(copy)).execute(
        "SELECT value FROM meta WHERE key = 'id'").fetchone()
    expected = lint(copy, victim, "--ssot-no-cache")
    assert lint(copy, victim) == expected
    assert lint(copy, victim) == expected
    with sqlite3.connect(database(copy)) as connection:
        assert connection.execute("SELECT value FROM meta WHERE key = 'id'").fetchone() != before
        assert connection.execute("SELECT type, name FROM sqlite_master WHERE type IN "
                                  "('trigger', 'view')").fetchall() == []


def test_a_cache_made_with_another_key_is_rebuilt_and_the_key_is_private(tmp_path):
    root = write_tree(tmp_path / "project", PROJECT)
    first, second = home(tmp_path, "first"), home(tmp_path, "second")
    expected = lint(root, first)
    identity = "SELECT value FROM meta WHERE key = 'id'"
    made = sqlite3.connect(database(root)).execute(identity).fetchone()
    assert lint(root, first) == expected
    assert sqlite3.connect(database(root)).execute(identity).fetchone() == made  # kept
    assert lint(root, second) == expected
    assert sqlite3.connect(database(root)).execute(identity).fetchone() != made  # rebuilt
    key = Path(second["XDG_CACHE_HOME"]) / "flake8-ssot" / "key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.parent.stat().st_mode & 0o777 == 0o700
    # A key others can read is not a secret: the cache is not used, and the run says why.
    key.chmod(0o644)
    result = flake8("--select", "SOT", "app", cwd=root, env=second)
    assert sorted(result.stdout.splitlines()) == expected
    assert "is not a private file of this user" in result.stderr
    assert "using memory only" in result.stderr


def test_a_trigger_added_to_the_users_own_cache_means_a_rebuild(tmp_path):
    root = write_tree(tmp_path / "project", PROJECT)
    env = home(tmp_path, "user")
    expected = lint(root, env)
    with sqlite3.connect(database(root)) as connection:
        forge_trigger(root, connection, tmp_path, env)
    assert lint(root, env) == expected
    assert lint(root, env) == expected
    with sqlite3.connect(database(root)) as connection:
        assert connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall() == []


def test_rows_edited_in_the_users_own_cache_are_not_believed(tmp_path):
    root = write_tree(tmp_path / "project", PROJECT)
    env = home(tmp_path, "user")
    expected = lint(root, env)
    with sqlite3.connect(database(root)) as connection:
        # The Engines moved (to line 9) and renamed (Engina), the results invented.
        connection.execute("UPDATE files SET classes = replace(classes, 'Engine:1:', "
                           "'Engine:9:') WHERE path = 'app/legacy.py'")
        connection.execute("UPDATE files SET names = 'Engina', classes = replace(classes, "
                           "'Engine:', 'Engina:') WHERE path = 'app/engine.py'")
        connection.execute("INSERT INTO names VALUES ('Engina', 'app/engine.py')")
        forge_results(root, connection, tmp_path, env)
    assert lint(root, env) == expected


# -- item 3: content, not mtime and size, says a row is current ---------------------------------

def same_length_rename(path: Path) -> None:
    """``Engine`` -> ``Engina`` in *path*, its size and mtime kept."""
    stat = path.stat()
    text = path.read_text()
    path.write_text(text.replace("class Engine", "class Engina"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_copied_tree_edited_under_the_same_mtime_and_size_is_revalidated(tmp_path):
    env = home(tmp_path, "user")
    original = write_tree(tmp_path / "A", PROJECT)
    old = int(time.time() - 3600) * 10**9  # not "racy": the cache trusts this mtime
    for path in original.rglob("*.py"):
        os.utime(path, ns=(old, old))
    assert any("SOT201" in line for line in lint(original, env))
    copy = tmp_path / "B"
    subprocess.run(["cp", "-a", str(original), str(copy)], check=True)
    same_length_rename(copy / "app" / "legacy.py")
    expected = lint(copy, env, "--ssot-no-cache")
    assert not any("SOT201" in line for line in expected)
    assert lint(copy, env) == expected
    # In place too: the cache saw this inode, the ctime moved.
    same_length_rename(original / "app" / "legacy.py")
    assert lint(original, env) == expected


def test_a_file_touched_but_unchanged_keeps_its_row(tmp_path):
    env = home(tmp_path, "user")
    root = write_tree(tmp_path / "project", PROJECT)
    expected = lint(root, env)
    old = int(time.time() - 3600) * 10**9
    os.utime(root / "app" / "legacy.py", ns=(old, old))
    assert lint(root, env) == expected
    with sqlite3.connect(database(root)) as connection:
        mtime, sha1 = connection.execute("SELECT mtime_ns, sha1 FROM files WHERE path = ?",
                                         ("app/legacy.py",)).fetchone()
    assert mtime == old  # the stamp is the new one, the content's hash the same
    assert sha1 == hashlib.sha1((root / "app" / "legacy.py").read_bytes()).hexdigest()


# -- item 10: nothing is deleted outside a directory the plugin made -----------------------------

def test_a_configured_cache_directory_with_foreign_files_is_never_touched(tmp_path):
    env = home(tmp_path, "user")
    root = write_tree(tmp_path / "project", {**PROJECT,
                                             "setup.cfg": "[flake8]\nssot-cache-dir = ../app\n"})
    app = tmp_path / "app"
    app.mkdir()
    with sqlite3.connect(app / "index.sqlite3") as connection:
        connection.execute("CREATE TABLE users (name TEXT)")
        connection.execute("INSERT INTO users VALUES ('ada')")
    (app / "index.sqlite3-journal").write_text("not sqlite's\n")
    before = {path.name: path.read_bytes() for path in app.iterdir()}
    expected = lint(root, env, "--ssot-no-cache")
    result = flake8("--select", "SOT", "app", cwd=root, env=env)
    assert sorted(result.stdout.splitlines()) == expected
    assert "is not flake8-ssot's cache directory" in result.stderr
    assert {path.name: path.read_bytes() for path in app.iterdir()} == before
    # A file of that name that is not sqlite's is not deleted either.
    (app / "index.sqlite3").write_text("the app's data\n")
    result = flake8("--select", "SOT", "app", cwd=root, env=env)
    assert sorted(result.stdout.splitlines()) == expected
    assert (app / "index.sqlite3").read_text() == "the app's data\n"


def test_an_empty_or_earlier_cache_directory_is_claimed(tmp_path):
    env = home(tmp_path, "user")
    configured = "[flake8]\nssot-cache-dir = build/ssot\n"
    root = write_tree(tmp_path / "project", {**PROJECT, "setup.cfg": configured})
    (root / "build" / "ssot").mkdir(parents=True)
    expected = lint(root, env, "--ssot-no-cache")
    result = flake8("--select", "SOT", "app", cwd=root, env=env)
    assert result.stderr == "" and sorted(result.stdout.splitlines()) == expected
    assert (root / "build" / "ssot" / "flake8-ssot.marker").is_file()
    assert (root / "build" / "ssot" / "CACHEDIR.TAG").is_file()
    # A cache directory of an earlier version: its CACHEDIR.TAG says flake8-ssot's.
    earlier = root / CACHE
    earlier.mkdir()
    (earlier / "CACHEDIR.TAG").write_text((root / "build" / "ssot" / "CACHEDIR.TAG").read_text())
    (earlier / "index.sqlite3").write_text("an earlier version's file\n")
    (root / "setup.cfg").write_text("[flake8]\n")
    result = flake8("--select", "SOT", "app", cwd=root, env=env)
    assert result.stderr == "" and sorted(result.stdout.splitlines()) == expected
    assert (earlier / "flake8-ssot.marker").is_file()
    assert (earlier / "index.sqlite3").read_bytes()[:16] == b"SQLite format 3\x00"


def test_a_cache_the_user_committed_is_not_read(tmp_path):
    env = home(tmp_path, "user")
    root = write_tree(tmp_path / "project", PROJECT, commit=True)
    expected = lint(root, env)
    git(root, "add", "-f", CACHE)
    result = flake8("--select", "SOT", "app", cwd=root, env=env)
    assert sorted(result.stdout.splitlines()) == expected
    assert (f"{CACHE}/index.sqlite3 is tracked by git: a cache that came with the repository "
            f"is never read") in result.stderr


def test_workers_claiming_a_new_cache_directory_at_once_agree_it_is_ours(tmp_path):
    # Each flake8 worker claims the cache directory on its first file: one makes the marker and
    # its files while another looks. The looker must see the marker, never "other files". A
    # race: several runs start together on a fresh directory, round after round.
    env = home(tmp_path, "user")
    files = {f"app/m{number}.py": "def handle(context):\n    context.metadata['k'] = 1\n"
             for number in range(12)}
    root = write_tree(tmp_path / "project", {**PROJECT, **files})
    expected = lint(root, env, "--ssot-no-cache")
    for _ in range(5):
        shutil.rmtree(root / CACHE, ignore_errors=True)
        runs = [subprocess.Popen([FLAKE8, "--select", "SOT", "--jobs", "2", "app"], cwd=root,
                                 env=user_env(env), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
        for run in runs:
            stdout, stderr = run.communicate(timeout=300)
            assert stderr == "" and sorted(stdout.splitlines()) == expected
