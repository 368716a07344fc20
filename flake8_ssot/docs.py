"""Render the rule documentation from the registry: ``python -m flake8_ssot.docs > docs/rules.md``."""

from __future__ import annotations

import sys

from flake8_ssot.registry import RULES

FAMILIES = {
    "SOT1": "SOT1xx: direct metadata mutation",
    "SOT2": "SOT2xx: duplicate class definitions",
    "SOT3": "SOT3xx: metadata values that will not survive json.dumps",
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


if __name__ == "__main__":
    sys.stdout.write(render())
