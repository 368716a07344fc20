"""Every code, once. Docs (``python -m flake8_ssot.docs``), tests and the plugin read from here."""

from __future__ import annotations

from flake8_ssot import checker
from flake8_ssot.rule import Rule
from flake8_ssot.rules import duplicates, mutation, sot3

RULES: tuple[Rule, ...] = tuple(
    sorted((*mutation.RULES, *duplicates.RULES, *sot3.RULES, *checker.RULES),
           key=lambda r: r.code)
)
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}

assert len(BY_CODE) == len(RULES), "a code is defined twice"
