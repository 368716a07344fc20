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

    def refresh(self, context, child_context, message):
        context.metadata = context.metadata.copy()  # manual: SOT109
        child_context.metadata = message.metadata.copy()  # manual: SOT109
