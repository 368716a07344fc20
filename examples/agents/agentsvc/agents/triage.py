"""Triage agent: migrated to the helpers (the target state)."""

from agentsvc.base_agent import BaseAgent


class TriageAgent(BaseAgent):
    name = "triage"

    def execute(self, context, request):
        category = "billing" if "invoice" in request else "general"
        self.store_metadata_result(context, "category", category)
        self.append_metadata_list(context, "steps", "triage")
        self.increment_metadata_counter(context, "agent_calls")
        return category
