"""The ``flake8-ssot`` command: one module per subcommand, listed once in ``SUBCOMMANDS``.

Each subcommand module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args)``;
what they share (arguments, the flake8 configuration, errors, the atomic writer) is ``common``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from flake8_ssot import __version__
from flake8_ssot.commands.common import EXIT_ERROR, CommandError, reason

# The subcommands, in the order ``--help`` lists them: ``flake8_ssot.commands.<name>``.
SUBCOMMANDS = (
    "baseline",
    "report",
    "fix",
    "helpers",
    "map",
    "explain",
    "consolidate",
)

DESCRIPTION = """\
Project-level commands of the flake8-ssot plugin. The checks themselves run in flake8
(`flake8 --select=SOT .`); these commands accept legacy findings, show the migration's
progress, rewrite direct metadata writes and fold duplicate classes. Each reads the same
[flake8] configuration as flake8 (setup.cfg, tox.ini or .flake8, or --config FILE)."""

EPILOG = """\
exit codes: 0 success, nothing to report; 1 there is something to act on (new findings with
report --fail-on-new, a baseline that would change with baseline --check, changes needed or
made by fix, a home consolidate leaves blocked); 2 a usage error, a missing path, an
unreadable baseline or an unwritable file.
Run `flake8-ssot <command> --help` for a command's options. Docs: docs/usage.md."""


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(prog="flake8-ssot", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = {}
    for name in SUBCOMMANDS:
        module = modules[name] = importlib.import_module(f"{__name__}.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
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
    except RecursionError:  # an input nested past what Python's parsers follow
        message = "an input is nested too deeply to be read"
    except MemoryError:
        message = "out of memory"
    print(f"flake8-ssot {args.command}: {message}", file=sys.stderr)
    return EXIT_ERROR
