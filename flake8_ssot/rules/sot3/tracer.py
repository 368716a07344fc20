"""The value tracer: what an expression of the checked file evaluates to, as a ``T``.

Inside a function it follows assignments that can reach the read (``flow``), containers built
step by step, ``for`` targets over typed iterables, ``with ... as``, tuple unpacking and
comprehensions; across functions, what project functions and methods return (their declared
return type, else their ``return`` statements, else a summary's hint), ``self.`` methods and
attributes through the class and its bases. Every step counts against the session's budget.

``Tracer.expr`` hands each node to the handler of its type (``_EXPRESSIONS``), a name's
definitions go to the handler of their kind (``_DEFINITIONS``), and attributes, calls and
containers built step by step go to the tracer's collaborator, ``calls.Calls``.
"""

from __future__ import annotations

import ast
from types import MappingProxyType

from flake8_ssot.rules.sot3 import callers, calls, kinds, standard
from flake8_ssot.rules.sot3.flow import Flow, scope_of
from flake8_ssot.rules.sot3.records import Assigned
from flake8_ssot.rules.sot3.summaries import ClassInfo, import_target
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


class Following:
    """``with tracer.following(key) as fresh:``: *fresh* is False when *key* (a module name, a
    function's returns, an attribute) is already being followed further up, a cycle that
    gives UNKNOWN; the key is followed until the block ends."""

    __slots__ = ("active", "key", "fresh")

    def __init__(self, active: set, key):
        self.active, self.key, self.fresh = active, key, False

    def __enter__(self) -> bool:
        self.fresh = self.key not in self.active
        if self.fresh:
            self.active.add(self.key)
        return self.fresh

    def __exit__(self, *exc_info) -> None:
        if self.fresh:
            self.active.discard(self.key)


class Tracer:
    """The value of an expression; *calls* (a ``calls.Calls``) answers for attributes, calls
    and containers built step by step."""

    def __init__(self, session, view, tree):
        self.session, self.lineage, self.view, self.tree = session, session.lineage, view, tree
        self._owners = None
        self._scopes: dict[int, Scope] = {}
        self._active: set = set()
        self._call_sites = None  # callers.CallSites of the tree, made when first needed
        self.calls = calls.Calls(self)

    def following(self, key) -> Following:
        return Following(self._active, key)

    # -- scopes ------------------------------------------------------------------------------

    def owner(self, node):
        """The function or class whose body holds *node* (None: the module), mapped once; a
        function's scope asked for before any statement's must see its class too."""
        if self._owners is None:
            self._owners = scope_of(self.tree)
        return self._owners.get(id(node))

    def scope_at(self, node) -> Scope:
        """The scope a statement of the tree is in."""
        owner = self.owner(node)
        return self.scope_of_function(owner) if isinstance(
            owner, (ast.FunctionDef, ast.AsyncFunctionDef)) else self.scope_of_function(None)

    def scope_of_function(self, function) -> Scope:
        key = id(function)
        scope = self._scopes.get(key)
        if scope is None:
            if function is None:
                scope = Scope(self.view, self.tree, None, None, None)
            else:
                owner = self.owner(function)
                cls = self._class_info(owner) if isinstance(owner, ast.ClassDef) else None
                parent = self.scope_of_function(owner) if isinstance(
                    owner, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
                func = cls.methods.get(function.name) if cls is not None else None
                scope = Scope(self.view, function, func, cls, parent)
            self._scopes[key] = scope
        return scope

    def _class_info(self, node):
        binding = self.view.bindings.get(node.name)
        if isinstance(binding, ClassInfo) and binding.node is node:
            return binding
        return None

    # -- expressions: one handler per node type (``_EXPRESSIONS``) ------------------------------

    def expr(self, node, scope: Scope, at, depth: int = 0):
        self.session.tick()
        if node is None or depth > 40:
            return UNKNOWN
        handler = _EXPRESSIONS.get(node.__class__)
        return UNKNOWN if handler is None else handler(self, node, scope, at, depth)

    def _constant(self, node, scope, at, depth):
        value = node.value
        if value is None:
            return NONE
        if isinstance(value, bytes):
            return Obj("builtins.bytes")
        if isinstance(value, complex):
            return Obj("builtins.complex")
        return JSON

    def _json(self, node, scope, at, depth):
        return JSON

    def _name(self, node, scope, at, depth):
        return self.name(node.id, scope, at, depth)

    def _sequence(self, node, scope, at, depth):
        positional = isinstance(node, ast.Tuple)
        return Coll("tuple" if positional else "list",
                    self._members(node.elts, scope, at, depth), positional=positional)

    def _dict(self, node, scope, at, depth):
        members = []
        for key, value in zip(node.keys, node.values):
            if key is None:  # **other
                members.append(elements(self.expr(value, scope, at, depth + 1)))
            else:
                members.append(self.expr(value, scope, at, depth + 1))
        return Coll("dict", members)

    def _set(self, node, scope, at, depth):
        return Obj("builtins.set", union(self._members(node.elts, scope, at, depth)))

    def _if_expression(self, node, scope, at, depth):
        return union((self.expr(node.body, scope, at, depth + 1),
                      self.expr(node.orelse, scope, at, depth + 1)))

    def _bool_operation(self, node, scope, at, depth):
        return union([self.expr(value, scope, at, depth + 1) for value in node.values])

    def _walrus(self, node, scope, at, depth):
        return self.expr(node.value, scope, at, depth + 1)

    def _lambda(self, node, scope, at, depth):
        return Bad(kinds.OBJECT, "function")

    def _attribute(self, node, scope, at, depth):
        return self.calls.attribute(node, scope, at, depth)

    def _call(self, node, scope, at, depth):
        return self.calls.call(node, scope, at, depth, awaited=False)

    def _await(self, node, scope, at, depth):
        if isinstance(node.value, ast.Call):
            return self.calls.call(node.value, scope, at, depth, awaited=True)
        return UNKNOWN

    def _unary_operation(self, node, scope, at, depth):
        return JSON if isinstance(node.op, ast.Not) else UNKNOWN

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
        if isinstance(node, ast.DictComp):
            return Coll("dict", [self.expr(node.value, inner, at, depth + 1)])
        element = self.expr(node.elt, inner, at, depth + 1)
        if isinstance(node, ast.GeneratorExp):  # its elements decide what list(...) of it is
            return Bad(kinds.ITERATOR, "generator", element)
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

    @staticmethod
    def reaching(name: str, scope: Scope, at):
        """The definitions of *name* in *scope* that can reach *at*, or None (not bound there)."""
        state = scope.flow.at(at) if at is not None else None
        if state is None and scope.node is not None and at is not None:
            state = scope.flow.start if at is scope.node else None
        return state.get(name) if state is not None else None

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
        if not isinstance(binding, Assigned):
            return self.session.lookup(self.view, name)
        with self.following(("module", name)) as fresh:
            if not fresh:
                return UNKNOWN
            module = self.scope_of_function(None)
            values = [UNKNOWN if statement is None else self.expr(
                statement.value, module, statement, depth + 1)
                for statement in binding.statements]
            return union(values) if values else UNKNOWN

    # -- definitions (``flow.Definition``): one handler per kind (``_DEFINITIONS``) -------------

    def _definition(self, name, definition, scope, depth):
        handler = _DEFINITIONS.get(definition.kind)
        return UNKNOWN if handler is None else handler(self, name, definition, scope, depth)

    def _assigned(self, name, definition, scope, depth):
        node = definition.node
        value = node.value
        result = self.expr(value, scope, node, depth + 1)
        for index in definition.path:
            if isinstance(result, Coll) and result.positional and index < len(result.members):
                result = result.members[index]
            else:
                result = elements(result) if isinstance(result, Coll) else UNKNOWN
        result = self.calls.grown(name, result, value, scope, depth)
        return result.proved(
            lambda: f"`{name}` = `{text(value)}`, {where(scope.view, node.lineno)}")

    def _annotated(self, name, definition, scope, depth):
        node = definition.node
        declared = self.session.annotations(scope.view).read(node.annotation)

        def proof():
            return (f"`{name}` is declared `{annotation_text(node.annotation)}`, "
                    f"{where(scope.view, node.lineno)}")

        if declared is UNKNOWN and node.value is not None:
            value = self.expr(node.value, scope, node, depth + 1)
            return self.calls.grown(name, value, node.value, scope, depth).proved(proof)
        return declared.proved(proof)

    def _iterated(self, name, definition, scope, depth):
        node = definition.node
        items = elements(self.expr(node.iter, scope, node, depth + 1))
        return self._at_path(items, definition.path).proved(
            lambda: f"`{name}` iterates over `{text(node.iter)}`, "
                    f"{where(scope.view, node.lineno)}")

    def _entered(self, name, definition, scope, depth):
        node = definition.node
        item = node.items[definition.path[0]]
        manager = self.expr(item.context_expr, scope, node, depth + 1)
        entered = self.calls.entered(manager, isinstance(node, ast.AsyncWith))
        return self._at_path(entered, definition.path[1:])

    def _caught(self, name, definition, scope, depth):
        return self._exception(definition.node.type, scope, depth)

    def _defined(self, name, definition, scope, depth):
        if isinstance(definition.node, ast.ClassDef):
            return UNKNOWN
        return Bad(kinds.OBJECT, "function")

    def _imported(self, name, definition, scope, depth):
        return self.session.resolve(import_target(definition.node, definition.target,
                                                  scope.view.package))

    @staticmethod
    def _at_path(value, path):
        for index in path:
            if isinstance(value, Coll) and value.positional and index < len(value.members):
                value = value.members[index]
            else:
                return UNKNOWN
        return value

    def _parameter(self, name, definition, scope, depth):
        arg, arguments = definition.node, definition.target
        positional = [*arguments.posonlyargs, *arguments.args]
        if scope.cls is not None and positional and positional[0] is arg and \
                scope.func is not None and scope.func.kind in ("method", "class", "property"):
            return ClassObj(scope.cls) if scope.func.kind == "class" else Inst(scope.cls)
        if callers.loosely_declared(arg.annotation):
            passed = self._passed(name, arg, scope, depth)
            if passed is not None:
                return passed
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

    def _passed(self, name, arg, scope, depth):
        """What the visible callers of *scope*'s function pass for *arg* (``callers``), or None."""
        function = scope.node
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                or not scope.view.checked:
            return None
        method = scope.func is not None and scope.func.kind in ("method", "class")
        if scope.cls is not None and not method:
            return None  # a static method or property: called some other way
        if self._call_sites is None:
            self._call_sites = callers.CallSites(self.tree)
        sites = self._call_sites.sites(function, method)
        if sites is None:
            return None
        with self.following(("callers", id(arg))) as fresh:
            if not fresh:
                return None
            values = []
            for call, statement, _ in sites:
                given = callers.argument(call, function, arg, method)
                if given is None:
                    return None
                values.append(self.expr(given, self.scope_at(statement), statement,
                                        depth + 1).proved(
                    lambda given=given, statement=statement: f"`{name}` is given "
                    f"`{text(given)}`, {where(scope.view, statement.lineno)}"))
            return union(values)

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


# The handler of each expression type; a type not here is UNKNOWN.
_EXPRESSIONS = MappingProxyType({
    ast.Constant: Tracer._constant,
    ast.JoinedStr: Tracer._json,
    ast.Compare: Tracer._json,
    ast.Name: Tracer._name,
    ast.List: Tracer._sequence,
    ast.Tuple: Tracer._sequence,
    ast.Dict: Tracer._dict,
    ast.Set: Tracer._set,
    ast.ListComp: Tracer._comprehension,
    ast.SetComp: Tracer._comprehension,
    ast.GeneratorExp: Tracer._comprehension,
    ast.DictComp: Tracer._comprehension,
    ast.IfExp: Tracer._if_expression,
    ast.BoolOp: Tracer._bool_operation,
    ast.NamedExpr: Tracer._walrus,
    ast.Lambda: Tracer._lambda,
    ast.Attribute: Tracer._attribute,
    ast.Subscript: Tracer._subscript,
    ast.Call: Tracer._call,
    ast.Await: Tracer._await,
    ast.BinOp: Tracer._binop,
    ast.UnaryOp: Tracer._unary_operation,
})

# The handler of each kind of ``flow.Definition``; another kind ("unknown") is UNKNOWN.
_DEFINITIONS = MappingProxyType({
    "assign": Tracer._assigned,
    "ann": Tracer._annotated,
    "param": Tracer._parameter,
    "for": Tracer._iterated,
    "with": Tracer._entered,
    "except": Tracer._caught,
    "def": Tracer._defined,
    "import": Tracer._imported,
})
