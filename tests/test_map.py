"""`flake8-ssot map` through the real command, in its three formats."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from helpers import FIXTURES, REPO, code_blocks, full_base, write_tree
from helpers import run_ssot as flake8_ssot


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory):
    target = tmp_path_factory.mktemp("map") / "project"
    shutil.copytree(FIXTURES / "sot2xx_project", target,
                    ignore=shutil.ignore_patterns(".flake8-ssot-cache"))
    return target


@pytest.fixture(scope="module")
def sample_tree(tmp_path_factory):
    target = tmp_path_factory.mktemp("map") / "agents"
    shutil.copytree(REPO / "examples" / "agents", target,
                    ignore=shutil.ignore_patterns(".flake8-ssot-cache"))
    return target


def test_json_lists_every_duplicated_class_with_its_homes(fixture_project):
    result = flake8_ssot("map", "--format", "json", cwd=fixture_project)
    assert (result.returncode, result.stderr) == (0, "")
    ssot_map = json.loads(result.stdout)
    by_name = {item["name"]: item for item in ssot_map["duplicates"]}
    # Test code is not a home; the shims of BearerTokenAuth are aliases, not duplicates.
    # Classes that only share a name (an ORM table and its schema, private helpers, a Node
    # and a Node, two roles or two records of one name) are not duplicates, as for SOT201.
    assert sorted(by_name) == ["AuthScheme", "Device", "ExecutionEngine", "HttpClient",
                               "OutputData", "RunStartedEvent", "RunSummary", "SupervisorOnly",
                               "ToolDispatcher", "UserExecutionContext"]
    assert [home["path"] for home in by_name["ExecutionEngine"]["homes"]] == [
        "app/agents/supervisor/execution_engine.py", "app/legacy/engine.py",
        "app/services/execution_engine.py"]
    assert by_name["ExecutionEngine"]["homes"][0] == {
        "path": "app/agents/supervisor/execution_engine.py", "line": 7, "lines": 10,
        "public_methods": 1, "importers": 0}
    # Declared home; each home's importers (user.py imports the legacy copy twice: one module).
    assert by_name["ToolDispatcher"]["canonical"] == {
        "path": "app/services/tool_dispatcher.py", "declared": True}
    assert [(h["path"], h["importers"]) for h in by_name["ToolDispatcher"]["homes"]] == [
        ("app/legacy/engine.py", 1), ("app/services/tool_dispatcher.py", 1)]
    # No home is imported: the shortest path is suggested.
    assert by_name["ExecutionEngine"]["canonical"] == {"path": "app/legacy/engine.py",
                                                       "declared": False}
    assert ssot_map["aliases"] == [
        {"name": "BearerTokenAuth", "path": "app/compat/auth.py", "line": 7,
         "extends": {"path": "app/auth/bearer.py", "line": 2}},
        {"name": "BearerTokenAuth", "path": "app/compat/public.py", "line": 5,
         "extends": {"path": "app/auth/bearer.py", "line": 2}}]
    assert ssot_map["budgets"] == [
        {"pattern": "*Manager", "budget": 2, "count": 3, "over": True},
        {"pattern": "*Factory", "budget": 5, "count": 1, "over": False}]
    assert ssot_map["metadata_writes"] == []


def test_paths_limit_the_map_to_classes_with_a_home_there(fixture_project):
    result = flake8_ssot("map", "--format", "json", "svc", cwd=fixture_project)
    ssot_map = json.loads(result.stdout)
    assert [item["name"] for item in ssot_map["duplicates"]] == ["HttpClient"]
    assert ssot_map["aliases"] == []


def test_text_on_the_sample_tree(sample_tree):
    result = flake8_ssot("map", cwd=sample_tree)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "SSOT map of .\n\nDuplicated classes: 1\n"
        "  ExecutionEngine: 2 homes, canonical agentsvc/engine/execution_engine.py (suggested)\n"
        "    agentsvc/engine/execution_engine.py:6  lines: 9, public methods: 1, importers: 1\n"
        "    agentsvc/engine/legacy_engine.py:4  lines: 9, public methods: 1, importers: 0\n"
        "\nAliases (extend the other definition of their name): 0\n"
        "\nMetadata migration: 26.3% done (helper calls: 5, direct writes: 14, files: 4)\n"
        "  calls  writes  file\n"
        "      1       8  agentsvc/agents/reporting.py\n"
        "      0       6  agentsvc/agents/data_helper.py\n"
        "      3       0  agentsvc/agents/triage.py\n"
        "      1       0  agentsvc/engine/execution_engine.py\n"
        "\nClass-family budgets: none configured (ssot-class-budgets)\n")
    assert flake8_ssot("map", cwd=sample_tree).stdout == result.stdout  # warm: the same


def test_markdown_is_tables_for_a_pull_request(fixture_project):
    result = flake8_ssot("map", "--format", "markdown", cwd=fixture_project)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "## SSOT map"
    assert ("| `ToolDispatcher` | `app/services/tool_dispatcher.py:1` | 2 | 0 | 1 | "
            "app/services/tool_dispatcher.py (declared) |") in lines
    assert "| `BearerTokenAuth` | `app/compat/auth.py:7` | `app/auth/bearer.py:2` |" in lines
    assert "| `*Manager` | 3 | 2 | **over** |" in lines
    assert "### Metadata migration: nothing to migrate" in lines


def test_a_missing_path_is_one_line_and_exit_2(fixture_project):
    result = flake8_ssot("map", "no/such/dir", cwd=fixture_project)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "flake8-ssot map: no/such/dir: no such file or directory\n"


def test_the_readme_shows_the_map_of_the_sample_tree(sample_tree):
    shown = [block for block in code_blocks(REPO / "README.md", "text")
             if block.startswith("SSOT map of .")]
    assert shown == [flake8_ssot("map", cwd=sample_tree).stdout]


def test_config_names_the_configuration_the_map_reads(sample_tree, tmp_path):
    budgets = tmp_path / "budgets.cfg"
    budgets.write_text("[flake8]\nssot-class-budgets = *Engine:1\n")
    result = flake8_ssot("map", "--format", "json", "--config", str(budgets), cwd=sample_tree)
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["budgets"] == [
        {"pattern": "*Engine", "budget": 1, "count": 2, "over": True}]


# -- the map as a picture -----------------------------------------------------------------------

_NODE = re.compile(r'^    (?P<id>\w+)(?:\(\[|\[)(?P<label>"[^"]*")(?:\]\)|\])$')
_EDGE = re.compile(r"^    (?P<source>\w+) (?:-->|==>|-\.->\|extends\|) (?P<target>\w+)$")


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``({node id: label}, [(source, target)])``; every line must be a node or an edge."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges = {}, []
    for line in lines[1:]:
        node, edge = _NODE.match(line), _EDGE.match(line)
        assert node or edge, line
        if node:
            assert node["id"] not in nodes, f"node id {node['id']} declared twice"
            nodes[node["id"]] = node["label"]
        else:
            edges.append((edge["source"], edge["target"]))
    return nodes, edges


def test_mermaid_declares_every_node_once_and_links_only_declared_nodes(fixture_project):
    result = flake8_ssot("map", "--format", "mermaid", cwd=fixture_project)
    assert (result.returncode, result.stderr) == (0, "")
    nodes, edges = parse_mermaid(result.stdout)
    assert edges and all(source in nodes and target in nodes for source, target in edges)
    labels = set(nodes.values())
    assert '"ExecutionEngine"' in labels
    assert '"app/services/tool_dispatcher.py:1<br/>1 importer<br/>canonical (declared)"' in labels
    assert '"app/compat/auth.py:7<br/>alias of BearerTokenAuth"' in labels
    # One edge per home from its class, the canonical one thick.
    dispatcher = next(node for node, label in nodes.items() if label == '"ToolDispatcher"')
    home = next(node for node, label in nodes.items()
                if label.startswith('"app/services/tool_dispatcher.py:1<br/>'))
    assert f"    {dispatcher} ==> {home}\n" in result.stdout
    assert result.stdout.count(" ==> ") == sum(1 for label in nodes.values()
                                               if "canonical" in label)


def test_mermaid_quotes_names_and_paths_with_odd_characters(tmp_path):
    root = write_tree(tmp_path / "odd", {
        "setup.cfg": "[flake8]\n",
        'pkg/we"ird#1.py': "class Ünïcode:\n    pass\n",
        "pkg/a<b>&c.py": "class Ünïcode:\n    pass\n",
        "pkg/plain.py": "class Ünïcode:\n    pass\n"})
    result = flake8_ssot("map", "--format", "mermaid", cwd=root)
    assert (result.returncode, result.stderr) == (0, "")
    nodes, edges = parse_mermaid(result.stdout)
    assert sorted(nodes.values()) == [
        '"pkg/a#lt;b#gt;#amp;c.py:1<br/>0 importers"',
        '"pkg/plain.py:1<br/>0 importers<br/>canonical (suggested)"',
        '"pkg/we#quot;ird#35;1.py:1<br/>0 importers"',
        '"Ünïcode"']
    assert sorted(edges) == [("class1", "class1_home1"), ("class1", "class1_home2"),
                             ("class1", "class1_home3")]


def test_the_docs_show_the_example_trees_map(sample_tree):
    [picture] = code_blocks(REPO / "docs" / "duplicates.md", "mermaid")
    assert picture == flake8_ssot("map", "--format", "mermaid", cwd=sample_tree).stdout


def test_migration_progress_counts_helper_calls_against_direct_writes(tmp_path):
    root = write_tree(tmp_path / "progress", {
        "setup.cfg": "[flake8]\n",
        "agents/base.py": full_base(),
        "agents/worker.py": (
            "from agents.base import BaseAgent\n\n\nclass Worker(BaseAgent):\n"
            "    def run(self, context):\n"
            "        self.store_metadata_result(context, 'a', 1)\n"
            "        self.append_metadata_list(context, 'b', 2)\n"
            "        context.metadata['c'] = 3\n"
            "        return self.get_metadata_value(context, 'a', None)\n"),
        "agents/done.py": (
            "from agents.base import BaseAgent\n\n\nclass Done(BaseAgent):\n"
            "    def run(self, context):\n"
            "        self.store_metadata_batch(context, {'a': 1})\n")})
    ssot_map = json.loads(flake8_ssot("map", "--format", "json", cwd=root).stdout)
    assert ssot_map["migration"] == {
        "helper_calls": 3, "direct_writes": 1, "percent_done": 75.0,
        "files": [{"path": "agents/worker.py", "helper_calls": 2, "direct_writes": 1},
                  {"path": "agents/done.py", "helper_calls": 1, "direct_writes": 0}]}
    text = flake8_ssot("map", cwd=root).stdout
    assert ("Metadata migration: 75% done (helper calls: 3, direct writes: 1, files: 2)\n"
            "  calls  writes  file\n"
            "      2       1  agents/worker.py\n"
            "      1       0  agents/done.py\n") in text
    markdown = flake8_ssot("map", "--format", "markdown", cwd=root).stdout
    assert "| `agents/worker.py` | 2 | 1 | 66.7% |\n| `agents/done.py` | 1 | 0 | 100% |\n" \
           "| **total** | 3 | 1 | 75% |\n" in markdown
