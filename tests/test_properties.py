"""Property tests: generated programs never make the checks raise, and reads are never reported.

Two generators: hypothesmith's arbitrary programs from Python's grammar (the fuzzing half), and
a small grammar of our own that writes, reads and passes around ``.metadata`` in every scope
form (the half that reaches the interesting code). ``check_file`` is called in-process for
speed (it is the thing under test); a smaller number of examples go through the real flake8
command line and must print exactly what ``check_file`` returned.

``SSOT_HYPOTHESIS_EXAMPLES=2000 python -m pytest tests/test_properties.py`` for a longer run.
"""

from __future__ import annotations

import ast
import atexit
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from helpers import reported, run_flake8
from flake8_ssot import options
from flake8_ssot.checker import check_file
from flake8_ssot.registry import BY_CODE
from helpers import READ_ONLY_BASE, write_tree


# Generated programs like ``1()`` are valid but make the compiler warn; that is not our output.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

EXAMPLES = int(os.environ.get("SSOT_HYPOTHESIS_EXAMPLES", "150"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get(
    "SSOT_HYPOTHESIS_EXAMPLES"), suppress_health_check=[HealthCheck.too_slow])
SETTINGS = options.Settings()
WATCHED_WORDS = (*SETTINGS.metadata_attributes, *(
    SETTINGS.helper(helper.role) for helper in options.HELPERS))

# A project of its own, so that the project index (SOT2xx) never walks this repository.
PROJECT = Path(tempfile.mkdtemp(prefix="ssot-properties-"))
atexit.register(shutil.rmtree, PROJECT, True)
(PROJECT / "setup.cfg").write_text("[flake8]\n")
write_tree(PROJECT, READ_ONLY_BASE)  # SOT1xx reports only in a project with a helper class
FILENAME = str(PROJECT / "generated.py")


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def plugin_warnings():
    """What the plugin logged (an internal error is a SOT901 finding, see ``check``)."""
    handler = _Warnings()
    logger = logging.getLogger("flake8_ssot")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def check(source: str):
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    with plugin_warnings() as warnings:
        findings = check_file(tree, lines, FILENAME, SETTINGS)
    internal = list(warnings) + [
        f.message for f in findings if f.code == "SOT901" and "nested too deeply" not in f.message]
    assert internal == [], f"plugin warnings or internal errors on:\n{source}"
    line_count = max(len(lines), 1)
    for finding in findings:
        assert finding.code in BY_CODE
        assert finding.message.startswith(finding.code + " ")
        assert 1 <= finding.line <= line_count and finding.col >= 0
    return findings


def family(findings, *prefixes: str):
    return [finding for finding in findings if finding.code.startswith(prefixes)]


# -- a grammar of metadata code --------------------------------------------------------------

CONTEXTS = ("context", "ctx", "self.context", "user_context", "child_ctx", "state")
NOT_CONTEXTS = ("message", "Base", "response", "self.message", "record", "model")
ATTRIBUTES = ("metadata", "agent_context", "audit_metadata")
KEYS = ("'result'", "key", "f'{key}_x'", "0")
SAFE_VALUES = ("1", "'done'", "None", "[1, 2.5]", "{'a': [True]}", "value", "str(uuid4())",
               "datetime.now().isoformat()", "model.model_dump(mode='json')", "len(items)")
ANY_VALUES = (*SAFE_VALUES, "datetime.now()", "uuid4()", "{1, 2}", "b'raw'", "Decimal('1.5')",
              "Path('out')", "model.model_dump()", "{'at': datetime.now()}", "(x for x in items)")

# Each form: lines of code, and which of them (0-based) the finding belongs to.
WRITES = (
    (["{r}.{a}[{k}] = {v}"], 0),
    (["{r}.{a}.update({{{k}: {v}}})"], 0),
    (["{r}.{a} |= {{{k}: {v}}}"], 0),
    (["{r}.{a}[{k}].append({v})"], 0),
    (["{r}.{a}[{k}].extend([{v}])"], 0),
    (["{r}.{a}[{k}].insert(0, {v})"], 0),
    (["{r}.{a}[{k}] += 1"], 0),
    (["del {r}.{a}[{k}]"], 0),
    (["{r}.{a}.pop({k}, None)"], 0),
    (["{r}.{a}.popitem()"], 0),
    (["{r}.{a}.clear()"], 0),
    (["seen = {r}.{a}.setdefault({k}, {v})"], 0),
    (["{r}.{a}[{k}]['inner'] = {v}"], 0),
    (["{r}.{a}[{k}]['inner'].append({v})"], 0),
    (["{r}.{a} = other.{a}.copy()"], 0),
    (["{r}.{a} = copy.deepcopy(other.{a})"], 0),
    (["setattr({r}, '{a}', {{}})"], 0),
    (["md = {r}.{a}", "md[{k}] = {v}"], 1),
    (["if (md := {r}.{a}) is not None:", "    md.update({{{k}: {v}}})"], 1),
    (["callback = lambda: {r}.{a}.pop({k})"], 0),
    (["[{r}.{a}.update(row) for row in items]"], 0),
)
READS = (
    "found = {r}.{a}.get({k})",
    "if {k} in {r}.{a}:\n    pass",
    "size = len({r}.{a})",
    "for entry in {r}.{a}:\n    print(entry)",
    "first = {r}.{a}[{k}]",
    "snapshot = dict({r}.{a})",
    "nested = {r}.{a}[{k}]['inner']",
    "keys = [name for name in {r}.{a}.keys()]",
    "copied = {{**{r}.{a}}}",
    "found = self.get_metadata_value({r}, {k}, None)",
    "self.store_metadata_result({r}, {k}, {v})",
    "self.store_metadata_batch({r}, {{{k}: {v}}})",
    "self.append_metadata_list({r}, {k}, {v})",
    "self.increment_metadata_counter({r}, {k}, 1)",
    "self.remove_metadata_key({r}, {k})",
    "Base.{a}.create_all(engine)",
)
HEADER = ("import copy\nfrom datetime import datetime\nfrom decimal import Decimal\n"
          "from pathlib import Path\nfrom uuid import uuid4\n")
# Scopes a statement can sit in; "{body}" is indented by the wrapper's own indentation.
WRAPPERS = (
    "def handle(context, ctx, message, value, key, other, model, items, self=None):\n{body}",
    "async def handle(context, ctx, message, value, key, other, model, items):\n{body}",
    "class Agent:\n    def run(self, context, ctx, message, value, key, other, model, items):\n"
    "{body}",
    "if value:\n{body}",
    "try:\n{body}\nexcept Exception:\n    pass",
    "with open(key) as handle:\n{body}",
    "for row in items:\n{body}",
    "while value:\n{body}\n    break",
    "def outer(context):\n    def inner(key, value):\n{body}\n    return inner",
)
EXEMPT_WRAPPER = ("class BaseAgent:\n    def store_metadata_result(self, context, ctx, key, value, "
                  "other, items, model):\n{body}")


def indent(text: str, wrapper: str) -> str:
    # Indent the body like the last line of the wrapper before "{body}", plus one level.
    before = wrapper.split("{body}")[0].rstrip("\n").splitlines()[-1]
    depth = len(before) - len(before.lstrip()) + 4
    return "\n".join(" " * depth + line for line in text.splitlines())


def wrap(text: str, wrappers: list[str]) -> str:
    for wrapper in wrappers:
        text = wrapper.replace("{body}", indent(text, wrapper), 1)
    return text


@st.composite
def write_statement(draw, receivers=CONTEXTS, values=ANY_VALUES):
    lines, finding_line = draw(st.sampled_from(WRITES))
    fields = dict(r=draw(st.sampled_from(receivers)), a=draw(st.sampled_from(ATTRIBUTES)),
                  k=draw(st.sampled_from(KEYS)), v=draw(st.sampled_from(values)))
    return "\n".join(line.format(**fields) for line in lines), finding_line


@st.composite
def read_statement(draw, receivers=CONTEXTS):
    template = draw(st.sampled_from(READS))
    return template.format(r=draw(st.sampled_from(receivers)), a=draw(st.sampled_from(ATTRIBUTES)),
                           k=draw(st.sampled_from(KEYS)), v=draw(st.sampled_from(SAFE_VALUES)))


@st.composite
def program(draw, statement, wrappers=WRAPPERS):
    """Several statements, each in a random stack of scopes."""
    parts = [HEADER]
    for _ in range(draw(st.integers(1, 5))):
        text = draw(statement)
        text = text[0] if isinstance(text, tuple) else text
        parts.append(wrap(text, draw(st.lists(st.sampled_from(wrappers), max_size=3))))
    source = "\n".join(parts) + "\n"
    ast.parse(source)  # the grammar only makes valid programs; fail loudly if not
    return source


def read_only_program():
    return program(st.one_of(read_statement(), read_statement(NOT_CONTEXTS),
                             write_statement(NOT_CONTEXTS)))


def any_metadata_program():
    return program(st.one_of(write_statement(), read_statement(), write_statement(NOT_CONTEXTS)))


def grammar_program():
    return hypothesmith.from_grammar().filter(lambda source: _parses(source))


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
        source.encode("utf-8")  # written to disk for the flake8 run
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


# -- properties ------------------------------------------------------------------------------

@PROPERTY
@given(grammar_program())
def test_any_valid_program_is_checked_without_error(source):
    # A comment naming the watched words lets the program past the cheap text prefilter, so the
    # whole visitor walks it; the program itself has no metadata, so nothing can be reported.
    assume(not any(word in source for word in WATCHED_WORDS))
    findings = check(source + "\n# metadata store_metadata_result\n")
    assert family(findings, "SOT1", "SOT3") == []


@PROPERTY
@given(any_metadata_program())
def test_metadata_programs_are_checked_without_error(source):
    check(source)


@PROPERTY
@given(read_only_program())
def test_reads_and_non_context_metadata_are_never_reported(source):
    assert family(check(source), "SOT1", "SOT3") == []


@PROPERTY
@given(st.data())
def test_helpers_own_implementation_is_exempt(data):
    text, _ = data.draw(write_statement(values=SAFE_VALUES))
    source = HEADER + wrap(text, [EXEMPT_WRAPPER]) + "\n"
    assert family(check(source), "SOT1", "SOT3") == []


@PROPERTY
@given(write_statement(), st.lists(st.sampled_from(WRAPPERS), max_size=3))
def test_a_context_write_is_reported_on_its_line_in_any_scope(write, wrappers):
    text, finding_line = write
    source = HEADER + wrap(text, wrappers) + "\n"
    body_start = HEADER.count("\n") + 1 + sum(
        wrapper.split("{body}")[0].count("\n") for wrapper in wrappers)
    sot1 = family(check(source), "SOT1")
    assert {finding.line for finding in sot1} == {body_start + finding_line}, source


@settings(max_examples=min(EXAMPLES // 30 + 1, 20), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.one_of(any_metadata_program(), grammar_program()), min_size=6, max_size=10))
def test_flake8_prints_what_check_file_returns(sources):
    with tempfile.TemporaryDirectory() as directory:
        project = Path(directory)
        (project / "setup.cfg").write_text("[flake8]\n")
        expected = set()
        for number, source in enumerate(sources):
            path = project / f"module_{number}.py"
            path.write_text(source, encoding="utf-8")
            tree = ast.parse(source)
            with plugin_warnings():
                findings = check_file(tree, source.splitlines(keepends=True), str(path), SETTINGS)
            expected |= {(path.name, f.line, f.col + 1, f.code)
                         for f in family(findings, "SOT1", "SOT3")}
        result = run_flake8("--select", "SOT1,SOT3", "--jobs", "2", ".", cwd=project)
        assert "Traceback" not in result.stderr, result.stderr
        assert "flake8-ssot" not in result.stderr, result.stderr
        assert result.returncode == (1 if expected else 0), result.stderr
        printed = set()
        for line in result.stdout.splitlines():
            name = line.split(":", 1)[0].removeprefix("./")
            (row, col, code), = reported(line + "\n")
            printed.add((name, row, col, code))
        assert printed == expected
