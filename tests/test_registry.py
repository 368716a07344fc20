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


def _cells(row: str) -> list[str]:
    """The cells of a Markdown table row, ``\\|`` being a pipe inside a cell."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_rule_texts_are_markdown_and_tables_keep_their_columns():
    # Shown as they are in docs, SARIF and `flake8-ssot explain`: Markdown, not RST.
    for rule in RULES:
        for text in (rule.summary, rule.why, rule.message):
            assert "``" not in text, rule.code
    rules_page = docs.render().splitlines()
    rows = [line for line in rules_page if line.startswith("| [SOT")]
    assert len(rows) == len(RULES) and all(len(_cells(row)) == 3 for row in rows)
    assert "`\\|=`" in rows[[r.code for r in RULES].index("SOT102")]
    option_rows = [line for line in docs.render_options().splitlines()
                   if line.startswith("| `ssot-")]
    assert option_rows and all(len(_cells(row)) == 4 for row in option_rows)
    [get_value] = [row for row in option_rows if row.startswith("| `ssot-get-value-helper`")]
    assert _cells(get_value)[3].strip() == (
        "Name of the preferred read helper (a direct read stays allowed); empty: the project "
        "has none.")


def test_rule_docs_say_which_codes_fix_rewrites():
    page = docs.render()
    sections = dict(re.findall(r"\n### (SOT\d+)\n(.*?)(?=\n### |\Z)", page, re.S))
    assert "`flake8-ssot fix` rewrites it" in sections["SOT101"]
    assert "rewrites its forms `ctx.metadata[...].append(...)`" in sections["SOT103"]
    assert "`flake8-ssot fix` does not rewrite it" in sections["SOT107"]
    assert "flake8-ssot fix" not in sections["SOT201"] + sections["SOT301"]


def test_explain_prints_a_codes_documentation_from_the_registry():
    from helpers import run_ssot

    page = docs.render()
    one = run_ssot("explain", "SOT101")
    assert (one.returncode, one.stderr) == (0, "")
    # The section of docs/rules.md, in the same words: what, message, why, example, instead, fix.
    section = page.split("\n### SOT101\n\n", 1)[1].split("\n\n### ", 1)[0]
    assert one.stdout == "SOT101\n\n" + section.rstrip("\n") + "\n"
    assert "`flake8-ssot fix` rewrites it" in one.stdout
    family = run_ssot("explain", "sot10")  # a prefix, any case
    assert family.returncode == 0
    assert [line for line in family.stdout.splitlines() if re.fullmatch(r"SOT\d+", line)] == [
        rule.code for rule in RULES if rule.code.startswith("SOT10")]
    unknown = run_ssot("explain", "SOT999")
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr == (f"flake8-ssot explain: unknown code 'SOT999' (codes: SOT101 to "
                              f"{RULES[-1].code}; docs/rules.md lists them)\n")
