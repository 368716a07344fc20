"""Placeholder for the `flake8-ssot baseline` subcommand."""


def add_arguments(parser):
    pass


def run(args):
    print("not implemented yet")
    return 2
