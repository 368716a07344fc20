"""Today's findings, from flake8 itself, against the baseline: what ``flake8-ssot baseline`` and
``report`` share (their arguments, the baseline they read, the verdict, the unreadable files).

The commands run ``flake8 --format=ssot-records`` so that exclusions, ``per-file-ignores``,
``extend-ignore`` and ``# noqa`` count exactly as they do for the pre-commit hook and CI. That
formatter (``formatters.RecordsFormatter``, a ``flake8.report`` entry point) prints one JSON array
a line: every file flake8 checked, and every finding. Knowing which files were checked is
what lets a command update those files' baseline entries and keep every other entry as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

from flake8_ssot.baseline import (DEFAULT_PATH, Baseline, Key, fingerprint, normalised_statement,
                                  read_lines, resolve_path)
from flake8_ssot.commands import common
from flake8_ssot.commands.common import CommandError, plural
from flake8_ssot.commands.progress import Progress

# flake8's codes for a file it could not read (E902) or parse (E999), and the plugin's own for a
# file it could not check (SOT901): such a file's baseline entries are kept, not judged.
UNREADABLE_CODES = ("E902", "E999", "SOT901")


@dataclass(frozen=True)
class Found:
    """A finding as flake8 printed it, with its baseline key."""

    path: str  # relative to the baseline's directory
    line: int
    col: int
    code: str
    message: str
    statement: str

    @property
    def key(self) -> Key:
        return (self.path, self.code, fingerprint(self.statement))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass
class Run:
    """What one flake8 run saw, every path relative to the baseline's directory."""

    findings: list = field(default_factory=list)
    checked: set = field(default_factory=set)
    unreadable: dict = field(default_factory=dict)  # path -> "E999 SyntaxError: ..."

    def judged(self, relative_path: str) -> bool:
        """Whether this run can tell which of the file's baseline entries still hold."""
        return relative_path in self.checked and relative_path not in self.unreadable


# flake8 itself, never a project file named flake8.py: ``python -m flake8`` and ``-c`` put the
# current directory (the checked project) first on sys.path, so it goes before the import.
_RUN_FLAKE8 = "import sys; del sys.path[0]; from flake8.main.cli import main; sys.exit(main())"


def flake8_command(paths: Sequence[str], config: str | None) -> list[str]:
    return [sys.executable, "-c", _RUN_FLAKE8, "--select=SOT,E902,E999",
            "--extend-select=SOT", "--ssot-baseline=", "--exit-zero", "--format=ssot-records",
            *([f"--config={config}"] if config else []), *paths]


def collect(paths: Sequence[str], baseline: Baseline, config: str | None = None,
            progress: Progress | None = None, total: int = 0) -> Run:
    """Run flake8 (SOT codes only, the configured baseline not applied) on *paths*; with
    *progress*, the files it has checked are shown (of *total*) while it runs.

    Raises ``CommandError`` with flake8's own message if flake8 cannot run.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONSAFEPATH"}
    counting, counter = progress.counter() if progress else ({}, None)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(flake8_command(paths, config), stdout=out, stderr=err,
                                   text=True, env={**env, **counting})
        if progress:
            progress.follow(process, counter, total)
        process.wait()
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(process.args, process.returncode, out.read(),
                                             err.read())
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"]
        raise CommandError(f"flake8 failed: {message[0]}")
    sys.stderr.write(result.stderr)  # the plugin's own warnings stay visible
    run = Run()
    file_lines: dict[str, list[str]] = {}
    for row in result.stdout.splitlines():
        try:
            record = json.loads(row)
        except ValueError:
            continue  # --count or --benchmark output from the user's configuration
        if not isinstance(record, list) or not record:
            continue
        if record[0] == "checked":
            run.checked.add(baseline.relative(record[1]))
            continue
        _, path, line, col, code, message = record
        relative = baseline.relative(path)
        if code in UNREADABLE_CODES:
            run.unreadable.setdefault(relative, f"{code} {message}")
            continue
        if not code.startswith("SOT"):
            continue
        if path not in file_lines:
            try:
                file_lines[path] = read_lines(path)
            except OSError:
                file_lines[path] = []
        run.findings.append(Found(relative, line, col, code, message,
                                  normalised_statement(file_lines[path], line)))
    run.findings = [found for found in run.findings if found.path not in run.unreadable]
    return run


@dataclass
class Verdict:
    """Today's findings against a baseline."""

    run: Run
    baselined: list  # findings the baseline accepts
    new: list  # findings it does not
    fixed: Counter  # entries of the files this run judged that no finding matches any more
    kept: Counter  # entries this run cannot judge: files not checked, or unreadable


def judge(baseline: Baseline, run: Run, paths: Sequence[str]) -> Verdict:
    """Split *run* against *baseline*. An entry is judged (fixed when nothing matches it) only if
    its file was checked and could be read, or lies under *paths* and no longer exists."""
    roots = [os.path.realpath(path) for path in paths]

    def judged(relative_path: str) -> bool:
        if run.judged(relative_path):
            return True
        absolute = os.path.realpath(os.path.join(baseline.directory, relative_path))
        return not os.path.lexists(absolute) and any(
            absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep)
            for root in roots)

    baselined, new, unmatched = baseline.split(run.findings)
    fixed, kept = Counter(), Counter()
    for key, count in unmatched.items():
        (fixed if judged(key[0]) else kept)[key] = count
    return Verdict(run, baselined, new, fixed, kept)


# -- the baseline the commands read ----------------------------------------------------------

def configured_path(args: argparse.Namespace) -> tuple[str, bool]:
    """``(baseline path, whether the flake8 configuration names it)``: ``--baseline``, else
    ``ssot-baseline`` from the flake8 config, else the default name in the project directory."""
    settings, _ = common.flake8_settings(args)
    if args.baseline:
        return os.path.abspath(args.baseline), bool(settings.baseline)
    return (resolve_path(settings.baseline or DEFAULT_PATH, settings,
                         config_file=common.config_file(args)), bool(settings.baseline))


def read_existing(path: str) -> Baseline | None:
    """The baseline at *path*, None if there is none; a broken one is a ``CommandError``."""
    try:
        return Baseline.read(path)
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, ValueError) as error:
        raise CommandError(str(error)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``baseline`` and ``report``: paths, ``--baseline`` and ``--config``."""
    common.add_paths_argument(parser)
    parser.add_argument("--baseline", metavar="PATH",
                        help=f"baseline file (default: ssot-baseline from the flake8 "
                             f"configuration, else {DEFAULT_PATH})")
    common.add_config_argument(parser)


class Today(NamedTuple):
    """What ``baseline`` and ``report`` start from."""

    path: str  # the baseline's
    configured: bool  # whether the flake8 configuration names it
    old: Baseline | None  # the baseline there, None when there is none
    verdict: Verdict  # today's findings on the paths given, judged against it


def against_baseline(args: argparse.Namespace, to_write: bool = False) -> Today:
    """The baseline's path, the baseline there and today's verdict; *to_write*: a baseline
    whose directory does not exist is a ``CommandError`` before flake8 runs."""
    paths = common.paths_of(args)
    config = common.config_file(args)
    path, configured = configured_path(args)
    directory = os.path.dirname(path)
    if to_write and not os.path.isdir(directory):
        problem = ("is not a directory" if os.path.exists(directory)
                   else "does not exist (create it first)")
        raise CommandError(f"cannot write {os.path.relpath(path)}: "
                           f"{os.path.relpath(directory)} {problem}")
    old = read_existing(path)
    with Progress(args.command) as progress:
        total = len(common.flake8_files(args, paths)) if progress.on else 0
        run = collect(paths, Baseline(path), config, progress, total)
    return Today(path, configured, old, judge(old or Baseline(path), run, paths))


def print_unreadable(verdict, old: Baseline | None) -> None:
    for path, why in sorted(verdict.run.unreadable.items()):
        entries = sum(count for key, count in (old.counts if old else {}).items()
                      if key[0] == path)
        print(f"{path}: could not be read or checked ({why}); "
              f"{plural(entries, 'baseline entry', 'baseline entries')} kept unchanged")
