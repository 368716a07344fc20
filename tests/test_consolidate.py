"""``flake8-ssot consolidate``: the audit, the feature matrix, the verdicts and the rewrite,
through the real command on copies of fixture projects (tests/fixtures/consolidate_project has
the audit's own shape: four ``UserExecutionContext``s, three ``ExecutionEngine``s)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import (FIXTURES, FLAKE8_SSOT, REPO, code_blocks, git, reported, run_flake8,
                     run_ssot, user_env, write_tree)

PROJECT = FIXTURES / "consolidate_project"
CONTEXT = ("UserExecutionContext", "--into", "app/context.py")
ENGINE = ("ExecutionEngine", "--into", "app/engine/execution_engine.py")


def consolidate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_ssot("consolidate", *args, cwd=cwd, timeout=120)


def audit(*args: str, cwd: Path) -> dict:
    result = consolidate(*args, "--format", "json", cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def project(tmp_path) -> Path:
    """A fresh copy of the fixture project, committed in a git repository."""
    target = tmp_path / "project"
    shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns(".flake8-ssot-cache",
                                                                   "__pycache__"))
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-qm", "initial")
    return target


@pytest.fixture(scope="module")
def context_audit(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("audit") / "project"
    shutil.copytree(PROJECT, target)
    return audit(*CONTEXT, cwd=target)


def _home(report: dict, path: str) -> dict:
    return next(home for home in report["homes"] if home["path"] == path)


def _row(report: dict, row: str) -> list[str]:
    return next(item["cells"] for item in report["matrix"] if item["row"] == row)


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.py"))
            if ".flake8-ssot-cache" not in p.parts and "__pycache__" not in p.parts}


# -- the audit's own shape -------------------------------------------------------------------

def test_four_user_execution_contexts_get_the_verdicts_the_audit_asks_for(context_audit):
    homes = {home["path"]: home for home in context_audit["homes"]}
    assert list(homes) == ["app/context.py", "app/factory.py", "app/legacy/context.py",
                           "app/models/context.py"]
    assert {path: home["status"] for path, home in homes.items()} == {
        "app/context.py": "canonical", "app/factory.py": "blocked",
        "app/legacy/context.py": "folded", "app/models/context.py": "folded"}
    # The drifted superset: more fields and methods, but nothing imports it.
    assert homes["app/legacy/context.py"]["importers"] == []
    assert "to_audit" in homes["app/legacy/context.py"]["members"]
    # The field subset with many importers: every call binds as it does in the canonical class.
    assert len({i["path"] for i in homes["app/models/context.py"]["importers"]}) == 9
    assert [p["name"] for p in homes["app/models/context.py"]["constructor"]] == [
        "user_id", "thread_id", "run_id"]
    # The factory's class is another class: each reason is named.
    assert homes["app/factory.py"]["reasons"] == [
        "other kind: class here, dataclass in the canonical class",
        "missing member: build (used at app/services/pages.py:5) is not in the canonical class",
        "positional binding: UserExecutionContext(<1>, <2>) at app/services/pages.py:5: "
        "argument 1 binds to request here, to user_id in the canonical class"]


def test_the_feature_matrix_shows_why(context_audit):
    # Columns: canonical, factory, legacy, models.
    assert _row(context_audit, "kind") == ["dataclass", "differs", "same", "same"]
    assert _row(context_audit, "decorators") == ["@dataclass", "differs", "same", "same"]
    assert _row(context_audit, "field user_id") == [
        "user_id: str, required, position 1", "missing", "same", "same"]
    assert _row(context_audit, "field request_id") == [
        "request_id: Optional[str], optional, position 4", "missing", "same", "missing"]
    assert _row(context_audit, "field websocket_id") == ["missing", "", "extra", ""]
    assert _row(context_audit, "field request") == ["missing", "extra", "", ""]
    assert _row(context_audit, "method child") == [
        "def child(self, run_id: str) -> 'UserExecutionContext'", "missing", "same", "same"]
    assert _row(context_audit, "method to_audit") == ["missing", "", "extra", ""]
    assert _row(context_audit, "method build") == ["missing", "extra", "", ""]
    constructor = next(row for row in context_audit["matrix"] if row["row"] == "constructor")
    assert constructor["values"][3] == "(user_id: str, thread_id: str, run_id: str)"


def test_three_execution_engines_two_sharing_no_public_method(project):
    report = audit(*ENGINE, cwd=project)
    assert [(h["path"], h["status"]) for h in report["homes"]] == [
        ("app/engine/execution_engine.py", "canonical"),
        ("app/agents/supervisor/execution_engine.py", "blocked"),
        ("app/services/execution_engine.py", "folded")]
    assert _row(report, "method run") == ["def run(self, request)", "missing", "same"]
    assert _row(report, "method cancel") == ["def cancel(self, run_id: str) -> bool",
                                             "missing", "missing"]
    assert _row(report, "method execute_agent") == ["missing", "extra", ""]
    assert _home(report, "app/agents/supervisor/execution_engine.py")["reasons"] == [
        "missing member: execute_agent (used at app/agents/supervisor/agent.py:5) is not in "
        "the canonical class"]
    # The copy that lost cancel() is folded: nothing reaches cancel through it.
    result = consolidate(*ENGINE, "--write", cwd=project)
    assert result.returncode == 1  # the supervisor's engine is still blocked
    assert (project / "app/services/pipeline.py").read_text().startswith(
        "from ..engine.execution_engine import ExecutionEngine\n")
    assert (project / "app/services/execution_engine.py").read_text() == (
        "from app.engine.execution_engine import ExecutionEngine  # noqa: F401 (re-export)\n")


# -- every import form ----------------------------------------------------------------------

def test_every_import_form_is_found(context_audit):
    importers = {(i["path"], i["line"]): i
                 for i in _home(context_audit, "app/models/context.py")["importers"]}
    forms = {key: (i["form"], i["alias"], i["type_checking"], i["in_function"], i["through"])
             for key, i in importers.items()}
    assert forms == {
        ("app/api/__init__.py", 1): ("relative", None, False, False, None),
        ("app/api/handlers.py", 1): ("from", None, False, False, None),
        ("app/api/views.py", 1): ("re-export", None, False, False, "app.api"),
        ("app/services/lazy.py", 2): ("from", None, False, True, None),
        ("app/services/merged.py", 2): ("from", None, False, False, None),
        ("app/services/modules.py", 6): ("module attribute", None, False, False, None),
        ("app/services/modules.py", 10): ("module attribute", None, False, False, None),
        ("app/services/runner.py", 3): ("from", "Ctx", False, False, None),
        ("app/services/typed.py", 6): ("from", None, True, False, None),
        ("tests/test_runner.py", 3): ("from", None, False, False, None),
    }


def test_each_import_form_is_rewritten(project):
    result = consolidate(*CONTEXT, "--write", cwd=project)
    assert result.returncode == 1, result.stderr  # a blocked home and a patch string are left
    files = _tree(project)
    # relative, in a package __init__ (a re-export): relative to the canonical module
    assert files["app/api/__init__.py"].startswith(
        "from ..context import UserExecutionContext\n")
    assert files["app/api/handlers.py"].startswith("from app.context import UserExecutionContext\n")
    # through the re-export: unchanged (the re-export itself was rewritten)
    assert files["app/api/views.py"] == (PROJECT / "app/api/views.py").read_text()
    # aliased: the alias is kept
    assert "from app.context import UserExecutionContext as Ctx\n" in files[
        "app/services/runner.py"]
    # merged into the existing import of the canonical module
    assert files["app/services/merged.py"].startswith(
        "from app.context import DEFAULT_TIMEOUT, UserExecutionContext\n\n\n")
    # TYPE_CHECKING: rewritten in its block
    assert "if TYPE_CHECKING:\n    from app.context import UserExecutionContext\n" in files[
        "app/services/typed.py"]
    # inside a function, next to another name of the old module
    assert files["app/services/lazy.py"].startswith(
        "def lazy_context(user_id: str):\n    from app.models.context import anonymous\n"
        "    from app.context import UserExecutionContext\n")
    # `import m` then `m.NAME`: through an import of the canonical module
    assert files["app/services/modules.py"] == textwrap.dedent("""\
        import app.context


        def make(user_id: str):
            return app.context.UserExecutionContext(user_id, "t", "r")


        def make_other(user_id: str):
            return app.context.UserExecutionContext(user_id, "t", "r")
        """)
    # the old homes: shims (one the module itself still uses, one a pure re-export)
    assert files["app/models/context.py"] == textwrap.dedent("""\
        from app.context import UserExecutionContext


        def anonymous() -> UserExecutionContext:
            return UserExecutionContext("anonymous", "-", "-")
        """)
    assert files["app/legacy/context.py"] == (
        '"""The first context, drifted: more fields, an audit helper; nothing imports it any '
        'more."""\n\nfrom app.context import UserExecutionContext  # noqa: F401 (re-export)\n')
    # the blocked home and its importer: untouched
    for path in ("app/factory.py", "app/services/pages.py"):
        assert files[path] == (PROJECT / path).read_text()


def test_a_patch_string_naming_an_old_home_is_listed(project):
    result = consolidate(*CONTEXT, cwd=project)
    assert result.returncode == 1
    assert ("  tests/test_runner.py:12: 'app.models.context.UserExecutionContext' names an old "
            "home of UserExecutionContext; the class lives in app.context now (patch it where "
            "it is looked up)\n") in result.stderr
    assert "mock.patch(\"app.models.context.UserExecutionContext\")" in (
        project / "tests/test_runner.py").read_text()


# -- output and safety -----------------------------------------------------------------------

def test_the_dry_run_diff_applies_with_git_apply_like_write(project, tmp_path):
    dry = consolidate(*CONTEXT, cwd=project)
    assert dry.returncode == 1
    assert dry.stdout.startswith("--- a/app/api/__init__.py\n+++ b/app/api/__init__.py\n")
    assert "Feature matrix" in dry.stderr and "Feature matrix" not in dry.stdout
    assert git(project, "status", "--porcelain") == ""  # a dry run changes nothing
    patch = tmp_path / "consolidate.diff"
    patch.write_text(dry.stdout)
    git(project, "apply", str(patch))
    applied = _tree(project)
    git(project, "checkout", "-q", ".")
    consolidate(*CONTEXT, "--write", cwd=project)
    assert _tree(project) == applied


def test_a_second_run_changes_nothing_and_the_project_compiles_and_runs(project):
    first = consolidate(*CONTEXT, "--write", cwd=project)
    assert "2 homes folded into app/context.py:10 (shims), 9 references rewritten in 10 " \
           "files, 1 blocked, 1 to change by hand." in first.stdout
    after = _tree(project)
    second = consolidate(*CONTEXT, cwd=project)
    assert second.stdout == ""
    assert second.returncode == 1  # the factory's class is still blocked
    assert "0 homes to fold" in second.stderr
    assert _tree(project) == after
    compiled = subprocess.run([sys.executable, "-m", "compileall", "-q", "app", "tests"],
                              cwd=project, capture_output=True, text=True, env=user_env())
    assert compiled.returncode == 0, compiled.stdout
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests"], cwd=project, capture_output=True, text=True,
                           env=user_env())
    assert tests.returncode == 0, tests.stdout


def test_no_new_pyflakes_finding_and_sot201_forgets_the_folded_homes(project):
    def findings() -> set[tuple[str, int, str]]:
        result = run_flake8("--select", "F,E,W,SOT201", ".", cwd=project)
        return {(line.split(":")[0], int(line.split(":")[1]), line.split()[1])
                for line in result.stdout.splitlines()}

    folded = {"./app/legacy/context.py", "./app/models/context.py",
              "./app/services/execution_engine.py"}
    before = findings()
    assert {("./app/models/context.py", 5, "SOT201"),
            ("./app/services/execution_engine.py", 1, "SOT201")} <= before
    assert {code for _, _, code in before} == {"SOT201"}
    consolidate(*CONTEXT, "--write", cwd=project)
    consolidate(*ENGINE, "--write", cwd=project)
    after = findings()
    assert {code for _, _, code in after} <= {"SOT201"}  # no F401, F811, nor any other
    assert not {path for path, _, _ in after} & folded
    # The blocked engine is still a duplicate of the canonical one.
    assert {("./app/engine/execution_engine.py", 1, "SOT201"),
            ("./app/agents/supervisor/execution_engine.py", 1, "SOT201")} <= after


def test_delete_removes_the_definition_and_the_emptied_module(project, tmp_path):
    dry = consolidate(*CONTEXT, "--delete", cwd=project)
    assert "--- a/app/legacy/context.py\n+++ /dev/null\n@@ -1,20 +0,0 @@\n" in dry.stdout
    patch = tmp_path / "delete.diff"
    patch.write_text(dry.stdout)
    git(project, "apply", str(patch))
    assert not (project / "app/legacy/context.py").exists()
    # The module still uses the name: it imports it, without a re-export marker.
    assert (project / "app/models/context.py").read_text().startswith(
        "from app.context import UserExecutionContext\n\n\ndef anonymous()")
    assert run_flake8("--select", "F", ".", cwd=project).stdout == ""


def test_shim_and_delete_exclude_each_other(project):
    result = consolidate(*CONTEXT, "--shim", "--delete", cwd=project)
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


@pytest.mark.parametrize("args, message", [
    (("Nope", "--into", "app/context.py"),
     "flake8-ssot consolidate: app/context.py does not define class Nope at module level "
     "(its definitions in the project: none)\n"),
    (("UserExecutionContext", "--into", "app/api/handlers.py"),
     "flake8-ssot consolidate: app/api/handlers.py does not define class UserExecutionContext "
     "at module level (its definitions in the project: app/context.py:10, app/factory.py:4, "
     "app/legacy/context.py:8, app/models/context.py:5)\n"),
    (("UserExecutionContext", "--into", "app/gone.py"),
     "flake8-ssot consolidate: app/gone.py: no such file or directory\n"),
    (("UserExecutionContext", "--into", "app/context.py", "nowhere"),
     "flake8-ssot consolidate: nowhere: no such file or directory\n"),
    (("not-a-name", "--into", "app/context.py"),
     "flake8-ssot consolidate: 'not-a-name' is not a class name\n"),
])
def test_bad_input_is_one_line_and_exit_2(project, args, message):
    result = consolidate(*args, cwd=project)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_markdown_is_one_document_with_the_matrix_and_the_diff(project):
    result = consolidate(*CONTEXT, "--format", "markdown", cwd=project)
    assert result.returncode == 1 and result.stderr == ""
    out = result.stdout
    assert out.startswith("## Consolidating `UserExecutionContext` into `app/context.py:10`\n")
    assert ("| member | `app/context.py:10` | `app/factory.py:4` | `app/legacy/context.py:8` | "
            "`app/models/context.py:5` |\n") in out
    assert "| kind | `dataclass` | differs: `class` | same | same |\n" in out
    assert "```diff\n--- a/app/api/__init__.py\n" in out


def test_the_command_is_in_the_help():
    result = run_ssot("--help")
    assert "fold the duplicate definitions of a class into its canonical home" in " ".join(
        result.stdout.split())
    sub = run_ssot("consolidate", "--help")
    assert "--into PATH" in sub.stdout and "--delete" in sub.stdout


# -- one reason at a time ------------------------------------------------------------------------

CANONICAL = textwrap.dedent("""\
    from dataclasses import dataclass


    @dataclass
    class Ctx:
        a: int
        b: int
        c: int
        e: int = 0

        def run(self, x):
            return x
    """)


def _small(tmp_path: Path, other: str, user: str) -> Path:
    return write_tree(tmp_path / "small", {
        "setup.cfg": "[flake8]\n", "pkg/__init__.py": "", "pkg/ctx.py": CANONICAL,
        "pkg/other.py": textwrap.dedent(other), "pkg/user.py": textwrap.dedent(user)},
        commit=True)


def _verdict(root: Path) -> tuple[str, list[str]]:
    report = audit("Ctx", "--into", "pkg/ctx.py", cwd=root)
    home = _home(report, "pkg/other.py")
    return home["status"], home["reasons"]


def _copy(extra_field: str = "", run: str = "x", more: str = "") -> str:
    """A dataclass ``Ctx`` with fields a, b, c (and *extra_field*), ``run(self, <run>)``, and
    *more* methods."""
    field = f"    {extra_field}\n" if extra_field else ""
    return ("from dataclasses import dataclass\n\n\n@dataclass\nclass Ctx:\n"
            f"    a: int\n    b: int\n    c: int\n{field}\n"
            f"    def run(self, {run}):\n        return x\n{more}")


_REPORT = "\n    def report(self):\n        return self.a\n"
_USER = "from pkg.other import Ctx\n\n\ndef go(ctx: Ctx):\n    return "


def test_blocked_by_positional_binding(tmp_path):
    root = _small(tmp_path, _copy("d: int = 0"),
                  "from pkg.other import Ctx\n\nCONTEXT = Ctx(1, 2, 3, 4)\n")
    assert _verdict(root) == ("blocked", [
        "positional binding: Ctx(<1>, <2>, <3>, <4>) at pkg/user.py:3: argument 4 binds to d "
        "here, to e in the canonical class"])
    result = consolidate("Ctx", "--into", "pkg/ctx.py", "--write", cwd=root)
    assert result.returncode == 1
    assert git(root, "status", "--porcelain") == ""


def test_the_same_fields_by_keyword_are_compatible(tmp_path):
    root = _small(tmp_path, _copy(), "from pkg.other import Ctx\n\nCONTEXT = Ctx(1, 2, c=3)\n")
    assert _verdict(root) == ("folded", [])
    result = consolidate("Ctx", "--into", "pkg/ctx.py", "--write", cwd=root)
    assert result.returncode == 0, result.stdout
    assert (root / "pkg/user.py").read_text() == (
        "from pkg.ctx import Ctx\n\nCONTEXT = Ctx(1, 2, c=3)\n")
    assert consolidate("Ctx", "--into", "pkg/ctx.py", cwd=root).returncode == 0


def test_blocked_by_a_missing_member(tmp_path):
    root = _small(tmp_path, _copy(more=_REPORT), _USER + "ctx.report()\n")
    assert _verdict(root) == ("blocked", [
        "missing member: report (used at pkg/user.py:5) is not in the canonical class"])


def test_a_missing_member_nobody_reaches_does_not_block(tmp_path):
    root = _small(tmp_path, _copy(more=_REPORT), _USER + "ctx.run(1)\n")
    assert _verdict(root) == ("folded", [])


def test_blocked_by_a_signature_that_differs(tmp_path):
    root = _small(tmp_path, _copy(run="x, y=1"), _USER + "ctx.run(1, 2)\n")
    assert _verdict(root) == ("blocked", [
        "signature differs: run: y is not a parameter of the canonical method (used at "
        "pkg/user.py:5)"])


def test_blocked_by_another_kind(tmp_path):
    root = _small(tmp_path, """\
        import enum


        class Ctx(enum.Enum):
            A = 1
        """, "")
    assert _verdict(root) == ("blocked", ["other kind: enum here, dataclass in the canonical "
                                          "class"])


def test_a_kind_is_the_one_sot201_judges_by_also_through_an_aliased_base(tmp_path):
    # The kind comes from the project index's class records (as SOT201's), so a model whose
    # base is pydantic's BaseModel under another name is a pydantic model here too.
    root = write_tree(tmp_path / "aliased", {
        "setup.cfg": "[flake8]\n", "pkg/__init__.py": "",
        "pkg/ctx.py": "from pydantic import BaseModel\n\n\nclass Ctx(BaseModel):\n"
                      "    a: int\n    b: int = 0\n",
        "pkg/other.py": "from pydantic import BaseModel as Schema\n\n\nclass Ctx(Schema):\n"
                        "    a: int\n    b: int = 0\n",
        "pkg/user.py": "from pkg.other import Ctx\n\nCONTEXT = Ctx(a=1)\n"}, commit=True)
    assert reported(run_flake8("--select", "SOT201", "pkg/other.py", cwd=root).stdout) == {
        (4, 1, "SOT201")}
    report = audit("Ctx", "--into", "pkg/ctx.py", cwd=root)
    assert _row(report, "kind") == ["pydantic model", "same"]
    assert (_home(report, "pkg/other.py")["status"], _home(report, "pkg/other.py")["reasons"]) \
        == ("folded", [])


def test_folded_homes_are_no_longer_reported_by_sot201(tmp_path):
    root = _small(tmp_path, _copy(), "from pkg import other\n\nCONTEXT = other.Ctx(1, 2, 3)\n")
    before = run_flake8("--select", "SOT201,F", ".", cwd=root)
    assert reported(before.stdout) == {(5, 1, "SOT201")}
    assert consolidate("Ctx", "--into", "pkg/ctx.py", "--write", cwd=root).returncode == 0
    assert (root / "pkg/user.py").read_text() == (
        "import pkg.ctx\n\nCONTEXT = pkg.ctx.Ctx(1, 2, 3)\n")
    after = run_flake8("--select", "SOT201,F", ".", cwd=root)
    assert (after.returncode, after.stdout) == (0, "")


# -- the docs show what the command prints ----------------------------------------------------

def test_the_walkthrough_shows_the_real_report_matrix_and_diff(project):
    page = REPO / "docs" / "consolidate.md"
    dry = consolidate(*CONTEXT, cwd=project)
    [diff] = code_blocks(page, "diff")
    assert diff == dry.stdout
    assert code_blocks(page, "text")[0] == dry.stderr
    markdown = consolidate(*CONTEXT, "--format", "markdown", cwd=project).stdout
    matrix = page.read_text().split("| member |", 1)[1].split("\n\n", 1)[0]
    assert "| member |" + matrix in markdown


def test_the_readme_command_runs_on_the_sample_tree(tmp_path):
    [command] = [block for block in code_blocks(REPO / "README.md", "sh")
                 if "consolidate" in block]
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root / "examples",
                    ignore=shutil.ignore_patterns(".flake8-ssot-cache", "__pycache__"))
    result = run_ssot(*command.split()[1:], cwd=root)
    assert result.returncode == 1, result.stderr  # a dry run with a change to make
    assert result.stdout.startswith("--- a/examples/agents/agentsvc/engine/legacy_engine.py\n")
    assert "1 home to fold into examples/agents/agentsvc/engine/execution_engine.py:6" in \
        result.stderr


def test_odd_sources_rewrite_byte_for_byte_and_the_diff_still_applies(tmp_path):
    """A latin-1 file, CRLF and a backslash continuation, a parenthesised import with
    comments, statements sharing a line, and a file that does not parse."""
    root = write_tree(tmp_path / "odd", {
        "setup.cfg": "[flake8]\n", "pkg/__init__.py": "",
        "pkg/canon.py": "class Thing:\n    def go(self):\n        return 1\n\n\n"
                        "def helper():\n    pass\n",
        "pkg/old.py": "import os\n\n\nclass Thing:\n    def go(self):\n        return os.sep\n"
                      "\n\nOther = 1\n",
        "pkg/latin.py": "# -*- coding: latin-1 -*-\nfrom pkg.old import Thing\nx = '\xe9'\n"
                        "Thing()\n".encode("latin-1"),
        "pkg/crlf.py": b"from pkg.old \\\r\n    import Thing\r\nThing()\r\n",
        "pkg/multi.py": "from pkg.old import (  # the old one\n    Other,\n    Thing,\n)\n"
                        "from pkg.canon import (\n    helper\n)\n\nThing().go(), Other, helper\n",
        "pkg/semi.py": "from pkg.old import Thing as T, Other; import os\nT(), os, Other\n",
        "pkg/broken.py": "from pkg.old import Thing\nthis is broken(\n"}, commit=True)
    # bytes: the diff of a latin-1 file holds latin-1 lines
    dry = subprocess.run([FLAKE8_SSOT, "consolidate", "Thing", "--into", "pkg/canon.py"],
                         cwd=root, capture_output=True, env=user_env())
    assert dry.returncode == 1
    assert b"  pkg/broken.py:1: does not parse: not searched for references to Thing\n" in \
        dry.stderr
    patch = tmp_path / "odd.diff"
    patch.write_bytes(dry.stdout)
    git(root, "apply", str(patch))
    applied = {path: (root / path).read_bytes() for path in ("pkg/latin.py", "pkg/crlf.py",
                                                             "pkg/multi.py", "pkg/semi.py",
                                                             "pkg/old.py")}
    assert applied["pkg/latin.py"] == ("# -*- coding: latin-1 -*-\nfrom pkg.canon import Thing\n"
                                       "x = '\xe9'\nThing()\n").encode("latin-1")
    assert applied["pkg/crlf.py"] == b"from pkg.canon \\\r\n    import Thing\r\nThing()\r\n"
    assert applied["pkg/multi.py"] == (
        b"from pkg.old import (  # the old one\n    Other,\n)\n"
        b"from pkg.canon import (\n    helper,\n    Thing,\n)\n\nThing().go(), Other, helper\n")
    assert applied["pkg/semi.py"] == (b"from pkg.old import Other; import os\n"
                                      b"from pkg.canon import Thing as T\nT(), os, Other\n")
    assert applied["pkg/old.py"] == (b"from pkg.canon import Thing  # noqa: F401 (re-export)\n"
                                     b"\n\nOther = 1\n")
    git(root, "checkout", "-q", ".")
    run_ssot("consolidate", "Thing", "--into", "pkg/canon.py", "--write", cwd=root)
    assert {path: (root / path).read_bytes() for path in applied} == applied


def test_blocked_by_an_import_cycle(tmp_path):
    """The canonical module imports pkg.user, which imports Ctx from the other home: importing
    it from the canonical module there instead would be circular."""
    root = _small(tmp_path, _copy(), "from pkg.other import Ctx\n\nDEFAULT = Ctx(1, 2, 3)\n")
    (root / "pkg/ctx.py").write_text("import pkg.user\n\n\n" + CANONICAL)
    assert _verdict(root) == ("blocked", [
        "import cycle: pkg.ctx loads pkg.other (imported by pkg.user), so importing Ctx there "
        "from pkg.ctx would be circular",
        "import cycle: pkg.ctx loads pkg.user (imported by pkg.ctx), so importing Ctx there "
        "from pkg.ctx would be circular"])


def test_flake8_excludes_are_honoured(tmp_path):
    root = write_tree(tmp_path / "excluded", {
        "setup.cfg": "[flake8]\nextend-exclude = vendored\n",
        "pkg/__init__.py": "", "vendored/__init__.py": "",
        "pkg/ctx.py": "class Ctx:\n    pass\n", "pkg/other.py": "class Ctx:\n    pass\n",
        "pkg/user.py": "from pkg.other import Ctx\n\nCtx()\n",
        "vendored/user.py": "from pkg.other import Ctx\n\nCtx()\n"}, commit=True)
    result = consolidate("Ctx", "--into", "pkg/ctx.py", "--write", cwd=root)
    assert result.returncode == 0, result.stdout
    assert git(root, "status", "--porcelain") == " M pkg/other.py\n M pkg/user.py\n"


def test_no_cycle_through_the_packages_above_or_a_type_checking_import(tmp_path):
    """The package above the canonical module is loaded before its body runs, and a
    TYPE_CHECKING import never runs: neither makes the fold circular."""
    root = _small(tmp_path, _copy(), "from pkg.other import Ctx\n\nDEFAULT = Ctx(1, 2, 3)\n")
    (root / "pkg/__init__.py").write_text("from pkg.other import Ctx\n\n__all__ = ['Ctx']\n")
    (root / "pkg/util.py").write_text("")
    (root / "pkg/ctx.py").write_text(
        "from typing import TYPE_CHECKING\n\nimport pkg.util\n\nif TYPE_CHECKING:\n"
        "    import pkg.user\n\n\n" + CANONICAL)
    assert _verdict(root) == ("folded", [])
