"""`fix` case by case, in-process (the CLI is covered by test_fix.py and test_grounding.py): each
case is a method body before and after, in a class that inherits every helper from
`base_agent.BaseAgent`."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from helpers import full_base, write_tree
from flake8_ssot.rewrite import fix_source
from flake8_ssot.options import Settings
from flake8_ssot.project import Project

HEADER = "from base_agent import BaseAgent\n\n\nclass Agent(BaseAgent):\n" \
         "    def run(self, context, child_context, model, items, key):\n"

CASES = [
    pytest.param('context.metadata["k"] = 1', 'self.store_metadata_result(context, "k", 1)',
                 id="store"),
    pytest.param('context.metadata["k"] = 1, 2', 'self.store_metadata_result(context, "k", (1, 2))',
                 id="store-a-tuple"),
    pytest.param('context.metadata[a, b] = 1', 'self.store_metadata_result(context, (a, b), 1)',
                 id="tuple-key"),
    pytest.param('context.metadata["k"] = (\n    1 +  # why\n    2\n)',
                 'self.store_metadata_result(context, "k", (\n    1 +  # why\n    2\n))',
                 id="parenthesised-value-keeps-its-comment"),
    pytest.param('context.metadata["k"] = model.model_dump(mode="json")',
                 'self.store_metadata_result(context, "k", model)', id="same-dump-dropped"),
    pytest.param('context.metadata["k"] = model.model_dump()',
                 'self.store_metadata_result(context, "k", model.model_dump())',
                 id="other-dump-kept"),
    pytest.param('context.metadata["k"] = model.model_dump(mode="json", exclude_none=True)',
                 'self.store_metadata_result(context, "k", model.model_dump(mode="json", '
                 'exclude_none=True))', id="dump-with-options-kept"),
    pytest.param('context.metadata["n"] += 2', 'self.increment_metadata_counter(context, "n", 2)',
                 id="counter-for-a-number"),
    pytest.param('context.metadata["log"] += ["x"]',
                 'self.extend_metadata_list(context, "log", ["x"])', id="list-plus-is-extend"),
    pytest.param('context.metadata["log"] += items', None, id="unknown-plus-is-manual"),
    pytest.param('context.metadata.update(\n    {"a": 1},  # kept\n)',
                 'self.store_metadata_batch(context,\n    {"a": 1},  # kept\n)',
                 id="update-keeps-layout"),
    pytest.param('if "s" not in context.metadata:\n    context.metadata["s"] = []\n'
                 'context.metadata["s"].append(1)',
                 'self.append_metadata_list(context, "s", 1)', id="guard-goes"),
    pytest.param('if "s" not in context.metadata:\n    context.metadata["s"] = []\n'
                 'context.metadata["other"].append(1)',
                 'if "s" not in context.metadata:\n'
                 '    self.store_metadata_result(context, "s", [])\n'
                 'self.append_metadata_list(context, "other", 1)', id="unrelated-guard-stays"),
    pytest.param('context.metadata.pop("k", None)', 'self.remove_metadata_key(context, "k")',
                 id="pop-default-unused"),
    pytest.param('x = context.metadata.pop("k")', None, id="pop-value-used"),
    pytest.param('context.metadata[key()] = value()', None, id="evaluation-order"),
    pytest.param('child_context.metadata = dict(context.metadata)',
                 "self.propagate_metadata(context, child_context)", id="propagate"),
    pytest.param('context.metadata = context.metadata.copy()', None, id="copy-of-itself"),
    pytest.param('md = context.metadata\nmd["k"] = 1', None, id="alias"),
    pytest.param('context.audit_metadata["k"] = 1', None, id="attribute-without-helper"),
    pytest.param('context.metadata["k"] = 1  # noqa: SOT101', None, id="noqa"),
    pytest.param('context.metadata[  # a comment\n    "k"] = 1', None, id="comment-would-go"),
]
_names = itertools.count()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = write_tree(tmp_path_factory.mktemp("cases"), {
        "setup.cfg": "[flake8]\n", "base_agent.py": full_base()})
    return Project(str(root), Settings(no_cache=True))


@pytest.mark.parametrize("before, after", CASES)
def test_fix_case(project, before, after):
    name = f"agent_{next(_names)}.py"
    source = HEADER + textwrap.indent(before, " " * 8) + "\n"
    Path(project.root, name).write_text(source)
    result = fix_source(source.encode(), project, name)
    assert not result.error
    expected = source if after is None else HEADER + textwrap.indent(after, " " * 8) + "\n"
    assert result.fixed.decode() == expected
    if after is None:
        assert not result.rewritten
