"""Facts of Python syntax every family reads from one place (``flake8_ssot.syntax``, and the
write prefilter of ``rules/bodies.py``), through the real flake8: what one family sees, the
others see too."""

from __future__ import annotations

import json

import pytest

from helpers import reported, run_flake8, run_ssot, write_tree

# A module whose stamp() returns a datetime, and one that stores what it returns.
CLOCK = "from datetime import datetime\n\n\ndef stamp() -> datetime:\n    return datetime.now()\n"
STORING = ("from {module} import stamp\n\n\nclass Runner:\n    def run(self, context):\n"
           "        self.store_metadata_result(context, 'at', stamp())\n")

BASE = '''\
class BaseAgent:
    def store_metadata_result(self, context, key, value):
        context.metadata[key] = value
'''


@pytest.mark.parametrize("write", [
    'context. metadata["k"] = 1',
    '(context.\\\n         metadata)["k"] = 1',
    '(context.  # the attribute follows\n         metadata)["k"] = 1',
    'context.\uff4detadata["k"] = 1',  # a fullwidth m: the same identifier after NFKC
], ids=["space", "continuation", "comment", "nfkc"])
def test_a_file_whose_only_write_spells_the_attribute_apart_is_checked(tmp_path, write):
    """The file gate and the body filter are one pattern: a file whose only mention of
    metadata is such a write is checked, not skipped."""
    write_tree(tmp_path, {
        "setup.cfg": "[flake8]\n",
        "agents/base.py": BASE,
        "agents/worker.py": f"class Worker:\n    def run(self, context):\n        {write}\n",
    })
    result = run_flake8("--isolated", "--select", "SOT", "agents/worker.py", cwd=tmp_path)
    assert result.stderr == ""
    assert reported(result.stdout) == {(3, 9, "SOT101")}


def test_a_metadata_keyword_alone_is_not_a_write(tmp_path):
    write_tree(tmp_path, {
        "setup.cfg": "[flake8]\n",
        "agents/base.py": BASE,
        "agents/worker.py": "def make(Context, metadata):\n"
                            "    return Context(metadata=metadata)  # metadata: a keyword\n",
    })
    result = run_flake8("--isolated", "--select", "SOT", "agents/worker.py", cwd=tmp_path)
    assert (result.stdout, result.stderr) == ("", "")


@pytest.mark.parametrize("layout", ["src", "lib"])
def test_sot3xx_finds_modules_in_a_src_or_lib_layout(tmp_path, layout):
    """SOT2xx names a module under ``src/`` or ``lib/`` without that prefix; SOT3xx finds it
    the same way from a file outside that directory."""
    write_tree(tmp_path, {
        "setup.cfg": "[flake8]\n",
        f"{layout}/agentkit/__init__.py": "",
        f"{layout}/agentkit/clock.py": CLOCK,
        "scripts/run.py": STORING.format(module="agentkit.clock"),
    })
    result = run_flake8("--isolated", "--select", "SOT3", "scripts/run.py", cwd=tmp_path)
    assert result.stderr == ""
    assert reported(result.stdout) == {(6, 9, "SOT301")}


def test_sot2xx_and_sot3xx_both_see_definitions_under_a_module_level_with(tmp_path):
    guarded = ("import contextlib\nfrom datetime import datetime\n\n"
               "with contextlib.suppress(ImportError):\n"
               "    class Engine:\n        pass\n\n"
               "    def stamp() -> datetime:\n        return datetime.now()\n")
    write_tree(tmp_path, {
        "setup.cfg": "[flake8]\n",
        "app/__init__.py": "",
        "app/guarded.py": guarded,
        "app/engine.py": "class Engine:\n    pass\n",
        "app/agent.py": STORING.format(module="app.guarded"),
    })
    result = run_flake8("--isolated", "--select", "SOT", "app", cwd=tmp_path)
    assert result.stderr == ""
    assert {(path.split(":")[0], code) for path, code in (
        (line, line.split()[1]) for line in result.stdout.splitlines())} == {
        ("app/agent.py", "SOT301"), ("app/engine.py", "SOT201"), ("app/guarded.py", "SOT201")}


def test_map_counts_the_files_the_linter_checks(tmp_path):
    write_tree(tmp_path, {
        "setup.cfg": "[flake8]\n",
        "agents/base.py": BASE,
        "agents/worker.py": 'class Worker:\n    def run(self, context):\n'
                            '        context. metadata["k"] = 1\n',
    })
    result = run_ssot("map", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["metadata_writes"] == [{"path": "agents/worker.py",
                                                             "count": 1}]
