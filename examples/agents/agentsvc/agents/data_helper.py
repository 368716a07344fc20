"""Data helper agent: nested writes, aliases and copying between contexts."""

import copy

from agentsvc.base_agent import BaseAgent


class DataHelperAgent(BaseAgent):
    name = "data_helper"

    def execute(self, context, tables):
        md = context.metadata
        md["tables"] = sorted(tables)
        md.setdefault("usage", {"queries": 0})
        context.metadata["usage"]["queries"] += len(tables)
        context.metadata["steps"].extend(["load", "join"])
        return md["tables"]

    def spawn(self, parent_context, child_context):
        child_context.metadata = copy.deepcopy(parent_context.metadata)
        return child_context

    def reset(self, context):
        context.metadata.clear()
