"""The engine package: ExecutionEngine lives in execution_engine."""

from agentsvc.engine.execution_engine import ExecutionEngine

__all__ = ["ExecutionEngine"]
