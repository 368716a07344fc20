"""Which files make up the project: its root, its listing (and when a saved one still holds),
and how its files are read (the dotted names they are imported as: ``flake8_ssot.syntax``).

Nothing here imports flake8 (or executes the code it reads).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
import subprocess
import time
from typing import Iterable, Iterator, NamedTuple, Sequence

from flake8_ssot.files import read_or_note

ROOT_MARKERS = ("setup.cfg", "tox.ini", ".flake8", "pyproject.toml", ".git")
# Directories a walk never enters (flake8's default excludes plus virtualenvs).
_SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", "CVS", "__pycache__", ".tox", ".nox", ".eggs", ".venv",
    "venv", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache",
})
_GIT_TIMEOUT_SECONDS = 30.0


def find_project_root(start: str, configured: str = "") -> str:
    """``configured`` if given, else the nearest directory upward from *start* with a marker.

    Like flake8's configuration search, the search stops below the home directory: a
    ``~/.flake8`` must not make the whole home directory one project. Without a marker, the
    project is *start*'s directory.
    """
    if configured:
        return os.path.abspath(configured)
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    return _nearest_marked_directory(directory, os.path.expanduser("~"))


@functools.lru_cache(maxsize=256)  # asked for every checked file; most share a few directories
def _nearest_marked_directory(directory: str, home: str) -> str:
    candidate = directory
    while True:
        if any(os.path.exists(os.path.join(candidate, marker)) for marker in ROOT_MARKERS):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate or parent == home:
            return directory
        candidate = parent


# git obeys the checked repository's own configuration (``.git/config`` and what it includes),
# and a repository is data someone else prepared. Of what that configuration can make git run,
# ``ls-files`` and ``rev-parse`` run only ``core.fsmonitor`` (a command, or git's daemon): it is
# turned off (the empty value means "off" to every git version). Hooks and the pager are turned
# off too, should a later git run one from these commands. They contact no remote (so no
# ``core.sshCommand``, ``core.askPass`` or credential helper), diff nothing (no ``diff.external``
# or textconv) and filter nothing (no ``filter.*``): tests/test_security.py plants each of these
# keys and proves that nothing runs. git's own refusals are kept: a repository owned by another
# user (``safe.directory`` is read only from the user's and the system's configuration) or of an
# unknown format makes git fail, and the project is then listed by a walk.
_GIT = ("git", "--no-pager", "-c", "core.fsmonitor=", "-c", "core.useBuiltinFSMonitor=false",
        "-c", f"core.hooksPath={os.devnull}", "-c", "core.pager=cat")


def _start_git(root: str, *arguments: str) -> subprocess.Popen | None:
    """Start a git command in *root* (see _GIT); it runs while the caller does other work."""
    try:
        return subprocess.Popen(
            [*_GIT, "-C", root, *arguments],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _git_output(process: subprocess.Popen | None) -> bytes | None:
    """What a started git command printed; None when it failed (not a repository, no git)."""
    if process is None:
        return None
    try:
        output, _ = process.communicate(timeout=_GIT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    return output if process.returncode == 0 else None


def _python_paths(output: bytes) -> list[str]:
    paths = output.decode("utf-8", "surrogateescape").split("\0")
    return sorted({path for path in paths if path.endswith(".py")})


def _walk_python_files(root: str, excluded: Sequence[str],
                       directories: list[str] | None = None) -> list[str]:
    """Python files under *root*; excluded directories are not entered (a virtualenv or
    site-packages below the root costs nothing). The directories entered are added to
    *directories*."""
    found = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        if directories is not None:
            directories.append(prefix.rstrip("/"))
        dirnames[:] = sorted(d for d in dirnames if not path_matches(prefix + d, excluded, root))
        found += [prefix + filename for filename in filenames if filename.endswith(".py")]
    return sorted(found)


def _is_utf8(path: str) -> bool:
    """A file name that is not UTF-8 (read with surrogate escapes) is left out of the project:
    the index stores names as text, and flake8 cannot print such a name either."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def path_matches(relative_path: str, patterns: Iterable[str], root: str = "") -> bool:
    """flake8-style matching: a pattern matches a path component, the relative or absolute path."""
    return _path_matcher(tuple(patterns))(relative_path, root)


@functools.lru_cache(maxsize=32)
def _path_matcher(patterns: tuple[str, ...]):
    """One compiled test for a set of patterns: listing a large project tests every file."""
    normcase = os.path.normcase if os.name == "nt" else None  # fnmatch ignores case there
    names, name_globs, relative, absolute = set(), [], [], []
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if not pattern:
            continue
        if normcase:
            pattern = normcase(pattern)
        if "/" in pattern or os.sep in pattern:
            (absolute if os.path.isabs(pattern) else relative).append(pattern)
        elif any(char in pattern for char in "*?["):
            name_globs.append(fnmatch.translate(pattern))
        else:
            names.add(pattern)
    any_name_glob = re.compile("|".join(name_globs)).match if name_globs else None

    def matches(relative_path: str, root: str) -> bool:
        if normcase:
            relative_path = normcase(relative_path)
        parts = relative_path.split("/")
        if not names.isdisjoint(parts):
            return True
        if any_name_glob and any(any_name_glob(part) for part in parts):
            return True
        for pattern in relative:
            if fnmatch.fnmatch(relative_path, pattern) or relative_path.startswith(pattern + "/"):
                return True
        if absolute and root:
            absolute_path = os.path.join(root, *parts)
            for pattern in absolute:
                if (absolute_path == pattern or absolute_path.startswith(pattern + os.sep)
                        or fnmatch.fnmatch(absolute_path, pattern)):
                    return True
        return False

    return matches


_TRACKED = ("ls-files", "-z", "--cached", "--", "*.py")
_UNTRACKED = ("ls-files", "-z", "--others", "--exclude-standard", "--", "*.py")
_GIT_LOCATIONS = ("rev-parse", "--show-toplevel", "--git-common-dir")


def list_python_files(root: str, excludes: Sequence[str] = (), cache_dir: str = "") -> list[str]:
    """The project's Python files, relative to *root*, without excluded ones."""
    return Discovery(root, excludes, cache_dir).listing(None).files


# -- the listing and what vouches for it ------------------------------------------------------
#
# Listing a project is most of a warm run's cost: ``git ls-files --others`` reads every
# directory to find untracked files (30 ms for Django's 3,000 directories), and a one-file
# flake8 run from pre-commit or an editor pays it in full. Yet the listing can only change when
#
# * git's tracked files change: ``git ls-files --cached`` only reads git's index (3 ms), so it
#   runs every time, and its output is compared with the last one;
# * a directory gains or loses an entry: that changes the directory's mtime;
# * an ignore rule changes: a ``.gitignore``, ``info/exclude`` or the global excludes file.
#
# So the listing is saved with the mtimes of those "witnesses" (the directories holding a listed
# file and their parents, and the ignore files) and reused while none of them changed. An mtime
# within _RACY_NANOSECONDS of the listing may hide a change made in the same clock tick (as in
# git's "racy git" problem); it is saved as "unknown", so the next run lists again.

_RACY_NANOSECONDS = 2_000_000_000
_UNKNOWN_MTIME = -1


class Listing(NamedTuple):
    key: str  # the excludes it was made with
    files: list[str]
    mode: str  # "git": from git ls-files; "walk": a walk of the tree
    tracked_output: bytes | None  # what ``git ls-files --cached`` printed, None outside git
    untracked: list[str]  # git mode: the files among *files* that git does not track
    witnesses: list[tuple[str, int, int]]  # (path, mtime_ns, size) that vouch for *files*
    reused: bool = False  # exactly the saved listing: nothing to save


def stat_all(root: str, paths: Iterable[str]) -> Iterator[os.stat_result | None]:
    """``stat`` of each path, relative to *root* (or absolute), as it is consumed; None where
    it fails. One at a time: the results of a 5,000-file project, held together, are 3 MiB.

    Through a descriptor of the root where the OS allows it: the kernel then does not walk the
    root's own path for every file, a fifth of the cost on a large project.
    """
    if os.stat in os.supports_dir_fd:
        try:
            descriptor = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            descriptor = None
        if descriptor is not None:
            try:
                for path in paths:  # (inlined: a warm one-file run stats every project file)
                    try:
                        stat = os.stat(path or ".", dir_fd=descriptor)
                    except (OSError, TypeError, ValueError):  # see _stat_or_none
                        stat = None
                    yield stat
            finally:
                os.close(descriptor)
            return
        for _ in paths:
            yield None
        return
    for path in paths:
        yield _stat_or_none(os.path.join(root, path))


def _stat_or_none(path: str, directory: int | None = None) -> os.stat_result | None:
    try:
        return os.stat(path, dir_fd=directory)
    except (OSError, TypeError, ValueError):  # the last two: a tampered saved listing
        return None


def cache_mtime(stat: os.stat_result, listed_at: int) -> int:
    """The mtime to save for a witness or a file read at *listed_at*; see _RACY_NANOSECONDS."""
    return saved_mtime(stat.st_mtime_ns, listed_at)


def saved_mtime(mtime_ns: int, listed_at: int) -> int:
    """``cache_mtime`` of an mtime."""
    return _UNKNOWN_MTIME if mtime_ns > listed_at - _RACY_NANOSECONDS else mtime_ns


class Discovery:
    """Lists one project's files, reusing the saved listing while its witnesses are unchanged."""

    def __init__(self, root: str, excludes: Sequence[str] = (), cache_dir: str = ""):
        self.root = root
        self.skipped = (*excludes, *_SKIPPED_DIRS,
                        *([os.path.basename(cache_dir.rstrip("/"))] if cache_dir else []))
        # The saved listing is only valid for the same excludes.
        self.key = json.dumps(sorted(set(self.skipped)))
        self.listed_at = time.time_ns()
        # The cache directory, when it is below the root: a file of it that git tracks came
        # with the repository, and the cache is then not read (asked with the tracked files).
        inside = os.path.relpath(os.path.join(root, cache_dir), root) if cache_dir else ".."
        self._cache = "" if inside.split(os.sep)[0] in ("..", ".") else inside.replace(os.sep, "/")
        self.tracked = _start_git(root, *_TRACKED, *([f":(literal){self._cache}"]
                                                     if self._cache else []))
        self._tracked_output: list[bytes | None] = []

    def tracked_output(self) -> bytes | None:
        """What ``git ls-files --cached`` printed (waited for once); None outside git."""
        if not self._tracked_output:
            self._tracked_output.append(_git_output(self.tracked))
        return self._tracked_output[0]

    def tracked_cache_files(self) -> list[str]:
        """The files of the cache directory that git tracks (someone committed them)."""
        if not self._cache:
            return []
        prefix = self._cache + "/"
        output = self.tracked_output() or b""
        if b"\0" + prefix.encode("utf-8", "surrogateescape") not in b"\0" + output:
            return []  # (most repositories: no need to split every tracked path)
        paths = output.decode("utf-8", "surrogateescape").split("\0")
        return [path for path in paths if path.startswith(prefix)]

    def listing(self, saved: dict | None) -> Listing:
        tracked_output = self.tracked_output()
        if saved is not None and saved.get("key") == self.key:
            reused = self._reuse(saved, tracked_output)
            if reused is not None:
                return reused
        return self._list(tracked_output)

    def _keep(self, paths: Iterable[str]) -> list[str]:
        return [path for path in paths
                if _is_utf8(path) and not path_matches(path, self.skipped, self.root)]

    def _reuse(self, saved: dict, tracked_output: bytes | None) -> Listing | None:
        try:
            mode, files, untracked = saved["mode"], saved["files"], saved["untracked"]
            witnesses = [(path, int(mtime), int(size)) for path, mtime, size in saved["witnesses"]]
        except (KeyError, TypeError, ValueError):
            return None  # written by hand, or by a different version
        if not (type(files) is list and type(untracked) is list
                and {*map(type, files), *map(type, untracked)} <= {str}):
            return None  # (what is opened is checked where it is opened: ``_read``)
        stats = stat_all(self.root, [path for path, _, _ in witnesses])
        if any(stat is None or (stat.st_mtime_ns, stat.st_size) != (mtime, size)
               for stat, (_, mtime, size) in zip(stats, witnesses)):
            return None
        if tracked_output == saved["tracked_output"]:
            return Listing(self.key, files, mode, tracked_output, untracked, witnesses, reused=True)
        if mode != "git" or tracked_output is None:
            return None
        # The tracked files changed. If some untracked ones were only added (``git add``), the
        # untracked files are the same less those: no need to look for them again.
        before = set(files) - set(untracked)
        now = set(self._keep(_python_paths(tracked_output)))
        if not before <= now or not now - before <= set(untracked):
            return None
        untracked = [path for path in untracked if path not in now]
        return Listing(self.key, sorted(now.union(untracked)), mode, tracked_output, untracked,
                       witnesses)

    def _list(self, tracked_output: bytes | None) -> Listing:
        if tracked_output is not None:
            locations = _start_git(self.root, *_GIT_LOCATIONS)
            untracked_output = _git_output(_start_git(self.root, *_UNTRACKED))
            tracked = self._keep(_python_paths(tracked_output))
            untracked = self._keep(_python_paths(untracked_output or b""))
            if tracked or untracked:
                files = sorted({*tracked, *untracked})
                witnesses = self._git_witnesses(files, _git_output(locations))
                return Listing(self.key, files, "git", tracked_output, untracked, witnesses)
        # Not in git, or the whole tree is ignored (a vendored or downloaded tree).
        directories: list[str] = []
        files = self._keep(_walk_python_files(self.root, self.skipped, directories))
        return Listing(self.key, files, "walk", tracked_output, [],
                       self._witness_stats(directories))

    def _git_witnesses(self, files: Sequence[str], locations: bytes | None):
        directories = {""}
        for path in files:
            directory = path.rpartition("/")[0]
            while directory not in directories:
                directories.add(directory)
                directory = directory.rpartition("/")[0]
        paths = sorted(directories)
        paths += [os.path.join(directory, ".gitignore") for directory in paths]
        lines = (locations or b"").decode("utf-8", "surrogateescape").splitlines()
        if len(lines) == 2:
            top, common_dir = lines
            # Ignore files between the repository's top and the project root apply too.
            above = os.path.dirname(os.path.abspath(self.root))
            while len(above) >= len(os.path.abspath(top)) and above != os.path.dirname(above):
                paths += [above, os.path.join(above, ".gitignore")]
                above = os.path.dirname(above)
            common_dir = os.path.join(self.root, common_dir)
            config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
            paths += [os.path.join(common_dir, "info"), os.path.join(common_dir, "info", "exclude"),
                      os.path.join(config_home, "git"), os.path.join(config_home, "git", "ignore"),
                      os.path.expanduser("~/.gitconfig")]  # where core.excludesFile is set
        return self._witness_stats(paths)

    def _witness_stats(self, paths: Sequence[str]) -> list[tuple[str, int, int]]:
        """Only what exists is a witness: a file appearing changes its directory's mtime."""
        return [(path, cache_mtime(stat, self.listed_at), stat.st_size)
                for path, stat in zip(paths, stat_all(self.root, paths)) if stat is not None]


# -- reading and naming files ------------------------------------------------------------------

def read_project_file(root: str, path: str) -> tuple[bytes, os.stat_result] | None:
    """The bytes and stat of *path* relative to *root*, read as ``files.read_file`` reads
    (regular files only, bounded, a symlink only to a file in the project; a refused one is
    noted on stderr), or None. A saved listing is data from disk: only plain relative paths
    below the root are read."""
    if path.startswith("/") or "\\" in path or ".." in path.split("/"):
        return None
    return read_or_note(os.path.join(root, path), root)
