"""SOT3xx: metadata values that will not survive ``json.dumps``.

The package, by part: ``kinds`` (the rules and the table of kinds), ``prefilter`` (which values
need a look), ``session`` (roots, imports as module summaries, the step budget), ``summaries``
(what one module tells the others), ``types`` (declared types), ``flow``/``tracer``/``calls``
(the value tracer), ``lineage`` (class kinds and the judgement), ``store`` (the cache) and
``run`` (the entry point). The tracer is imported only for files with values worth a look.
"""

from __future__ import annotations

from flake8_ssot.rules.sot3.kinds import RULES


def check(source, filename, value_sites, settings, tree=None):
    """SOT3xx findings for the values SOT1xx found written to metadata in one file."""
    from flake8_ssot.rules.sot3 import prefilter

    if not any(prefilter.needs_a_look(site.value) for site in value_sites):
        return []
    from flake8_ssot.rules.sot3 import run

    return run.check(source, filename, value_sites, settings, tree)


__all__ = ["RULES", "check"]
