"""Render user documentation from the registry and the option declarations.

``python -m flake8_ssot.docs rules > docs/rules.md`` and
``python -m flake8_ssot.docs options > docs/options.md``; a test keeps both in step.
"""

from __future__ import annotations

import sys

from flake8_ssot.options import LIST, OPTIONS
from flake8_ssot.registry import RULES

FAMILIES = {
    "SOT1": "SOT1xx: direct metadata mutation",
    "SOT2": "SOT2xx: duplicate class definitions",
    "SOT3": "SOT3xx: metadata values that will not survive json.dumps",
    "SOT9": "SOT9xx: the plugin itself",
}


def render() -> str:
    out = ["# Rules", "",
           "Generated from `flake8_ssot/registry.py` by `python -m flake8_ssot.docs`; "
           "do not edit by hand.", "",
           "| code | name | summary |", "| --- | --- | --- |"]
    out += [f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.summary} |" for r in RULES]
    family = None
    for rule in RULES:
        if rule.code[:4] != family:
            family = rule.code[:4]
            out += ["", f"## {FAMILIES.get(family, family)}"]
        out += [
            "", f"### {rule.code}", "", f"**{rule.name}**: {rule.summary}", "",
            f"Message: `{rule.code} {rule.message}`", "",
            f"**Why it matters.** {rule.why}", "",
            "**Example** (reported):", "", "```python", rule.example, "```", "",
            "**Instead:**", "", "```python", rule.instead, "```",
        ]
    return "\n".join(out) + "\n"


def render_options() -> str:
    out = ["# Options", "",
           "Generated from `flake8_ssot/options.py` by `python -m flake8_ssot.docs options`; "
           "do not edit by hand.", "",
           "Every option goes in the `[flake8]` section of `setup.cfg`, `tox.ini` or `.flake8` "
           "(without the leading dashes), or on the command line.", "",
           "| option | type | default | meaning |", "| --- | --- | --- | --- |"]
    for option in OPTIONS:
        default = ", ".join(option.default) if option.kind == LIST else option.default
        out.append(f"| `{option.flag.lstrip('-')}` | {option.kind} | `{default}` | {option.help} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "rules"
    sys.stdout.write(render_options() if which == "options" else render())
