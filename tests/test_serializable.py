"""SOT3xx through the real flake8 command line: what inference reads, and what it never does."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import FIXTURES, reported, run_flake8, write_tree
import pytest
from helpers import READ_ONLY_BASE


@pytest.fixture(autouse=True)
def helper_class(tmp_path):
    """SOT1xx reports only in a project with a helper class: every project here has one."""
    write_tree(tmp_path, READ_ONLY_BASE)

AGENT = """\
from datetime import datetime

from app.clock import stamp


class Agent:
    def run(self, context, report):
        self.store_metadata_result(context, "at", stamp())
        self.store_metadata_result(context, "now", datetime.now())
"""


def _write(root: Path, files: dict[str, str]) -> None:
    write_tree(root, {name: textwrap.dedent(text) for name, text in files.items()})


def _sot3(output: str) -> set[tuple[int, int, str]]:
    return {finding for finding in reported(output) if finding[2].startswith("SOT3")}


def _side_effect(marker: str) -> str:
    # Importing (running) this module leaves a file behind.
    return f"import pathlib\npathlib.Path(__file__).with_name({marker!r}).write_text('ran')\n"


def test_no_project_code_runs(tmp_path):
    """The checked module and the module it imports would write a file if run: none appears."""
    _write(tmp_path, {
        "setup.cfg": "[flake8]\n",
        "app/__init__.py": _side_effect("ran_package"),
        "app/clock.py": _side_effect("ran_clock") + (
            "from datetime import datetime\n\n\ndef stamp():\n    return datetime.now()\n"),
        "app/agent.py": _side_effect("ran_agent") + AGENT,
    })
    agent = tmp_path / "app" / "agent.py"
    offset = len(_side_effect("ran_agent").splitlines())
    # From the project root (on sys.path for ``python -m flake8``) and from elsewhere (the
    # project's modules are then found from the checked file's package).
    for cwd in (tmp_path, FIXTURES):
        result = run_flake8("--isolated", "--select", "SOT", str(agent), cwd=cwd)
        assert result.stderr == ""
        # The first finding needs clock.py's source: inference did read it.
        assert _sot3(result.stdout) == {(offset + 8, 9, "SOT301"), (offset + 9, 9, "SOT301")}
        assert sorted(p.name for p in tmp_path.rglob("ran_*")) == []


def test_stdin_buffer_is_checked_not_the_file_on_disk(tmp_path):
    _write(tmp_path, {"app/__init__.py": "", "app/clock.py": "def stamp():\n    return 1\n",
                      "app/agent.py": "# saved version: nothing to report\n"})
    result = run_flake8("--isolated", "--select", "SOT", "--stdin-display-name",
                        str(tmp_path / "app" / "agent.py"), "-", stdin=AGENT)
    assert result.stderr == ""
    assert _sot3(result.stdout) == {(9, 9, "SOT301")}


def test_inference_failures_give_no_finding_and_no_traceback(tmp_path):
    source = '''\
        import os
        from os.path import *
        from . import sibling
        from missing_package import Thing, make
        from datetime import datetime


        def ping():
            return pong()


        def pong():
            return ping()


        class Loop(Loop):
            pass


        class Meta(type):
            def __call__(cls):
                return {}


        class Made(metaclass=Meta):
            pass


        class Broken(metaclass=1):
            pass


        class Hidden(metaclass=Thing):
            pass


        async def fetch():
            return datetime.now()


        class Agent:
            def run(self, context, items):
                self.store_metadata_result(context, "a", ping())
                self.store_metadata_result(context, "b", Loop())
                self.store_metadata_result(context, "c", Made())
                self.store_metadata_result(context, "d", Broken())
                self.store_metadata_result(context, "d2", Hidden())
                self.store_metadata_result(context, "e", Thing().model_dump())
                self.store_metadata_result(context, "f", make(items))
                self.store_metadata_result(context, "g", undefined_name)
                self.store_metadata_result(context, "h", sibling.value)
                self.store_metadata_result(context, "j", super().value)
                self.store_metadata_result(context, "k", os.environ.get("X"))
                self.store_metadata_result(context, "l", fetch())
                self.store_metadata_result(context, "m", [[[[[[[[[[[[[[datetime.now()]]]]]]]]]]]]]])
                self.store_metadata_result(context, "n", (x := items))
                for first in items:
                    self.store_metadata_result(context, "o", first)
                self.store_metadata_result(context, "last", datetime.now())
        '''
    checked = tmp_path / "agent.py"
    checked.write_text(textwrap.dedent(source), encoding="utf-8")
    result = run_flake8("--isolated", "--select", "SOT", str(checked), cwd=tmp_path)
    assert result.stderr == ""
    # Only the last line, after all the failures, is certain.
    assert _sot3(result.stdout) == {(59, 9, "SOT301")}


def test_inference_budget_of_zero_turns_inference_off():
    fixture = FIXTURES / "sot301.py"
    result = run_flake8("--isolated", "--select", "SOT", "--ssot-inference-budget", "0",
                        "--ssot-check-tests", str(fixture))
    assert result.stderr == ""
    codes = {code for _, _, code in reported(result.stdout)}
    assert codes and not {code for code in codes if code.startswith("SOT3")}


def test_converting_helpers_are_configurable(tmp_path):
    _write(tmp_path, {"agent.py": """\
        from pydantic import BaseModel


        class Report(BaseModel):
            title: str


        class Agent:
            def run(self, context):
                self.store_metadata_result(context, "report", Report(title="t"))
                self.save_result(context, "report", Report(title="t"))
        """})
    checked = str(tmp_path / "agent.py")
    default = run_flake8("--isolated", "--select", "SOT", checked)
    assert default.stderr == ""
    assert _sot3(default.stdout) == set()
    # A codebase whose store helper has another name, and does not convert models.
    renamed = run_flake8("--isolated", "--select", "SOT", "--ssot-store-result-helper",
                         "save_result", "--ssot-converting-helpers", "", checked)
    assert renamed.stderr == ""
    assert _sot3(renamed.stdout) == {(11, 9, "SOT308")}


def test_config_file_can_say_no_helper_converts(tmp_path):
    _write(tmp_path, {
        "setup.cfg": "[flake8]\nssot-converting-helpers =\n",
        "agent.py": """\
            from pydantic import BaseModel


            class Report(BaseModel):
                title: str


            class Agent:
                def run(self, context, report: Report):
                    self.store_metadata_result(context, "report", report)
            """,
    })
    result = run_flake8("--select", "SOT", "agent.py", cwd=tmp_path)
    assert result.stderr == ""
    assert _sot3(result.stdout) == {(10, 9, "SOT308")}


def test_noqa_on_the_statement_line_silences_a_multiline_value(tmp_path):
    _write(tmp_path, {"agent.py": """\
        from datetime import datetime


        class Agent:
            def run(self, context):
                self.store_metadata_result(  # noqa: SOT301
                    context, "at", datetime.now(),
                )
                self.store_metadata_result(
                    context, "again", datetime.now(),
                )
        """})
    result = run_flake8("--isolated", "--select", "SOT", str(tmp_path / "agent.py"))
    assert result.stderr == ""
    assert _sot3(result.stdout) == {(9, 9, "SOT301")}


def test_an_edit_to_the_module_a_type_came_from_is_seen_through_the_cache(tmp_path):
    """Results are cached by content: the agent is unchanged, the module it imports is edited."""
    _write(tmp_path, {
        "setup.cfg": "[flake8]\n",
        "app/__init__.py": "",
        "app/clock.py": "from datetime import datetime\n\n\ndef stamp():\n"
                        "    return datetime.now()\n",
        "app/agent.py": AGENT,
    })
    clock = tmp_path / "app" / "clock.py"
    runs = []
    for text in (None, "def stamp():\n    return 'now'\n", clock.read_text()):
        if text is not None:
            clock.write_text(text)
        result = run_flake8("--select", "SOT3", "app/agent.py", cwd=tmp_path)
        assert result.stderr == ""
        runs.append(_sot3(result.stdout))
    assert (tmp_path / ".flake8-ssot-cache" / "index.sqlite3").is_file()  # kept in the index
    assert runs == [{(8, 9, "SOT301"), (9, 9, "SOT301")}, {(9, 9, "SOT301")},
                    {(8, 9, "SOT301"), (9, 9, "SOT301")}]


def test_each_message_shows_its_proof_in_one_line():
    datetimes, objects = FIXTURES / "sot301.py", FIXTURES / "sot311.py"
    result = run_flake8("--isolated", "--select", "SOT3", str(datetimes), str(objects))
    assert result.stderr == ""
    assert f"{datetimes}:86:9: SOT301 {{'time_range': time_range, 'n': 1}} holds a datetime " \
           "(`time_range` is declared `Tuple[datetime, datetime]`, line 85), which json.dumps " \
           "cannot encode; store its .isoformat()" in result.stdout.splitlines()
    assert f"{objects}:64:9: SOT311 lock is an asyncio.Semaphore (`self.locks` is declared " \
           "`Dict[str, asyncio.Semaphore]`, line 58), which json.dumps cannot encode; store " \
           "JSON data instead (e.g. dataclasses.asdict(...) of a dataclass)" \
           in result.stdout.splitlines()


def test_a_methods_return_type_is_read_whichever_method_is_asked_first(tmp_path):
    # Two identical methods of an imported class: both return the datetime __init__ stores.
    # The first one worked out used to be read without its class (so "unknown"), the second not.
    _write(tmp_path, {
        "app/__init__.py": "",
        "app/clock.py": """\
            import datetime


            class Clock:
                def __init__(self):
                    self.when = datetime.datetime.now()

                def first(self):
                    return self.when

                def second(self):
                    return self.when
            """,
        "app/agent.py": """\
            from app.clock import Clock


            def handle(context):
                clock = Clock()
                context.metadata["a"] = clock.first()
                context.metadata["b"] = clock.second()
            """,
    })
    result = run_flake8("--select", "SOT3", "app/agent.py", cwd=tmp_path)
    assert _sot3(result.stdout) == {(6, 5, "SOT301"), (7, 5, "SOT301")}


def test_a_generator_of_non_json_elements_is_not_advised_list_alone():
    result = run_flake8("--isolated", "--select", "SOT3", str(FIXTURES / "sot310.py"))
    assert result.stderr == ""
    lines = {int(line.split(":")[1]): line for line in result.stdout.splitlines()}
    assert lines[32].endswith("(uuid4() for _ in agents) is a generator, which json.dumps cannot "
                              "encode; store a list of its elements made JSON (each a UUID: "
                              "store str(...) of it)")
    assert lines[33].endswith("is a generator, which json.dumps cannot encode; store list(...) "
                              "of it")  # of strings


def test_a_set_of_non_json_elements_is_not_advised_list_alone():
    sets = FIXTURES / "sot303.py"
    result = run_flake8("--isolated", "--select", "SOT3", str(sets))
    assert result.stderr == ""
    lines = {int(line.split(":")[1]): line for line in result.stdout.splitlines()}
    assert lines[28].endswith("{datetime.now()} is a set, which json.dumps cannot encode; store a "
                              "list of its elements made JSON (each a datetime: store its "
                              ".isoformat())")
    assert "list(...)" not in lines[29] and "(each a UUID: store str(...) of it)" in lines[29]
    assert lines[13].endswith("store sorted(...) or list(...) of it")  # a set of strings
    # Elements of a class nothing judges, as langchain-community's graph_vectorstores/
    # cassandra.py stores a set of `Link` (a dataclass under an unknown decorator).
    assert lines[46].endswith("store sorted(...) or list(...) of it, with its Link elements "
                              "made JSON if they are not (nothing says they are)")
    assert lines[47].endswith("store sorted(...) or list(...) of it")  # their str fields
