"""Placeholder for the `flake8-ssot report` subcommand."""


def add_arguments(parser):
    pass


def run(args):
    print("not implemented yet")
    return 2
