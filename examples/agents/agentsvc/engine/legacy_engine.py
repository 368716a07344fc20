"""A second ExecutionEngine, copied during a migration and never removed (SOT201)."""


class ExecutionEngine:
    def __init__(self, agents):
        self.agents = list(agents)

    def run(self, context, agent_name, payload):
        for agent in self.agents:
            if agent.name == agent_name:
                return agent.execute(context, payload)
        raise KeyError(agent_name)
