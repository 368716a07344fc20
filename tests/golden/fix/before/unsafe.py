"""Golden: sites that are not rewritten (listed as manual) or not touched at all."""

from agentsvc.messages import Message


class BaseAgent:
    def store_metadata_result(self, context, key, value):
        context.metadata[key] = value


def helper(context):
    context.metadata["x"] = 1  # manual: SOT101


class NotAnAgent:
    def run(self, context):
        context.metadata["x"] = 1  # manual: SOT101


class Base(BaseAgent):
    pass


class Derived(Base):
    def run(self, context, message: Message):
        context.metadata["inherited"] = 1
        message.metadata["not_a_context"] = 1
        context.metadata["quiet"] = 1  # noqa: SOT101
        md = context.metadata
        md["alias"] = 1  # manual: SOT101
        context.audit_metadata["who"] = "me"  # manual: SOT101
        context.metadata["usage"]["tokens"] = 1  # manual: SOT108
        context.metadata.setdefault("seen", [])  # manual: SOT107

        def inner():
            context.metadata["nested"] = 1  # manual: SOT101
        return inner

    @staticmethod
    def static(self, context):
        context.metadata["x"] = 1  # manual: SOT101



class Overriding(BaseAgent):
    def store_metadata_result(self, context, key, value):
        context.metadata[key] = value  # manual: SOT101

    def run(self, context):
        context.metadata["x"] = 1  # manual: SOT101
