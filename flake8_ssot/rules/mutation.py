"""SOT1xx: direct mutation of an execution context's metadata instead of the BaseAgent helpers.

One pass over the tree (pyflakes style): a visitor with one handler per node type, a scope
stack to know which names are contexts or aliases of a context's metadata, and the innermost
statement, where every finding is reported so that ``# noqa`` on that line works.

The pass emits ``forms.Write`` records (which form, receiver, key, value, statement): the findings,
the fixer's rewrites and SOT3xx's value sites all come from them. The advice in each message is
written from the forms table and the helpers the project defines (``rules.advice``).
"""

from __future__ import annotations

import ast
import functools
from typing import NamedTuple

from flake8_ssot.contexts import Binding, ContextRules, is_class_name
from flake8_ssot.rules.declared import Declared, Type, annotation_type
from flake8_ssot.rules.bodies import BodyFilter
from flake8_ssot.forms import BY_NAME, ValueSite, Write
from flake8_ssot.options import HELPERS
from flake8_ssot.rule import Rule, text

SOT101 = Rule(
    code="SOT101",
    name="metadata-subscript-assignment",
    message="{shape} writes metadata directly; {advice}",
    summary="A key of a context's metadata is assigned directly.",
    why="Writes that bypass the helper skip its JSON conversion and logging, and every direct "
        "write is one more place to change when the metadata contract changes.",
    example="context.metadata['result'] = result",
    instead="self.store_metadata_result(context, 'result', result)",
)
SOT102 = Rule(
    code="SOT102",
    name="metadata-batch-update",
    message="{shape} writes metadata directly; {advice}",
    summary="A context's metadata is updated with `.update(...)` or `|=`.",
    why="A batch update bypasses the helper that validates and converts each value.",
    example="context.metadata.update({'status': 'done', 'attempts': 2})",
    instead="self.store_metadata_batch(context, {'status': 'done', 'attempts': 2})",
)
SOT103 = Rule(
    code="SOT103",
    name="metadata-list-mutation",
    message="{shape} changes a metadata list in place; {advice}",
    summary="A list stored in a context's metadata is changed with append/extend/insert/remove.",
    why="In-place list edits need the 'create the list if missing' dance at every call site; "
        "the list helpers do it once, correctly.",
    example="if 'steps' not in context.metadata:\n    context.metadata['steps'] = []\n"
            "context.metadata['steps'].append(step)",
    instead="self.append_metadata_list(context, 'steps', step)",
)
SOT104 = Rule(
    code="SOT104",
    name="metadata-augmented-assignment",
    message="{shape} updates metadata in place; {advice}",
    summary="A metadata entry is updated with an augmented assignment (a counter).",
    why="`+=` on a missing key raises KeyError; the counter helper starts from zero.",
    example="context.metadata['retries'] += 1",
    instead="self.increment_metadata_counter(context, 'retries', 1)",
)
SOT105 = Rule(
    code="SOT105",
    name="metadata-key-removal",
    message="{shape} removes metadata directly; {advice}",
    summary="A metadata key is removed with `del`, `.pop()` or `.popitem()`.",
    why="`del` on a missing key raises; the helper removes a key whether or not it is there.",
    example="del context.metadata['draft']",
    instead="self.remove_metadata_key(context, 'draft')",
)
SOT106 = Rule(
    code="SOT106",
    name="metadata-clear",
    message="{shape} empties metadata directly; {advice}",
    summary="A context's metadata is emptied with `.clear()`.",
    why="Clearing drops keys other components rely on (request ids, audit keys); the helper "
        "can preserve them.",
    example="context.metadata.clear()",
    instead="self.clear_metadata(context, preserve_keys=['request_id'])",
)
SOT107 = Rule(
    code="SOT107",
    name="metadata-setdefault",
    message="{shape} writes metadata directly; {advice}",
    summary="`.setdefault()` is called on a context's metadata.",
    why="setdefault is a write hidden in a read: it stores the default without the helper.",
    example="seen = context.metadata.setdefault('seen', [])",
    instead="seen = self.get_metadata_value(context, 'seen', [])\n"
            "self.store_metadata_result(context, 'seen', seen)",
)
SOT108 = Rule(
    code="SOT108",
    name="metadata-nested-write",
    message="{shape} writes inside a metadata entry; {advice}",
    summary="A value nested inside a metadata entry is changed in place.",
    why="Nested in-place writes are invisible to the helpers and to anything observing "
        "metadata changes.",
    example="context.metadata['usage']['tokens'] = 120",
    instead="usage = dict(self.get_metadata_value(context, 'usage', {}))\n"
            "usage['tokens'] = 120\nself.store_metadata_result(context, 'usage', usage)",
)
SOT109 = Rule(
    code="SOT109",
    name="metadata-replacement",
    message="{shape} replaces metadata wholesale; {advice}",
    summary="A context's metadata attribute is replaced, or copied from another context.",
    why="Replacing the dict breaks every reference to the old one and loses keys set "
        "elsewhere; copying between contexts by hand forgets which keys must not propagate.",
    example="child_context.metadata = parent_context.metadata.copy()",
    instead="self.propagate_metadata(parent_context, child_context)",
)

RULES = (SOT101, SOT102, SOT103, SOT104, SOT105, SOT106, SOT107, SOT108, SOT109)
BY_CODE = {rule.code: rule for rule in RULES}

_LIST_FORMS = {"append": "append", "extend": "extend", "insert": "insert", "remove": "list-remove"}
# Methods that change the container they are called on (list, dict, set).
_MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "remove", "update", "pop", "popitem", "clear", "setdefault",
    "add", "discard", "sort", "reverse", "__setitem__", "__delitem__", "__ior__",
})
_COPY_FUNCTIONS = frozenset({"copy", "deepcopy", "dict"})
_OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.LShift: "<<",
    ast.RShift: ">>", ast.MatMult: "@",
}
_LIST_VALUES = (ast.List, ast.ListComp)


def _is_number(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return (isinstance(node, ast.Constant) and type(node.value) in (int, float)) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in ("len", "int", "float", "round", "sum", "abs"))


def _is_list(node: ast.expr) -> bool:
    return isinstance(node, _LIST_VALUES) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in ("list", "sorted"))


class MetadataRef(NamedTuple):
    """An expression that evaluates to a context's metadata dict."""

    target: str  # as written: "ctx.metadata", or "md" for an alias
    receiver_text: str  # the context: "ctx"
    attribute: str  # "metadata"
    receiver: ast.expr | None  # the context's node; None for an alias
    alias: bool


class _Scope:
    def __init__(self, kind: str):
        self.kind = kind  # "module", "class", "function", "comprehension"
        self.bindings: dict = {}  # name -> (Binding, MetadataRef | None)
        self.has_alias = False  # some name was bound to metadata here (maybe rebound since)
        # Names bound to an object this function constructed, not passed anywhere yet: giving
        # it its metadata is initialisation, not mutation (SOT109 is silent).
        self.fresh: set[str] = set()
        self.types: dict[str, Type | None] = {}  # name -> its declared type, when known


# Lambdas inside lambdas past this depth are walked after the rest (``MetadataVisitor.walk``).
_LAMBDAS_WALKED_INLINE = 32


class MetadataVisitor(ast.NodeVisitor):
    """Collects the metadata writes (``writes``) and the values that reach metadata
    (``value_sites``) in one walk."""

    def __init__(self, settings, rules: ContextRules, source: str | None = None):
        self.rules = rules
        self._bodies = BodyFilter(source, settings)
        self.writes: list[Write] = []
        self.value_sites: list[ValueSite] = []
        self._helper_roles = {
            settings.helper(helper.role): helper for helper in HELPERS
            if helper.value_param and settings.helper(helper.role)}
        self._converting = frozenset(settings.converting_helpers)
        self._scopes: list[_Scope] = [_Scope("module")]
        self._statement: ast.stmt | None = None
        self._exempt_depth = 0
        self._classes: list[ast.ClassDef] = []
        self._methods: list[tuple | None] = []
        self.tree: ast.AST | None = None  # the file's tree, for its declarations
        self._declared: Declared | None = None
        self._typed: tuple[ast.expr | None, Type | None] | None = None  # see _bind_target
        self._lambdas = 0  # lambdas the walk is inside of
        self._deferred: list[tuple] = []  # (lambda, the walk's state at it): walked later

    # -- results --------------------------------------------------------------------------

    def _write(self, form_name: str, ref: MetadataRef, *, key=None, value=None, call=None,
               source=None, detail: str = "", initialises: bool = False) -> None:
        """*initialises*: not a write to report (metadata given to a fresh object), but its
        value still reaches metadata."""
        if self._exempt_depth or self._statement is None:
            return
        form = BY_NAME[form_name]
        if not initialises:
            write = Write(form, self._statement, ref.target, ref.receiver_text, ref.attribute,
                          ref.alias, ref.receiver, key, value, source, call,
                          self._methods[-1] if self._methods else None, detail)
            self.writes.append(write)
        if value is not None and form.value_role:
            self.value_sites.append(ValueSite(self._statement, value, ref.target,
                                              role=form.value_role))

    # -- scopes ---------------------------------------------------------------------------

    def _lookup(self, name: str):
        innermost = self._scopes[-1]
        for scope in reversed(self._scopes):
            if scope.kind == "class" and scope is not innermost:
                continue  # class bodies are not enclosing scopes for their methods
            if name in scope.bindings:
                return scope.bindings[name]
        return (Binding.PLAIN, None)

    def _bind(self, name: str, binding: Binding, ref: MetadataRef | None = None,
              skip_comprehensions: bool = False, type_: Type | None = None) -> None:
        scopes = self._scopes
        index = len(scopes) - 1
        if skip_comprehensions:  # PEP 572: a walrus binds in the enclosing function
            while index > 0 and scopes[index].kind == "comprehension":
                index -= 1
        scopes[index].bindings[name] = (binding, ref)
        scopes[index].has_alias |= binding is Binding.ALIAS
        if type_ is not None or name in scopes[index].types:
            scopes[index].types[name] = type_

    def _lookup_type(self, name: str) -> Type | None:
        innermost = self._scopes[-1]
        for scope in reversed(self._scopes):
            if scope.kind == "class" and scope is not innermost:
                continue
            if name in scope.bindings:
                return scope.types.get(name)
        return None

    # -- declared types ------------------------------------------------------------------------

    @property
    def declared(self) -> Declared:
        if self._declared is None:
            self._declared = Declared(self.tree)
        return self._declared

    def _current_class(self) -> Type | None:
        return Type(self._classes[-1].name) if self._classes else None

    def _type_of(self, node: ast.expr, depth: int = 0) -> Type | None:
        """The type the file declares *node* to have: a name's annotation or binding, ``self``
        and ``cls``, an attribute declared on its owner's class, an element of a declared
        collection, what a call constructs or is declared to return."""
        if depth > 12:
            return None
        if isinstance(node, ast.Name):
            found = self._lookup_type(node.id)
            if found is None and node.id in ("self", "cls") and self._classes:
                return self._current_class()
            return found
        if isinstance(node, ast.Attribute):
            return self.declared.field(self._type_of(node.value, depth + 1), node.attr)
        if isinstance(node, ast.Subscript):
            found = self._type_of(node.value, depth + 1)
            return found.element() if found is not None else None
        if isinstance(node, ast.Await):
            return self._type_of(node.value, depth + 1)
        if isinstance(node, ast.Call):
            return self._type_of_call(node.func, depth)
        return None

    def _type_of_call(self, func: ast.expr, depth: int) -> Type | None:
        if isinstance(func, ast.Subscript):  # a generic constructed: RunContext[Deps](...)
            func = func.value
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            return Type(name) if is_class_name(name) else None
        if isinstance(func, ast.Name):
            if func.id == "cls":
                return self._current_class()
            if is_class_name(func.id):
                return Type(func.id)
            return self.declared.returned("", func.id)
        if isinstance(func, ast.Attribute):
            if is_class_name(func.attr):
                return Type(func.attr)  # module.Class(...)
            owner = self._type_of(func.value, depth + 1)
            if owner is not None and not owner.collection:
                return self.declared.returned(owner.name, func.attr)
        return None

    def _is_typed_context(self, node: ast.expr) -> bool | None:
        """True or False when the file declares *node*'s type; None when it does not."""
        typed = self._typed  # (the value being bound, its type): worked out once
        found = typed[1] if typed is not None and typed[0] is node else self._type_of(node)
        if found is None:
            return None
        return not found.collection and self.rules.is_context_class(found.name)

    def _bind_target(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            type_ = self._type_of(value) if value is not None else None
            self._typed = (value, type_)
            try:
                binding = self._binding_for_value(value)
            finally:
                self._typed = None
            self._bind(target.id, *binding, type_=type_)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element, None)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None)

    def _binding_for_value(self, value: ast.expr | None):
        if value is None:
            return (Binding.PLAIN, None)
        ref = self._metadata_ref(value)
        if ref is not None:
            return (Binding.ALIAS, ref)
        return (self._kind_of(value), None)

    def _kind_of(self, node: ast.expr) -> Binding:
        """Local flow: CONTEXT when any alternative is a context, NOT_CONTEXT when none is
        and some is known to be another type, PLAIN when nothing is known (the name decides)."""
        if isinstance(node, ast.BoolOp):
            alternatives = node.values
        elif isinstance(node, ast.IfExp):
            alternatives = [node.body, node.orelse]
        elif isinstance(node, ast.NamedExpr):
            alternatives = [node.value]
        else:
            return self._kind_of_one(node)
        kinds = {self._kind_of(alternative) for alternative in alternatives}
        for kind in (Binding.CONTEXT, Binding.NOT_CONTEXT):
            if kind in kinds:
                return kind
        return Binding.PLAIN

    def _kind_of_one(self, node: ast.expr) -> Binding:
        if isinstance(node, (ast.Name, ast.Attribute)):
            return Binding.CONTEXT if self._is_context(node) else self._known_other(node)
        if isinstance(node, ast.Call):
            kind = self.rules.kind_of_call(node)
            if kind is Binding.PLAIN:  # a function: what it is declared to return
                typed = self._is_typed_context(node)
                if typed is not None:
                    return Binding.CONTEXT if typed else Binding.NOT_CONTEXT
            return kind
        if isinstance(node, ast.Subscript):
            typed = self._is_typed_context(node)
            if typed is not None:
                return Binding.CONTEXT if typed else Binding.NOT_CONTEXT
            return Binding.PLAIN
        if isinstance(node, ast.Constant) and node.value is None:
            return Binding.PLAIN  # `ctx or None` says nothing against ctx
        if isinstance(node, (ast.Constant, ast.Dict, ast.List, ast.Set, ast.Tuple, ast.JoinedStr,
                             ast.ListComp, ast.DictComp, ast.SetComp)):
            return Binding.NOT_CONTEXT
        return Binding.PLAIN

    def _known_other(self, node: ast.expr) -> Binding:
        if isinstance(node, ast.Name) and self._lookup(node.id)[0] is Binding.NOT_CONTEXT:
            return Binding.NOT_CONTEXT
        return Binding.PLAIN

    def _bind_arguments(self, arguments: ast.arguments) -> None:
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
        for arg in every:
            declared = annotation_type(arg.annotation) if arg.annotation is not None else None
            binding = self.rules.binding_for_annotation(arg.annotation)
            if declared is not None and declared.collection:
                binding = Binding.NOT_CONTEXT  # a list of contexts is not one
            self._bind(arg.arg, binding, type_=declared)

    # -- what is a context, what is its metadata -------------------------------------------

    def _is_context(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            binding, _ = self._lookup(node.id)
            if binding is Binding.CONTEXT:
                return True
            if binding is Binding.PLAIN:
                return self.rules.name_is_context(node.id)
            return False
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Await)):
            typed = self._is_typed_context(node)
            if typed is not None:
                return typed
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.value.id == "self" and self.rules.name_is_context(node.attr)
        return False

    def _metadata_ref(self, node: ast.expr) -> MetadataRef | None:
        """The metadata dict *node* evaluates to, if it is a context's."""
        if isinstance(node, ast.NamedExpr):
            return self._metadata_ref(node.value)
        if isinstance(node, ast.Attribute):
            if node.attr in self.rules.metadata_attributes and self._is_context(node.value):
                return MetadataRef(text(node), text(node.value), node.attr, node.value, False)
            return None
        if isinstance(node, ast.Name):
            binding, ref = self._lookup(node.id)
            if binding is Binding.ALIAS:
                return ref._replace(target=node.id, alias=True)
        return None

    def _entry(self, node: ast.expr):
        """For ``M[a][b]...``: the metadata M, the first key and how many subscripts deep."""
        depth = 0
        key = None
        while isinstance(node, ast.Subscript):
            key = node.slice
            node = node.value
            depth += 1
        if depth == 0:
            return None, None, 0
        return self._metadata_ref(node), key, depth

    # -- statement bookkeeping --------------------------------------------------------------

    def visit(self, node: ast.AST):
        visit = _handler(type(node))
        if isinstance(node, ast.stmt):
            if self._scopes[-1].fresh:
                self._expire_fresh(node)
            outer, self._statement = self._statement, node
            try:
                return visit(self, node)
            finally:
                self._statement = outer
        return visit(self, node)

    def _expire_fresh(self, statement: ast.stmt) -> None:
        """A fresh object named bare in *statement* (passed, returned, stored, aliased) may be
        seen by others from now on; ``x.attr`` is only a use of it. Nested statements are
        checked when they are visited."""
        fresh = self._scopes[-1].fresh
        for field in _CHILD_FIELDS[type(statement)]:
            value = getattr(statement, field, None)
            nodes = value if type(value) is list else [value]
            for node in nodes:
                if not isinstance(node, ast.AST) or isinstance(node, _BLOCKS):
                    continue
                for name in _bare_names(node):
                    fresh.discard(name)

    def generic_visit(self, node: ast.AST) -> None:
        for field in _CHILD_FIELDS[type(node)]:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def _can_skip(self, node: ast.ClassDef | ast.FunctionDef) -> bool:
        """Whether the body of *node* cannot hold a write (see ``bodies``): no metadata alias
        is in scope and its text mentions no metadata attribute, setattr or helper."""
        return not any(scope.has_alias for scope in self._scopes) and self._bodies.can_skip(node)

    # -- scopes: one handler per node type ---------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(child)
        if self._can_skip(node):
            return
        exempt = self.rules.is_exempt_class(node.name)
        self._exempt_depth += exempt
        self._scopes.append(_Scope("class"))
        self._classes.append(node)
        for statement in node.body:
            self.visit(statement)
        self._classes.pop()
        self._scopes.pop()
        self._exempt_depth -= exempt

    def visit_FunctionDef(self, node) -> None:
        for child in (*node.decorator_list, *node.args.defaults,
                      *[d for d in node.args.kw_defaults if d is not None]):
            self.visit(child)
        if self._can_skip(node):
            return
        in_class_body = self._scopes[-1].kind == "class"
        is_method = in_class_body and _is_instance_method(node)
        self._methods.append((self._classes[-1], node) if is_method else None)
        self._scopes.append(_Scope("function"))
        self._bind_arguments(node.args)
        for statement in node.body:
            self.visit(statement)
        self._scopes.pop()
        self._methods.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for child in (*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]):
            self.visit(child)
        if self._lambdas >= _LAMBDAS_WALKED_INLINE:
            self._deferred.append((node, self._state()))
        else:
            self._lambda_body(node)

    def _lambda_body(self, node: ast.Lambda) -> None:
        self._lambdas += 1
        self._scopes.append(_Scope("function"))
        self._methods.append(None)
        self._bind_arguments(node.args)
        self.visit(node.body)
        self._methods.pop()
        self._scopes.pop()
        self._lambdas -= 1

    def _state(self) -> tuple:
        return (list(self._scopes), list(self._methods), list(self._classes), self._statement,
                self._exempt_depth, self._lambdas)

    def _restore(self, state: tuple) -> None:
        (self._scopes, self._methods, self._classes, self._statement, self._exempt_depth,
         self._lambdas) = state

    def walk(self, tree: ast.AST) -> None:
        """Visit *tree*, then the lambdas nested too deep to visit in place, each in the state
        the walk had where it stands, as pyflakes defers function bodies: a chain of lambdas
        pyflakes checks never takes this walk to the recursion limit."""
        self.visit(tree)
        while self._deferred:
            node, state = self._deferred.pop()
            outer = self._state()
            self._restore(state)
            self._lambdas = 0
            self._lambda_body(node)
            self._restore(outer)

    def _visit_comprehension(self, node) -> None:
        self._scopes.append(_Scope("comprehension"))
        for generator in node.generators:
            self.visit(generator.iter)
            self._bind_loop_target(generator.target, generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        for name in ("elt", "key", "value"):
            child = getattr(node, name, None)
            if child is not None:
                self.visit(child)
        self._scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    def visit_For(self, node) -> None:
        self.visit(node.iter)
        self._bind_loop_target(node.target, node.iter)
        for statement in (*node.body, *node.orelse):
            self.visit(statement)

    visit_AsyncFor = visit_For

    def _bind_loop_target(self, target: ast.expr, iterable: ast.expr) -> None:
        """A loop variable over a declared collection is an element of it (``for doc in
        docs``; ``enumerate(docs)``, ``mapping.values()``, ``mapping.items()``)."""
        element, targets = None, [target]
        if isinstance(iterable, ast.Call) and isinstance(target, ast.Tuple) \
                and len(target.elts) == 2:
            func = iterable.func
            if isinstance(func, ast.Name) and func.id == "enumerate" and iterable.args:
                iterable, targets = iterable.args[0], [target.elts[1]]
            elif isinstance(func, ast.Attribute) and func.attr == "items":
                iterable, targets = func.value, [target.elts[1]]
        elif isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) \
                and iterable.func.attr == "values":
            iterable = iterable.func.value
        found = self._type_of(iterable)
        if found is not None and found.collection:
            element = found.element()
        for item in targets:
            if isinstance(item, ast.Name) and element is not None:
                context = self.rules.is_context_class(element.name)
                self._bind(item.id, Binding.CONTEXT if context else Binding.NOT_CONTEXT,
                           type_=element)
            else:
                self._bind_target(item, None)
        if targets[0] is not target:
            self._bind_target(target.elts[0], None)

    # -- writes ------------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        for target in node.targets:
            self._check_store(target, node.value)
        for target in node.targets:
            self._bind_target(target, node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self._note_fresh(node.targets[0].id, node.value)

    def _note_fresh(self, name: str, value: ast.expr | None) -> None:
        """``x = Context(...)`` (a class constructed here, or ``cls(...)``) makes *x* fresh in a
        function; any other binding of *x* does not."""
        scope = self._scopes[-1]
        if scope.kind != "function":
            return
        if isinstance(value, ast.Call) and _constructs(value):
            scope.fresh.add(name)
        else:
            scope.fresh.discard(name)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        if isinstance(node.target, ast.Name):
            binding = self.rules.binding_for_annotation(node.annotation)
            declared = annotation_type(node.annotation)
            if declared is not None and declared.collection:
                binding = Binding.NOT_CONTEXT
            if binding is Binding.PLAIN and node.value is not None:
                self._bind_target(node.target, node.value)
            else:
                self._bind(node.target.id, binding, type_=declared)
            self._note_fresh(node.target.id, node.value)
        elif node.value is not None:
            self._check_store(node.target, node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.generic_visit(node)
        self._bind(node.target.id, *self._binding_for_value(node.value), skip_comprehensions=True)

    def _check_store(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_store(element, None)  # the value is unpacked: not this element's
            return
        if isinstance(target, ast.Starred):
            self._check_store(target.value, None)
            return
        if isinstance(target, ast.Attribute):
            ref = self._metadata_ref(target)
            if ref is not None:
                source = self._copied_metadata(value)
                if source is not None:
                    self._write("propagate", ref, value=value, source=source)
                else:
                    receiver = target.value
                    self._write("replace", ref, value=value, initialises=isinstance(
                        receiver, ast.Name) and receiver.id in self._scopes[-1].fresh)
            return
        ref, key, depth = self._entry(target)
        if ref is None:
            return
        if depth == 1:
            self._write("store", ref, key=key, value=value)
        else:
            self._write("nested", ref, key=key, value=value,
                        detail=f"{ref.target}[...]{'[...]' * (depth - 1)} = ...")

    def _copied_metadata(self, value: ast.expr | None) -> ast.expr | None:
        """``P`` for ``P.metadata.copy()``, ``dict(P.metadata)``, ``copy.copy(P.metadata)``,
        ``copy.deepcopy(P.metadata)`` or ``deepcopy(P.metadata)`` with P a context."""
        if not isinstance(value, ast.Call) or value.keywords:
            return None
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr == "copy" and not value.args:
            copied = func.value
        elif len(value.args) == 1 and (
                (isinstance(func, ast.Name) and func.id in _COPY_FUNCTIONS) or (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id == "copy" and func.attr in ("copy", "deepcopy"))):
            copied = value.args[0]
        else:
            return None
        ref = self._metadata_ref(copied)
        return ref.receiver if ref is not None and not ref.alias else None

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.generic_visit(node)
        target = node.target
        ref = self._metadata_ref(target) if isinstance(target, (ast.Attribute, ast.Name)) else None
        if ref is not None:
            self._write("merge", ref, value=node.value)
            return
        ref, key, depth = self._entry(target)
        if ref is None:
            return
        op = _OPERATORS.get(type(node.op), "?")
        if depth > 1:
            self._write("nested", ref, key=key, value=node.value,
                        detail=f"{ref.target}[...]{'[...]' * (depth - 1)} {op}= ...")
        elif op == "+" and _is_number(node.value):
            self._write("increment", ref, key=key, value=node.value)
        elif op == "+" and _is_list(node.value):
            self._write("concatenate", ref, key=key, value=node.value)
        else:
            self._write("augment", ref, key=key, value=node.value, detail=op)

    def visit_Delete(self, node: ast.Delete) -> None:
        self.generic_visit(node)
        for target in node.targets:
            ref, key, depth = self._entry(target)
            if ref is None:
                continue
            if depth == 1:
                self._write("delete", ref, key=key)
            else:
                self._write("nested", ref, key=key,
                            detail=f"del {ref.target}[...]{'[...]' * (depth - 1)}")

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = node.func
        if node.keywords:
            self._check_constructor(node)
        if isinstance(func, ast.Attribute):
            self._check_method_call(node, func.value, func.attr)
            self._check_helper_call(node, func.attr)
        elif isinstance(func, ast.Name):
            if func.id == "setattr":
                self._check_setattr(node)
            else:
                self._check_helper_call(node, func.id)

    def _check_constructor(self, call: ast.Call) -> None:
        """``Document(..., metadata=value)`` of a context class: *value* becomes the new
        context's metadata, so it reaches metadata as ``update(value)``'s mapping does."""
        if self._exempt_depth or self._statement is None:
            return
        keywords = [k for k in call.keywords if k.arg in self.rules.metadata_attributes]
        if not keywords:
            return
        func = call.func.value if isinstance(call.func, ast.Subscript) else call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if not name or not self.rules.is_context_class(name):
            return
        for keyword in keywords:
            self.value_sites.append(ValueSite(self._statement, keyword.value,
                                              f"{name}({keyword.arg}=...)", role="mapping"))

    def _check_method_call(self, call: ast.Call, receiver: ast.expr, method: str) -> None:
        if method not in _MUTATING_METHODS:
            return
        ref = self._metadata_ref(receiver)
        if ref is not None:
            if method == "update":
                self._write("update", ref, value=call.args[0] if call.args else None, call=call)
                for keyword in call.keywords:  # update(key=value): each one a stored value
                    self._extra_value(keyword.value, ref, "value")
            elif method == "pop":
                self._write("pop", ref, key=call.args[0] if call.args else None, call=call)
            elif method in ("popitem", "clear", "setdefault"):
                value = call.args[1] if method == "setdefault" and len(call.args) > 1 else None
                self._write(method, ref, key=call.args[0] if call.args else None, value=value,
                            call=call)
            return
        ref, key, depth = self._entry(receiver)
        if ref is None:
            return
        value = call.args[-1] if call.args and method != "remove" else None
        if depth == 1 and method in _LIST_FORMS:
            self._write(_LIST_FORMS[method], ref, key=key, value=value, call=call, detail=method)
        else:
            self._write("nested", ref, key=key, value=value, call=call,
                        detail=f"{ref.target}[...]{'[...]' * (depth - 1)}.{method}(...)")

    def _extra_value(self, value: ast.expr, ref: MetadataRef, role: str) -> None:
        if not self._exempt_depth and self._statement is not None:
            self.value_sites.append(ValueSite(self._statement, value, ref.target, role=role))

    def _check_setattr(self, call: ast.Call) -> None:
        if len(call.args) < 2:
            return
        owner, name = call.args[0], call.args[1]
        if (isinstance(name, ast.Constant) and name.value in self.rules.metadata_attributes
                and self._is_context(owner)):
            ref = MetadataRef(f"{text(owner)}.{name.value}", text(owner), name.value, owner, False)
            self._write("replace", ref, value=call.args[2] if len(call.args) > 2 else None,
                        call=call)

    def _check_helper_call(self, call: ast.Call, name: str) -> None:
        helper = self._helper_roles.get(name)
        if helper is None or self._exempt_depth or self._statement is None:
            return
        position = helper.params.index(helper.value_param)
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        value = call.args[position] if len(call.args) > position else keywords.get(
            helper.value_param)
        if value is not None:
            self.value_sites.append(ValueSite(
                self._statement, value, name,
                converts_models=name in self._converting, role=helper.value_role))


# What a compound statement holds besides its own expressions: checked when visited.
_BLOCKS = tuple(getattr(ast, name) for name in ("stmt", "excepthandler", "match_case")
                if hasattr(ast, name))


def _bare_names(node: ast.AST):
    """Names in *node* used as themselves, not as the object of an attribute (``x.a``)."""
    pending = [node]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            if not isinstance(node.value, ast.Name):
                pending.append(node.value)
        else:
            pending.extend(ast.iter_child_nodes(node))


def _constructs(call: ast.Call) -> bool:
    """A call that constructs an object: of a class (CamelCase), or ``cls(...)``."""
    func = call.func
    if isinstance(func, ast.Subscript):  # a generic: RunContext[Deps](...)
        func = func.value
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name == "cls" or is_class_name(name)


def _is_instance_method(node) -> bool:
    params = [*node.args.posonlyargs, *node.args.args]
    decorators = {text(d) for d in node.decorator_list}
    return bool(params) and params[0].arg == "self" and not decorators & {
        "staticmethod", "classmethod"}


def _skip(self, node: ast.AST) -> None:
    """Leaves no rule looks at (a name, a constant): nothing below them either."""


@functools.lru_cache(maxsize=None)
def _handler(node_type: type):
    """The visitor's handler for a node type, looked up once per type, not once per node."""
    if issubclass(node_type, _LEAVES):
        return _skip
    return getattr(MetadataVisitor, f"visit_{node_type.__name__}", MetadataVisitor.generic_visit)


# What generic_visit walks: every field but the leaves' (expression contexts, operators).
_LEAVES = (ast.Name, ast.Constant, ast.expr_context, ast.operator, ast.boolop, ast.cmpop,
           ast.unaryop)


class _ChildFields(dict):
    def __missing__(self, node_type: type) -> tuple[str, ...]:
        fields = self[node_type] = tuple(field for field in node_type._fields
                                         if field not in ("ctx", "op"))
        return fields


_CHILD_FIELDS = _ChildFields()


def check(tree: ast.AST, settings, rules: ContextRules | None = None,
          source: str | None = None) -> MetadataVisitor:
    """Run the SOT1xx pass; the visitor carries ``writes`` and ``value_sites``. *source*: the
    tree's text, to skip the function bodies that cannot hold a write."""
    visitor = MetadataVisitor(settings, rules or ContextRules.from_settings(settings), source)
    visitor.tree = tree
    visitor.walk(tree)
    return visitor
