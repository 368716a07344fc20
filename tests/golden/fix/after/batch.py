"""Golden: `.update(...)` and `|=` become `self.store_metadata_batch(ctx, ...)`."""

from agentsvc.base_agent import BaseAgent


class BatchAgent(BaseAgent):
    def run(self, context, extra):
        self.store_metadata_batch(context, {"status": "done", "attempts": 2})
        self.store_metadata_batch(context,
            {
                "a": 1,  # why a is one
                "b": 2,
            }
        )
        self.store_metadata_batch(context, extra)
        self.store_metadata_batch(context, {"merged": True})
        context.metadata.update(status="done")  # manual: SOT102
