"""The tracer's calls and attributes: what a call returns, what ``obj.attr`` holds, and what a
container built step by step (``lst.append(x)``, ``d[k] = x``) ends up holding."""

from __future__ import annotations

import ast

from flake8_ssot.rules.sot3 import kinds, prefilter, standard
from flake8_ssot.rules.sot3.lineage import MODEL, ENUM, JSON_ENUM
from flake8_ssot.rules.sot3.types import (
    JSON, NONE, UNKNOWN, Awaitable, Bad, ClassObj, Coll, Func, Inst, Module, Obj, Ref, decode,
    elements, text, union, where,
)
from flake8_ssot.syntax import own_statements, statements_breadth_first

_EMPTY_CONTAINERS = frozenset({"builtins.list", "builtins.dict", "collections.defaultdict",
                               "collections.OrderedDict"})


class Calls:
    """The tracer's collaborator for attributes, calls and containers built step by step; it
    asks its *tracer* for the values of the expressions it meets."""

    def __init__(self, tracer):
        self.tracer, self.session, self.lineage = tracer, tracer.session, tracer.lineage

    # -- attributes ----------------------------------------------------------------------------

    def attribute(self, node, scope, at, depth):
        given = self._constructed_with(node, scope, at, depth)
        if given is not None:
            return given
        owner = self.tracer.expr(node.value, scope, at, depth + 1)
        return self.member_of(owner, node.attr, depth)

    def _constructed_with(self, node, scope, at, depth):
        """``x.field`` where this function made ``x = Cls(field=value)`` (or ``Cls(value)`` of a
        dataclass whose fields bind in order): the value given, not the field's declaration,
        until ``x.field`` is assigned (an unknown value: silence)."""
        owner = node.value
        if not isinstance(owner, ast.Name) or at is None or scope.node is self.tracer.tree:
            return None
        definitions = self.tracer.reaching(owner.id, scope, at)
        if not definitions or len(definitions) != 1 or definitions[0].kind != "assign" \
                or definitions[0].path:
            return None
        statement = definitions[0].node
        call = statement.value
        if not isinstance(call, ast.Call):
            return None
        if not (call.args or call.keywords) or _assigns_attribute(scope.node, owner.id,
                                                                  node.attr):
            return None
        made = self.tracer.expr(call.func, scope, statement, depth + 1)
        if not isinstance(made, ClassObj):
            return None
        given = self._given(call, made.cls, node.attr)
        if given is None:
            return None
        return self.tracer.expr(given, scope, statement, depth + 1).proved(
            lambda: f"`{owner.id}.{node.attr}` is given `{text(given)}`, "
                    f"{where(scope.view, statement.lineno)}")

    def _given(self, call, cls, name: str):
        """The argument of ``cls(...)`` that becomes the instance's *name*: a keyword or a
        positional argument of a generated ``__init__`` (a dataclass's, a model's); of a
        project ``__init__``, only the keyword of a parameter it keeps as it is
        (``self.state = state``: not ``self.state = wrap(state)``). None when not certain."""
        chain = self.lineage.mro(cls)
        init = next((klass for klass in chain if "__init__" in klass.methods), None)
        if init is not None:
            attribute = init.attrs.get(name)
            if attribute is None or attribute.param is None or any(
                    name in klass.attrs for klass in chain if klass is not init):
                return None
            name = attribute.param
        given = next((keyword.value for keyword in call.keywords if keyword.arg == name), None)
        if given is None and init is None:
            given = _positional_argument(call.args, self.lineage.positional_fields(cls), name)
        return given

    def member_of(self, owner, name: str, depth: int = 0):
        session = self.session
        if isinstance(owner, (Module, Ref)):
            return session.member(owner, name)
        if isinstance(owner, Obj):
            return standard.member(owner, name, call=False)
        if isinstance(owner, Inst):
            return self.instance_member(owner.cls, name, depth)
        if isinstance(owner, ClassObj):
            return self.class_member(owner.cls, name, depth)
        return UNKNOWN

    def instance_member(self, cls, name: str, depth: int):
        """``obj.name`` for an instance of a project class: a declared attribute or field, what
        ``self.name = ...`` assigned, or a bound method; searched up the class's bases."""
        for klass in self.lineage.mro(cls):
            if name in klass.methods:
                method = klass.methods[name]
                if method.kind == "property":
                    return self.function_result(method, awaited=False, depth=depth)
                return Func(method, klass, bound=True)
            field = klass.fields.get(name)
            if field is not None and field.annotation is not None:
                annotation, line = field.annotation, field.line
                declared = self.session.annotations(klass.view).read(annotation)
                if self.lineage.kind(klass) == ENUM:
                    return UNKNOWN
                return declared.proved(f"`{name}` is declared `{annotation}`, "
                                       f"{where(klass.view, line)}")
            if name in klass.attrs:
                return self.assigned_attribute(klass, name, depth)
            if name in klass.values:
                return UNKNOWN  # a class attribute: its instances may shadow it
        return UNKNOWN

    def assigned_attribute(self, klass, name, depth):
        """``self.name`` as the methods of *klass* assign it."""
        attribute = klass.attrs[name]
        if attribute.annotation is not None:
            declared = self.session.annotations(klass.view).read(attribute.annotation)
            return declared.proved(f"`self.{name}` is declared `{attribute.annotation}`, "
                                   f"{where(klass.view, attribute.line)}")
        if not klass.view.live:
            hint = attribute.hint
            return self.session.settle(decode(hint)) if hint is not None else UNKNOWN
        if not attribute.assignments:
            return UNKNOWN
        with self.tracer.following(("attribute", id(klass), name)) as fresh:
            if not fresh:
                return UNKNOWN
            values = []
            for value, method in attribute.assignments:
                if value is None:
                    return UNKNOWN
                scope = self.tracer.scope_of_function(method)
                statement = self._statement_holding(value, method)
                values.append(self.tracer.expr(value, scope, statement, depth + 1).proved(
                    lambda: f"`self.{name}` = `{text(value)}`, "
                    f"{where(klass.view, value.lineno)}"))
            return union(values)

    @staticmethod
    def _statement_holding(value, method):
        for statement in statements_breadth_first(method):
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is value:
                return statement
        return None

    def class_member(self, cls, name: str, depth: int):
        """``Cls.name``: an enum member, a static/class method, a nested class."""
        for klass in self.lineage.mro(cls):
            if name in klass.methods:
                method = klass.methods[name]
                return Func(method, klass, bound=method.kind == "class")
            if name in klass.values:
                kind = self.lineage.kind(cls)
                if kind in (ENUM, JSON_ENUM) and not name.startswith("_"):
                    return Inst(cls)
                value = klass.values[name]
                if klass.view.live and value.node is not None:
                    return self.tracer.expr(value.node, self.tracer.scope_of_function(None),
                                            None, depth + 1)
                hint = value.hint
                return self.session.settle(decode(hint)) if hint is not None else UNKNOWN
        return UNKNOWN

    # -- calls ---------------------------------------------------------------------------------

    def call(self, node, scope, at, depth, awaited: bool):
        func = node.func
        if prefilter.returns_json(node):
            return JSON
        if isinstance(func, ast.Attribute):
            receiver = self.tracer.expr(func.value, scope, at, depth + 1)
            special = self._method_call(func.attr, receiver, node)
            if special is not None:
                return special
            callee = self.member_of(receiver, func.attr, depth)
        else:
            callee = self.tracer.expr(func, scope, at, depth + 1)
        result = self.call_value(callee, node, scope, at, depth, awaited)
        if awaited and isinstance(result, Awaitable):
            return result.result
        if awaited and isinstance(callee, Ref):
            return UNKNOWN  # what awaiting a call of an installed package gives is not known
        return result

    def _method_call(self, attribute, receiver, node):
        if isinstance(receiver, Inst) and self.lineage.kind(receiver.cls) == MODEL:
            if attribute in ("model_dump", "dict"):
                return self._dump(receiver, node)
            if attribute in kinds.MODEL_COPIES:
                return Inst(receiver.cls).proved(receiver.proof)
        if isinstance(receiver, ClassObj) and attribute in kinds.MODEL_FACTORIES \
                and self.lineage.kind(receiver.cls) == MODEL:
            return Inst(receiver.cls)
        if attribute in kinds.DICT_VIEWS and isinstance(receiver, Coll) \
                and receiver.shape == "dict":
            return Bad(kinds.ITERATOR, "dict view")
        if isinstance(receiver, Obj):
            return standard.member(receiver, attribute, call=True)
        if receiver is JSON:
            return standard.json_method(attribute)
        return None

    def _dump(self, receiver, node):
        for keyword in node.keywords:
            if keyword.arg == "mode":
                if not isinstance(keyword.value, ast.Constant) or keyword.value.value == "json":
                    return JSON
        found = self.lineage.dump_problem(receiver.cls)
        if found is None:
            return JSON
        field, problem = found
        return Bad(kinds.MODEL_DUMP, problem.type_name, field=field,
                   proof=receiver.proof)

    def call_value(self, callee, node, scope, at, depth, awaited):
        if isinstance(callee, ClassObj):
            return Inst(callee.cls)
        if isinstance(callee, Func):
            return self.function_result(callee.func, awaited, depth)
        if isinstance(callee, Ref):
            qual = callee.qual
            if qual in ("builtins.set", "builtins.frozenset") and node.args:
                items = elements(self.tracer.expr(node.args[0], scope, at, depth + 1))
                return Obj(qual, items)
            if qual in _EMPTY_CONTAINERS:
                if not node.args and not node.keywords:
                    return Coll("dict" if "dict" in qual.lower() else "list")
                if qual == "builtins.list" and len(node.args) == 1 and not node.keywords:
                    return self._listed(self.tracer.expr(node.args[0], scope, at, depth + 1))
                return JSON
            return self.session.call_result(callee)
        return UNKNOWN

    @staticmethod
    def _listed(source):
        """``list(source)``: a list of *source*'s elements, when they are certainly what
        iterating gives (a list, a tuple, a set, a generator); else JSON as before (iterating
        a dict gives its keys, which ``elements`` does not say)."""
        iterated = (isinstance(source, Coll) and source.shape in ("list", "tuple")) or (
            isinstance(source, Obj) and source.qual in ("builtins.set", "builtins.frozenset")) \
            or (isinstance(source, Bad) and source.kind is kinds.ITERATOR
                and source.name == "generator")
        if not iterated:
            return JSON
        items = elements(source)
        return JSON if items is UNKNOWN else Coll("list", (items,), proof=source.proof)

    def function_result(self, func, awaited: bool, depth: int):
        """What calling a project function gives: its declared return type when that is a
        problem, else what its ``return`` statements give (or a summary's hint)."""
        session = self.session
        for decorator in func.decorators:
            resolved = session.lookup_dotted(func.view, decorator)
            if decorator.rsplit(".", 1)[-1] in ("property", "cached_property"):
                continue
            if not (isinstance(resolved, Ref) and (
                    resolved.qual in kinds.KEEPING_FUNCTION_DECORATORS)):
                return UNKNOWN  # a decorator may return anything
        if func.is_generator:
            return Bad(kinds.ITERATOR, "async generator" if func.is_async else "generator")
        if func.is_async and not awaited:
            return UNKNOWN  # a coroutine: storing it un-awaited is another bug
        declared_at = where(func.view, func.line)
        declared = UNKNOWN
        if func.returns is not None:
            declared = session.annotations(func.view).read(func.returns)
            if isinstance(declared, Awaitable) and not func.is_async:
                declared = declared.result if awaited else UNKNOWN
            declared = declared.proved(f"`{func.name}()` is declared `-> {func.returns}`, "
                                       f"{declared_at}")
            if self.lineage.problem(declared) is not None:
                return declared
        body = self.returned(func, depth)
        if self.lineage.problem(body) is not None:
            return body
        return declared

    def returned(self, func, depth):
        """What the ``return`` statements of *func* give (a summary's hint, when not live)."""
        if func.node is None:
            if func.hint is None:
                return UNKNOWN
            return self.session.settle(decode(func.hint))
        with self.tracer.following(("function", id(func.node))) as fresh:
            if not fresh:
                return UNKNOWN
            scope = self.tracer.scope_of_function(func.node)
            values = []
            for statement in statements_breadth_first(func.node):
                if isinstance(statement, ast.Return) and self._owned(statement, func.node):
                    value = self.tracer.expr(statement.value, scope, statement, depth + 1) \
                        if statement.value is not None else NONE
                    values.append(value.proved(
                        lambda: f"`{func.name}()` returns `{text(statement.value)}`, "
                        f"{where(func.view, statement.lineno)}"))
            return union(values) if values else NONE

    def _owned(self, node, function) -> bool:
        owner = self.tracer.owner(node)
        while owner is not None and isinstance(owner, ast.ClassDef):
            owner = self.tracer.owner(owner)
        return owner is function

    def entered(self, manager, is_async: bool):
        """What ``with manager as x`` binds: the class's declared ``__enter__`` result."""
        if not isinstance(manager, Inst):
            return UNKNOWN
        name = "__aenter__" if is_async else "__enter__"
        for klass in self.lineage.mro(manager.cls):
            method = klass.methods.get(name)
            if method is not None:
                if method.returns is None:
                    return UNKNOWN
                if method.returns.strip("'\"") in ("Self", "typing.Self", klass.name):
                    return Inst(manager.cls)
                return self.function_result(method, awaited=True, depth=0)
        return UNKNOWN

    # -- containers built step by step ------------------------------------------------------

    def grown(self, name, value, written, scope, depth):
        """*value* (an empty or literal list/dict) with what the function adds to it."""
        if not isinstance(value, Coll) or value.positional:
            return value
        if not isinstance(written, (ast.List, ast.Dict, ast.Call)):
            return value
        additions = self._mutations(scope).get(name, ())
        if not additions:
            return value
        members = list(value.members)
        for how, added, statement in additions:
            found = self.tracer.expr(added, scope, statement, depth + 1)
            if how == "items":
                found = elements(found)
            elif how == "nested":
                found = Coll("list", [found])
            elif how == "mapping":
                found = elements(found) if isinstance(found, Coll) else UNKNOWN
            members.append(found.proved(lambda: f"`{name}` gets `{text(added)}`, "
                                        f"{where(scope.view, statement.lineno)}"))
        return Coll(value.shape, members, proof=value.proof)

    def _mutations(self, scope) -> dict:
        """name -> [(how, added expression, statement)] for every addition in the function."""
        if scope.mutations is not None:
            return scope.mutations
        found: dict = {}
        body = scope.node.body if hasattr(scope.node, "body") else []
        for statement in own_statements(body):
            for node in _own_nodes(statement):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    receiver, method = node.func.value, node.func.attr
                    target = _name_of(receiver)
                    if target and method in ("append", "insert", "add") and node.args:
                        found.setdefault(target, []).append(("item", node.args[-1], statement))
                    elif target and method == "extend" and node.args:
                        found.setdefault(target, []).append(("items", node.args[0], statement))
                    elif target and method == "update" and node.args:
                        found.setdefault(target, []).append(("mapping", node.args[0], statement))
                    elif method in ("append", "add") and node.args:
                        inner = _grown_entry(receiver)
                        if inner:
                            found.setdefault(inner, []).append(
                                ("nested", node.args[0], statement))
                    if target and method == "setdefault" and len(node.args) == 2:
                        found.setdefault(target, []).append(("item", node.args[1], statement))
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Subscript) and _name_of(target.value):
                            found.setdefault(_name_of(target.value), []).append(
                                ("item", node.value, statement))
        scope.mutations = found
        return found


def _positional_argument(arguments, fields, name: str):
    """The positional argument that binds to the field *name*, in the order *fields* (a
    ``Lineage.positional_fields``) gives; None when none certainly does (a ``*args`` before)."""
    if fields is None or name not in fields:
        return None
    place = fields.index(name)
    if place >= len(arguments) or any(isinstance(argument, ast.Starred)
                                      for argument in arguments[:place + 1]):
        return None
    return arguments[place]


def _assigns_attribute(function, name: str, attribute: str) -> bool:
    for node in ast.walk(function):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else ()
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == attribute \
                    and isinstance(target.value, ast.Name) and target.value.id == name:
                return True
    return False


def _name_of(node) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def _grown_entry(receiver) -> str:
    """``d.setdefault(k, []).append(x)`` / ``d[k].append(x)``: the name of ``d``."""
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
            and receiver.func.attr == "setdefault":
        return _name_of(receiver.func.value)
    if isinstance(receiver, ast.Subscript):
        return _name_of(receiver.value)
    return ""


def _own_nodes(statement) -> list:
    """The nodes of a statement itself, not of the statements nested in it, depth first (the
    last child found first). Written out rather than with ``ast.iter_child_nodes``: its two
    generators per node were a fifth of SOT3xx's time on an agent module."""
    nodes, stack = [], [statement]
    while stack:
        node = stack.pop()
        nodes.append(node)
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for child in value:
                    if isinstance(child, ast.AST) and not isinstance(child, _NOT_OWN):
                        stack.append(child)
            elif isinstance(value, ast.AST) and not isinstance(value, _NOT_OWN):
                stack.append(value)
    return nodes


# Nested in a statement but not its own: statements, handlers, lambdas, match cases (3.10+).
_NOT_OWN = tuple(getattr(ast, name) for name in ("stmt", "excepthandler", "Lambda", "match_case")
                 if hasattr(ast, name))
