"""``flake8-ssot report``: today's findings per code and per file, and the migration's progress.

Each finding is either *baselined* (accepted in the baseline file) or *new*; a baseline entry
that no finding matches any more has been *fixed*. ``fixed / (fixed + baselined)`` is how far the
migration away from the recorded findings has come. Entries of files the run did not check (other
paths, a file that could not be read) are neither fixed nor counted.
"""

from __future__ import annotations

import argparse
import json
import os

from flake8_ssot.baseline import Baseline
from flake8_ssot.commands import common, findings
from flake8_ssot.commands.common import plural

HELP = "findings per code and file, and migration progress"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    findings.add_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text tables (default) or one JSON object, for CI dashboards")
    parser.add_argument("--fail-on-new", action="store_true",
                        help="exit 1 when some finding is not in the baseline")


def _table(title: str, rows: dict[str, list[int]]) -> list[str]:
    """``rows[name] = [findings, baselined, fixed]`` as aligned columns."""
    width = max([len(title), *map(len, rows)])
    out = [f"{title:<{width}}  findings  baselined  new  fixed"]
    for name, (count, accepted, fixed) in sorted(rows.items()):
        out.append(f"{name:<{width}}  {count:>8}  {accepted:>9}  {count - accepted:>3}  "
                   f"{fixed:>5}")
    return out


def run(args: argparse.Namespace) -> int:
    path, _, accepted, verdict = findings.against_baseline(args)
    has_baseline = accepted is not None
    accepted = accepted or Baseline(path)
    found, baselined, new, fixed = (verdict.run.findings, verdict.baselined, verdict.new,
                                    verdict.fixed)

    by_code: dict[str, list[int]] = {}
    by_file: dict[str, list[int]] = {}
    for item, is_baselined in [(f, 1) for f in baselined] + [(f, 0) for f in new]:
        for table, name in ((by_code, item.code), (by_file, item.path)):
            row = table.setdefault(name, [0, 0, 0])
            row[0] += 1
            row[1] += is_baselined
    for (file_path, code, _), count in fixed.items():
        by_code.setdefault(code, [0, 0, 0])[2] += count
        by_file.setdefault(file_path, [0, 0, 0])[2] += count

    total_fixed = sum(fixed.values())
    recorded = accepted.total() - sum(verdict.kept.values())  # the entries this run judged
    progress = (100.0 * total_fixed / recorded) if recorded else None
    outcome = common.EXIT_FINDINGS if args.fail_on_new and new else common.EXIT_OK
    if args.format == "json":
        print(json.dumps({
            "baseline": os.path.relpath(path) if has_baseline else None,
            "findings": len(found), "baselined": len(baselined), "new": len(new),
            "fixed": total_fixed, "recorded_in_baseline": recorded,
            "not_checked_in_baseline": sum(verdict.kept.values()),
            "progress_percent": None if progress is None else round(progress, 1),
            "by_code": {k: dict(zip(("findings", "baselined", "fixed"), v))
                        for k, v in sorted(by_code.items())},
            "by_file": {k: dict(zip(("findings", "baselined", "fixed"), v))
                        for k, v in sorted(by_file.items())},
            "unreadable": dict(sorted(verdict.run.unreadable.items())),
            "new_findings": [str(f) for f in new],
        }, indent=2))
        return outcome

    files = len({item.path for item in found})
    print(f"{plural(len(found), 'finding')} in {plural(files, 'file')}: {len(baselined)} "
          f"baselined, {len(new)} new")
    if has_baseline:
        shown = f"{progress:.1f}%" if progress is not None else "nothing recorded"
        print(f"baseline {os.path.relpath(path)}: {recorded} recorded, {total_fixed} fixed "
              f"since ({shown}), {recorded - total_fixed} left")
        kept = sum(verdict.kept.values())
        if kept:
            print(f"  (and {plural(kept, 'entry', 'entries')} of files not checked in this run)")
    else:
        print(f"no baseline at {os.path.relpath(path)} (create one with `flake8-ssot baseline`)")
    findings.print_unreadable(verdict, accepted if has_baseline else None)
    if by_code:
        print()
        print("\n".join(_table("code", by_code)))
        print()
        print("\n".join(_table("file", by_file)))
    if new:
        print()
        print("new findings:")
        for item in new:
            print(f"  {item}")
    return outcome
