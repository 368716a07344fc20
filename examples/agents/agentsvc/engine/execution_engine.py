"""The execution engine that runs agents for one user."""

from agentsvc.base_agent import BaseAgent


class ExecutionEngine:
    def __init__(self, agents):
        self.agents = {agent.name: agent for agent in agents}

    def run(self, context, agent_name, payload):
        agent = self.agents[agent_name]
        helper = BaseAgent()
        helper.append_metadata_list(context, "engine_log", agent_name)
        return agent.execute(context, payload)
