"""BaseAgent: the single place that writes execution-context metadata."""

import copy


class BaseAgent:
    name = "base"

    def store_metadata_result(self, context, key, value):
        if hasattr(value, "model_dump"):
            value = value.model_dump(mode="json")
        context.metadata[key] = value

    def store_metadata_batch(self, context, mapping):
        for key, value in dict(mapping).items():
            self.store_metadata_result(context, key, value)

    def append_metadata_list(self, context, key, item):
        context.metadata.setdefault(key, []).append(item)

    def extend_metadata_list(self, context, key, items):
        context.metadata.setdefault(key, []).extend(items)

    def increment_metadata_counter(self, context, key, n=1):
        context.metadata[key] = context.metadata.get(key, 0) + n

    def remove_metadata_key(self, context, key):
        context.metadata.pop(key, None)

    def clear_metadata(self, context, preserve_keys=None):
        kept = {k: context.metadata[k] for k in preserve_keys or () if k in context.metadata}
        context.metadata.clear()
        context.metadata.update(kept)

    def propagate_metadata(self, parent, child, keys=None):
        source = parent.metadata if keys is None else {
            k: parent.metadata[k] for k in keys if k in parent.metadata}
        child.metadata.update(copy.deepcopy(source))

    def get_metadata_value(self, context, key, default=None):
        return context.metadata.get(key, default)
