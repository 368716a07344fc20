"""``flake8-ssot fix``: rewrite direct metadata writes into the project's helper calls.

The command: which files (flake8's own listing, excludes and per-file-ignores), the atomic
writes, and what is printed (a diff ``git apply`` accepts, the sites to change by hand grouped by
reason, a closing line; or JSON). How one file is rewritten is ``rewrite``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from typing import Sequence

from flake8_ssot.baseline import Baseline, resolve_path
from flake8_ssot.commands import common, findings
from flake8_ssot.commands.progress import Progress
from flake8_ssot.files import read_bytes
from flake8_ssot.project import Project
from flake8_ssot.rewrite import FileResult, fix_source

HELP = "rewrite direct metadata writes into helper calls"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_paths_argument(parser, "fix", "; flake8's exclude and extend-exclude apply")
    parser.add_argument("--write", action="store_true",
                        help="apply the changes (default: print a diff, change nothing)")
    parser.add_argument("--select", metavar="CODES", default="",
                        help="fix only these codes or prefixes, e.g. SOT101,SOT103")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (a diff on stdout, the rest on stderr) or one JSON object")
    parser.add_argument("--all", action="store_true",
                        help="also rewrite the sites the configured baseline accepts (then "
                             "run `flake8-ssot baseline` to shrink it)")
    common.add_config_argument(parser)


def _accepted_by_file(args: argparse.Namespace, settings) -> tuple[Baseline | None, dict]:
    """The configured baseline (``ssot-baseline``, resolved as flake8 resolves it) and its
    entries per file, ``{path: Counter({(code, fingerprint): count})}``; none with ``--all``."""
    if args.all or not settings.baseline:
        return None, {}
    path = resolve_path(settings.baseline, settings, config_file=common.config_file(args))
    baseline = findings.read_existing(path)
    by_file: dict[str, Counter] = {}
    for (relative, code, digest), count in (baseline.counts.items() if baseline else ()):
        by_file.setdefault(relative, Counter())[code, digest] += count
    return baseline, by_file


def run(args: argparse.Namespace) -> int:
    from flake8.style_guide import Decision, StyleGuideManager

    settings, options = common.flake8_settings(args, common.paths_of(args))
    guides = StyleGuideManager(options, formatter=None)
    selected = tuple(c.strip().upper() for c in args.select.split(",") if c.strip())
    files = common.flake8_files(args, args.paths, options)
    baseline, accepted = _accepted_by_file(args, settings)
    results = []
    with Progress("fix") as progress:
        if files:
            progress.phase("building the project index")
            Project.for_path(files[0], settings).index  # what the first file's rewrite reads
        for done, filename in enumerate(files, 1):
            progress.show("rewriting files", done, len(files))
            guide = guides.style_guide_for(filename)

            def reported(code: str, guide=guide) -> bool:
                if selected and not code.startswith(selected):
                    return False
                return guide.should_report_error(code) is Decision.Selected

            project = Project.for_path(filename, settings)
            shown = filename.replace("\\", "/").removeprefix("./")
            try:
                data = read_bytes(filename, project.root)
            except OSError as error:  # files.Refused says why: "a FIFO, not a regular file"
                results.append(FileResult(shown, b"", b"",
                                          error=f"cannot read, skipped ({error.strerror})"))
                continue
            entries = accepted.get(baseline.relative(filename)) if baseline else None
            result = fix_source(data, project, project.relative(filename), reported,
                                entries)._replace(path=shown)
            results.append(result)
            project.save_index()  # what the helpers and contexts read, as a lint run saves it
            if args.write and result.changed:
                common.write_atomically(filename, result.fixed)
    if args.format == "json":
        print(json.dumps(_as_json(results, args.write), indent=2))
    else:
        _print_text(results, args.write)
    return common.EXIT_FINDINGS if any(result.changed for result in results) else common.EXIT_OK


def _diff(result: FileResult) -> str:
    return common.unified_diff(result.path, result.original, result.fixed)


def _as_json(results: Sequence[FileResult], written: bool) -> dict:
    return {
        "written": written,
        "files": [{
            "path": r.path, "changed": r.changed, "error": r.error or None,
            "rewritten": [{"line": s.line, "code": s.code, "helper": s.helper}
                          for s in r.rewritten],
            "manual": [{"line": s.line, "code": s.code, "reason": s.reason} for s in r.manual],
            "diff": _diff(r) if r.changed else "",
        } for r in results if r.changed or r.manual or r.error],
        "rewritten": sum(len(r.rewritten) for r in results if r.changed),
        "manual": sum(len(r.manual) for r in results),
        "baselined": sum(r.baselined for r in results),
    }


def _print_text(results: Sequence[FileResult], written: bool) -> None:
    plural = common.plural
    report = sys.stdout if written else sys.stderr  # a dry run's stdout is only the diff
    for result in results:
        if result.error:
            print(f"{result.path}: {result.error}", file=sys.stderr)
        elif result.changed and written:
            print(f"Rewriting {result.path} ({plural(len(result.rewritten), 'site')})")
        elif result.changed:
            sys.stdout.write(_diff(result))
    by_reason: dict[str, list[str]] = defaultdict(list)
    for result in results:
        for site in result.manual:
            by_reason[site.reason].append(f"{result.path}:{site.line}: {site.code}")
    for reason, sites in sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0])):
        print(f"{plural(len(sites), 'site')} to change by hand: {reason}", file=report)
        for site in sites:
            print(f"  {site}", file=report)
    rewritten = sum(len(r.rewritten) for r in results if r.changed)
    changed = sum(r.changed for r in results)
    manual = sum(len(r.manual) for r in results)
    verb = "rewritten" if written else "to rewrite"
    summary = (f"{plural(rewritten, 'site')} {verb} in {plural(changed, 'file')}, "
               f"{manual} to change by hand.")
    if not written and rewritten:
        summary += " Next: review the diff, then run `flake8-ssot fix --write` (or pipe it to " \
                   "`git apply`)."
    elif written and rewritten:
        summary += " Next: review `git diff`, run your tests, commit."
    if manual:
        summary += " `flake8 --select=SOT1` keeps reporting the sites to change by hand."
    baselined = sum(r.baselined for r in results)
    if baselined:
        summary += (f" {plural(baselined, 'site')} the baseline accepts left alone (`--all` "
                    "rewrites them too; then `flake8-ssot baseline` shrinks the baseline).")
    print(summary, file=report)
