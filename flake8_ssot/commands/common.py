"""What every ``flake8-ssot`` subcommand shares: one error style, one atomic writer, the paths and
``--config`` arguments and the flake8 configuration they load, and the diff a rewrite prints.

The error style: a subcommand raises ``CommandError("<reason>")`` (or lets an ``OSError``
through); ``commands.main`` prints ``flake8-ssot <command>: <reason>`` on one line to stderr and
exits 2. No user error ends in a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import os
import tempfile
from typing import Iterable, Sequence

from flake8_ssot.files import split_lines_for_git, write_target
from flake8_ssot.project import settings_from_flake8

# Exit codes, the same for every subcommand (docs/usage.md lists what each one means there).
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class CommandError(Exception):
    """A user error: the message is the one line the user sees after ``flake8-ssot <command>:``."""


def reason(error: OSError) -> str:
    """``"<file>: <what went wrong>"`` for an ``OSError``, without Python's ``[Errno N]``."""
    what = error.strerror or str(error)
    return f"{error.filename}: {what}" if error.filename else what


def write_atomically(path: str, data: bytes) -> None:
    """Write *data* to *path* through a temporary file in the same directory and ``os.replace``:
    a reader never sees half a file, and a failed write leaves the old file as it was.

    An existing file keeps its permission bits. A symlink stays one: the file it leads to is
    written, atomically there (``files.write_target``). An ``OSError`` (a read-only project, a
    full disk) becomes a ``CommandError`` that names the file.
    """
    path = write_target(path)
    directory = os.path.dirname(os.path.abspath(path))
    temporary = None
    try:
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".flake8-ssot-", suffix=".tmp",
                                             dir=directory)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        mode = _mode_of(path)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def _mode_of(path: str) -> int:
    """The permission bits *path* has, or those a new file gets under the current umask
    (``mkstemp`` makes its file 0600, which a new baseline should not keep)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def plural(count: int, word: str, words: str | None = None) -> str:
    """``"1 file"``, ``"2 files"``; *words* for an irregular plural (``"entries"``)."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def existing_paths(paths: Iterable[str]) -> list[str]:
    """*paths* as given, or a ``CommandError`` naming the first that does not exist: a typo must
    not read as "nothing found there"."""
    paths = list(paths)
    for path in paths:
        if not os.path.exists(path):
            raise CommandError(f"{path}: no such file or directory")
    return paths


def add_paths_argument(parser: argparse.ArgumentParser, what: str = "check", more: str = "",
                       single: bool = False) -> None:
    """The positional paths (``single``: one path, for a command about the whole project)."""
    if single:
        parser.add_argument("paths", nargs="?", default=".", metavar="path",
                            help=f"a directory or file of the project (default: .){more}")
    else:
        parser.add_argument("paths", nargs="*", default=["."],
                            help=f"files and directories to {what}, as for flake8 (default: .)"
                                 f"{more}")


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="flake8 config file, as flake8's --config (default: the one flake8 "
                             "would read, searched upward from the current directory)")


def paths_of(args: argparse.Namespace) -> list[str]:
    """The paths given (one for a ``single`` command), each checked to exist."""
    return existing_paths([args.paths] if isinstance(args.paths, str) else args.paths)


def config_file(args: argparse.Namespace) -> str | None:
    """``--config`` if given, checked to exist (flake8 would fail on it later, less clearly)."""
    path = getattr(args, "config", None)
    if path and not os.path.isfile(path):
        raise CommandError(f"{path}: config file not found")
    return path


def flake8_files(args: argparse.Namespace, paths: Sequence[str], options=None) -> list[str]:
    """The files flake8 checks for *paths*, as flake8 lists them (its ``exclude``,
    ``extend-exclude`` and ``filename`` patterns), sorted."""
    from flake8.discover_files import expand_paths

    if options is None:
        _, options = flake8_settings(args, paths)
    return sorted(set(expand_paths(
        paths=list(paths), stdin_display_name=options.stdin_display_name,
        filename_patterns=options.filename,
        exclude=[*options.exclude, *options.extend_exclude])))


def flake8_settings(args: argparse.Namespace, paths: Iterable[str] = ()):
    """``(settings, flake8 options)`` as ``flake8 [--config FILE] <paths>`` sees them: a command
    reads exactly the configuration the linter reads."""
    config = config_file(args)
    return settings_from_flake8([*(["--config", config] if config else []), *paths])


def unified_diff(display: str, original: bytes, changed: bytes) -> str:
    """A diff of one file that ``git apply`` and ``patch -p1`` accept, "\\ No newline at end of
    file" included; *display* is the path it shows, relative to the project."""
    from flake8_ssot.rewrite import encoding_of

    encoding = encoding_of(original)
    before = split_lines_for_git(original.decode(encoding, "replace"))
    after = split_lines_for_git(changed.decode(encoding, "replace"))
    out = []
    for line in difflib.unified_diff(before, after, f"a/{display}", f"b/{display}"):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
