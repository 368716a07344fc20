"""Code scanning: ``flake8 --format=ssot-sarif`` emits SARIF 2.1.0 that validates against the
official schema (vendored: tests/sarif-schema-2.1.0.json, OASIS's sarif-schema-2.1.0.json as
SchemaStore publishes it) and that GitHub code scanning takes as it is (``github_problems``: the
rules of GitHub's "SARIF support for code scanning" page, and the line hash of its upload action),
and ``--format=github`` (flake8-github-annotations) emits GitHub workflow annotations. Through
the real flake8 command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import jsonschema
import pytest

from helpers import READ_ONLY_BASE, REPO, run_flake8, write_tree
from helpers import run_ssot as flake8_ssot
from flake8_ssot.forms import fix_note
from flake8_ssot.registry import RULES
from flake8_ssot.sarif import line_hashes


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
LINE_HASH = "primaryLocationLineHash"


def github_problems(log: dict) -> list[str]:
    """What GitHub code scanning would refuse or mishandle in *log*, by its documented rules
    ("SARIF support for code scanning": the required properties, the limits, relative URIs
    resolved against the repository root)."""
    problems = []
    if log.get("version") != "2.1.0" or not log.get("$schema"):
        problems.append("version 2.1.0 and $schema are required")
    if not 1 <= len(log["runs"]) <= 20:
        problems.append("1 to 20 runs per file")
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("tool.driver.name is required")
        rules = {rule["id"]: rule for rule in driver.get("rules", [])}
        if len(rules) > 25_000 or len(run["results"]) > 25_000:
            problems.append("at most 25,000 rules and 25,000 results per run")
        for code, rule in rules.items():
            for field in ("shortDescription", "fullDescription", "help"):
                if not rule.get(field, {}).get("text"):
                    problems.append(f"rule {code}: {field}.text is required")
            if "helpUri" in rule or "informationUri" in driver:
                problems.append(f"rule {code}: a link nobody checked")
        bases = run.get("originalUriBaseIds", {})
        for result in run["results"]:
            where = f"{result.get('ruleId')} result"
            if result.get("ruleId") not in rules:
                problems.append(f"{where}: its rule is not in tool.driver.rules")
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: message.text is required")
            if not 1 <= len(result.get("locations", [])) <= 1000:
                problems.append(f"{where}: 1 to 1,000 locations")
            if LINE_HASH not in result.get("partialFingerprints", {}):
                problems.append(f"{where}: no {LINE_HASH}")
            for location in result.get("locations", []):
                physical = location["physicalLocation"]
                region = physical["region"]
                if not {"startLine", "startColumn", "endLine", "endColumn"} <= set(region):
                    problems.append(f"{where}: a region without its end")
                uri = physical["artifactLocation"]["uri"]
                base = physical["artifactLocation"].get("uriBaseId")
                if uri.startswith(("/", "../")) or (base and base not in bases):
                    problems.append(f"{where}: {uri} is not relative to the repository root")
    return problems


def resolved(log: dict, result: dict) -> Path:
    """The file a result's location names, resolved as the upload resolves it."""
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    root = log["runs"][0]["originalUriBaseIds"][location["uriBaseId"]]["uri"]
    assert root.startswith("file:///") and root.endswith("/")
    return Path(unquote(urlparse(root).path)) / unquote(location["uri"])


def sarif(*args: str, cwd, stdin: str | None = None) -> dict:
    result = run_flake8("--format=ssot-sarif", *args, cwd=cwd, stdin=stdin)
    assert result.returncode == 1 and result.stderr == "", result.stderr
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(SCHEMA).validate(log)
    assert github_problems(log) == []
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
        # The help is inline, whole: no link to a page at a tag that may not exist.
        assert "helpUri" not in shown and f"\n### {rule.code}\n" in docs
        markdown = shown["help"]["markdown"]
        assert rule.example in markdown and rule.instead in markdown and rule.why in markdown
        assert fix_note(rule.code) in markdown
    assert "rewrites it" in rules["SOT101"]["help"]["markdown"]
    assert "does not rewrite" in rules["SOT107"]["help"]["markdown"]
    levels = {code: rule["defaultConfiguration"]["level"] for code, rule in rules.items()}
    assert (levels["SOT101"], levels["SOT301"], levels["SOT901"]) == (
        "warning", "error", "error")
    # Another plugin's code: described too, naming the plugin and a message of this run.
    assert rules["F401"]["shortDescription"]["text"] == (
        "F401, reported by pyflakes (through flake8)")
    assert "'os' imported but unused" in rules["F401"]["fullDescription"]["text"]
    assert rules["F401"]["defaultConfiguration"] == {"level": "warning"}


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


def test_sarif_uris_are_relative_to_the_repository_root_from_any_directory(tmp_path):
    write_tree(tmp_path, {"setup.cfg": "[flake8]\n", "services/api/agents/my agent.py": AGENT},
               commit=True)
    logs = [sarif("--select=SOT", ".", cwd=tmp_path / "services" / "api"),
            sarif("--select=SOT", "services/api/agents", cwd=tmp_path),
            sarif("--select=SOT", os.path.join(tmp_path, "services", "api"),
                  cwd=tmp_path / "services")]
    for log in logs:
        assert log["runs"][0]["originalUriBaseIds"] == {
            "%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
        results = log["runs"][0]["results"]
        assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in results} == {"services/api/agents/my%20agent.py"}
        assert {resolved(log, r) for r in results} == {
            (tmp_path / "services/api/agents/my agent.py").resolve()}
    assert located(logs[0]) == located(logs[1]) == located(logs[2])


def test_sarif_regions_are_whole(tmp_path):
    write_tree(tmp_path, {"agent.py": AGENT})
    regions = [r["locations"][0]["physicalLocation"]["region"]
               for r in sarif("--select=SOT", "agent.py", cwd=tmp_path)["runs"][0]["results"]]
    # From the reported column to the end of the line, the end column exclusive.
    assert regions[0] == {"startLine": 5, "startColumn": 5, "endLine": 5,
                          "endColumn": len('    context.metadata["a"] = 1') + 1}
    assert regions[2] == {"startLine": 7, "startColumn": 5, "endLine": 7,
                          "endColumn": len("    context.metadata.clear()") + 1}


def upload_action_hashes(text: str) -> dict[int, str]:
    """github/codeql-action's ``hash`` (src/fingerprints.ts), transcribed statement by statement:
    a character at a time, the rolling hash over a window of 100, 64-bit wrapping arithmetic."""
    block, mod, mask = 100, 37, (1 << 64) - 1
    first_mod = pow(mod, block, 1 << 64)
    window, line_numbers = [0] * block, [-1] * block
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True, "prev_cr": False}
    counts: dict[str, int] = {}
    out: dict[int, str] = {}

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        out[line_numbers[state["index"]]] = f"{value}:{counts[value]}"
        line_numbers[state["index"]] = -1

    def update(current: int) -> None:
        begin = window[state["index"]]
        window[state["index"]] = current
        state["hash"] = (mod * state["hash"] + current - first_mod * begin) & mask
        state["index"] = (state["index"] + 1) % block

    def process(current: int) -> None:
        if current in (0x20, 0x09) or (state["prev_cr"] and current == 0x0A):
            state["prev_cr"] = False
            return
        if current == 0x0D:
            current, state["prev_cr"] = 0x0A, True
        else:
            state["prev_cr"] = False
        if line_numbers[state["index"]] != -1:
            output()
        if state["line_start"]:
            state["line_start"] = False
            state["line"] += 1
            line_numbers[state["index"]] = state["line"]
        if current == 0x0A:
            state["line_start"] = True
        update(current)

    units = text.encode("utf-16-le")  # JavaScript's charCodeAt: UTF-16 code units
    for i in range(0, len(units), 2):
        process(int.from_bytes(units[i:i + 2], "little"))
    process(65535)
    for _ in range(block):
        if line_numbers[state["index"]] != -1:
            output()
        update(0)
    return out


def test_the_line_hash_is_the_upload_actions():
    # Derived by hand from the algorithm: an empty file is one line, the end-of-file unit
    # 0xFFFF followed by 99 zeros, so its hash is 65535 * 37**99 modulo 2**64.
    assert format(65535 * 37 ** 99 % 2 ** 64, "x") == "c129715d7a2bc9a3"
    assert line_hashes("", {1}) == {1: "c129715d7a2bc9a3:1"}
    # "a\n": line 1 is "a", LF, 0xFFFF, then zeros; line 2 starts at the end-of-file unit.
    one = (ord("a") * 37 ** 99 + 10 * 37 ** 98 + 65535 * 37 ** 97) % 2 ** 64
    assert line_hashes("a\n", {1, 2}) == {1: f"{one:x}:1", 2: "c129715d7a2bc9a3:1"}
    # The upload action's own test vector (codeql-action src/fingerprints.test.ts): blanks and
    # tabs do not count, CRLF and CR are LF.
    expected = {1: "271789c17abda88f:1", 2: "54703d4cd895b18:1", 3: "180aee12dab6264:1",
                4: "a23a3dc5e078b07b:1"}
    for newline in ("\n", "\r\n", "\r"):
        text = newline.join([" a", "b", "  \t\tc", " d"])
        assert line_hashes(text, {1, 2, 3, 4}) == expected
    # The same 100 units from two lines on: ":1", ":2", numbered in file order.
    repeated = line_hashes("x = 1\n" * 300, {1, 2, 3})
    assert {value.split(":")[0] for value in repeated.values()} == {repeated[1].split(":")[0]}
    assert [repeated[n].split(":")[1] for n in (1, 2, 3)] == ["1", "2", "3"]
    # Against the transcription, on text with every case: CR, CRLF, CR then blank then LF,
    # tabs, non-ASCII, a character outside the BMP (two UTF-16 units), long and repeated lines.
    samples = [AGENT, "a\r \nb\r\r\nc\rd\n", "\tx = 'é😀'\n" * 3 + "y" * 250 + "\n",
               "".join(f"    line{i % 7} = {i % 3}\r\n" for i in range(400)), "no newline"]
    for text in samples:
        reference = upload_action_hashes(text)
        assert line_hashes(text, set(reference)) == reference


def test_sarif_results_carry_the_upload_actions_line_hash(tmp_path):
    source = AGENT.replace("    context", "\tcontext").replace("\n", "\r\n")
    write_tree(tmp_path, {"agents/agent.py": source.encode()})
    log = sarif("agents/agent.py", cwd=tmp_path)
    reference = upload_action_hashes(source)
    for result in log["runs"][0]["results"]:
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert result["partialFingerprints"][LINE_HASH] == reference[line]
    # Two identical statements in a row still differ: the next lines are in the window.
    hashes = {r["locations"][0]["physicalLocation"]["region"]["startLine"]:
              r["partialFingerprints"][LINE_HASH] for r in log["runs"][0]["results"]}
    assert hashes[5] != hashes[6] and len(set(hashes.values())) == len(hashes)


def test_sarif_output_file_holds_one_log_however_often_it_runs(tmp_path):
    write_tree(tmp_path, {"agent.py": AGENT})
    for _ in range(2):
        result = run_flake8("--format=ssot-sarif", "--exit-zero", "--output-file=out.sarif",
                            "agent.py", cwd=tmp_path)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
        log = json.loads((tmp_path / "out.sarif").read_text())  # flake8 itself would append
        jsonschema.Draft7Validator(SCHEMA).validate(log)


def test_sarif_beyond_githubs_limit_is_a_clear_error(tmp_path):
    write_tree(tmp_path, {"many.py": "x=1\n" * 25_001})
    result = run_flake8("--format=ssot-sarif", "--select=E225", "--exit-zero",
                        "--output-file=out.sarif", "many.py", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "flake8 --format=ssot-sarif: 25001 results, and GitHub code scanning accepts at most "
        "25,000 in a run: record a baseline (flake8-ssot baseline) so that only new findings "
        "are reported, or run flake8 on parts of the tree, one upload category each "
        "(docs/usage.md, 'SARIF for code scanning')\n")
    assert not (tmp_path / "out.sarif").exists() or (tmp_path / "out.sarif").read_text() == ""
