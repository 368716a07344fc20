"""SOT1xx advice: what each finding tells the user to do, written from the forms table and from
the helpers the project defines (never a helper it lacks: then it says which one to add).

Inside a method the advice calls the helper on ``self``; in a free function, a static or class
method, a lambda or a nested function there is no ``self`` to call it on, so it names the helper
and the class that defines it (``store_metadata_result(...) of BaseAgent (app/base.py:6)``)."""

from __future__ import annotations

import ast

from flake8_ssot.forms import Write
from flake8_ssot.options import HELPERS_BY_ROLE
from flake8_ssot.rule import Finding, finding_at, text
from flake8_ssot.rules.mutation import BY_CODE


class Advisor:
    """Writes the advice of a SOT1xx message from the forms table and what the project defines.

    ``defined_at`` maps each helper role the project's helper classes define to the class that
    defines it (``helpers.Home``); ``holder`` says where a missing helper goes
    (``BaseAgent (agentsvc/base_agent.py:6)``).
    """

    def __init__(self, settings, defined_at: dict, holder: str):
        self.settings = settings
        self.defined_at = defined_at
        self.holder = holder
        self._has_self = True
        attributes = settings.metadata_attributes
        self.helpers_attribute = attributes[0] if attributes else "metadata"

    def call(self, role: str, arguments: list[str]) -> str:
        name = self.settings.helper(role)
        if not name:
            return (f"a {role} helper (none is configured: ssot-{HELPERS_BY_ROLE[role].option} "
                    "is empty)")
        home = self.defined_at.get(role)
        if self._has_self:
            text_ = f"self.{name}({', '.join(arguments)})"
        else:  # no self here: say whose helper it is
            text_ = f"{name}({', '.join(arguments)}) of {home or self.holder}"
        if home is not None:
            return text_
        where = "there" if not self._has_self else f"to {self.holder}"
        return f"{text_} after adding {name} {where} (`flake8-ssot helpers`)"

    def arguments(self, write: Write) -> list[str]:
        form = write.form
        params = [p.split("=")[0] for p in HELPERS_BY_ROLE[form.role].params]
        written = {"receiver": write.receiver_text,
                   "source": text(write.source) if write.source is not None else ""}
        return [written.get(part) or params[index] for index, part in enumerate(form.arguments)]

    def advice(self, write: Write) -> str:
        form, receiver = write.form, write.receiver_text
        if form.role and write.attribute != self.helpers_attribute:
            return (f"no helper writes .{write.attribute} (the helpers write "
                    f".{self.helpers_attribute}): add one to {self.holder}, or exempt the class "
                    "that owns this write")
        if form.name == "pop" and not (isinstance(write.statement, ast.Expr)
                                       and write.statement.value is write.call):
            # The popped value is used: the remove helper returns nothing (as the fixer says).
            return (f"its value is used: read it with {self.call('get-value', [receiver, 'key'])}"
                    f", then {self.call('remove-key', [receiver, 'key'])}")
        if form.role:
            advice = "use " + self.call(form.role, self.arguments(write))
            if write.alias:
                advice += f" on the context itself, not through the alias {write.target}"
            return advice
        return form.manual.format(
            get=self.call("get-value", [receiver, "key"]),
            store=self.call("store-result", [receiver, "key", "value"]),
            clear=self.call("clear", [receiver]),
            batch=self.call("store-batch", [receiver, "mapping"]),
            propagate=self.call("propagate", ["source", receiver]))

    def finding(self, write: Write) -> Finding:
        form = write.form
        self._has_self = write.method is not None
        shape = form.shape.format(target=write.target, detail=write.detail)
        return finding_at(write.statement, BY_CODE[form.code],
                          shape=shape, advice=self.advice(write))
