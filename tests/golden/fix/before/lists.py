"""Golden: list appends and extends; the `if key not in ...: = []` guard goes away."""

from agentsvc.base_agent import BaseAgent


class ListAgent(BaseAgent):
    def run(self, context, step, steps):
        # make sure the list exists
        if "steps" not in context.metadata:
            context.metadata["steps"] = []
        context.metadata["steps"].append(step)

        if "log" not in context.metadata: context.metadata["log"] = []
        context.metadata["log"].extend(steps)

        context.metadata["plain"].append(
            step,  # a comment among the arguments stays
        )
        if "kept" not in context.metadata:
            # this guard has a comment inside, so it stays (its store is rewritten)
            context.metadata["kept"] = []
        context.metadata["kept"].append(step)
        context.metadata["steps"].insert(0, step)  # manual: SOT103
