"""Reading a file the checked repository hands over: the one reading function of the plugin and
of every command (the index scan, the modules SOT3xx follows, the baseline, ``fix``,
``consolidate``), and the one way to write through a symlink.

A repository is data someone else prepared. A path named ``*.py`` may be a FIFO (opening it waits
for a writer forever), a device (``/dev/zero`` never ends), a socket, or a symlink to anything on
the machine. So a file is read only if

* it is a regular file (checked before it is opened, and again on what was opened);
* it is at most ``MAX_FILE_BYTES`` long (and no more than that is ever read);
* when it lies under the project root, the file it leads to (through symlinks) lies under the
  project root too.

Anything else raises ``Refused``, an ``OSError`` whose ``strerror`` says why in words ("a FIFO,
not a regular file"): the callers that already turn an ``OSError`` into a clear message or a
skipped file need nothing more. ``read_or_note`` is the plugin's form: the bytes, or None with
a one-line note on stderr (once per file and flake8 run, ``--jobs`` workers included).

Nothing here imports flake8.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import stat as stat_module
import tokenize
from typing import Iterator, NamedTuple

LOG = logging.getLogger("flake8_ssot")

# The largest file read: 16 MiB, 8 times the largest module of CPython's own tree (and a
# baseline of 100,000 entries). Past it a file is refused, never read in part.
MAX_FILE_BYTES = 16 * 1024 * 1024

_KINDS = (
    (stat_module.S_ISFIFO, "a FIFO"),
    (stat_module.S_ISCHR, "a character device"),
    (stat_module.S_ISBLK, "a block device"),
    (stat_module.S_ISSOCK, "a socket"),
)
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_BINARY", 0))


class Refused(OSError):
    """A file the plugin does not read; ``strerror`` says why."""

    def __init__(self, path: str, why: str):
        super().__init__(0, why, path)

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


class Read(NamedTuple):
    data: bytes
    stat: os.stat_result  # of the file read (what a cache keys it by)


def not_regular(mode: int) -> str:
    """Why a file of *mode*, not a regular file, is refused: "a FIFO, not a regular file"."""
    kinds = [kind for test, kind in _KINDS if test(mode)]
    return f"{kinds[0]}, not a regular file" if kinds else "not a regular file"


def _check_mode(path: str, mode: int) -> None:
    if stat_module.S_ISREG(mode):
        return
    if stat_module.S_ISDIR(mode):  # as ``open`` says it
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    raise Refused(path, not_regular(mode))


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def leads_outside(path: str, project_root: str | None) -> bool:
    """Whether *path*, lying under *project_root*, leads (through a symlink) out of it."""
    if not project_root:
        return False
    absolute, root = os.path.abspath(path), os.path.abspath(project_root)
    if not _within(absolute, root):
        return False  # not a project file (an installed package's module)
    return not _within(_realpath(absolute), _real_directory(root))


# Directory -> where it leads, resolved once per run (``begin_run`` forgets them): the index
# reads every file of the project, and ``os.path.realpath`` looks at each component of each
# path (a dozen system calls a file; a fifth of a cold index build of 6,000 files).
_REAL_DIRECTORIES: dict[str, str] = {}


def _real_directory(directory: str) -> str:
    real = _REAL_DIRECTORIES.get(directory)
    if real is None:
        real = _REAL_DIRECTORIES[directory] = os.path.realpath(directory)
    return real


def _realpath(path: str) -> str:
    """``os.path.realpath`` of the absolute, normalised *path*: its directory's, resolved once,
    joined with its name when the name itself is no symlink."""
    directory, name = os.path.split(path)
    if not name or name in (os.curdir, os.pardir) or os.path.islink(path):
        return os.path.realpath(path)
    return os.path.join(_real_directory(directory), name)


def read_file(path: str, project_root: str | None = None,
              limit: int = MAX_FILE_BYTES) -> Read:
    """The bytes of the regular file at *path*, and its stat; ``Refused`` (an ``OSError``) for
    what is not read (see the module's docstring), other ``OSError``s as ``open`` raises them."""
    status = os.stat(path)  # no open at all for a device or FIFO: opening one can have effects
    _check_mode(path, status.st_mode)
    too_large = f"larger than {limit // (1024 * 1024)} MiB"
    if status.st_size > limit:
        raise Refused(path, too_large)
    if leads_outside(path, project_root):
        raise Refused(path, "a symlink out of the project")
    descriptor = os.open(path, _OPEN_FLAGS)  # non-blocking: a FIFO swapped in meanwhile
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        _check_mode(path, status.st_mode)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Refused(path, too_large)
    return Read(data, status)


def read_bytes(path: str, project_root: str | None = None) -> bytes:
    """``read_file(...).data``."""
    return read_file(path, project_root).data


_NOTED: set = set()  # the notes this process printed or found printed, this run
# This run's notes file, shared with flake8's --jobs workers (see begin_run); None: none.
_RUN_NOTES: list = [None]


def begin_run() -> None:
    """A flake8 run starts, in flake8's own process before it forks its ``--jobs`` workers:
    symlinks are resolved again, and this run's notes go to a new file without a name
    (``O_TMPFILE``: nothing is left behind) that the forked workers inherit, so that a file
    every worker skips is noted once per run, not once per worker. Where no such file can be
    made (not Linux, a temporary directory that does not support it, workers started without
    fork), each process notes once."""
    _NOTED.clear()
    _REAL_DIRECTORIES.clear()
    if _RUN_NOTES[0] is not None:
        with contextlib.suppress(OSError):
            os.close(_RUN_NOTES[0])
        _RUN_NOTES[0] = None
    try:
        _RUN_NOTES[0] = os.open(os.environ.get("TMPDIR") or "/tmp",
                                os.O_TMPFILE | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    except (AttributeError, OSError):
        pass


def _first_in_run(key: str) -> bool:
    """Whether no process of this run noted *key* yet (and now it is noted): the run's notes
    file is read and appended to under a POSIX record lock (``lockf``: held per process, so
    forked workers exclude each other, which ``flock`` on an inherited descriptor would not)."""
    descriptor = _RUN_NOTES[0]
    if descriptor is None:
        return True
    record = key.encode("utf-8", "surrogateescape") + b"\0"
    try:
        import fcntl

        fcntl.lockf(descriptor, fcntl.LOCK_EX)
        try:
            size = os.fstat(descriptor).st_size
            noted = os.pread(descriptor, size, 0)
            if noted.startswith(record) or b"\0" + record in noted:
                return False
            os.pwrite(descriptor, record, size)
        finally:
            fcntl.lockf(descriptor, fcntl.LOCK_UN)
    except (ImportError, OSError):
        pass  # no shared notes here: this process's own once is all there is
    return True


def read_or_note(path: str, project_root: str | None = None) -> Read | None:
    """``read_file``, or None when it cannot be read; a refused file gets a note on stderr, once
    per file and run (``note_refused``: "flake8-ssot: skipped x.py: a FIFO, not a regular file")."""
    try:
        return read_file(path, project_root)
    except Refused as refused:
        note_refused(refused)
    except (OSError, ValueError):  # ValueError: a NUL in a path read from a tampered cache
        pass
    return None


def note_refused(refused: Refused) -> None:
    """"flake8-ssot: skipped PATH: REASON" on stderr, once per flake8 run (``begin_run``), or
    once per process outside one (the commands)."""
    key = f"{refused.filename}\0{refused.strerror}"  # no path holds a NUL
    if key not in _NOTED:
        _NOTED.add(key)
        if _first_in_run(key):
            LOG.warning("flake8-ssot: skipped %s: %s", refused.filename, refused.strerror)


# -- lines, as flake8 and git count them -------------------------------------------------------
#
# Python and flake8 break lines at "\r\n", "\r" and "\n" only: a form feed, a vertical tab,
# "\x85", U+2028 or U+2029 is inside a line (``str.splitlines`` breaks at all of them, and its
# line numbers then disagree with flake8's). git breaks lines at "\n" only: a diff meant for
# ``git apply`` keeps a lone "\r" inside its line.


def source_lines(data: bytes) -> list[str]:
    """The lines flake8 reads from a file's bytes: decoded as ``tokenize.open`` decodes (PEP 263,
    a BOM; latin-1 when that fails), each line break read as "\n"."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return io.TextIOWrapper(io.BytesIO(data), encoding).readlines()
    except (SyntaxError, UnicodeError, LookupError):
        return io.TextIOWrapper(io.BytesIO(data), "latin-1").readlines()


def split_lines(text: str) -> list[str]:
    """*text*'s lines as Python and flake8 number them, each with its own line break."""
    return io.StringIO(text, newline="").readlines()


def split_lines_for_git(text: str) -> list[str]:
    """*text*'s lines as git counts them (broken at "\n" only), each with its line break."""
    return io.StringIO(text, newline="\n").readlines()


def write_target(path: str) -> str:
    """Where a write to *path* goes: through a symlink to the file it leads to, as black does (a
    write replacing the link would leave the linked file unchanged)."""
    if os.path.islink(path):
        return os.path.realpath(path)
    return path


@contextlib.contextmanager
def writers_lock(path: str) -> Iterator[None]:
    """Held by one writer of *path* at a time, across processes: an exclusive ``flock`` on the
    directory the file (through a symlink, its target) is in, so no lock file is left beside it.
    Where the OS has no ``flock`` (Windows), nothing is held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    directory = os.path.dirname(os.path.abspath(write_target(path)))
    os.makedirs(directory, exist_ok=True)
    descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock
