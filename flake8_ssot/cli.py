"""The ``flake8-ssot`` command: dispatches to one module per subcommand."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from flake8_ssot import __version__
from flake8_ssot.commandline import EXIT_ERROR, CommandError, reason

# subcommand -> (module, help). Each module defines ``add_arguments(parser)`` and ``run(args)``.
SUBCOMMANDS = {
    "baseline": ("flake8_ssot.baseline", "write today's findings to the baseline file"),
    "report": ("flake8_ssot.report", "findings per code and file, and migration progress"),
    "fix": ("flake8_ssot.fix", "rewrite direct metadata writes into helper calls"),
    "helpers": ("flake8_ssot.helpers_command",
                "which metadata helpers the project defines, and the missing ones to paste"),
    "map": ("flake8_ssot.ssot_map", "the SSOT map: duplicated classes, their homes and importers"),
    "consolidate": ("flake8_ssot.commands.consolidate",
                    "fold the duplicate definitions of a class into its canonical home"),
}

DESCRIPTION = """\
Project-level commands of the flake8-ssot plugin. The checks themselves run in flake8
(`flake8 --select=SOT .`); these commands accept legacy findings, show the migration's
progress and rewrite direct metadata writes. Each reads the same [flake8] configuration
as flake8 (setup.cfg, tox.ini or .flake8, or --config FILE)."""

EPILOG = """\
exit codes: 0 success, nothing to report; 1 there is something to act on (new findings with
report --fail-on-new, a baseline that would change with baseline --check, changes needed or
made by fix); 2 a usage error, a missing path, an unreadable baseline or an unwritable file.
Run `flake8-ssot <command> --help` for a command's options. Docs: docs/usage.md."""


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(prog="flake8-ssot", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = {}
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        modules[name] = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        modules[name].add_arguments(sub)
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    try:
        return modules[args.command].run(args)
    except CommandError as error:
        message = str(error)
    except OSError as error:
        message = reason(error)
    print(f"flake8-ssot {args.command}: {message}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
