"""Golden: `ctx.metadata[k] += n` becomes `self.increment_metadata_counter(ctx, k, n)`."""

from agentsvc.base_agent import BaseAgent


class CounterAgent(BaseAgent):
    def run(self, context, tokens):
        self.increment_metadata_counter(context, "calls", 1)
        self.increment_metadata_counter(context, "tokens", len(tokens))  # odd spacing, a comment
        context.metadata["budget"] -= 1  # manual: SOT104
        self.extend_metadata_list(context, "names", ["x"])  # a list: the extend helper
