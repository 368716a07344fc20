"""``flake8-ssot helpers``: which metadata helpers the project defines, where, and the missing ones
ready to paste, in the project's configured names.

Exit code: 0 when every configured helper is defined, 1 when some are missing, 2 on an error.
"""

from __future__ import annotations

import argparse

from flake8_ssot.commands import common
from flake8_ssot.options import HELPERS
from flake8_ssot.project import Project

HELP = "which metadata helpers the project defines, and the missing ones to paste"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_paths_argument(parser, single=True)
    common.add_config_argument(parser)


def implementation(helper, settings) -> str:
    """The helper as a method to paste into the helper class, in the configured names."""
    attribute = settings.metadata_attributes[0] if settings.metadata_attributes else "metadata"
    name = settings.helper(helper.role)
    lines = [f"    def {name}(self, {', '.join(helper.params)}):"]
    lines += [f"        {line.replace('{attr}', attribute)}" for line in helper.body]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    paths = common.paths_of(args)
    settings, _ = common.flake8_settings(args, paths)
    project = Project.for_path(paths[0], settings)
    inventory = project.helpers
    project.index.save()
    names = ", ".join(settings.helper_classes) or "(none)"
    print(f"project: {project.root}")
    print(f"helper classes (ssot-helper-classes = {names}):")
    for home, roles in inventory.helper_classes:
        print(f"  {home}: {common.plural(len(roles), 'helper')}")
    for home in inventory.interfaces:
        print(f"  {home}: defines no helper (an interface?), not a helper class")
    if not inventory.helper_classes and not inventory.interfaces:
        print("  none found in the project")
    if not inventory.helper_classes:
        print()
        print("No class of the project defines a metadata helper, so SOT1xx reports nothing "
              "(there is no helper to advise); add the helpers below to a class named in "
              "ssot-helper-classes to turn it on.")
    print()
    configured = [h for h in HELPERS if settings.helper(h.role)]
    defined_at = inventory.defined_at
    width = max(len(settings.helper(h.role)) for h in configured) if configured else 0
    for helper in configured:
        where = defined_at.get(helper.role)
        print(f"  {settings.helper(helper.role):<{width}}  "
              f"{'defined in ' + str(where) if where else 'MISSING'}")
    missing = [h for h in configured if h.role not in defined_at]
    print()
    print(f"{len(configured) - len(missing)} of {len(configured)} helpers defined.")
    if missing:
        print(f"Add the missing ones to {inventory.holder}, at the end of the class with the "
              "blank line above each method (flake8-ssot fix calls only helpers that exist):")
        # Each method with the blank line before it: pasted after the class's last line, the
        # code is as pycodestyle wants it.
        for helper in missing:
            print()
            print(implementation(helper, settings))
        print()
        if any("copy." in line for helper in missing for line in helper.body):
            print("(propagate needs `import copy` at the top of its module)")
    return common.EXIT_FINDINGS if missing else common.EXIT_OK
