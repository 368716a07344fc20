"""Which values need a look, and what of a value is stored: no tracing, only the tree.

Most writes are plainly JSON (literals, ``str(...)``, ``.isoformat()``): a file whose values are
all plain never starts the tracer.
"""

from __future__ import annotations

import ast
import functools

from flake8_ssot.rules.sot3 import kinds
from flake8_ssot.syntax import dotted_name

# Node types whose value is JSON or is decided by their children.
_PLAIN_NODES = (
    ast.Constant, ast.JoinedStr, ast.FormattedValue, ast.Dict, ast.List, ast.Tuple,
    ast.UnaryOp, ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Starred,
    ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
)


def returns_json(call: ast.Call, methods: frozenset = kinds.JSON_METHOD_NAMES) -> bool:
    """A call that returns JSON whatever it is given, read from the text (``kinds``): ``str(x)``,
    ``json.dumps(x)``, ``dt.isoformat()``, ``model.model_dump(mode="json")``; *methods*: the
    method names taken at their word."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in kinds.JSON_FUNCTION_NAMES
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "model_dump":
        return any(keyword.arg == "mode" and isinstance(keyword.value, ast.Constant)
                   and keyword.value.value == "json" for keyword in call.keywords)
    return func.attr in methods or dotted_name(func) in kinds.JSON_QUALIFIED_CALLS


@functools.lru_cache(maxsize=8)
def json_methods(settings) -> frozenset:
    """``kinds.JSON_METHOD_NAMES`` and the project's read helper (``get_metadata_value``: what
    it returns was checked when it was written)."""
    return kinds.JSON_METHOD_NAMES | {settings.helper("get-value")} - {""}


def needs_a_look(value: ast.expr, settings) -> bool:
    """False when *value* is plainly JSON (most writes): literals, str(...), .isoformat()...

    Files whose values are all plain never start the tracer.
    """
    methods = json_methods(settings)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            if returns_json(node, methods):
                continue
            return True
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (bytes, complex)):
                return True
            continue
        if not isinstance(node, _PLAIN_NODES):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


VALUE, MAPPING, ITEMS = "value", "mapping", "items"
