"""SOT2xx: the same class defined in several modules of the project (placeholder)."""

from __future__ import annotations

RULES = ()


def check(tree, filename, settings):
    return []
