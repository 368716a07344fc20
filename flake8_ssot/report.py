"""``flake8-ssot report``: today's findings per code and per file, and the migration's progress.

Each finding is either *baselined* (accepted in the baseline file) or *new*; a baseline entry
that no finding matches any more has been *fixed*. ``fixed / (fixed + baselined)`` is how far the
migration away from the recorded findings has come.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from flake8_ssot import baseline as baseline_module
from flake8_ssot.baseline import Baseline, plural


def add_arguments(parser: argparse.ArgumentParser) -> None:
    baseline_module.add_common_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text tables (default) or one JSON object, for CI dashboards")


def _table(title: str, rows: dict[str, list[int]]) -> list[str]:
    """``rows[name] = [findings, baselined, fixed]`` as aligned columns."""
    width = max([len(title), *map(len, rows)])
    out = [f"{title:<{width}}  findings  baselined  new  fixed"]
    for name, (count, accepted, fixed) in sorted(rows.items()):
        out.append(f"{name:<{width}}  {count:>8}  {accepted:>9}  {count - accepted:>3}  "
                   f"{fixed:>5}")
    return out


def run(args: argparse.Namespace) -> int:
    path, _ = baseline_module.configured_path(args.baseline)
    try:
        accepted = Baseline.read(path)
        has_baseline = True
    except FileNotFoundError:
        accepted, has_baseline = Baseline(path), False
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"flake8-ssot report: {error}", file=sys.stderr)
        return 2
    try:
        found = baseline_module.collect(args.paths, accepted)
    except RuntimeError as error:
        print(f"flake8-ssot report: flake8 failed: {error}", file=sys.stderr)
        return 2
    baselined, new, fixed = accepted.split(found)

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
    recorded = accepted.total()
    progress = (100.0 * total_fixed / recorded) if recorded else None
    if args.format == "json":
        print(json.dumps({
            "baseline": os.path.relpath(path) if has_baseline else None,
            "findings": len(found), "baselined": len(baselined), "new": len(new),
            "fixed": total_fixed, "recorded_in_baseline": recorded,
            "progress_percent": None if progress is None else round(progress, 1),
            "by_code": {k: dict(zip(("findings", "baselined", "fixed"), v))
                        for k, v in sorted(by_code.items())},
            "by_file": {k: dict(zip(("findings", "baselined", "fixed"), v))
                        for k, v in sorted(by_file.items())},
            "new_findings": [f"{f.path}:{f.line}:{f.col}: {f.code} {f.message}" for f in new],
        }, indent=2))
        return 0

    files = len({item.path for item in found})
    print(f"{plural(len(found), 'finding')} in {plural(files, 'file')}: {len(baselined)} "
          f"baselined, {len(new)} new")
    if has_baseline:
        shown = f"{progress:.1f}%" if progress is not None else "nothing recorded"
        print(f"baseline {os.path.relpath(path)}: {recorded} recorded, {total_fixed} fixed "
              f"since ({shown}), {recorded - total_fixed} left")
    else:
        print(f"no baseline at {os.path.relpath(path)} (create one with `flake8-ssot baseline`)")
    if by_code:
        print()
        print("\n".join(_table("code", by_code)))
        print()
        print("\n".join(_table("file", by_file)))
    if new:
        print()
        print("new findings:")
        for item in new:
            print(f"  {item.path}:{item.line}:{item.col}: {item.code} {item.message}")
    return 0
