"""Per-module summaries: what checking one file needs to know about a module it imports.

A summary is computed from the module's own source only (never from what it imports), so it is
a function of the module's content and is cached by it. It holds the module-level names (imports
as qualified names, classes, functions, values), and for each class its bases, decorators,
fields, attribute declarations and methods; for each function its declared parameter and return
types (as source text, read in the module's context when used) and, when nothing is declared,
a hint: the type its ``return`` statements give, worked out inside the module.

The checked file gets the same structure from flake8's tree, with the nodes kept so the tracer
can follow its values in full.
"""

from __future__ import annotations

import ast
import weakref

from flake8_ssot.rules.sot3.flow import may_hold
from flake8_ssot.rules.sot3.records import Assigned, ClassValue, Field, Imported, SelfAttribute
from flake8_ssot.rules.sot3.types import annotation_text
from flake8_ssot.syntax import (absolute_module, dotted_name, own_statements, package_of,
                                statements_breadth_first)

# Bumped when the summary's shape or meaning changes: old cache entries are then not read.
VERSION = 6  # 4: standard-library values from the typeshed table; 5: positional fields;
# 6: attributes that are an __init__ parameter


# In a FuncInfo or ClassInfo built from a tree: worked out from the ``definition`` node when
# first asked for. Checking a file asks for few functions and classes of a module.
LATER = object()


# A function or class refers to its module weakly: the module's bindings refer to it, and a
# cycle would keep a module's tree alive until the cyclic collector runs, megabytes per
# checked file on a cold run (#13). A module outlives them: its session or check holds it.
def _weak(view):
    return None if view is None else weakref.ref(view)


def _strong(reference):
    return None if reference is None else reference()


class FuncInfo:
    """A function or method; ``returns``, ``is_generator`` and ``params`` may be LATER."""

    __slots__ = ("qual", "name", "line", "_returns", "is_async", "_is_generator", "decorators",
                 "_params", "hint", "node", "_view", "kind", "definition")

    def __init__(self, qual, name, line, returns, is_async, is_generator, decorators, params,
                 kind="function", hint=None, node=None, view=None, definition=None):
        self.qual, self.name, self.line, self._returns = qual, name, line, returns
        self.is_async, self._is_generator, self.decorators = is_async, is_generator, decorators
        self._params, self.kind, self.hint, self.node = params, kind, hint, node
        self._view = _weak(view)
        self.definition = definition  # the def node the LATER parts come from

    view = property(lambda self: _strong(self._view), doc="The module it is defined in.")

    @property
    def returns(self) -> str | None:
        """The declared return type's text."""
        if self._returns is LATER:
            self._returns = _text(self.definition.returns)
        return self._returns

    @property
    def is_generator(self) -> bool:
        if self._is_generator is LATER:
            self._is_generator = _is_generator(self.definition)
        return self._is_generator

    @property
    def params(self) -> list:
        """``(name, annotation text, default is None)`` for each named parameter."""
        if self._params is LATER:
            self._params = _params(self.definition.args)
        return self._params


class ClassInfo:
    """A class; ``attrs`` (what its methods assign to ``self``) may be LATER."""

    __slots__ = ("qual", "name", "line", "bases", "decorators", "metaclass", "has_new",
                 "abstract", "serializer", "enum_values", "fields", "_attrs", "methods",
                 "values", "node", "_view", "definition")

    def __init__(self, qual, name, line, bases, decorators, metaclass, has_new, abstract,
                 serializer, enum_values, fields, attrs, methods, values, node=None, view=None,
                 definition=None):
        self.qual, self.name, self.line, self.bases = qual, name, line, bases
        self.decorators, self.metaclass, self.has_new = decorators, metaclass, has_new
        self.abstract, self.serializer, self.enum_values = abstract, serializer, enum_values
        self.fields, self._attrs, self.methods, self.values = fields, attrs, methods, values
        self.node, self._view = node, _weak(view)
        self.definition = definition  # the class node the LATER part comes from

    view = property(lambda self: _strong(self._view), doc="The module it is defined in.")

    @property
    def attrs(self) -> dict:
        if self._attrs is LATER:
            self._attrs = _instance_attributes(self.definition, self.node is not None)
        return self._attrs


class ModuleView:
    """A module's names. ``bindings``: name -> ClassInfo | FuncInfo | records.Imported |
    records.Assigned."""

    def __init__(self, qual: str, path: str, package: str, bindings: dict, live: bool):
        self.qual, self.path, self.package = qual, path, package
        self.bindings, self.live = bindings, live
        self.checked = False  # the file being checked (messages cite its lines bare)
        self.may_walrus = True  # False: its text holds no ``:=`` (set by ``build``)


def _dotted(node) -> str:
    """A decorator or base as written; a call is named by what it calls, "" for a subscript."""
    return dotted_name(node.func if isinstance(node, ast.Call) else node) or ""


def _text(node):
    return annotation_text(node) if node is not None else None


def import_target(statement, alias, package: str) -> str:
    """The qualified name an import binds (``from .models import Report`` in ``app.x``); ""
    when its dots climb above the top of the import path."""
    if isinstance(statement, ast.Import):
        return alias.name if alias.asname else alias.name.split(".")[0]
    base = absolute_module(package, statement.module, statement.level or 0)
    if base is None:
        return ""
    return f"{base}.{alias.name}" if base else alias.name


def _is_generator(function) -> bool:
    stack = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _params(arguments) -> list:
    defaults = [None] * (len(arguments.posonlyargs) + len(arguments.args)
                         - len(arguments.defaults)) + list(arguments.defaults)
    params = []
    for arg, default in zip([*arguments.posonlyargs, *arguments.args], defaults):
        params.append((arg.arg, _text(arg.annotation), _none(default)))
    for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        params.append((arg.arg, _text(arg.annotation), _none(default)))
    return params


def _function(node, qual, view, kind, keep, can_yield) -> FuncInfo:
    return FuncInfo(qual, node.name, node.lineno, LATER, isinstance(node, ast.AsyncFunctionDef),
                    LATER if can_yield else False, [_dotted(d) for d in node.decorator_list],
                    LATER, kind, node=node if keep else None, view=view, definition=node)


def _none(default) -> bool:
    return isinstance(default, ast.Constant) and default.value is None


def _method_kind(decorators: set) -> str:
    """method, static, class or property, from the last parts of a method's decorators."""
    if "staticmethod" in decorators:
        return "static"
    if "classmethod" in decorators:
        return "class"
    if "property" in decorators or "cached_property" in decorators:
        return "property"
    return "method"


def _decorator_names(function) -> set:
    return {_dotted(d).rsplit(".", 1)[-1] for d in function.decorator_list}


def _class(node: ast.ClassDef, qual: str, view, keep: bool, can_yield: bool) -> ClassInfo:
    fields, methods, values = {}, {}, {}
    has_new = abstract = keyword_only = False
    source_words = set()
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            annotation = _text(statement.annotation)
            keyword_only = keyword_only or _annotation_root(annotation) in _KW_ONLY
            fields[statement.target.id] = Field(annotation, statement.lineno,
                                                _positional(statement, annotation, keyword_only))
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    values[target.id] = ClassValue(None, statement.lineno,
                                                   statement.value if keep else None)
                    if target.id == "model_config" or target.id == "Config":
                        source_words.update(_words(statement))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = _decorator_names(statement)
            kind = _method_kind(decorators)
            if "abstractmethod" in decorators:
                abstract = True
            if "serializer" in " ".join(decorators).lower():
                source_words.add("serializer")
            has_new = has_new or statement.name == "__new__"
            methods[statement.name] = _function(statement, f"{qual}.{statement.name}", view,
                                                kind, keep, can_yield)
        elif isinstance(statement, ast.ClassDef):
            source_words.update(_words(statement) if statement.name == "Config" else ())
    metaclass = next((_dotted(k.value) or "?" for k in node.keywords if k.arg == "metaclass"),
                     None)
    return ClassInfo(qual, node.name, node.lineno, [_dotted(base) or "?" for base in node.bases],
                     [_dotted(d) or "?" for d in node.decorator_list], metaclass, has_new,
                     abstract, "serializer" in source_words, "use_enum_values" in source_words,
                     fields, LATER, methods, values, node=node if keep else None, view=view,
                     definition=node)


# A dataclass's pseudo-fields that its generated __init__ does not take by position: a class
# variable, and the marker after which every field is keyword-only.
_KW_ONLY = ("KW_ONLY", "dataclasses.KW_ONLY")
_NOT_POSITIONAL = ("ClassVar", "typing.ClassVar", *_KW_ONLY)
_FIELD_CALLS = ("field", "dataclasses.field")


def _annotation_root(annotation) -> str:
    """``ClassVar`` of ``ClassVar[int]`` (or of the string ``"ClassVar[int]"``)."""
    return (annotation or "").strip("'\"").split("[", 1)[0]


def _positional(statement: ast.AnnAssign, annotation, keyword_only: bool):
    """Whether a dataclass's generated ``__init__`` takes this field by position: False for a
    class variable, a keyword-only or ``field(init=False)`` field; None when a flag is not a
    constant (then the places of the fields after it are not known either)."""
    if keyword_only or _annotation_root(annotation) in _NOT_POSITIONAL:
        return False
    value = statement.value
    if not (isinstance(value, ast.Call) and _dotted(value) in _FIELD_CALLS):
        return True
    for keyword in value.keywords:
        if keyword.arg is None:
            return None  # field(**options)
        if keyword.arg in ("init", "kw_only"):
            flag = keyword.value.value if isinstance(keyword.value, ast.Constant) else None
            if not isinstance(flag, bool):
                return None
            if flag is (keyword.arg == "kw_only"):
                return False
    return True


def _words(node) -> set:
    return {n.id if isinstance(n, ast.Name) else getattr(n, "arg", None) or str(
        getattr(n, "value", "")) for n in ast.walk(node)
        if isinstance(n, (ast.Name, ast.keyword, ast.Constant))}


def _instance_attributes(node: ast.ClassDef, keep: bool) -> dict:
    """What the instance methods of a class assign to ``self``, method by method."""
    attrs: dict = {}
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                _method_kind(_decorator_names(statement)) == "method" and statement.args.args:
            _self_attributes(statement, statement.args.args[0].arg, attrs, keep)
            if statement.name == "__init__":
                _parameters_kept(statement, attrs)
    for attribute in attrs.values():
        if len(attribute.assignments) != 1:
            attribute.param = None
    return attrs


def _parameters_kept(init, attrs: dict) -> None:
    """Mark the attributes ``__init__`` sets to one of its parameters as given, never bound
    again in it (``self.state = state``; not ``state = wrap(state)`` first)."""
    arguments = init.args
    params = {arg.arg for arg in (*arguments.posonlyargs, *arguments.args[1:],
                                  *arguments.kwonlyargs)}
    rebound = {node.id for node in ast.walk(init)
               if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}
    for statement in statements_breadth_first(init):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                and target.value.id == arguments.args[0].arg and isinstance(value, ast.Name) \
                and value.id in params and value.id not in rebound and target.attr in attrs:
            attrs[target.attr].param = value.id


def _self_attributes(method, self_name: str, attrs: dict, keep: bool) -> None:
    """``self.x: T = ...`` and ``self.x = value`` in a method: name -> SelfAttribute."""
    for node in statements_breadth_first(method):  # only statements assign
        if isinstance(node, ast.AnnAssign):
            targets, value, annotation = [node.target], node.value, node.annotation
        elif isinstance(node, ast.Assign):
            targets, value, annotation = node.targets, node.value, None
        else:
            continue
        for target in targets:
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                    and target.value.id == self_name):
                attribute = attrs.get(target.attr)
                if attribute is None:
                    attribute = attrs[target.attr] = SelfAttribute(None, None, node.lineno, [])
                if annotation is not None and attribute.annotation is None:
                    attribute.annotation, attribute.line = _text(annotation), node.lineno
                if value is not None:
                    attribute.assignments.append((value, method) if keep else (None, None))
            elif isinstance(target, (ast.Tuple, ast.List, ast.Subscript, ast.Starred)):
                for inner in ast.walk(target):
                    if (isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name)
                            and inner.value.id == self_name):
                        attribute = attrs.get(inner.attr)
                        if attribute is None:
                            attribute = attrs[inner.attr] = SelfAttribute(None, None,
                                                                          node.lineno, [])
                        attribute.assignments.append((None, method))


def build(tree, qual: str, path: str, is_package: bool, live: bool,
          source=None) -> ModuleView:
    """The view of a module from its tree; *live* keeps the nodes (the checked file).
    *source*: the module's text (str or bytes), when at hand."""
    can_yield = may_hold(source, "yield")  # else no function of it is a generator
    package = package_of(qual, is_package)
    view = ModuleView(qual, path, package, {}, live)
    view.may_walrus = may_hold(source, ":=")
    bindings = view.bindings
    for statement in own_statements(tree.body):
        if isinstance(statement, ast.ClassDef):
            bindings[statement.name] = _class(statement, f"{qual}.{statement.name}", view,
                                              live, can_yield)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bindings[statement.name] = _function(statement, f"{qual}.{statement.name}", view,
                                                 "function", live, can_yield)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if alias.name == "*":
                    continue
                name = alias.asname or alias.name.split(".")[0]
                target = import_target(statement, alias, package)
                bindings[name] = Imported(target) if target else Assigned("unknown", 0, [])
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [
                statement.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        simple = target is node and statement.value is not None
                        binding = bindings.get(node.id)
                        if not isinstance(binding, Assigned):
                            binding = bindings[node.id] = Assigned(None, statement.lineno, [])
                        binding.statements.append(statement if simple and live else None)
    return view


# -- the cached form -------------------------------------------------------------------------------


def _func_json(info: FuncInfo):
    return [info.name, info.line, info.returns, info.is_async, info.is_generator,
            info.decorators, info.params, info.kind, info.hint]


def _func_from(data, qual, view) -> FuncInfo:
    name, line, returns, is_async, is_generator, decorators, params, kind, hint = data
    return FuncInfo(qual, name, line, returns, is_async, is_generator, decorators,
                    [tuple(p) for p in params], kind, hint, None, view)


def to_json(view: ModuleView) -> dict:
    bindings = {}
    for name, binding in view.bindings.items():
        if isinstance(binding, Imported):
            bindings[name] = ["import", binding.qual]
        elif isinstance(binding, FuncInfo):
            bindings[name] = ["func", _func_json(binding)]
        elif isinstance(binding, Assigned):
            bindings[name] = ["value", [binding.hint, binding.line]]
        else:
            info = binding
            bindings[name] = ["class", [
                info.name, info.line, info.bases, info.decorators, info.metaclass, info.has_new,
                info.abstract, info.serializer, info.enum_values,
                {key: [field.annotation, field.line, field.positional]
                 for key, field in info.fields.items()},
                {key: [attribute.annotation, attribute.hint, attribute.line, attribute.param]
                 for key, attribute in info.attrs.items()},
                {key: _func_json(method) for key, method in info.methods.items()},
                {key: [value.hint, value.line] for key, value in info.values.items()}]]
    return {"version": VERSION, "qual": view.qual, "package": view.package, "bindings": bindings}


def from_json(data: dict, path: str) -> ModuleView | None:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    view = ModuleView(data["qual"], path, data["package"], {}, False)
    try:
        for name, (tag, payload) in data["bindings"].items():
            qual = f"{view.qual}.{name}"
            if tag == "import":
                view.bindings[name] = Imported(payload)
            elif tag == "func":
                view.bindings[name] = _func_from(payload, qual, view)
            elif tag == "value":
                hint, line = payload
                view.bindings[name] = Assigned(hint, line, [])
            else:
                (cname, line, bases, decorators, metaclass, has_new, abstract, serializer,
                 enum_values, fields, attrs, methods, values) = payload
                info = ClassInfo(qual, cname, line, bases, decorators, metaclass, has_new,
                                 abstract, serializer, enum_values,
                                 {k: Field(*v) for k, v in fields.items()},
                                 {k: SelfAttribute(*v[:3], [], v[3]) for k, v in attrs.items()}, {},
                                 {k: ClassValue(*v) for k, v in values.items()}, None, view)
                info.methods = {k: _func_from(v, f"{qual}.{k}", view) for k, v in methods.items()}
                view.bindings[name] = info
    except (TypeError, ValueError, KeyError, IndexError):
        return None
    return view
