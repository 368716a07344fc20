"""Checking one file: the session, one finding per certain problem, saved to the results cache.

Results are cached (``results``) by the file's content and configuration, with the content hash
of every module the inference read (and every path it looked for and did not find): an edit to a
module a value's type came from invalidates the files that depend on it, and only those.
"""

from __future__ import annotations

from flake8_ssot.rule import Finding, finding_at
from flake8_ssot.rules.sot3 import installed, kinds, prefilter, results, summaries
from flake8_ssot.rules.sot3.kinds import SOT902
from flake8_ssot.rules.sot3.lineage import Lineage
from flake8_ssot.rules.sot3.records import Assigned
from flake8_ssot.rules.sot3.session import OutOfBudget, Session, SiteOutOfBudget
from flake8_ssot.rules.sot3.tracer import Tracer
from flake8_ssot.rules.sot3.types import UNKNOWN, Coll, Ref, elements, encode, text

SUMMARY_STEPS = 40_000  # steps to work out one imported module's hints
STEPS_PER_BUDGET_UNIT = 1_000  # ssot-inference-budget counts thousands of steps


def check(checked, value_sites, lookup: results.Lookup | None = None) -> list[Finding]:
    """SOT3xx findings in *checked* (a ``project.CheckedFile``); *lookup*: its
    ``results.look_up``, when the caller already made it."""
    settings = checked.settings
    budget = float(settings.inference_budget or 0)
    if budget <= 0:
        return []
    lookup = lookup or results.look_up(checked)
    if lookup.findings is not None:
        return lookup.findings
    index, key, tree = lookup.index, lookup.key, checked.tree
    session = Session(checked.roots, index, int(budget * STEPS_PER_BUDGET_UNIT), summarise,
                      installed.packages(checked))
    session.lineage = Lineage(session)
    view = summaries.build(tree, checked.module, checked.path, checked.is_package, live=True,
                           source=checked.source)
    view.checked = True
    tracer = Tracer(session, view, tree)
    findings = []
    sites = [site for site in value_sites if prefilter.needs_a_look(site.value, settings)]
    for number, site in enumerate(sites):
        session.start_site()
        try:
            problem = _site_problem(tracer, session, site, settings)
        except OutOfBudget:
            findings.append(_left_unjudged(site, len(sites) - number, budget))
            break
        except (SiteOutOfBudget, RecursionError):
            continue
        if problem is not None:
            findings.append(_finding(site, problem, settings))
    read = {**session.read, **{path: "" for path in session.missing}}
    index.cache_put(results.NAMESPACE, key, {"read": read, "findings": [list(f) for f in findings]})
    return findings


# The forms table's value roles (``forms.Form.value_role``) as the tracer reads them: an appended
# item is stored as it is, like a value.
_ROLES = {"value": prefilter.VALUE, "item": prefilter.VALUE, "mapping": prefilter.MAPPING,
          "items": prefilter.ITEMS}


def _site_problem(tracer, session, site, settings):
    role = _ROLES[site.role]
    scope = tracer.scope_at(site.statement)
    value = tracer.expr(site.value, scope, site.statement)
    lineage = session.lineage
    if role == prefilter.ITEMS:
        items = elements(value) if not isinstance(value, Ref) else UNKNOWN
        problem = lineage.problem(items)
        return problem._replace(nested=True) if problem else None
    problem = lineage.problem(value, top_model_ok=site.converts_models
                              and role == prefilter.VALUE)
    if problem is None:
        return None
    if role == prefilter.MAPPING and not (problem.nested and isinstance(value, Coll)):
        return None  # update(x) with x not a dict fails loudly by itself
    return problem


def _left_unjudged(site, count: int, budget: float) -> Finding:
    """SOT902 on the first value the file's budget did not reach, counting it and the rest."""
    return finding_at(site.statement, SOT902, budget=f"{budget:g}",
                      unjudged=f"{count} value{'s' if count != 1 else ''}")


def _finding(site, problem, settings) -> Finding:
    statement = site.statement
    rule = problem.kind.rule
    converters = settings.converting_helpers
    fix = problem.kind.fix.format(converter=f"self.{converters[0]}(...)" if converters
                                  else "a helper that converts models")
    inner = problem.elements
    if inner is not None:  # list(...) of it would keep its elements: they need converting too
        fix = (f"store a list of its elements made JSON (each {_article(inner.type_name)}: "
               f"{inner.kind.fix.format(converter='a converting helper')})")
    elif problem.unsure_elements:  # nothing says list(...) of it is JSON
        fix += (f", with its {problem.unsure_elements} elements made JSON if they are not "
                f"(nothing says they are)")
    proof = f" ({problem.proof})" if problem.proof else ""
    type_name = problem.type_name
    message = rule.format(value=text(site.value), verb="holds" if problem.nested else "is",
                          type=_article(type_name),
                          fix=fix, field=problem.field, proof=proof)
    return Finding(statement.lineno, statement.col_offset, rule.code, message,
                   getattr(statement, "end_lineno", None) or statement.lineno)


def _article(type_name: str) -> str:
    return f"{'an' if type_name[:1] in 'aeioAEIO' else 'a'} {type_name}"


# -- summaries of imported modules -----------------------------------------------------------


class _LocalSession(Session):
    """Resolves names inside one module only: what it imports stays a name (``Ref``), so its
    summary depends on its own content alone."""

    def module(self, qual):
        return None

    def resolve(self, qual, hops=0):
        return Ref(qual) if qual else UNKNOWN

    def instance_of(self, value):
        found = super().instance_of(value)
        if found is UNKNOWN and isinstance(value, Ref) and not value.qual.startswith(
                ("builtins.", "typing.", "typing_extensions.", "collections.")):
            return Ref(value.qual, "instance")
        return found

    def call_result(self, callee):
        found = super().call_result(callee)
        if found is UNKNOWN and isinstance(callee, Ref) and callee.qual not in kinds.JSON_RETURNS \
                and not callee.qual.startswith("builtins."):
            return Ref(callee.qual, "call")
        return found

    def settle(self, value, depth=0):
        return value


def summarise(tree, qual: str, path: str, is_package: bool, source=None) -> dict:
    """The summary of an imported module, with hints for what it does not declare."""
    view = summaries.build(tree, qual, path, is_package, live=True, source=source)
    session = _LocalSession((), None, SUMMARY_STEPS, None)
    session.lineage = Lineage(session)
    tracer = Tracer(session, view, tree)

    def hint(compute):
        session.start_site()
        try:
            return encode(compute())
        except (OutOfBudget, SiteOutOfBudget, RecursionError):
            return "unknown"

    for name, binding in view.bindings.items():
        if isinstance(binding, summaries.FuncInfo) and binding.returns is None:
            binding.hint = hint(lambda f=binding: tracer.calls.returned(f, 0))
        elif isinstance(binding, Assigned):
            view.bindings[name] = Assigned(hint(lambda n=name: tracer.module_name(n, 0)),
                                           binding.line, [])
        elif isinstance(binding, summaries.ClassInfo):
            for method in binding.methods.values():
                if method.returns is None and not method.is_generator:
                    method.hint = hint(lambda f=method: tracer.calls.returned(f, 0))
            for attr_name, attribute in binding.attrs.items():
                if attribute.annotation is None:
                    attribute.hint = hint(
                        lambda c=binding, a=attr_name: tracer.calls.assigned_attribute(c, a, 0))
            for value in binding.values.values():
                value.hint = hint(lambda v=value.node: tracer.expr(
                    v, tracer.scope_of_function(None), None)) if value.node is not None else None
    return summaries.to_json(view)
