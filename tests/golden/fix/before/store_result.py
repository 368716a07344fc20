"""Golden: `ctx.metadata[k] = v` becomes `self.store_metadata_result(ctx, k, v)`."""

from agentsvc.base_agent import BaseAgent


class StoreAgent(BaseAgent):
    def run(self, context, result, model):
        # a leading comment stays
        context.metadata["result"] = result  # a trailing comment stays
        context.metadata[ 'odd' ]   =   (
            result  # a comment inside the value stays
            + 1
        )
        self.context.metadata["via_self"] = result
        context.metadata["pair"] = 1, 2
        context.metadata["model"] = model.model_dump()
        context.metadata["model_json"] = model.model_dump(mode="json")
        context.metadata["partial"] = model.model_dump(exclude={"secret"})
        if result: context.metadata["inline"] = 1; context.metadata["second"] = 2
        first = context.metadata["a"] = result  # manual: SOT101
        context.metadata[next_key()] = compute()  # manual: SOT101
        context.metadata[next_key()] = result
        return first

    async def later(self, ctx: "UserExecutionContext"):
        ctx.metadata["done"] = True
