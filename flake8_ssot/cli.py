"""The ``flake8-ssot`` command: ``baseline``, ``report``, ``fix`` and ``map``, one module each."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from flake8_ssot import __version__

# subcommand -> (module, help). Each module defines ``add_arguments(parser)`` and ``run(args)``.
SUBCOMMANDS = {
    "baseline": ("flake8_ssot.baseline", "write today's findings to the baseline file"),
    "report": ("flake8_ssot.report", "findings per code and file, and migration progress"),
    "fix": ("flake8_ssot.fix", "rewrite direct metadata writes into helper calls"),
    "map": ("flake8_ssot.ssot_map", "the SSOT map: duplicated classes, their homes and importers"),
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
    return modules[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
