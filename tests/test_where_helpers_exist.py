"""SOT1xx only where there are helpers to use, and advice that fits the site: through the real
`flake8` and `flake8-ssot helpers`, on projects written to disk.

- a project whose helper class defines no helper (or that has none) gets no SOT1xx, and
  `flake8-ssot helpers` says why; a framework's own class of the configured name is not one;
- test code (ssot-test-patterns, `*/testing/*` included) is not checked unless
  ssot-check-tests;
- in a free function, a static or class method, advice names the helper and its class, never
  `self.`; SOT3xx fixes name only converting helpers that exist.
"""

from __future__ import annotations

from helpers import reported, run_flake8, run_ssot, write_tree

BASE = '''\
class BaseAgent:
    def store_metadata_result(self, context, key, value):
        context.metadata[key] = value
'''

# crewai's shape: a public pydantic model of the configured name that defines no helper.
FRAMEWORK_BASE = '''\
from pydantic import BaseModel


class BaseAgent(BaseModel):
    role: str

    def execute_task(self, task, context=None):
        raise NotImplementedError
'''

LOADER = '''\
def load(context, text):
    context.metadata["source"] = text
'''


def _flake8(project, *args):
    result = run_flake8("--select=SOT", *args, ".", cwd=project)
    assert result.stderr == ""
    return result.stdout


def test_no_helper_class_no_sot1xx_and_helpers_says_why(tmp_path):
    project = write_tree(tmp_path / "p", {"setup.cfg": "[flake8]\n", "app/loader.py": LOADER})
    assert _flake8(project) == ""
    helpers = run_ssot("helpers", cwd=project)
    assert "  none found in the project" in helpers.stdout
    assert ("No class of the project defines a metadata helper, so SOT1xx reports nothing"
            in helpers.stdout)
    assert "Add the missing ones to a class named in ssot-helper-classes (BaseAgent)" in (
        helpers.stdout)


def test_a_framework_class_of_the_configured_name_is_not_the_helper_class(tmp_path):
    project = write_tree(tmp_path / "p", {
        "setup.cfg": "[flake8]\n",
        "crew/agents/base_agent.py": FRAMEWORK_BASE,
        "crew/tools.py": LOADER,
    })
    assert _flake8(project) == ""
    helpers = run_ssot("helpers", cwd=project)
    assert ("  BaseAgent (crew/agents/base_agent.py:4): defines no helper (an interface?), "
            "not a helper class") in helpers.stdout
    assert "SOT1xx reports nothing" in helpers.stdout
    assert "Add the missing ones to BaseAgent" not in helpers.stdout


def test_one_helper_class_turns_sot1xx_on(tmp_path):
    project = write_tree(tmp_path / "p", {
        "setup.cfg": "[flake8]\n",
        "crew/agents/base_agent.py": FRAMEWORK_BASE,
        "app/base.py": BASE,
        "app/loader.py": LOADER,
    })
    out = _flake8(project, "--select=SOT1")
    assert reported(out) == {(2, 5, "SOT101")}
    assert ("SOT101 context.metadata[...] = ... writes metadata directly; use "
            "store_metadata_result(context, key, value) of BaseAgent (app/base.py:1)" in out)
    assert "self." not in out


ADVICE = '''\
from app.base import BaseAgent


class Worker(BaseAgent):
    def method(self, context):
        context.metadata["a"] = 1

    @staticmethod
    def static(context):
        context.metadata["b"] = 2

    @classmethod
    def klass(cls, context):
        context.metadata.clear()

    def nested(self, context):
        def inner():
            context.metadata["c"] = 3
        return inner


def free(context):
    del context.metadata["d"]
'''


def test_advice_without_self_names_the_helper_and_its_class(tmp_path):
    project = write_tree(tmp_path / "p", {
        "setup.cfg": "[flake8]\n", "app/base.py": BASE, "app/worker.py": ADVICE})
    lines = _flake8(project).splitlines()
    assert lines == [
        './app/worker.py:6:9: SOT101 context.metadata[...] = ... writes metadata directly; use '
        'self.store_metadata_result(context, key, value)',
        './app/worker.py:10:9: SOT101 context.metadata[...] = ... writes metadata directly; use '
        'store_metadata_result(context, key, value) of BaseAgent (app/base.py:1)',
        './app/worker.py:14:9: SOT106 context.metadata.clear() empties metadata directly; use '
        'clear_metadata(context) of BaseAgent (app/base.py:1) after adding clear_metadata '
        'there (`flake8-ssot helpers`)',
        './app/worker.py:18:13: SOT101 context.metadata[...] = ... writes metadata directly; '
        'use store_metadata_result(context, key, value) of BaseAgent (app/base.py:1)',
        './app/worker.py:23:5: SOT105 del context.metadata[...] removes metadata directly; use '
        'remove_metadata_key(context, key) of BaseAgent (app/base.py:1) after adding '
        'remove_metadata_key there (`flake8-ssot helpers`)',
    ]


def test_test_code_is_not_checked_unless_opted_in(tmp_path):
    files = {"app/base.py": BASE, "tests/test_loader.py": LOADER,
             "haystack/testing/factory.py": LOADER, "app/loader.py": LOADER}
    project = write_tree(tmp_path / "p", {"setup.cfg": "[flake8]\n", **files})
    out = _flake8(project)
    assert [line.split(":")[0] for line in out.splitlines()] == ["./app/loader.py"]
    opted_in = _flake8(project, "--ssot-check-tests")
    assert sorted(line.split(":")[0] for line in opted_in.splitlines()) == [
        "./app/loader.py", "./haystack/testing/factory.py", "./tests/test_loader.py"]
    (project / "setup.cfg").write_text("[flake8]\nssot-check-tests = true\n")
    assert len(_flake8(project).splitlines()) == 3


MODEL_WRITE = '''\
from pydantic import BaseModel


class Report(BaseModel):
    title: str


def save(context):
    context.metadata["report"] = Report(title="t")
'''


def test_sot3xx_fix_names_a_converting_helper_only_when_it_exists(tmp_path):
    without = write_tree(tmp_path / "without", {"setup.cfg": "[flake8]\n",
                                                "app/save.py": MODEL_WRITE})
    out = _flake8(without)
    assert reported(out) == {(9, 5, "SOT308")}
    assert "store_metadata_result" not in out
    with_helper = write_tree(tmp_path / "with", {"setup.cfg": "[flake8]\n", "app/base.py": BASE,
                                                  "app/save.py": MODEL_WRITE})
    out = _flake8(with_helper)
    assert reported(out) == {(9, 5, "SOT101"), (9, 5, "SOT308")}
    assert "pass the model itself to self.store_metadata_result(...)" in out
