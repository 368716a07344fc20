"""Which values need a look, and what of a value is stored: no tracing, only the tree.

Most writes are plainly JSON (literals, ``str(...)``, ``.isoformat()``): a file whose values are
all plain never starts the tracer.
"""

from __future__ import annotations

import ast

# Node types whose value is JSON or is decided by their children (for the no-astroid prefilter).
_PLAIN_NODES = (
    ast.Constant, ast.JoinedStr, ast.FormattedValue, ast.Dict, ast.List, ast.Tuple,
    ast.UnaryOp, ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Starred,
    ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
)


# Calls that return JSON whatever they are given (str(x), dt.isoformat(), ...). A file that
# shadows one of these names loses a finding, never gains a wrong one.
_JSON_FUNCTIONS = frozenset({
    "str", "int", "float", "bool", "len", "repr", "round", "ord", "chr", "format", "hex", "oct",
    "bin", "ascii", "hash", "id",
})
_JSON_METHODS = frozenset({
    "isoformat", "strftime", "total_seconds", "timestamp", "model_dump_json", "json", "decode",
    "hexdigest", "format", "join", "lower", "upper", "strip", "lstrip", "rstrip", "title",
    "casefold", "get_metadata_value",
})


def returns_json(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in _JSON_FUNCTIONS
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "model_dump":
        return any(keyword.arg == "mode" and isinstance(keyword.value, ast.Constant)
                   and keyword.value.value == "json" for keyword in call.keywords)
    if func.attr == "dumps":
        return isinstance(func.value, ast.Name) and func.value.id == "json"
    return func.attr in _JSON_METHODS


def needs_a_look(value: ast.expr) -> bool:
    """False when *value* is plainly JSON (most writes): literals, str(...), .isoformat()...

    Files whose values are all plain never pay for astroid.
    """
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            if returns_json(node):
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
