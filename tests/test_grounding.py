"""Decisions grounded in the project's own code, through the real commands: which helpers exist
(and where), which classes are contexts (globs, subclasses in other modules, local flow), what
`fix` may call, and what it leaves alone (excludes, per-file-ignores)."""

from __future__ import annotations

import json
import re
import textwrap

from helpers import READ_ONLY_BASE, git, reported, run_flake8, run_ssot, write_tree

PARTIAL_BASE = '''\
class BaseAgent:
    """Mid-migration: three of the nine helpers."""

    def store_metadata_result(self, context, key, value):
        context.metadata[key] = value

    def store_metadata_batch(self, context, mapping):
        context.metadata.update(mapping)

    def get_metadata_value(self, context, key, default=None):
        return context.metadata.get(key, default)
'''

WORKER = '''\
from agentsvc.base import BaseAgent


class Worker(BaseAgent):
    def run(self, context, step):
        context.metadata["result"] = step
        if "steps" not in context.metadata:
            context.metadata["steps"] = []
        context.metadata["steps"].append(step)
        context.metadata["calls"] += 1
        del context.metadata["draft"]
'''


def partial_project(tmp_path):
    return write_tree(tmp_path / "svc", {
        "setup.cfg": "[flake8]\n",
        "agentsvc/__init__.py": "",
        "agentsvc/base.py": PARTIAL_BASE,
        "agentsvc/worker.py": WORKER,
    })


def test_fix_never_calls_a_helper_the_project_does_not_define(tmp_path):
    project = partial_project(tmp_path)
    result = run_ssot("fix", "--write", ".", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (project / "agentsvc/worker.py").read_text() == WORKER.replace(
        'context.metadata["result"] = step', 'self.store_metadata_result(context, "result", step)'
    ).replace('context.metadata["steps"] = []',
              'self.store_metadata_result(context, "steps", [])')  # the guard stays
    out = result.stdout
    assert ("1 site to change by hand: BaseAgent (agentsvc/base.py:1) has no "
            "append_metadata_list: add it first (`flake8-ssot helpers` prints it)") in out
    assert "  agentsvc/worker.py:9: SOT103" in out
    assert "has no increment_metadata_counter: add it first" in out
    assert "has no remove_metadata_key: add it first" in out


def test_messages_name_only_helpers_that_exist(tmp_path):
    project = partial_project(tmp_path)
    result = run_flake8("--select=SOT1", ".", cwd=project)
    lines = result.stdout.splitlines()
    assert ("./agentsvc/worker.py:6:9: SOT101 context.metadata[...] = ... writes metadata "
            "directly; use self.store_metadata_result(context, key, value)") in lines
    assert ("./agentsvc/worker.py:9:9: SOT103 context.metadata[...].append(...) changes a "
            "metadata list in place; use self.append_metadata_list(context, key, item) after "
            "adding append_metadata_list to BaseAgent (agentsvc/base.py:1) (`flake8-ssot "
            "helpers`)") in lines


def test_helpers_command_lists_what_exists_and_prints_the_missing_ones(tmp_path):
    project = partial_project(tmp_path)
    result = run_ssot("helpers", cwd=project)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "  BaseAgent (agentsvc/base.py:1): 3 helpers" in out
    assert re.search(r"store_metadata_result +defined in BaseAgent \(agentsvc/base\.py:1\)", out)
    assert re.search(r"append_metadata_list +MISSING", out)
    assert "3 of 9 helpers defined." in out
    assert ("    def append_metadata_list(self, context, key, item):\n"
            "        context.metadata.setdefault(key, []).append(item)\n") in out
    # What it prints is real code: pasted into the class, the project defines all nine.
    # Pasted as printed, right after the class's last line: no blank line to add by hand.
    pasted = out.split("flake8-ssot fix calls only helpers that exist):\n", 1)[1]
    pasted = pasted.split("\n\n(propagate needs", 1)[0] + "\n"
    (project / "agentsvc/base.py").write_text("import copy\n\n\n" + PARTIAL_BASE + pasted)
    style = run_flake8("--select=E3,W3", "agentsvc/base.py", cwd=project)  # blank lines
    assert (style.returncode, style.stdout) == (0, "")
    again = run_ssot("helpers", cwd=project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "9 of 9 helpers defined." in again.stdout


def test_configured_names_and_an_empty_helper_option(tmp_path):
    project = partial_project(tmp_path)
    (project / "setup.cfg").write_text(
        "[flake8]\nssot-append-list-helper =\nssot-increment-counter-helper =\n")
    result = run_ssot("fix", ".", cwd=project)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert ("no helper is configured for this (ssot-append-list-helper is empty)"
            in result.stderr)
    flake8 = run_flake8("--select=SOT103", ".", cwd=project)
    assert ("a append-list helper (none is configured: ssot-append-list-helper is empty)"
            in flake8.stdout)
    helpers = run_ssot("helpers", cwd=project)
    assert "append_metadata_list" not in helpers.stdout
    assert "3 of 7 helpers defined." in helpers.stdout


INTERFACE = '''\
from abc import ABC, abstractmethod


class BaseAgent(ABC):
    """An interface of the same name: no helpers here."""

    @abstractmethod
    def run(self, context): ...
'''


def test_an_interface_of_the_same_name_is_not_a_helper_class(tmp_path):
    project = write_tree(tmp_path / "svc", {
        "setup.cfg": "[flake8]\n",
        "agentsvc/__init__.py": "",
        "agentsvc/base.py": PARTIAL_BASE,
        "agentsvc/interfaces.py": INTERFACE,
        "agentsvc/real.py": "from agentsvc.base import BaseAgent\n\n\nclass Real(BaseAgent):\n"
                            "    def run(self, context):\n        context.metadata['k'] = 1\n",
        "agentsvc/plain.py": "from agentsvc.interfaces import BaseAgent\n\n\n"
                             "class Plain(BaseAgent):\n    def run(self, context):\n"
                             "        context.metadata['k'] = 1\n",
    })
    result = run_ssot("fix", "--write", ".", cwd=project)
    real = (project / "agentsvc/real.py").read_text()
    assert "self.store_metadata_result(context, 'k', 1)" in real
    assert "context.metadata['k'] = 1" in (project / "agentsvc/plain.py").read_text()
    assert ("not in a class that has the helpers: Plain inherits no helper class "
            "(self.store_metadata_result is not there)") in result.stdout
    helpers = run_ssot("helpers", cwd=project)
    assert ("  BaseAgent (agentsvc/interfaces.py:4): defines no helper (an interface?), not a "
            "helper class") in helpers.stdout


def test_context_classes_by_glob_and_by_subclass_in_another_module(tmp_path):
    project = write_tree(tmp_path / "svc", {
        "setup.cfg": "[flake8]\n",
        "app/__init__.py": "",
        **READ_ONLY_BASE,
        "app/contexts.py": "class ExecutionContext:\n    metadata: dict\n\n\n"
                           "class AuditedRun(ExecutionContext):\n    pass\n",
        "app/special.py": "from app.contexts import AuditedRun\n\n\n"
                          "class NightlyRun(AuditedRun):\n    pass\n",
        "app/use.py": textwrap.dedent('''\
            from app.contexts import ExecutionContext
            from app.special import NightlyRun


            def by_glob(run: ExecutionContext):
                run.metadata["k"] = 1


            def by_subclass(run: "NightlyRun"):
                run.metadata["k"] = 1


            def constructed():
                run = NightlyRun()
                run.metadata["k"] = 1


            def another_type(run: dict):
                run.metadata["k"] = 1
            '''),
    })
    result = run_flake8("--select=SOT1", "app/use.py", cwd=project)
    assert reported(result.stdout) == {(6, 5, "SOT101"), (10, 5, "SOT101"), (15, 5, "SOT101")}


RECEIVER_FLOW = '''\
from typing import Optional

from app.contexts import ExecutionContext, LogContext


class Logger:
    def log(self, context: Optional[LogContext] = None):
        log_context = context or (self.stack[-1] if self.stack else LogContext())
        log_context.metadata["line"] = 1

    def known_context(self, run: ExecutionContext, fallback):
        active_run = fallback or run
        active_run.metadata["k"] = 1  # expect: SOT101

    def constructed(self, cond):
        chosen = LogContext() if cond else ExecutionContext()
        chosen.metadata["k"] = 1  # expect: SOT101

    def every_alternative_another_type(self, cond):
        my_context = {} if cond else LogContext()
        my_context.metadata["k"] = 1

    def a_name_bound_from_a_name(self, entry: LogContext):
        user_context = entry
        user_context.metadata["k"] = 1

    def nothing_known(self, a, b):
        user_context = a or b
        user_context.metadata["k"] = 1  # expect: SOT101
'''


def test_receiver_local_flow(tmp_path):
    project = write_tree(tmp_path / "svc", {
        "setup.cfg": "[flake8]\n",
        "app/__init__.py": "",
        **READ_ONLY_BASE,
        "app/contexts.py": "class ExecutionContext:\n    pass\n\n\nclass LogContext:\n    pass\n",
        "app/logger.py": RECEIVER_FLOW,
    })
    result = run_flake8("--select=SOT1", "app/logger.py", cwd=project)
    expected = {(number, 9, "SOT101") for number, line in
                enumerate(RECEIVER_FLOW.splitlines(), start=1) if "# expect: SOT101" in line}
    assert reported(result.stdout) == expected


def test_fix_honours_flake8_excludes_and_per_file_ignores(tmp_path):
    project = partial_project(tmp_path)
    write_tree(project, {
        "agentsvc/generated/__init__.py": "",
        "agentsvc/generated/gen.py": WORKER,
        "agentsvc/legacy.py": WORKER,
        "setup.cfg": "[flake8]\nextend-exclude = agentsvc/generated\n"
                     "per-file-ignores = agentsvc/legacy.py:SOT101\n",
    })
    result = run_ssot("fix", "--write", ".", cwd=project)
    assert result.returncode == 1, result.stderr
    assert (project / "agentsvc/generated/gen.py").read_text() == WORKER
    assert (project / "agentsvc/legacy.py").read_text() == WORKER
    assert "self.store_metadata_result" in (project / "agentsvc/worker.py").read_text()
    flake8 = run_flake8("--select=SOT101", ".", cwd=project)
    assert flake8.stdout == ""  # the linter agrees: nothing left, nothing excluded reported


def test_the_dry_run_diff_applies_with_git_apply(tmp_path):
    project = partial_project(tmp_path)
    worker = project / "agentsvc/worker.py"
    worker.write_text(WORKER.rstrip("\n"))  # no newline at the end of the file
    git(project, "init", "-q")
    dry = run_ssot("fix", ".", cwd=project)
    assert "\\ No newline at end of file" in dry.stdout
    (project / "changes.patch").write_text(dry.stdout)
    git(project, "apply", "changes.patch")
    written = partial_project(tmp_path / "again")
    (written / "agentsvc/worker.py").write_text(WORKER.rstrip("\n"))
    run_ssot("fix", "--write", ".", cwd=written)
    assert worker.read_text() == (written / "agentsvc/worker.py").read_text()


def test_json_format_and_select(tmp_path):
    project = partial_project(tmp_path)
    result = run_ssot("fix", "--format=json", "--select=SOT103,SOT105", ".", cwd=project)
    assert result.returncode == 0, result.stderr  # nothing selected can be rewritten here
    data = json.loads(result.stdout)
    [entry] = data["files"]
    assert entry["path"] == "agentsvc/worker.py"
    assert [(site["line"], site["code"]) for site in entry["manual"]] == [(9, "SOT103"),
                                                                          (11, "SOT105")]
    assert data["rewritten"] == 0 and data["manual"] == 2
