"""Golden: `.clear()` and copying metadata between contexts."""

import copy
from copy import deepcopy

from agentsvc.base_agent import BaseAgent


class CopyAgent(BaseAgent):
    def reset(self, context):
        context.metadata.clear()

    def spawn(self, parent_context, child_context):
        child_context.metadata = parent_context.metadata.copy()
        child_context.metadata = dict(parent_context.metadata)
        child_context.metadata = copy.copy(parent_context.metadata)
        child_context.metadata = copy.deepcopy(parent_context.metadata)
        child_context.metadata = deepcopy(parent_context.metadata)
        child_context.metadata = {}  # manual: SOT109

    def refresh(self, context, child_context, message):
        context.metadata = context.metadata.copy()  # manual: SOT109
        child_context.metadata = message.metadata.copy()  # manual: SOT109
