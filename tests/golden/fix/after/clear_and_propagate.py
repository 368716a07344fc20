"""Golden: `.clear()` and copying metadata between contexts."""

from agentsvc.base_agent import BaseAgent


class CopyAgent(BaseAgent):
    def reset(self, context):
        self.clear_metadata(context)

    def spawn(self, parent_context, child_context):
        self.propagate_metadata(parent_context, child_context)
        self.propagate_metadata(parent_context, child_context)
        self.propagate_metadata(parent_context, child_context)
        self.propagate_metadata(parent_context, child_context)
        self.propagate_metadata(parent_context, child_context)
        child_context.metadata = {}  # manual: SOT109
