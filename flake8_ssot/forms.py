"""The table of metadata write forms: one row per way code writes a context's metadata.

The SOT1xx pass recognises a form and emits a ``Write`` record naming it; everything else reads
the row: the linter's code and advice, the fixer's action (which helper, which arguments in which
order, under which conditions it is safe), and SOT3xx's reading of the written value. So the
linter, the fixer and SOT3xx cannot disagree about what a write is.

``arguments`` name the parts of a record, in the helper's parameter order: ``receiver`` (the
context), ``key``, ``value``, ``source`` (the context copied from). ``conditions`` name the checks
the fixer makes before rewriting (see ``fix.CONDITIONS``); ``manual`` is the advice when no
helper does what the form does. ``value_role`` says what the written value is to metadata:
``value`` (stored under a key), ``mapping`` (its values are stored), ``item`` (appended to a list),
``items`` (each one appended), or "" (nothing is written).
"""

from __future__ import annotations

from typing import NamedTuple


class Form(NamedTuple):
    name: str
    code: str
    shape: str  # how it reads, for messages and docs; {target} is the metadata expression
    role: str  # the helper role that replaces it; "" when no helper does
    arguments: tuple[str, ...]
    conditions: tuple[str, ...]
    value_role: str
    manual: str = ""  # the advice when role is "": {get} and {store} are helper calls


# Every rewrite needs these: the receiver's own metadata attribute (not an alias, not an attribute
# no helper writes), inside a method whose ``self`` has the helper, no comment lost.
_DIRECT = ("direct", "helper-attribute", "in-helper-method", "no-comment-lost")
_STATEMENT_CALL = (*_DIRECT, "whole-statement", "one-positional-argument")

FORMS: tuple[Form, ...] = (
    Form("store", "SOT101", "{target}[...] = ...", "store-result",
         ("receiver", "key", "value"), (*_DIRECT, "one-target", "one-key", "evaluation-order"),
         "value"),
    Form("update", "SOT102", "{target}.update(...)", "store-batch",
         ("receiver", "value"), _STATEMENT_CALL, "mapping"),
    Form("merge", "SOT102", "{target} |= ...", "store-batch",
         ("receiver", "value"), _DIRECT, "mapping"),
    Form("append", "SOT103", "{target}[...].append(...)", "append-list",
         ("receiver", "key", "value"), (*_STATEMENT_CALL, "one-key"), "item"),
    Form("extend", "SOT103", "{target}[...].extend(...)", "extend-list",
         ("receiver", "key", "value"), (*_STATEMENT_CALL, "one-key"), "items"),
    Form("insert", "SOT103", "{target}[...].insert(...)", "", (), (), "item",
         "read the list with {get}, insert into a copy, store it with {store}"),
    Form("list-remove", "SOT103", "{target}[...].remove(...)", "", (), (), "",
         "read the list with {get}, remove from a copy, store it with {store}"),
    Form("increment", "SOT104", "{target}[...] += <number>", "increment-counter",
         ("receiver", "key", "value"), (*_DIRECT, "one-key", "evaluation-order"), "value"),
    Form("concatenate", "SOT104", "{target}[...] += <list>", "extend-list",
         ("receiver", "key", "value"), (*_DIRECT, "one-key", "evaluation-order"), "items"),
    Form("augment", "SOT104", "{target}[...] {detail}= ...", "", (), (), "items",
         "read the entry with {get}, compute the new value, store it with {store} (for a "
         "number added or a list extended the fixer needs to see which one it is)"),
    Form("delete", "SOT105", "del {target}[...]", "remove-key",
         ("receiver", "key"), (*_DIRECT, "one-target", "one-key"), ""),
    Form("pop", "SOT105", "{target}.pop(...)", "remove-key",
         ("receiver", "key"), (*_DIRECT, "whole-statement", "pop-default-unused"), ""),
    Form("popitem", "SOT105", "{target}.popitem()", "", (), (), "",
         "no helper removes an arbitrary key: name the key and remove it with the remove helper"),
    Form("clear", "SOT106", "{target}.clear()", "clear",
         ("receiver",), (*_DIRECT, "whole-statement", "no-arguments"), ""),
    Form("setdefault", "SOT107", "{target}.setdefault(...)", "", (), (), "value",
         "read it with {get} and store it with {store}"),
    Form("nested", "SOT108", "{detail}", "", (), (), "value",
         "read the entry with {get}, change a copy, store it with {store}"),
    Form("propagate", "SOT109", "{target} = <another context's metadata copied>", "propagate",
         ("source", "receiver"), (*_DIRECT, "source-is-another-context"), ""),
    Form("replace", "SOT109", "{target} = ...", "", (), (), "mapping",
         "empty it with {clear} and write with {batch}, or copy from another context with "
         "{propagate}"),
)
BY_NAME = {form.name: form for form in FORMS}


def fix_note(code: str) -> str:
    """What ``flake8-ssot fix`` does with *code*'s findings, for docs, ``explain`` and SARIF;
    "" for a code no form has (SOT2xx, SOT3xx)."""
    forms = [form for form in FORMS if form.code == code]
    if not forms:
        return ""
    fixed = [form for form in forms if form.role]
    if not fixed:
        return "`flake8-ssot fix` does not rewrite it: no helper does what it does."
    shapes = ", ".join(f"`{form.shape.format(target='ctx.metadata', detail='...')}`"
                       for form in fixed)
    which = "it" if len(fixed) == len(forms) else f"its forms {shapes}"
    return (f"`flake8-ssot fix` rewrites {which} into the helper call when the project defines "
            "the helper and the site is inside a method of a class that has it "
            "(docs/fix.md says when it does not).")


class Write(NamedTuple):
    """One write of a context's metadata, as the SOT1xx pass found it.

    ``receiver``/``key``/``value``/``source`` are nodes of the checked file's ``ast`` tree (None
    when the form has none); ``target`` is the metadata expression as written (``ctx.metadata``,
    or ``md`` for an alias) and ``receiver_text`` the context as written. ``method`` is the
    enclosing ``(class, function)`` when the write sits directly in a method, else None.
    """

    form: Form
    statement: object  # ast.stmt: where the finding is reported
    target: str
    receiver_text: str
    attribute: str
    alias: bool
    receiver: object = None
    key: object = None
    value: object = None
    source: object = None
    call: object = None  # the ast.Call of a method form
    method: tuple | None = None
    detail: str = ""  # the method name (list forms) or the operator (augment)


class ValueSite(NamedTuple):
    """A value that reaches metadata, for SOT3xx: from a write or from a helper call."""

    statement: object
    value: object
    via: str  # the metadata expression, or the helper's name
    converts_models: bool = False  # the helper turns a top-level pydantic model into JSON
    role: str = "value"  # the form's or helper's value_role
