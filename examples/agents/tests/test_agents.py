"""Behaviour of the sample agents (run with: python -m pytest examples/agents/tests)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from agentsvc.agents.data_helper import DataHelperAgent  # noqa: E402
from agentsvc.agents.reporting import ReportingAgent  # noqa: E402
from agentsvc.agents.triage import TriageAgent  # noqa: E402
from agentsvc.base_agent import BaseAgent  # noqa: E402
from agentsvc.context import UserExecutionContext  # noqa: E402
from agentsvc.engine.execution_engine import ExecutionEngine  # noqa: E402


def make_context():
    return UserExecutionContext(user_id="u1", run_id="r1")


def test_triage_then_reporting():
    context = make_context()
    engine = ExecutionEngine([TriageAgent(), ReportingAgent()])
    assert engine.run(context, "triage", "invoice 42") == "billing"
    BaseAgent().store_metadata_result(context, "draft_report", "draft")
    engine.run(context, "reporting", [1, 2, 3])
    assert context.metadata["steps"] == ["triage", "reporting"]
    assert context.metadata["agent_calls"] == 2
    assert context.metadata["report_rows"] == 3
    assert context.metadata["report_format"] == "csv"
    assert context.metadata["engine_log"] == ["triage", "reporting"]
    assert ReportingAgent().finish(context) == "draft"
    assert "report_ready" not in context.metadata and "draft_report" not in context.metadata


def test_data_helper_and_propagation():
    context = make_context()
    BaseAgent().store_metadata_result(context, "steps", ["start"])
    agent = DataHelperAgent()
    assert agent.execute(context, ["b", "a"]) == ["a", "b"]
    assert context.metadata["usage"] == {"queries": 2}
    assert context.metadata["steps"] == ["start", "load", "join"]
    child = agent.spawn(context, context.child("r2"))
    assert child.metadata == context.metadata and child.metadata is not context.metadata
    child.metadata["usage"]["queries"] = 99  # noqa: SOT108 - proving the copy is deep
    assert context.metadata["usage"]["queries"] == 2
    agent.reset(context)
    assert context.metadata == {}


def test_triage_metadata_is_json_safe():
    context = make_context()
    TriageAgent().execute(context, "hello")
    json.dumps(context.metadata)
