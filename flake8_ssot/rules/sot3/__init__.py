"""SOT3xx: metadata values that will not survive ``json.dumps``.

The package, by part: ``kinds`` (the rules and the table of kinds), ``prefilter`` (which values
need a look), ``session`` (roots, imports as module summaries, the step budget), ``summaries``
(what one module tells the others), ``records`` (what a module's names are bound to and its
classes declare), ``types`` (declared types), ``flow``/``tracer``/``calls`` (the value tracer:
reaching definitions, expressions, attributes and calls), ``lineage`` (class kinds and the
judgement), ``store`` (content keys), ``results`` (the results cache, looked up first) and ``run``
(checking a file). The tracer is imported only for files with values worth a look that the cache
cannot answer.
"""

from __future__ import annotations

from flake8_ssot.rules.sot3 import kinds

RULES = (*kinds.RULES, kinds.SOT902)  # the kinds' codes, and the note that the budget ran out


def needs_a_look(checked, value_sites) -> bool:
    """Whether any of the values SOT1xx found written in *checked* needs SOT3xx's look (and
    the configuration gives it a budget)."""
    from flake8_ssot.rules.sot3 import prefilter

    settings = checked.settings
    return (any(prefilter.needs_a_look(site.value, settings) for site in value_sites)
            and float(settings.inference_budget or 0) > 0)


def cached(checked):
    """SOT3xx's findings for *checked* from its results cache, while still valid; None: check
    the file (``check``)."""
    from flake8_ssot.rules.sot3 import results

    return results.look_up(checked).findings


def check(checked, value_sites):
    """SOT3xx findings for the values SOT1xx found written to metadata in *checked* (a
    ``project.CheckedFile``)."""
    if not needs_a_look(checked, value_sites):
        return []
    from flake8_ssot.rules.sot3 import results

    lookup = results.look_up(checked)
    if lookup.findings is not None:
        return lookup.findings  # an unchanged file: the engine is not even imported
    from flake8_ssot.rules.sot3 import run

    return run.check(checked, value_sites, lookup)


__all__ = ["RULES", "cached", "check", "needs_a_look"]
