"""Code scanning: ``flake8 --format=ssot-sarif`` emits SARIF 2.1.0 that validates against the
official schema (vendored: tests/sarif-schema-2.1.0.json, OASIS's sarif-schema-2.1.0.json as
SchemaStore publishes it), and ``--format=github`` (flake8-github-annotations) emits GitHub
workflow annotations. Through the real flake8 command line."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from helpers import REPO, run_flake8, write_tree
from helpers import run_ssot as flake8_ssot
from flake8_ssot.registry import RULES
import pytest
from helpers import READ_ONLY_BASE


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one (no
    config file: the project of agents/agent.py is its directory)."""
    write_tree(tmp_path, READ_ONLY_BASE)
    write_tree(tmp_path / "agents", READ_ONLY_BASE)

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
AGENT = '''\
import os


def handle(context):
    context.metadata["a"] = 1
    context.metadata["a"] = 1
    context.metadata.clear()
'''
KEY = "flake8-ssot/statement/v1"


def sarif(*args: str, cwd, stdin: str | None = None) -> dict:
    result = run_flake8("--format=ssot-sarif", *args, cwd=cwd, stdin=stdin)
    assert result.returncode == 1 and result.stderr == "", result.stderr
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(SCHEMA).validate(log)
    return log


def located(log: dict) -> list[tuple]:
    """``(code, level, uri, line, column, fingerprint)`` of every result."""
    return [(r["ruleId"], r["level"],
             r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["locations"][0]["physicalLocation"]["region"]["startColumn"],
             r["partialFingerprints"][KEY]) for r in log["runs"][0]["results"]]


def test_sarif_validates_and_carries_levels_locations_and_fingerprints(tmp_path):
    write_tree(tmp_path, {"agents/agent.py": AGENT})
    log = sarif("agents/agent.py", cwd=tmp_path)
    results = located(log)
    assert [row[:5] for row in results] == [
        ("F401", "warning", "agents/agent.py", 1, 1),
        ("SOT101", "warning", "agents/agent.py", 5, 5),
        ("SOT101", "warning", "agents/agent.py", 6, 5),
        ("SOT106", "warning", "agents/agent.py", 7, 5),
    ]
    # The identical statement twice: one fingerprint, numbered by occurrence.
    first, second = results[1][5], results[2][5]
    assert first.endswith(":1") and second == first[:-2] + ":2"

    # The fingerprints are the baseline's: the statement, not the line.
    (tmp_path / "setup.cfg").write_text("[flake8]\n")
    assert flake8_ssot("baseline", cwd=tmp_path).returncode == 0
    baseline = json.loads((tmp_path / ".flake8-ssot-baseline.json").read_text())
    recorded = {(e["code"], e["fingerprint"]) for e in baseline["files"]["agents/agent.py"]}
    assert {(code, fp.split(":")[0]) for code, *_, fp in results[1:]} == recorded

    # Lines added above: the same fingerprints at new lines, so code scanning keeps the alerts.
    (tmp_path / "agents" / "agent.py").write_text('"""Agent."""\nimport sys\n\n' + AGENT)
    moved = located(sarif("agents/agent.py", cwd=tmp_path))
    assert [(code, line, fp) for code, _, _, line, _, fp in moved if code.startswith("SOT")] == [
        (code, line + 3, fp) for code, _, _, line, _, fp in results[1:]]


def test_sarif_rules_come_from_the_registry(tmp_path):
    write_tree(tmp_path, {"agent.py": AGENT})
    rules = {rule["id"]: rule for rule in
             sarif("agent.py", cwd=tmp_path)["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == {rule.code for rule in RULES} | {"F401"}
    docs = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in RULES:
        shown = rules[rule.code]
        assert shown["shortDescription"]["text"] == rule.summary
        assert shown["fullDescription"]["text"] == rule.why
        anchor = shown["helpUri"].rsplit("#", 1)[1]
        assert anchor == rule.code.lower() and f"\n### {rule.code}\n" in docs
        assert rule.example in shown["help"]["markdown"]
    levels = {code: rule["defaultConfiguration"]["level"] for code, rule in rules.items()}
    assert (levels["SOT101"], levels["SOT301"], levels["SOT901"]) == (
        "warning", "error", "error")
    assert rules["F401"] == {"id": "F401", "defaultConfiguration": {"level": "warning"}}


def test_sarif_of_an_editor_buffer_fingerprints_the_buffer(tmp_path):
    write_tree(tmp_path, {"agent.py": "x = 1\n"})  # on disk: nothing to report
    from_stdin = located(sarif("--select=SOT", "--stdin-display-name", "agent.py", "-",
                               cwd=tmp_path, stdin=AGENT))
    (tmp_path / "agent.py").write_text(AGENT)
    assert located(sarif("--select=SOT", "agent.py", cwd=tmp_path)) == from_stdin


def test_github_annotations_through_flake8_github_annotations(tmp_path):
    write_tree(tmp_path, {"agents/agent.py": AGENT})
    result = run_flake8("--format=github", "--select=SOT106", "agents/agent.py", cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert line.startswith("::error file=agents/agent.py,line=7,col=5,title=SOT106::"
                           "context.metadata.clear() empties metadata directly; ")
