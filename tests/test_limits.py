"""Limits are said, never silent: a file whose SOT3xx step budget runs out gets one SOT902 note
("N values left unjudged") on the first value not judged; and a chain of lambdas pyflakes checks
is checked by the SOT1xx walk too (SOT901 "nested too deeply" only where its docs say)."""

from __future__ import annotations

from helpers import full_base, reported, run_flake8, write_tree

WRITES = 200  # values of one module, far past what a budget of 200 steps judges


def project(tmp_path, files):
    return write_tree(tmp_path / "project", {"setup.cfg": "[flake8]\n",
                                             "agentsvc/__init__.py": "",
                                             "agentsvc/base_agent.py": full_base(), **files})


def datetime_writes(count: int) -> str:
    return ("from datetime import datetime\n\nfrom agentsvc.base_agent import BaseAgent\n\n\n"
            "class Recorder(BaseAgent):\n    def record(self, context):\n"
            + "".join(f"        self.store_metadata_result(context, 'at{number}', "
                      "datetime.now())\n" for number in range(count)))


FIRST_WRITE_LINE = 8


def test_a_file_whose_budget_runs_out_gets_one_note(tmp_path):
    root = project(tmp_path, {"events.py": datetime_writes(WRITES)})
    result = run_flake8("--select", "SOT3,SOT9", "--ssot-inference-budget", "0.2", "events.py",
                        cwd=root)
    assert result.stderr == ""
    found = reported(result.stdout)
    judged = sorted(line for line, _, code in found if code == "SOT301")
    assert 0 < len(judged) < WRITES
    assert judged == list(range(FIRST_WRITE_LINE, FIRST_WRITE_LINE + len(judged)))
    left = WRITES - len(judged)
    note = (f"events.py:{FIRST_WRITE_LINE + len(judged)}:9: SOT902 {left} values left unjudged: "
            "the file's SOT3xx step budget (ssot-inference-budget = 0.2) ran out at this statement")
    assert [line for line in result.stdout.splitlines() if "SOT902" in line] == [note]
    # Selectable as any code: ignored, it is gone and the judged values stay.
    ignored = run_flake8("--select", "SOT3,SOT9", "--extend-ignore", "SOT902",
                         "--ssot-inference-budget", "0.2", "events.py", cwd=root)
    assert reported(ignored.stdout) == {f for f in found if f[2] == "SOT301"}


def test_a_file_the_budget_covers_gets_no_note(tmp_path):
    root = project(tmp_path, {"events.py": datetime_writes(5)})
    result = run_flake8("--select", "SOT3,SOT9", "events.py", cwd=root)
    assert reported(result.stdout) == {(FIRST_WRITE_LINE + n, 9, "SOT301") for n in range(5)}


def nested_lambdas(depth: int, innermost: str) -> str:
    return ("from agentsvc.base_agent import BaseAgent\n\n\n"
            "class Worker(BaseAgent):\n    def run(self, context, mapping):\n"
            "        context.metadata['k'] = 1\n"
            f"        handler = {'lambda: ' * depth}{innermost}\n"
            "        return handler\n")


def test_a_chain_of_lambdas_pyflakes_checks_is_checked_to_the_end(tmp_path):
    root = project(tmp_path, {"deep.py": nested_lambdas(2913, "context.metadata.update(mapping)")})
    pyflakes = run_flake8("--select", "F,E9", "deep.py", cwd=root)
    assert (pyflakes.returncode, pyflakes.stdout, pyflakes.stderr) == (0, "", "")
    result = run_flake8("--select", "SOT", "deep.py", cwd=root)
    assert result.stderr == ""
    assert reported(result.stdout) == {(6, 9, "SOT101"), (7, 9, "SOT102")}
