"""The value tracer: what an expression of the checked file evaluates to, as a ``T``.

Inside a function it follows assignments that can reach the read (``flow``), containers built
step by step, ``for`` targets over typed iterables, ``with ... as``, tuple unpacking and
comprehensions; across functions, what project functions and methods return (their declared
return type, else their ``return`` statements, else a summary's hint), ``self.`` methods and
attributes through the class and its bases. Every step counts against the session's budget.
"""

from __future__ import annotations

import ast

from flake8_ssot.rules.sot3 import calls, kinds, standard
from flake8_ssot.rules.sot3.flow import Flow, scope_of
from flake8_ssot.rules.sot3.types import (
    JSON, NONE, UNKNOWN, Bad, ClassObj, Coll, Inst, Obj, Ref, annotation_text, elements,
    text, union, where,
)

_BUILTIN_EXCEPTION_SUFFIXES = ("Error", "Exception", "Warning", "Exit", "Interrupt")


class Scope:
    """A function (or the module body) of a live view: its flow, class and comprehension names."""

    __slots__ = ("view", "node", "func", "cls", "flow", "parent", "overlay", "mutations")

    def __init__(self, view, node, func, cls, parent):
        self.view, self.node, self.func, self.cls, self.parent = view, node, func, cls, parent
        body = node.body if not isinstance(node, ast.Lambda) else []
        self.flow = Flow(body, getattr(node, "args", None), view.may_walrus)
        self.overlay: dict = {}
        self.mutations = None

    def with_names(self, names: dict) -> "Scope":
        clone = object.__new__(Scope)
        for slot in Scope.__slots__:
            setattr(clone, slot, getattr(self, slot))
        clone.overlay = {**self.overlay, **names}
        return clone


class Tracer(calls.Calls):
    def __init__(self, session, view, tree):
        self.session, self.lineage, self.view, self.tree = session, session.lineage, view, tree
        self._owners = None
        self._scopes: dict[int, Scope] = {}
        self._active: set = set()

    # -- scopes ------------------------------------------------------------------------------

    def _owner(self, node):
        """The function or class whose body holds *node* (None: the module), mapped once; a
        function's scope asked for before any statement's must see its class too."""
        if self._owners is None:
            self._owners = scope_of(self.tree)
        return self._owners.get(id(node))

    def scope_at(self, node) -> Scope:
        """The scope a statement of the tree is in."""
        owner = self._owner(node)
        return self.scope_of_function(owner) if isinstance(
            owner, (ast.FunctionDef, ast.AsyncFunctionDef)) else self.scope_of_function(None)

    def scope_of_function(self, function) -> Scope:
        key = id(function)
        scope = self._scopes.get(key)
        if scope is None:
            if function is None:
                scope = Scope(self.view, self.tree, None, None, None)
            else:
                owner = self._owner(function)
                cls = self._class_info(owner) if isinstance(owner, ast.ClassDef) else None
                parent = self.scope_of_function(owner) if isinstance(
                    owner, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
                func = cls.methods.get(function.name) if cls is not None else None
                scope = Scope(self.view, function, func, cls, parent)
            self._scopes[key] = scope
        return scope

    def _class_info(self, node):
        binding = self.view.bindings.get(node.name)
        if binding and binding[0] == "class" and binding[1].node is node:
            return binding[1]
        return None

    # -- expressions -------------------------------------------------------------------------

    def expr(self, node, scope: Scope, at, depth: int = 0):  # noqa: C901 - one branch a node
        self.session.tick()
        if node is None or depth > 40:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            if node.value is None:
                return NONE
            if isinstance(node.value, bytes):
                return Obj("builtins.bytes")
            if isinstance(node.value, complex):
                return Obj("builtins.complex")
            return JSON
        if isinstance(node, (ast.JoinedStr, ast.Compare)):
            return JSON
        if isinstance(node, ast.Name):
            return self.name(node.id, scope, at, depth)
        if isinstance(node, (ast.List, ast.Tuple)):
            return Coll("tuple" if isinstance(node, ast.Tuple) else "list",
                        self._members(node.elts, scope, at, depth),
                        positional=isinstance(node, ast.Tuple))
        if isinstance(node, ast.Dict):
            members = []
            for key, value in zip(node.keys, node.values):
                if key is None:  # **other
                    members.append(elements(self.expr(value, scope, at, depth + 1)))
                else:
                    members.append(self.expr(value, scope, at, depth + 1))
            return Coll("dict", members)
        if isinstance(node, ast.Set):
            return Obj("builtins.set", union(self._members(node.elts, scope, at, depth)))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._comprehension(node, scope, at, depth)
        if isinstance(node, ast.IfExp):
            return union((self.expr(node.body, scope, at, depth + 1),
                          self.expr(node.orelse, scope, at, depth + 1)))
        if isinstance(node, ast.BoolOp):
            return union([self.expr(value, scope, at, depth + 1) for value in node.values])
        if isinstance(node, ast.NamedExpr):
            return self.expr(node.value, scope, at, depth + 1)
        if isinstance(node, ast.Lambda):
            return Bad(kinds.OBJECT, "function")
        if isinstance(node, ast.Attribute):
            return self.attribute(node, scope, at, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, scope, at, depth)
        if isinstance(node, ast.Call):
            return self.call(node, scope, at, depth, awaited=False)
        if isinstance(node, ast.Await):
            if isinstance(node.value, ast.Call):
                return self.call(node.value, scope, at, depth, awaited=True)
            return UNKNOWN
        if isinstance(node, ast.BinOp):
            return self._binop(node, scope, at, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return JSON
        return UNKNOWN

    def _members(self, elements_, scope, at, depth):
        members = []
        for element in elements_:
            if isinstance(element, ast.Starred):
                members.append(elements(self.expr(element.value, scope, at, depth + 1)))
            else:
                members.append(self.expr(element, scope, at, depth + 1))
        return members

    def _comprehension(self, node, scope, at, depth):
        names = {}
        inner = scope
        for generator in node.generators:
            items = elements(self.expr(generator.iter, inner, at, depth + 1))
            for name, value in self._unpack(generator.target, items):
                names[name] = value
            inner = scope.with_names(names)
        if isinstance(node, ast.GeneratorExp):
            return Bad(kinds.ITERATOR, "generator")
        if isinstance(node, ast.DictComp):
            return Coll("dict", [self.expr(node.value, inner, at, depth + 1)])
        element = self.expr(node.elt, inner, at, depth + 1)
        if isinstance(node, ast.SetComp):
            return Obj("builtins.set", element)
        return Coll("list", [element])

    @staticmethod
    def _unpack(target, value, path=()):
        if isinstance(target, ast.Name):
            yield target.id, value
        elif isinstance(target, (ast.Tuple, ast.List)):
            starred = any(isinstance(element, ast.Starred) for element in target.elts)
            for index, element in enumerate(target.elts):
                if starred or not isinstance(value, Coll) or not value.positional \
                        or index >= len(value.members):
                    part = elements(value) if isinstance(value, Coll) and not value.positional \
                        and not starred else UNKNOWN
                else:
                    part = value.members[index]
                yield from Tracer._unpack(getattr(element, "value", element)
                                          if isinstance(element, ast.Starred) else element,
                                          UNKNOWN if isinstance(element, ast.Starred) else part)

    def _subscript(self, node, scope, at, depth):
        container = self.expr(node.value, scope, at, depth + 1)
        index = node.slice
        if isinstance(container, Coll):
            if isinstance(index, ast.Slice):
                return container if container.shape != "dict" else UNKNOWN
            if container.positional and isinstance(index, ast.Constant) \
                    and isinstance(index.value, int) and -len(container.members) <= \
                    index.value < len(container.members):
                return container.members[index.value]
            return elements(container).proved(container.proof)
        return UNKNOWN

    def _binop(self, node, scope, at, depth):
        left = self.expr(node.left, scope, at, depth + 1)
        if not isinstance(left, Obj) and left is not JSON:
            return UNKNOWN
        right = self.expr(node.right, scope, at, depth + 1)
        return standard.binop(left, node.op, right)

    # -- names -------------------------------------------------------------------------------

    def name(self, name: str, scope: Scope, at, depth: int):
        if name in scope.overlay:
            return scope.overlay[name]
        state = scope.flow.at(at) if at is not None else None
        if state is None and scope.node is not self.tree and at is not None:
            state = scope.flow.start if at is scope.node else None
        definitions = state.get(name) if state is not None else None
        if definitions is None:
            if scope.parent is not None:
                return self.name(name, scope.parent, scope.node, depth + 1)
            return self.module_name(name, depth)
        values = [self._definition(name, definition, scope, depth) for definition in definitions]
        return union(values)

    def module_name(self, name: str, depth: int):
        """A module-level name of the checked file, seen from anywhere in it."""
        binding = self.view.bindings.get(name)
        if binding is None:
            return Ref(f"builtins.{name}")
        if binding[0] != "value":
            return self.session.lookup(self.view, name)
        key = ("module", name)
        if key in self._active:
            return UNKNOWN
        self._active.add(key)
        try:
            module = self.scope_of_function(None)
            values = [UNKNOWN if statement == "unknown" else self.expr(
                statement.value, module, statement, depth + 1) for statement in binding[3]]
            return union(values) if values else UNKNOWN
        finally:
            self._active.discard(key)

    def _definition(self, name, definition, scope, depth):
        kind, node = definition.kind, definition.node
        if kind == "assign":
            value = node.value
            result = self.expr(value, scope, node, depth + 1)
            for index in definition.path:
                if isinstance(result, Coll) and result.positional and index < len(
                        result.members):
                    result = result.members[index]
                else:
                    result = elements(result) if isinstance(result, Coll) else UNKNOWN
            result = self.grown(name, result, value, scope, depth)
            return result.proved(
                lambda: f"`{name}` = `{text(value)}`, {where(scope.view, node.lineno)}")
        if kind == "ann":
            declared = self.session.annotations(scope.view).read(node.annotation)

            def proof():
                return (f"`{name}` is declared `{annotation_text(node.annotation)}`, "
                        f"{where(scope.view, node.lineno)}")

            if declared is UNKNOWN and node.value is not None:
                value = self.expr(node.value, scope, node, depth + 1)
                return self.grown(name, value, node.value, scope, depth).proved(proof)
            return declared.proved(proof)
        if kind == "param":
            return self._parameter(name, definition.node, definition.target, scope)
        if kind == "for":
            iterable = self.expr(node.iter, scope, node, depth + 1)
            items = elements(iterable)
            return self._at_path(items, definition.path).proved(
                lambda: f"`{name}` iterates over `{text(node.iter)}`, "
                        f"{where(scope.view, node.lineno)}")
        if kind == "with":
            item = node.items[definition.path[0]]
            manager = self.expr(item.context_expr, scope, node, depth + 1)
            entered = self.entered(manager, isinstance(node, ast.AsyncWith))
            return self._at_path(entered, definition.path[1:])
        if kind == "except":
            return self._exception(node.type, scope, depth)
        if kind == "def":
            if isinstance(node, ast.ClassDef):
                return UNKNOWN
            return Bad(kinds.OBJECT, "function")
        if kind == "import":
            from flake8_ssot.rules.sot3.summaries import import_target

            return self.session.resolve(import_target(node, definition.target,
                                                      scope.view.package))
        return UNKNOWN

    @staticmethod
    def _at_path(value, path):
        for index in path:
            if isinstance(value, Coll) and value.positional and index < len(value.members):
                value = value.members[index]
            else:
                return UNKNOWN
        return value

    def _parameter(self, name, arg, arguments, scope):
        positional = [*arguments.posonlyargs, *arguments.args]
        if scope.cls is not None and positional and positional[0] is arg and \
                scope.func is not None and scope.func.kind in ("method", "class", "property"):
            return ClassObj(scope.cls) if scope.func.kind == "class" else Inst(scope.cls)
        if arg.annotation is None:
            return UNKNOWN
        declared = self.session.annotations(scope.view).read(arg.annotation)
        defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
        pairs = [*zip(positional, defaults), *zip(arguments.kwonlyargs, arguments.kw_defaults)]
        default = next((d for a, d in pairs if a is arg), None)
        if isinstance(default, ast.Constant) and default.value is None:
            declared = union((declared, NONE))
        return declared.proved(lambda: f"`{name}` is declared "
                               f"`{annotation_text(arg.annotation)}`, "
                               f"{where(scope.view, arg.lineno)}")

    def _exception(self, node, scope, depth):
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.Tuple):
            return union([self._exception(element, scope, depth) for element in node.elts])
        caught = self.expr(node, scope, None, depth + 1)
        if isinstance(caught, ClassObj):
            return Inst(caught.cls)
        if isinstance(caught, Ref) and caught.qual.startswith("builtins.") and \
                caught.qual.endswith(_BUILTIN_EXCEPTION_SUFFIXES):
            return Bad(kinds.OBJECT, f"{caught.qual[9:]} instance")
        return UNKNOWN
