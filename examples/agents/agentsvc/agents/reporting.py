"""Reporting agent: still writes metadata by hand (SOT1xx) and stores values json.dumps rejects."""

from datetime import datetime
from uuid import uuid4

from agentsvc.base_agent import BaseAgent


class ReportingAgent(BaseAgent):
    name = "reporting"

    def execute(self, context, rows):
        context.metadata["report_rows"] = len(rows)
        if "steps" not in context.metadata:
            context.metadata["steps"] = []
        context.metadata["steps"].append("reporting")
        context.metadata["agent_calls"] += 1
        context.metadata.update({"report_format": "csv", "report_ready": True})
        self.store_metadata_result(context, "completion_time", datetime.now())
        return rows

    def finish(self, context):
        draft = context.metadata.pop("draft_report", None)
        del context.metadata["report_ready"]
        context.metadata["request_id"] = uuid4()
        return draft
