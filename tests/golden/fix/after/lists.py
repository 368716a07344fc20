"""Golden: list appends and extends; the `if key not in ...: = []` guard goes away."""

from agentsvc.base_agent import BaseAgent


class ListAgent(BaseAgent):
    def run(self, context, step, steps):
        # make sure the list exists
        self.append_metadata_list(context, "steps", step)

        self.extend_metadata_list(context, "log", steps)

        self.append_metadata_list(context, "plain",
            step,  # a comment among the arguments stays
        )
        if "kept" not in context.metadata:
            # this guard has a comment inside, so it stays (its store is rewritten)
            self.store_metadata_result(context, "kept", [])
        self.append_metadata_list(context, "kept", step)
        context.metadata["steps"].insert(0, step)  # manual: SOT103
