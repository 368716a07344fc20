"""``Any`` resolved by its visible callers.

A parameter of a function of the checked file that is annotated ``Any``, a container of ``Any``
(``Dict[str, Any]``) or nothing is what its callers pass, when every caller can be seen: the
function is private (``_name``, not a dunder), defined once in the file, only ever called (never
named as a value, never in ``__all__``), from at most ``MAX_SITES`` calls, each passing the
parameter plainly (no ``*args``/``**kwargs``). A method's callers are ``self._name(...)`` and
``cls._name(...)``; a function's, ``_name(...)``. Anything else leaves the declaration as it is.
"""

from __future__ import annotations

import ast

MAX_SITES = 8  # calls of one function followed to resolve its parameter


class CallSites:
    """Every call of the checked file's private names, with its statement, found in one walk."""

    def __init__(self, tree):
        self.calls: dict[str, list] = {}  # name -> [(call, statement, through self/cls)]
        self.used: set[str] = set()  # private names used otherwise than as a callee
        self.defined: dict[str, int] = {}  # private name -> how many definitions
        callees = set()
        stack = [(tree, None)]
        while stack:
            node, statement = stack.pop()
            if isinstance(node, ast.stmt):
                statement = node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defined[node.name] = self.defined.get(node.name, 0) + 1
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and _private(func.id):
                    self.calls.setdefault(func.id, []).append((node, statement, False))
                    callees.add(id(func))
                elif isinstance(func, ast.Attribute) and _private(func.attr) and isinstance(
                        func.value, ast.Name) and func.value.id in ("self", "cls"):
                    self.calls.setdefault(func.attr, []).append((node, statement, True))
                    callees.add(id(func))
            elif isinstance(node, ast.Name) and _private(node.id) and id(node) not in callees:
                self.used.add(node.id)
            elif isinstance(node, ast.Attribute) and _private(node.attr) \
                    and id(node) not in callees:
                self.used.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and _private(node.value):
                self.used.add(node.value)  # __all__, getattr(self, "_name"), ...
            for child in reversed(list(ast.iter_child_nodes(node))):
                stack.append((child, statement))

    def sites(self, function, method: bool):
        """The calls of *function*, or None when not every caller is visible."""
        name = function.name
        if not _private(name) or name in self.used or self.defined.get(name) != 1:
            return None
        found = self.calls.get(name, [])
        if not found or len(found) > MAX_SITES or any(through != method
                                                      for _, _, through in found):
            return None
        return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def argument(call: ast.Call, function, arg, method: bool):
    """The expression *call* passes for parameter *arg* of *function*, or None."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
            keyword.arg is None for keyword in call.keywords):
        return None
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    if method:
        positional = positional[1:]
    for keyword in call.keywords:
        if keyword.arg == arg.arg:
            return keyword.value
    if arg in positional:
        index = positional.index(arg)
        if index < len(call.args):
            return call.args[index]
    return None


def loosely_declared(annotation) -> bool:
    """No annotation, ``Any``, or a container of ``Any``."""
    if annotation is None:
        return True
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id == "Any" or isinstance(
                node, ast.Attribute) and node.attr == "Any":
            return True
    return False
