"""Golden: statement `del` / `.pop(k)` become `self.remove_metadata_key(ctx, k)`."""

from agentsvc.base_agent import BaseAgent


class RemovalAgent(BaseAgent):
    def run(self, context):
        self.remove_metadata_key(context, "draft")
        self.remove_metadata_key(context, "scratch")
        self.remove_metadata_key(context, "maybe")  # the default is unused in a statement
        draft = context.metadata.pop("kept", None)  # manual: SOT105
        context.metadata.popitem()  # manual: SOT105
        del context.metadata["a"], context.metadata["b"]  # manual: SOT105
        context.metadata.pop("x", make_default())  # manual: SOT105
        return draft
