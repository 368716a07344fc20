"""The per-request execution context every agent receives."""

from dataclasses import dataclass, field


@dataclass
class UserExecutionContext:
    user_id: str
    run_id: str
    metadata: dict = field(default_factory=dict)
    audit_metadata: dict = field(default_factory=dict)

    def child(self, run_id):
        return UserExecutionContext(user_id=self.user_id, run_id=run_id)
