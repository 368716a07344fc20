"""Golden: `ctx.metadata[k] += n` becomes `self.increment_metadata_counter(ctx, k, n)`."""

from agentsvc.base_agent import BaseAgent


class CounterAgent(BaseAgent):
    def run(self, context, tokens):
        context.metadata["calls"] += 1
        context.metadata["tokens"]  +=  len(tokens)  # odd spacing, a comment
        context.metadata["budget"] -= 1  # manual: SOT104
        context.metadata["names"] += ["x"]  # a list: the extend helper
