"""Golden: `.update(...)` and `|=` become `self.store_metadata_batch(ctx, ...)`."""

from agentsvc.base_agent import BaseAgent


class BatchAgent(BaseAgent):
    def run(self, context, extra):
        context.metadata.update({"status": "done", "attempts": 2})
        context.metadata.update(
            {
                "a": 1,  # why a is one
                "b": 2,
            }
        )
        context.metadata.update(extra)
        context.metadata |= {"merged": True}
        context.metadata.update(status="done")  # manual: SOT102
