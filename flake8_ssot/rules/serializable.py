"""SOT3xx: metadata values that will not survive json.dumps (placeholder)."""

from __future__ import annotations

RULES = ()


def check(source, filename, value_sites, settings):
    return []
