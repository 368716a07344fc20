"""SOT1xx: direct mutation of an execution context's metadata instead of the BaseAgent helpers.

One pass over the tree (pyflakes style): a visitor with one handler per node type, a scope
stack to know which names are contexts or aliases of a context's metadata, and the innermost
statement, where every finding is reported so that ``# noqa`` on that line works.

The same pass records every value that reaches metadata (``value_sites``) so SOT3xx can look at
them without walking the tree again.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from flake8_ssot.contexts import Binding, ContextRules
from flake8_ssot.rule import Finding, Rule

SOT101 = Rule(
    code="SOT101",
    name="metadata-subscript-assignment",
    message="{target}[...] = ... writes metadata directly; use self.{store}({receiver}, key, "
            "value)",
    summary="A key of a context's metadata is assigned directly.",
    why="Writes that bypass the helper skip its JSON conversion and logging, and every direct "
        "write is one more place to change when the metadata contract changes.",
    example="context.metadata['result'] = result",
    instead="self.store_metadata_result(context, 'result', result)",
)
SOT102 = Rule(
    code="SOT102",
    name="metadata-batch-update",
    message="{target}.update()/|= writes metadata directly; use self.{batch}({receiver}, mapping)",
    summary="A context's metadata is updated with ``.update(...)`` or ``|=``.",
    why="A batch update bypasses the helper that validates and converts each value.",
    example="context.metadata.update({'status': 'done', 'attempts': 2})",
    instead="self.store_metadata_batch(context, {'status': 'done', 'attempts': 2})",
)
SOT103 = Rule(
    code="SOT103",
    name="metadata-list-mutation",
    message="{target}[...].{method}() mutates a metadata list in place; use {fix}",
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
    message="{target}[...] {op}= ... updates metadata in place; use self.{increment}({receiver}, "
            "key, n)",
    summary="A metadata entry is updated with an augmented assignment (a counter).",
    why="`+=` on a missing key raises KeyError; the counter helper starts from zero.",
    example="context.metadata['retries'] += 1",
    instead="self.increment_metadata_counter(context, 'retries', 1)",
)
SOT105 = Rule(
    code="SOT105",
    name="metadata-key-removal",
    message="{form} removes metadata directly; use self.{remove}({receiver}, key)",
    summary="A metadata key is removed with ``del``, ``.pop()`` or ``.popitem()``.",
    why="`del` on a missing key raises; the helper removes a key whether or not it is there.",
    example="del context.metadata['draft']",
    instead="self.remove_metadata_key(context, 'draft')",
)
SOT106 = Rule(
    code="SOT106",
    name="metadata-clear",
    message="{target}.clear() empties metadata directly; use self.{clear}({receiver}, "
            "preserve_keys=...)",
    summary="A context's metadata is emptied with ``.clear()``.",
    why="Clearing drops keys other components rely on (request ids, audit keys); the helper "
        "can preserve them.",
    example="context.metadata.clear()",
    instead="self.clear_metadata(context, preserve_keys=['request_id'])",
)
SOT107 = Rule(
    code="SOT107",
    name="metadata-setdefault",
    message="{target}.setdefault() writes metadata directly; use self.{get}({receiver}, key, "
            "default) and self.{store}(...)",
    summary="``.setdefault()`` is called on a context's metadata.",
    why="setdefault is a write hidden in a read: it stores the default without the helper.",
    example="seen = context.metadata.setdefault('seen', [])",
    instead="seen = self.get_metadata_value(context, 'seen', [])\n"
            "self.store_metadata_result(context, 'seen', seen)",
)
SOT108 = Rule(
    code="SOT108",
    name="metadata-nested-write",
    message="{form} writes inside a metadata entry; read it with self.{get}({receiver}, key), "
            "change a copy, store it with self.{store}(...)",
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
    message="{target} = ... replaces metadata wholesale; use self.{propagate}(source, {receiver}) "
            "to copy between contexts, or self.{clear}/self.{batch}",
    summary="A context's metadata attribute is replaced, or copied from another context.",
    why="Replacing the dict breaks every reference to the old one and loses keys set "
        "elsewhere; copying between contexts by hand forgets which keys must not propagate.",
    example="child_context.metadata = parent_context.metadata.copy()",
    instead="self.propagate_metadata(parent_context, child_context)",
)

RULES = (SOT101, SOT102, SOT103, SOT104, SOT105, SOT106, SOT107, SOT108, SOT109)

_LIST_METHODS = frozenset({"append", "extend", "insert", "remove"})
# Methods that change the container they are called on (list, dict, set).
_MUTATING_METHODS = _LIST_METHODS | frozenset({
    "update", "pop", "popitem", "clear", "setdefault", "add", "discard", "sort", "reverse",
    "__setitem__", "__delitem__", "__ior__",
})
_COPY_CALLS = frozenset({"copy", "deepcopy", "dict"})
_OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.LShift: "<<",
    ast.RShift: ">>", ast.MatMult: "@",
}
_MAX_TEXT = 40


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover - defensive
        return "..."
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


class MetadataRef(NamedTuple):
    """An expression that evaluates to a context's metadata dict."""

    target: str  # as written: "ctx.metadata", or "md" for an alias
    receiver: str  # the context: "ctx"


class ValueSite(NamedTuple):
    """A value that reaches metadata: what SOT3xx checks for JSON-safety."""

    statement: ast.stmt
    value: ast.expr
    via: str  # "ctx.metadata" or the helper's name
    converts_models: bool = False  # the helper turns a top-level pydantic model into JSON


class _Scope:
    def __init__(self, kind: str):
        self.kind = kind  # "module", "class", "function", "comprehension"
        self.bindings: dict = {}  # name -> (Binding, MetadataRef | None)


class MetadataVisitor(ast.NodeVisitor):
    """Collects SOT1xx findings and the values written to metadata, in one walk."""

    def __init__(self, settings):
        self.settings = settings
        self.rules = ContextRules.from_settings(settings)
        self.findings: list[Finding] = []
        self.value_sites: list[ValueSite] = []
        self._helper_roles = {
            settings.helper(role): role
            for role in ("store-result", "store-batch", "append-list", "extend-list")
        }
        self._converting = frozenset(settings.converting_helpers)
        self._scopes: list[_Scope] = [_Scope("module")]
        self._statement: ast.stmt | None = None
        self._exempt_depth = 0
        self._fields = {
            "store": settings.helper("store-result"),
            "batch": settings.helper("store-batch"),
            "increment": settings.helper("increment-counter"),
            "remove": settings.helper("remove-key"),
            "clear": settings.helper("clear"),
            "propagate": settings.helper("propagate"),
            "get": settings.helper("get-value"),
        }

    # -- results --------------------------------------------------------------------------

    def _report(self, rule: Rule, ref: MetadataRef, **fields: str) -> None:
        if self._exempt_depth or self._statement is None:
            return
        statement = self._statement
        message = rule.format(target=ref.target, receiver=ref.receiver, **self._fields, **fields)
        self.findings.append(Finding(
            statement.lineno, statement.col_offset, rule.code, message,
            getattr(statement, "end_lineno", None) or statement.lineno,
        ))

    def _value(self, value: ast.expr | None, via: str, converts_models: bool = False) -> None:
        if value is not None and not self._exempt_depth and self._statement is not None:
            self.value_sites.append(ValueSite(self._statement, value, via, converts_models))

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
              skip_comprehensions: bool = False) -> None:
        scopes = self._scopes
        index = len(scopes) - 1
        if skip_comprehensions:  # PEP 572: a walrus binds in the enclosing function
            while index > 0 and scopes[index].kind == "comprehension":
                index -= 1
        scopes[index].bindings[name] = (binding, ref)

    def _bind_target(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self._bind(target.id, *self._binding_for_value(value))
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
        if self.rules.constructs_context(value):
            return (Binding.CONTEXT, None)
        return (Binding.PLAIN, None)

    def _bind_arguments(self, arguments: ast.arguments) -> None:
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
        for arg in every:
            self._bind(arg.arg, self.rules.binding_for_annotation(arg.annotation))

    # -- what is a context, what is its metadata -------------------------------------------

    def _is_context(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            binding, _ = self._lookup(node.id)
            if binding is Binding.CONTEXT:
                return True
            if binding is Binding.PLAIN:
                return self.rules.name_is_context(node.id)
            return False
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.value.id == "self" and self.rules.name_is_context(node.attr)
        return False

    def _metadata_ref(self, node: ast.expr) -> MetadataRef | None:
        """The metadata dict *node* evaluates to, if it is a context's."""
        if isinstance(node, ast.NamedExpr):
            return self._metadata_ref(node.value)
        if isinstance(node, ast.Attribute):
            if node.attr in self.rules.metadata_attributes and self._is_context(node.value):
                return MetadataRef(_text(node), _text(node.value))
            return None
        if isinstance(node, ast.Name):
            binding, ref = self._lookup(node.id)
            if binding is Binding.ALIAS:
                return MetadataRef(node.id, ref.receiver)
        return None

    def _entry(self, node: ast.expr):
        """For ``M[a][b]...``: the metadata M and how many subscripts deep *node* is."""
        depth = 0
        while isinstance(node, ast.Subscript):
            node = node.value
            depth += 1
        if depth == 0:
            return None, 0
        return self._metadata_ref(node), depth

    # -- statement bookkeeping --------------------------------------------------------------

    def visit(self, node: ast.AST):
        if isinstance(node, ast.stmt):
            outer, self._statement = self._statement, node
            try:
                return super().visit(node)
            finally:
                self._statement = outer
        return super().visit(node)

    # -- scopes: one handler per node type ---------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(child)
        exempt = node.name in self.rules.exempt_classes
        self._exempt_depth += exempt
        self._scopes.append(_Scope("class"))
        for statement in node.body:
            self.visit(statement)
        self._scopes.pop()
        self._exempt_depth -= exempt

    def visit_FunctionDef(self, node) -> None:
        for child in (*node.decorator_list, *node.args.defaults,
                      *[d for d in node.args.kw_defaults if d is not None]):
            self.visit(child)
        self._scopes.append(_Scope("function"))
        self._bind_arguments(node.args)
        for statement in node.body:
            self.visit(statement)
        self._scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for child in (*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]):
            self.visit(child)
        self._scopes.append(_Scope("function"))
        self._bind_arguments(node.args)
        self.visit(node.body)
        self._scopes.pop()

    def _visit_comprehension(self, node) -> None:
        self._scopes.append(_Scope("comprehension"))
        for generator in node.generators:
            self.visit(generator.iter)
            self._bind_target(generator.target, None)
            for condition in generator.ifs:
                self.visit(condition)
        for name in ("elt", "key", "value"):
            child = getattr(node, name, None)
            if child is not None:
                self.visit(child)
        self._scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    # -- writes ------------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        for target in node.targets:
            self._check_store(target, node.value)
        for target in node.targets:
            self._bind_target(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        if isinstance(node.target, ast.Name):
            binding = self.rules.binding_for_annotation(node.annotation)
            if binding is Binding.PLAIN and node.value is not None:
                self._bind_target(node.target, node.value)
            else:
                self._bind(node.target.id, binding)
        elif node.value is not None:
            self._check_store(node.target, node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.generic_visit(node)
        self._bind(node.target.id, *self._binding_for_value(node.value), skip_comprehensions=True)

    def _check_store(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_store(element, value)
            return
        if isinstance(target, ast.Starred):
            self._check_store(target.value, value)
            return
        if isinstance(target, ast.Attribute):
            ref = self._metadata_ref(target)
            if ref is not None:
                self._report(SOT109, ref)
                self._value(value, ref.target)
            return
        ref, depth = self._entry(target)
        if ref is None:
            return
        if depth == 1:
            self._report(SOT101, ref)
        else:
            self._report(SOT108, ref, form=f"{ref.target}[...][...] = ...")
        self._value(value, ref.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.generic_visit(node)
        target = node.target
        ref = self._metadata_ref(target) if isinstance(target, (ast.Attribute, ast.Name)) else None
        if ref is not None:
            self._report(SOT102, ref)
            self._value(node.value, ref.target)
            return
        ref, depth = self._entry(target)
        if ref is None:
            return
        op = _OPERATORS.get(type(node.op), "?")
        if depth == 1:
            self._report(SOT104, ref, op=op)
        else:
            self._report(SOT108, ref, form=f"{ref.target}[...][...] {op}= ...")
        self._value(node.value, ref.target)

    def visit_Delete(self, node: ast.Delete) -> None:
        self.generic_visit(node)
        for target in node.targets:
            ref, depth = self._entry(target)
            if ref is None:
                continue
            if depth == 1:
                self._report(SOT105, ref, form=f"del {ref.target}[...]")
            else:
                self._report(SOT108, ref, form=f"del {ref.target}[...][...]")

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute):
            self._check_method_call(node, func.value, func.attr)
            self._check_helper_call(node, func.attr)
        elif isinstance(func, ast.Name):
            if func.id == "setattr":
                self._check_setattr(node)
            else:
                self._check_helper_call(node, func.id)

    def _check_method_call(self, call: ast.Call, receiver: ast.expr, method: str) -> None:
        if method not in _MUTATING_METHODS:
            return
        ref = self._metadata_ref(receiver)
        if ref is not None:
            if method == "update":
                self._report(SOT102, ref)
                for value in (*call.args, *(keyword.value for keyword in call.keywords)):
                    self._value(value, ref.target)
            elif method in ("pop", "popitem"):
                self._report(SOT105, ref, form=f"{ref.target}.{method}()")
            elif method == "clear":
                self._report(SOT106, ref)
            elif method == "setdefault":
                self._report(SOT107, ref)
                self._value(call.args[1] if len(call.args) > 1 else None, ref.target)
            return
        ref, depth = self._entry(receiver)
        if ref is None:
            return
        if depth == 1 and method in _LIST_METHODS:
            self._report(SOT103, ref, method=method, fix=self._list_fix(method, ref))
        else:
            self._report(SOT108, ref, form=f"{ref.target}[...]{'[...]' * (depth - 1)}.{method}()")
        if method != "remove":
            for value in call.args[-1:]:
                self._value(value, ref.target)

    def _list_fix(self, method: str, ref: MetadataRef) -> str:
        if method == "append":
            return f"self.{self.settings.helper('append-list')}({ref.receiver}, key, item)"
        if method == "extend":
            return f"self.{self.settings.helper('extend-list')}({ref.receiver}, key, items)"
        return (f"self.{self.settings.helper('get-value')}({ref.receiver}, key, []) and "
                f"self.{self.settings.helper('store-result')}(...) with the new list")

    def _check_setattr(self, call: ast.Call) -> None:
        if len(call.args) < 2:
            return
        owner, name = call.args[0], call.args[1]
        if (isinstance(name, ast.Constant) and name.value in self.rules.metadata_attributes
                and self._is_context(owner)):
            self._report(SOT109, MetadataRef(f"{_text(owner)}.{name.value}", _text(owner)))
            self._value(call.args[2] if len(call.args) > 2 else None, _text(owner))

    def _check_helper_call(self, call: ast.Call, name: str) -> None:
        role = self._helper_roles.get(name)
        if role is None:
            return
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        converts = name in self._converting
        if role == "store-batch":
            value = call.args[1] if len(call.args) > 1 else keywords.get("mapping")
        else:
            value = call.args[2] if len(call.args) > 2 else (
                keywords.get("value") or keywords.get("item") or keywords.get("items"))
        self._value(value, name, converts_models=converts and role == "store-result")


def check(tree: ast.AST, settings) -> MetadataVisitor:
    """Run the SOT1xx pass; the visitor carries ``findings`` and ``value_sites``."""
    visitor = MetadataVisitor(settings)
    visitor.visit(tree)
    return visitor
