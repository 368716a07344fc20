"""The forms table is the one idea of a write: for every form, the linter's code and advice and
the fixer's action agree (through the real flake8 and flake8-ssot commands)."""

from __future__ import annotations

import json

from helpers import full_base, run_flake8, run_ssot, write_tree
from flake8_ssot.forms import FORMS
from flake8_ssot.options import Settings

# One statement per form, in a method of a class that has every helper.
SNIPPETS = {
    "store": 'context.metadata["k"] = value',
    "update": "context.metadata.update(mapping)",
    "merge": "context.metadata |= mapping",
    "append": 'context.metadata["k"].append(value)',
    "extend": 'context.metadata["k"].extend(items)',
    "insert": 'context.metadata["k"].insert(0, value)',
    "list-remove": 'context.metadata["k"].remove(value)',
    "increment": 'context.metadata["k"] += 1',
    "concatenate": 'context.metadata["k"] += [value]',
    "augment": 'context.metadata["k"] += items',
    "delete": 'del context.metadata["k"]',
    "pop": 'context.metadata.pop("k")',
    "popitem": "context.metadata.popitem()",
    "clear": "context.metadata.clear()",
    "setdefault": 'context.metadata.setdefault("k", [])',
    "nested": 'context.metadata["k"]["j"] = value',
    "propagate": "child_context.metadata = context.metadata.copy()",
    "replace": "context.metadata = {}",
}


def test_every_form_has_a_snippet():
    assert set(SNIPPETS) == {form.name for form in FORMS}


def test_linter_advice_and_fixer_action_agree_for_every_form(tmp_path):
    lines = ["from base_agent import BaseAgent", "", "", "class Agent(BaseAgent):"]
    line_of = {}
    for number, form in enumerate(FORMS):
        lines.append(f"    def form_{number}(self, context, child_context, value, mapping, "
                     "items):")
        line_of[len(lines) + 1] = form
        lines += [f"        {SNIPPETS[form.name]}", ""]
    project = write_tree(tmp_path / "p", {"setup.cfg": "[flake8]\n",
                                          "base_agent.py": full_base(),
                                          "agent.py": "\n".join(lines)})
    linted = run_flake8("--select=SOT1", "agent.py", cwd=project)
    messages = {}
    for row in linted.stdout.splitlines():
        _, line, _, rest = row.split(":", 3)
        code, message = rest.strip().split(" ", 1)
        messages[int(line)] = (code, message)
    fixed = json.loads(run_ssot("fix", "--format=json", "agent.py", cwd=project).stdout)
    [entry] = fixed["files"]
    rewritten = {site["line"]: site for site in entry["rewritten"]}
    manual = {site["line"]: site for site in entry["manual"]}
    settings = Settings()
    for line, form in line_of.items():
        code, message = messages[line]
        assert code == form.code, form.name
        if form.role:
            helper = settings.helper(form.role)
            assert f"use self.{helper}(" in message, (form.name, message)
            assert "add it first" not in message, (form.name, message)
            assert rewritten[line]["helper"] == helper, (form.name, entry)
            assert rewritten[line]["code"] == form.code
            assert line not in manual
        else:
            assert "use self." not in message, (form.name, message)
            assert manual[line]["code"] == form.code, (form.name, entry)
            assert line not in rewritten
    assert set(messages) == set(line_of)


def test_a_used_pop_is_advised_as_the_fixer_lists_it(tmp_path):
    agent = ("from base_agent import BaseAgent\n\n\nclass Agent(BaseAgent):\n"
             "    def run(self, context):\n        draft = context.metadata.pop('draft')\n"
             "        return draft\n")
    project = write_tree(tmp_path / "p", {"setup.cfg": "[flake8]\n",
                                          "base_agent.py": full_base(), "agent.py": agent})
    linted = run_flake8("--select=SOT105", "agent.py", cwd=project)
    assert linted.stdout == (
        "agent.py:6:9: SOT105 context.metadata.pop(...) removes metadata directly; its value is "
        "used: read it with self.get_metadata_value(context, key), then "
        "self.remove_metadata_key(context, key)\n")
    fixed = json.loads(run_ssot("fix", "--format=json", "agent.py", cwd=project).stdout)
    assert fixed["files"][0]["manual"] == [{
        "line": 6, "code": "SOT105",
        "reason": "the value of .pop() is used; read it with the get helper, then remove the key"}]
