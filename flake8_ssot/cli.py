"""The ``flake8-ssot`` command: ``baseline``, ``report`` and ``fix``, each in its own module."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from flake8_ssot import __version__, commandline

# subcommand -> (module, help). Each module defines ``add_arguments(parser)`` and ``run(args)``.
SUBCOMMANDS = {
    "baseline": ("flake8_ssot.baseline", "write today's findings to the baseline file"),
    "report": ("flake8_ssot.report", "findings per code and file, and migration progress"),
    "fix": ("flake8_ssot.fix", "rewrite direct metadata writes into helper calls"),
    "helpers": ("flake8_ssot.helpers_command",
                "which metadata helpers the project defines, and the missing ones to paste"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flake8-ssot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        modules[name] = importlib.import_module(module_name)
        modules[name].add_arguments(sub)
    args = parser.parse_args(argv)
    try:
        return modules[args.command].run(args)
    except commandline.CommandError as error:
        print(f"flake8-ssot {args.command}: {error}", file=sys.stderr)
        return commandline.EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
