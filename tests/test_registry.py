"""The registry is the single list of codes: docs and flake8's --select both follow it."""

from __future__ import annotations

import re

from helpers import REPO, run_flake8
from flake8_ssot import docs
from flake8_ssot.registry import RULES


def test_codes_are_unique_and_flake8_compatible():
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"SOT\d{3}", code) for code in codes)


def test_every_rule_is_documented_with_example_and_fix():
    for rule in RULES:
        assert rule.summary and rule.why and rule.example and rule.instead, rule.code


def test_committed_rule_docs_match_the_registry():
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == docs.render(), "run: python -m flake8_ssot.docs rules > docs/rules.md"


def test_committed_option_docs_match_the_declarations():
    committed = (REPO / "docs" / "options.md").read_text(encoding="utf-8")
    assert committed == docs.render_options(), (
        "run: python -m flake8_ssot.docs options > docs/options.md")


def test_flake8_version_lists_the_plugin():
    result = run_flake8("--version")
    assert "flake8-ssot: " in result.stdout


def test_committed_sot3_kinds_table_matches_the_kinds():
    page = REPO / "docs" / "sot3xx.md"
    committed = page.read_text(encoding="utf-8")
    assert committed == docs.splice(committed, docs.render_sot3_kinds()), (
        "run: python -m flake8_ssot.docs sot3-kinds docs/sot3xx.md")
    assert docs.SOT3_KINDS_BEGIN in committed  # splice raises without the markers, but say so
