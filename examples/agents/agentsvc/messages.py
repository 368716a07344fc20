"""Messages sent to the browser; their metadata is not an execution context's."""

import json


class Message:
    def __init__(self, text):
        self.text = text
        self.metadata = {}


def to_browser(message, context):
    message.metadata["run_id"] = context.run_id  # a message, not a context: fine
    return json.dumps({"text": message.text, "metadata": context.metadata})
