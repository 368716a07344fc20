"""What one class definition offers its users, read from its source with ``ast``: its bases and
decorators, its constructor (fields or parameters in order, which are required, which can be
passed by position) and its public members with their signatures. Its kind is the project
index's (``index.KINDS``, judged by ``twins.kind_of`` as SOT201 judges it), given by the caller:
what a class is has one answer.

``flake8-ssot consolidate`` compares these shapes home by home (the feature matrix) and asks
whether a call written against one home binds the same way against another. Members and fields
inherited from project bases are included (*inherited*: the shapes of the bases, resolved by the
caller through the project index); what a base outside the project adds is unknown.
"""

from __future__ import annotations

import ast
from typing import Callable, NamedTuple, Sequence

from flake8_ssot.index import KIND_WORDS
from flake8_ssot.syntax import named_by

# Kinds (``index.KINDS``) whose constructor takes its fields by keyword only.
KEYWORD_ONLY_KINDS = {"model", "typeddict"}
# Kinds whose constructor is made from the annotated fields of the body (and of project bases).
_FIELD_KINDS = {"dataclass", "model", "namedtuple", "typeddict"}


class Parameter(NamedTuple):
    name: str
    annotation: str  # as written ("" when there is none)
    required: bool
    kind: str  # "positional" (by position or keyword), "keyword" (keyword-only), "*", "**"

    def describe(self, position: int | None = None) -> str:
        where = "keyword" if self.kind == "keyword" else self.kind if self.kind in "**" else (
            f"position {position}" if position else "positional")
        annotation = f": {self.annotation}" if self.annotation else ""
        return f"{self.name}{annotation}, {'required' if self.required else 'optional'}, {where}"


class Member(NamedTuple):
    kind: str  # "method", "property", "attribute"
    text: str  # what the matrix shows: "def run(self, x: int) -> str", "attribute: str"
    parameters: tuple[Parameter, ...] = ()  # a method's, without self/cls


class Shape(NamedTuple):
    name: str
    line: int
    kind: str  # one of ``index.KINDS``
    bases: tuple[str, ...]  # as written
    decorators: tuple[str, ...]  # as written, dotted
    constructor: tuple[Parameter, ...] | None  # None: inherited from a base outside the project
    members: dict  # public name -> Member
    nested: bool  # under a module-level if/try/with: not a plain definition to replace
    node: ast.ClassDef | None = None

    @property
    def keyword_only(self) -> bool:
        return self.kind in KEYWORD_ONLY_KINDS

    @property
    def kind_words(self) -> str:
        """How reports name its kind ("pydantic model", "class")."""
        return KIND_WORDS[self.kind]


def _unparse(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - a display string only
        return "..."


def _last(dotted: str) -> str:
    return dotted.rpartition(".")[2]


def _decorator_names(node) -> tuple[str, ...]:
    return tuple(name for name in map(named_by, node.decorator_list) if name)


def _is_call_to(node: ast.AST | None, *names: str) -> bool:
    return isinstance(node, ast.Call) and _last(named_by(node.func) or "") in names


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _signature(function: ast.FunctionDef | ast.AsyncFunctionDef, skip_first: bool
               ) -> tuple[Parameter, ...]:
    args = function.args
    positional = [*getattr(args, "posonlyargs", []), *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    found = [Parameter(a.arg, _unparse(a.annotation), d is None, "positional")
             for a, d in zip(positional, defaults)]
    if skip_first and found:
        found = found[1:]
    if args.vararg:
        found.append(Parameter(args.vararg.arg, _unparse(args.vararg.annotation), False, "*"))
    found += [Parameter(a.arg, _unparse(a.annotation), d is None, "keyword")
              for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        found.append(Parameter(args.kwarg.arg, _unparse(args.kwarg.annotation), False, "**"))
    return tuple(found)


def _method_text(function, decorators: tuple[str, ...]) -> str:
    prefix = "async def" if isinstance(function, ast.AsyncFunctionDef) else "def"
    marks = "".join(f"@{_last(d)} " for d in decorators
                    if _last(d) in ("staticmethod", "classmethod"))
    returns = f" -> {_unparse(function.returns)}" if function.returns else ""
    return f"{marks}{prefix} {function.name}({_unparse(function.args)}){returns}"


def _field(statement: ast.AnnAssign, kind: str, keyword_only: bool) -> Parameter | None:
    """A constructor field declared by an annotated class attribute; None when it is not one."""
    if not isinstance(statement.target, ast.Name):
        return None
    name, annotation = statement.target.id, _unparse(statement.annotation)
    if _last(annotation.split("[")[0]) == "ClassVar":
        return None
    if kind == "model" and name.startswith("_"):
        return None  # a private attribute, not a field
    value, required = statement.value, statement.value is None
    if _is_call_to(value, "field", "Field", "ib", "attrib"):
        if kind == "dataclass" and isinstance(_keyword(value, "init"), ast.Constant) \
                and _keyword(value, "init").value is False:
            return None
        has_default = any(k.arg in ("default", "default_factory", "factory")
                          for k in value.keywords)
        if kind == "model" and value.args:  # Field(...) is required, Field(1) is not
            first = value.args[0]
            has_default = not (isinstance(first, ast.Constant) and first.value is Ellipsis)
        required = not has_default
    if kind == "typeddict":
        required = _last(annotation.split("[")[0]) != "NotRequired"
    return Parameter(name, annotation, required, "keyword" if keyword_only else "positional")


def shape_of(node: ast.ClassDef, kind: str, nested: bool = False,
             inherited: Callable[[str], "Shape | None"] = lambda base: None) -> Shape:
    """The shape of class *node* of *kind* (``index.KINDS``: the index's kind of the class,
    inherited through its project bases). *inherited(base)*: the shape of a base written in
    its module when it is a project class, else None."""
    bases = tuple(name for name in (named_by(b) for b in node.bases
                                    if not isinstance(b, ast.Call)) if name)
    decorators = _decorator_names(node)
    base_shapes = [shape for shape in map(inherited, bases) if shape is not None]
    keyword_only = kind in KEYWORD_ONLY_KINDS or any(
        isinstance(d, ast.Call) and isinstance(_keyword(d, "kw_only"), ast.Constant)
        and _keyword(d, "kw_only").value is True for d in node.decorator_list)

    members: dict[str, Member] = {}
    for shape in reversed(base_shapes):  # the first base wins, the class itself over all
        members.update(shape.members)
    own_fields: list[Parameter] = []
    init = None
    after_kw_only = False
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = _decorator_names(item)
            if item.name == "__init__":
                init = item
            if item.name.startswith("_"):
                continue
            if any(_last(d) in ("property", "cached_property") for d in names):
                returns = f" -> {_unparse(item.returns)}" if item.returns else ""
                members[item.name] = Member("property", f"property{returns}")
            elif any(_last(d) == "setter" or _last(d) == "deleter" for d in names):
                continue
            else:
                static = any(_last(d) == "staticmethod" for d in names)
                members[item.name] = Member("method", _method_text(item, names),
                                            _signature(item, skip_first=not static))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            if _last(_unparse(item.annotation)) == "KW_ONLY":
                after_kw_only = True
                continue
            field = _field(item, kind, keyword_only or after_kw_only) if kind in _FIELD_KINDS \
                else None
            if field is not None:
                own_fields.append(field)
            if not item.target.id.startswith("_"):
                members[item.target.id] = Member(
                    "attribute", f"attribute: {_unparse(item.annotation)}")
        elif isinstance(item, ast.Assign):
            for target in item.targets:
                if isinstance(target, ast.Name) and not target.id.startswith("_"):
                    members[target.id] = Member("attribute", "attribute")
    # Attributes a method sets on self (``self.x = ...``): in __init__ above all.
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(item):
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target] if (
                    isinstance(sub, ast.AnnAssign)) else []
                for target in targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                            and target.value.id == "self" and not target.attr.startswith("_"):
                        annotation = _unparse(sub.annotation) if isinstance(
                            sub, ast.AnnAssign) else ""
                        members.setdefault(target.attr, Member(
                            "attribute", f"attribute: {annotation}" if annotation else
                            "attribute"))

    constructor: tuple[Parameter, ...] | None
    if init is not None:
        constructor = _signature(init, skip_first=True)
    elif kind in _FIELD_KINDS:
        inherited_fields: list[Parameter] = []
        for shape in reversed(base_shapes):
            for parameter in shape.constructor or ():
                if parameter.name not in [p.name for p in inherited_fields]:
                    inherited_fields.append(parameter)
        by_name = {p.name: p for p in own_fields}
        # A field redeclared in the subclass keeps its place (dataclass semantics).
        merged = [by_name.pop(p.name, p) for p in inherited_fields]
        constructor = tuple([*merged, *(p for p in own_fields if p.name in by_name)])
    elif base_shapes:
        constructor = base_shapes[0].constructor
    elif not bases or all(_last(b) in ("object", "ABC", "Protocol", "Generic", "Exception",
                                       "BaseException") for b in bases):
        constructor = () if kind != "exception" else (
            Parameter("args", "", False, "*"),)
    else:
        constructor = None  # from a base outside the project
    return Shape(node.name, node.lineno, kind, bases, decorators, constructor, members, nested,
                 node)


def constructor_text(parameters: Sequence[Parameter] | None) -> str:
    if parameters is None:
        return "inherited from a base outside the project"
    parts = []
    for parameter in parameters:
        prefix = "*" if parameter.kind == "*" else "**" if parameter.kind == "**" else ""
        annotation = f": {parameter.annotation}" if parameter.annotation else ""
        default = "" if parameter.required or prefix else " = ..."
        parts.append(f"{prefix}{parameter.name}{annotation}{default}")
    return f"({', '.join(parts)})"


# -- calls ------------------------------------------------------------------------------------

class Call(NamedTuple):
    """A call as written: how many positional arguments, which keywords, any ``*``/``**``."""
    positional: int
    keywords: tuple[str, ...]
    star: bool
    double_star: bool

    @classmethod
    def of(cls, node: ast.Call) -> "Call":
        star = any(isinstance(a, ast.Starred) for a in node.args)
        return cls(sum(not isinstance(a, ast.Starred) for a in node.args),
                   tuple(k.arg for k in node.keywords if k.arg),
                   star, any(k.arg is None for k in node.keywords))

    def text(self, name: str) -> str:
        arguments = [f"<{i + 1}>" for i in range(self.positional)]
        arguments += [f"{k}=..." for k in self.keywords]
        arguments += ["*..."] * self.star + ["**..."] * self.double_star
        return f"{name}({', '.join(arguments)})"


def _positional(parameters: Sequence[Parameter]) -> list[Parameter]:
    return [p for p in parameters if p.kind == "positional"]


def binding_problem(call: Call, here: Sequence[Parameter] | None,
                    canonical: Sequence[Parameter] | None, keyword_only: bool = False
                    ) -> str | None:
    """Why *call*, written against parameters *here*, would bind differently (or fail) against
    *canonical*; None when it binds the same. *keyword_only*: the canonical constructor takes
    keywords only (a pydantic model)."""
    if canonical is None:
        return "the canonical constructor is inherited from a base outside the project"
    accepts_star = any(p.kind == "*" for p in canonical)
    accepts_keywords = any(p.kind == "**" for p in canonical)
    theirs = [] if keyword_only else _positional(canonical)
    mine = _positional(here) if here is not None else None
    if call.positional > len(theirs) and not accepts_star:
        return (f"takes {len(theirs)} positional argument{'s' if len(theirs) != 1 else ''} in "
                f"the canonical class, given {call.positional}")
    if mine is not None:
        for position in range(min(call.positional, len(mine), len(theirs))):
            if mine[position].name != theirs[position].name:
                return (f"argument {position + 1} binds to {mine[position].name} here, to "
                        f"{theirs[position].name} in the canonical class")
    names = {p.name for p in canonical if p.kind in ("positional", "keyword")}
    for keyword in call.keywords:
        if keyword not in names and not accepts_keywords:
            return f"keyword {keyword} is not accepted by the canonical class"
    if not call.star and not call.double_star:
        given = {p.name for p in theirs[:call.positional]} | set(call.keywords)
        missing = [p.name for p in canonical
                   if p.required and p.kind in ("positional", "keyword") and p.name not in given]
        if missing:
            return f"required {', '.join(missing)} not passed (the canonical class needs it)"
    return None


def callable_alike(here: Member, canonical: Member) -> str | None:
    """Why a use of member *here* may break against *canonical*; None when every call that
    binds against *here* binds the same against *canonical*."""
    if here.kind != canonical.kind:
        return f"a {here.kind} here, a {canonical.kind} in the canonical class"
    if here.kind != "method":
        return None
    mine, theirs = here.parameters, canonical.parameters
    mine_positional, theirs_positional = _positional(mine), _positional(theirs)
    for position, parameter in enumerate(mine_positional):
        if position >= len(theirs_positional):
            if not any(p.kind == "*" for p in theirs):
                return f"{parameter.name} is not a parameter of the canonical method"
            continue
        if theirs_positional[position].name != parameter.name:
            return (f"parameter {position + 1} is {parameter.name} here, "
                    f"{theirs_positional[position].name} in the canonical method")
        if theirs_positional[position].required and not parameter.required:
            return f"{parameter.name} is optional here, required in the canonical method"
    names = {p.name: p for p in theirs}
    for parameter in mine:
        if parameter.kind == "keyword" and parameter.name not in names and not any(
                p.kind == "**" for p in theirs):
            return f"keyword {parameter.name} is not a parameter of the canonical method"
    offered = {p.name for p in mine}
    for parameter in theirs:
        if parameter.required and parameter.kind in ("positional", "keyword") \
                and parameter.name not in offered:
            return f"the canonical method requires {parameter.name}"
    return None
