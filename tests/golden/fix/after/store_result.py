"""Golden: `ctx.metadata[k] = v` becomes `self.store_metadata_result(ctx, k, v)`."""

from agentsvc.base_agent import BaseAgent


class StoreAgent(BaseAgent):
    def run(self, context, result, model):
        # a leading comment stays
        self.store_metadata_result(context, "result", result)  # a trailing comment stays
        self.store_metadata_result(context, 'odd', (
            result  # a comment inside the value stays
            + 1
        ))
        self.store_metadata_result(self.context, "via_self", result)
        self.store_metadata_result(context, "pair", (1, 2))
        self.store_metadata_result(context, "model", model.model_dump())
        self.store_metadata_result(context, "model_json", model)
        self.store_metadata_result(context, "partial", model.model_dump(exclude={"secret"}))
        if result: self.store_metadata_result(context, "inline", 1); self.store_metadata_result(context, "second", 2)
        first = context.metadata["a"] = result  # manual: SOT101
        context.metadata[next_key()] = compute()  # manual: SOT101
        self.store_metadata_result(context, next_key(), result)
        return first

    async def later(self, ctx: "UserExecutionContext"):
        self.store_metadata_result(ctx, "done", True)
