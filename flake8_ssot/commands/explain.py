"""``flake8-ssot explain CODE``: a code's documentation from the registry, as ``ruff rule`` and
pylint's ``--help-msg`` give theirs: what it finds, why, an example, what to write instead, and
whether ``flake8-ssot fix`` rewrites it (the section of docs/rules.md, in the same words).

A prefix (``SOT1``) explains every code it starts; an unknown code is exit 2.
"""

from __future__ import annotations

import argparse

from flake8_ssot.commands import common
from flake8_ssot.commands.common import CommandError

HELP = "print a code's documentation (what it finds, why, example, instead, fix)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("codes", nargs="+", metavar="CODE",
                        help="a code such as SOT101, or a prefix such as SOT1")


def run(args: argparse.Namespace) -> int:
    from flake8_ssot.docs import rule_section
    from flake8_ssot.registry import RULES

    shown = []
    for asked in args.codes:
        prefix = asked.strip().upper()
        matching = [rule for rule in RULES if rule.code.startswith(prefix)] if prefix else []
        if not matching:
            raise CommandError(f"unknown code {asked!r} (codes: {RULES[0].code} to "
                               f"{RULES[-1].code}; docs/rules.md lists them)")
        shown += [rule for rule in matching if rule not in shown]
    print("\n\n".join("\n".join([f"{rule.code}", "", *rule_section(rule)]) for rule in shown))
    return common.EXIT_OK
