"""``flake8-ssot fix``: rewrite direct metadata writes into the project's helper calls.

The command: which files (flake8's own listing, excludes and per-file-ignores), the atomic
writes, and what is printed (a diff ``git apply`` accepts, the sites to change by hand grouped by
reason, a closing line; or JSON). How one file is rewritten is ``rewrite``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import defaultdict
from typing import Sequence

from flake8_ssot import commandline
from flake8_ssot.project import Project, settings_from_flake8
from flake8_ssot.rewrite import FileResult, encoding_of, fix_source


# -- output ----------------------------------------------------------------------------------

def unified_diff(result: FileResult, display: str) -> str:
    """A diff ``git apply`` and ``patch -p1`` accept, "\\ No newline at end of file" included."""
    encoding = encoding_of(result.original)
    before = result.original.decode(encoding, "replace").splitlines(keepends=True)
    after = result.fixed.decode(encoding, "replace").splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(before, after, f"a/{display}", f"b/{display}"):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."],
                        help="files or directories to fix, as for flake8 (default: .); "
                             "flake8's exclude and extend-exclude apply")
    parser.add_argument("--write", action="store_true",
                        help="apply the changes (default: print a diff, change nothing)")
    parser.add_argument("--select", metavar="CODES", default="",
                        help="fix only these codes or prefixes, e.g. SOT101,SOT103")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (a diff on stdout, the rest on stderr) or one JSON object")
    parser.add_argument("--config", metavar="FILE",
                        help="flake8 config file (default: the one flake8 itself would read)")


def _flake8_arguments(args) -> list[str]:
    return [*(["--config", args.config] if args.config else []), *args.paths]


def run(args: argparse.Namespace) -> int:
    from flake8.discover_files import expand_paths
    from flake8.style_guide import Decision, StyleGuideManager

    commandline.existing_paths(args.paths)
    settings, options = settings_from_flake8(_flake8_arguments(args))
    guides = StyleGuideManager(options, formatter=None)
    selected = tuple(c.strip().upper() for c in args.select.split(",") if c.strip())
    files = sorted(set(expand_paths(
        paths=args.paths, stdin_display_name=options.stdin_display_name,
        filename_patterns=options.filename,
        exclude=[*options.exclude, *options.extend_exclude])))
    results = []
    for filename in files:
        guide = guides.style_guide_for(filename)

        def reported(code: str, guide=guide) -> bool:
            if selected and not code.startswith(selected):
                return False
            return guide.should_report_error(code) is Decision.Selected

        project = Project.for_path(filename, settings)
        try:
            with open(filename, "rb") as stream:
                data = stream.read()
        except OSError as error:
            results.append(FileResult(filename, b"", b"",
                                      error=f"cannot read, skipped ({error.strerror})"))
            continue
        result = fix_source(data, project, project.relative(filename), reported)._replace(
            path=filename.replace("\\", "/").removeprefix("./"))
        results.append(result)
        project.save_index()  # what the helpers and contexts read, as a lint run saves it
        if args.write and result.changed:
            commandline.write_atomically(filename, result.fixed)
    if args.format == "json":
        print(json.dumps(_as_json(results, args.write), indent=2))
    else:
        _print_text(results, args.write)
    return 1 if any(result.changed for result in results) else 0


def _as_json(results: Sequence[FileResult], written: bool) -> dict:
    return {
        "written": written,
        "files": [{
            "path": r.path, "changed": r.changed, "error": r.error or None,
            "rewritten": [{"line": s.line, "code": s.code, "helper": s.helper}
                          for s in r.rewritten],
            "manual": [{"line": s.line, "code": s.code, "reason": s.reason} for s in r.manual],
            "diff": unified_diff(r, r.path) if r.changed else "",
        } for r in results if r.changed or r.manual or r.error],
        "rewritten": sum(len(r.rewritten) for r in results if r.changed),
        "manual": sum(len(r.manual) for r in results),
    }


def _print_text(results: Sequence[FileResult], written: bool) -> None:
    plural = commandline.plural
    report = sys.stdout if written else sys.stderr  # a dry run's stdout is only the diff
    for result in results:
        if result.error:
            print(f"{result.path}: {result.error}", file=sys.stderr)
        elif result.changed and written:
            print(f"Rewriting {result.path} ({plural(len(result.rewritten), 'site')})")
        elif result.changed:
            sys.stdout.write(unified_diff(result, result.path))
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
    print(summary, file=report)
