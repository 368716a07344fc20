"""``flake8-ssot baseline``: accept today's findings so that only new ones are reported.

Rewriting the baseline (running this command again) keeps only the entries that still match a
finding, so it shrinks as the code is fixed; ``--add-new`` also accepts today's new findings.

A run over some paths updates only the entries of the files flake8 checked there: every other
entry, and those of a file that could not be read or parsed, is kept as it was. The findings come
from running ``flake8`` itself (``commands.findings``); the file's format is ``baseline``.
"""

from __future__ import annotations

import argparse
import os

from flake8_ssot.baseline import Baseline
from flake8_ssot.commands import common, findings
from flake8_ssot.commands.common import plural
from flake8_ssot.files import writers_lock
from flake8_ssot.project import config_directory

HELP = "write today's findings to the baseline file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    findings.add_arguments(parser)
    parser.add_argument("--add-new", action="store_true",
                        help="also accept findings that are not in the existing baseline "
                             "(without it, rewriting a baseline only drops fixed entries)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if rewriting the baseline would change it "
                             "(fixed entries to drop), for CI")


def _merged(path: str, old: Baseline | None, verdict: findings.Verdict,
            add_new: bool) -> tuple[Baseline, list]:
    """The baseline to write after *verdict* against *old*, and the new findings left out."""
    new = Baseline(path)
    accepted = verdict.run.findings if old is None or add_new else verdict.baselined
    for item in accepted:
        new.counts[item.key] += 1
        new.statements[item.key] = item.statement
    for key, count in verdict.kept.items():
        new.counts[key] += count
        new.statements[key] = old.statements.get(key, "")
    return new, [] if old is None or add_new else verdict.new


def run(args: argparse.Namespace) -> int:
    path, configured, old, verdict = findings.against_baseline(args, to_write=not args.check)
    if not args.check:
        # Another ``baseline`` run may have written the file while flake8 ran here: under the
        # writers' lock, this run's findings are judged against the baseline as it is now, so
        # the entries the other run wrote for its paths are kept.
        with writers_lock(path):
            current = findings.read_existing(path)
            if (current and current.counts) != (old and old.counts):
                old = current
                verdict = findings.judge(current or Baseline(path), verdict.run,
                                         common.paths_of(args))
            new, left_out = _merged(path, old, verdict, args.add_new)
            common.write_atomically(path, new.render().encode("utf-8"))
    else:
        new, left_out = _merged(path, old, verdict, args.add_new)
    shown_path = os.path.relpath(path)
    fixed = sum(verdict.fixed.values())

    if args.check:
        findings.print_unreadable(verdict, old)
        if old is not None and +new.counts == +old.counts:
            print(f"{shown_path}: up to date")
            return common.EXIT_OK
        if old is None:
            print(f"{shown_path}: no baseline (create it with `flake8-ssot baseline`)")
        else:
            added = new.total() - old.total() + fixed
            command = "flake8-ssot baseline" + (" --add-new" if args.add_new else "")
            print(f"{shown_path}: out of date: {fixed} fixed since it was written"
                  + (f", {added} new to add" if added else "")
                  + f" (rewrite it with `{command}`)")
        return common.EXIT_FINDINGS

    files = len({key[0] for key in new.counts})
    summary = (f"{shown_path}: {plural(new.total(), 'finding')} in "
               f"{plural(files, 'file')} accepted")
    if old is not None:
        summary += f"; {fixed} fixed since the previous baseline dropped"
    print(summary)
    not_checked = sum(count for key, count in verdict.kept.items()
                      if key[0] not in verdict.run.unreadable)
    if not_checked:
        print(f"{plural(not_checked, 'entry', 'entries')} of files not checked in this run kept "
              "unchanged")
    findings.print_unreadable(verdict, old)
    if left_out:
        print(f"{plural(len(left_out), 'new finding')} not added (fix them, or rerun with "
              "--add-new):")
        for item in left_out:
            print(f"  {item}")
    if not configured:
        relative = os.path.relpath(path, config_directory(common.config_file(args)))
        print(f"Enable it: add `ssot-baseline = {relative}` to "
              "the [flake8] section of setup.cfg, tox.ini or .flake8.")
    return common.EXIT_OK
