"""Declared types: what a value is, as far as the code says, and the annotations that say it.

A ``T`` is what the tracer knows of a value. Every one may carry a ``proof``: the declaration
or assignment the knowledge came from, shown in the message ("`when` is declared `datetime`,
line 12"). Types built from another module's summary are stored in the cache, so each can be
written to JSON and read back (``encode`` / ``decode``).
"""

from __future__ import annotations

import ast
import functools

from flake8_ssot.rules.sot3 import kinds


class T:
    __slots__ = ("proof",)
    tag = ""

    def __init__(self, proof: str = ""):
        self.proof = proof

    def proved(self, proof) -> "T":
        """This type with *proof*, unless it already has one (the first reason is the closest).

        *proof*: the text, or a function that writes it (quoting source costs ``ast.unparse``),
        called only when this type keeps it: most types are unknown or JSON and keep none.
        """
        if self.proof or not proof or self.tag in ("unknown", "json", "none"):
            return self
        if callable(proof):
            proof = proof()
        clone = object.__new__(type(self))
        for cls in type(self).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                setattr(clone, slot, getattr(self, slot))
        clone.proof = proof
        return clone


class Simple(T):
    __slots__ = ("tag",)

    def __init__(self, tag: str):
        super().__init__()
        self.tag = tag


UNKNOWN, JSON, NONE = Simple("unknown"), Simple("json"), Simple("none")


class Obj(T):
    """An instance of a class of the standard library table (``datetime.datetime``, a set)."""

    __slots__ = ("qual", "items")
    tag = "obj"

    def __init__(self, qual: str, items: T = UNKNOWN, proof: str = ""):
        super().__init__(proof)
        self.qual, self.items = qual, items


class Bad(T):
    """A value that is certainly of *kind*: a function, a generator, a model's dump, ..."""

    __slots__ = ("kind", "name", "items", "field")
    tag = "bad"

    def __init__(self, kind, name: str, items: T = UNKNOWN, field: str = "", proof: str = ""):
        super().__init__(proof)
        self.kind, self.name, self.items, self.field = kind, name, items, field


class Coll(T):
    """A list, tuple or dict: its *members* (tuple positions, or everything stored in it)."""

    __slots__ = ("shape", "members", "positional")
    tag = "coll"

    def __init__(self, shape: str, members: tuple = (), positional: bool = False, proof: str = ""):
        super().__init__(proof)
        self.shape, self.members, self.positional = shape, tuple(members), positional


class Union(T):
    __slots__ = ("alternatives",)
    tag = "union"

    def __init__(self, alternatives, proof: str = ""):
        super().__init__(proof)
        self.alternatives = tuple(alternatives)


class Awaitable(T):
    __slots__ = ("result",)
    tag = "awaitable"

    def __init__(self, result: T, proof: str = ""):
        super().__init__(proof)
        self.result = result


class Ref(T):
    """A qualified name (``app.models.Report``) resolved when used: *call* is its call's result,
    *instance* an instance of it (a declared type)."""

    __slots__ = ("qual", "mode")
    tag = "ref"

    def __init__(self, qual: str, mode: str = "name", proof: str = ""):
        super().__init__(proof)
        self.qual, self.mode = qual, mode


class Inst(T):
    """An instance of a class of the project (``cls`` is a ``lineage.ClassInfo``)."""

    __slots__ = ("cls", "declared")
    tag = "inst"

    def __init__(self, cls, declared: bool = False, proof: str = ""):
        super().__init__(proof)
        self.cls, self.declared = cls, declared


class ClassObj(T):
    __slots__ = ("cls",)
    tag = "class"

    def __init__(self, cls, proof: str = ""):
        super().__init__(proof)
        self.cls = cls


class Func(T):
    """A function or method of the project (``cls`` is the class a method was found on)."""

    __slots__ = ("func", "cls", "bound")
    tag = "func"

    def __init__(self, func, cls=None, bound: bool = False, proof: str = ""):
        super().__init__(proof)
        self.func, self.cls, self.bound = func, cls, bound


class Module(T):
    __slots__ = ("view",)
    tag = "module"

    def __init__(self, view, proof: str = ""):
        super().__init__(proof)
        self.view = view


def union(alternatives) -> T:
    alternatives = list(alternatives)
    if len(alternatives) == 1:
        return alternatives[0]
    flat = []
    for alternative in alternatives:
        if isinstance(alternative, Union):  # its proof goes to each of its alternatives
            flat.extend(inner.proved(alternative.proof) for inner in alternative.alternatives)
        else:
            flat.append(alternative)
    if any(alternative is UNKNOWN for alternative in flat):
        return UNKNOWN
    return flat[0] if len(flat) == 1 else Union(flat)


def elements(value: T) -> T:
    """What iterating over (or indexing into) *value* gives."""
    if isinstance(value, Coll):
        found = union(value.members) if value.members else UNKNOWN
    elif isinstance(value, (Obj, Bad)):
        found = value.items
    else:
        return UNKNOWN
    return found.proved(value.proof)  # the container's declaration explains its items


# -- annotations ---------------------------------------------------------------------------------

_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})
_SEQUENCES = frozenset({
    "builtins.list", "typing.List", "typing.Sequence", "typing.MutableSequence",
    "typing.Iterable", "typing.Collection", "collections.abc.Sequence",
    "collections.abc.MutableSequence", "collections.abc.Iterable", "collections.abc.Collection",
    "typing.Deque", "collections.deque",
})
_MAPPINGS = frozenset({
    "builtins.dict", "typing.Dict", "typing.Mapping", "typing.MutableMapping",
    "typing.DefaultDict", "typing.OrderedDict", "collections.abc.Mapping",
    "collections.abc.MutableMapping", "collections.defaultdict", "collections.OrderedDict",
})
_TUPLES = frozenset({"builtins.tuple", "typing.Tuple"})
_SETS = frozenset({
    "builtins.set", "builtins.frozenset", "typing.Set", "typing.FrozenSet", "typing.AbstractSet",
    "typing.MutableSet", "collections.abc.Set", "collections.abc.MutableSet",
})
_ITERATORS = frozenset({
    "typing.Iterator", "typing.Generator", "typing.AsyncIterator", "typing.AsyncGenerator",
    "collections.abc.Iterator", "collections.abc.Generator", "collections.abc.AsyncIterator",
    "collections.abc.AsyncGenerator",
})
_AWAITABLES = frozenset({"typing.Awaitable", "typing.Coroutine", "collections.abc.Awaitable",
                         "collections.abc.Coroutine"})
_TRANSPARENT = frozenset({"typing.ClassVar", "typing.Final", "typing.Required",
                          "typing.NotRequired", "typing_extensions.Required",
                          "typing_extensions.NotRequired", "typing_extensions.Final"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_LITERAL = frozenset({"typing.Literal", "typing_extensions.Literal"})
_CLASS_OBJECTS = frozenset({"typing.Type", "builtins.type"})


def _alias(qual: str) -> str:
    qual = qual.replace("typing_extensions.", "typing.")
    return qual.replace("_collections_abc.", "collections.abc.")


@functools.lru_cache(maxsize=4096)
def _parsed_annotation(source: str):
    """The tree of an annotation's text, or None. Shared by every read of the same text (the
    same few annotations recur across a project): nothing reading it changes it."""
    try:
        return ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError):
        return None


class Annotations:
    """Reads an annotation (an ``ast`` expression, or its source text) as a ``T``.

    *resolve* gives what a name (or dotted name) of the annotation's module refers to: an
    ``Ref``/``ClassObj``/... ``T``; *keep_annotated* is False for model fields, whose
    ``Annotated`` metadata may change what is dumped.
    """

    def __init__(self, resolve, instance_of, keep_annotated: bool = True):
        self.resolve, self.instance_of = resolve, instance_of
        self.keep_annotated = keep_annotated

    def read(self, node, depth: int = 0) -> T:
        if node is None or depth > 8:
            return UNKNOWN
        if isinstance(node, str):
            node = _parsed_annotation(node.strip())
            if node is None:
                return UNKNOWN
        if isinstance(node, ast.Constant):
            if node.value is None:
                return NONE
            if isinstance(node.value, str):
                return self.read(node.value, depth + 1)  # a forward reference
            return UNKNOWN
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return union((self.read(node.left, depth + 1), self.read(node.right, depth + 1)))
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.instance_of(self.resolve(node))
        if isinstance(node, ast.Subscript):
            return self._generic(node, depth)
        return UNKNOWN

    def _generic(self, node: ast.Subscript, depth: int) -> T:
        head = self.resolve(node.value)
        qual = _alias(head.qual) if isinstance(head, Ref) else ""
        arguments = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if isinstance(node.slice, ast.Index):  # pragma: no cover - Python 3.8's ast
            arguments = [node.slice.value]
        args = [self.read(argument, depth + 1) for argument in arguments]
        if qual in _OPTIONAL:
            return union((args[0], NONE))
        if qual in _UNION:
            return union(args)
        if qual in _SEQUENCES:
            return Coll("list", args[:1])
        if qual in _MAPPINGS:
            return Coll("dict", args[1:2])
        if qual in _TUPLES:
            if len(arguments) == 2 and isinstance(arguments[1], ast.Constant) \
                    and arguments[1].value is Ellipsis:
                return Coll("tuple", args[:1])
            return Coll("tuple", args, positional=True)
        if qual in _SETS:
            return Obj("builtins.set", args[0])
        if qual in _ITERATORS:
            return Bad(kinds.ITERATOR, qual.rsplit(".", 1)[1], args[0])
        if qual in _AWAITABLES:
            return Awaitable(args[-1])
        if qual in _TRANSPARENT:
            return args[0]
        if qual in _ANNOTATED:
            return args[0] if self.keep_annotated else UNKNOWN
        if qual in _LITERAL:
            return JSON
        if qual in _CLASS_OBJECTS:
            return Bad(kinds.OBJECT, "class object")
        if isinstance(head, (ClassObj, Ref)):
            return self.instance_of(head)  # a generic class of the project: Page[Item]
        return UNKNOWN


def text(node, limit: int = 40) -> str:
    try:
        written = " ".join(ast.unparse(node).split())
    except Exception:  # noqa: BLE001 - only for a message
        return "the value"
    return written if len(written) <= limit else written[: limit - 3] + "..."


def where(view, line: int) -> str:
    return f"line {line}" if view.checked else f"{view.qual}, line {line}"


def annotation_text(node) -> str:
    if node.__class__ is ast.Name:  # most annotations: what ast.unparse would give, at once
        return node.id
    try:
        return " ".join(ast.unparse(node).split())
    except Exception:  # noqa: BLE001 - only for a message
        return "..."


# -- to and from the cache -----------------------------------------------------------------------


def encode(value: T, depth: int = 0):
    """A JSON form of *value* (types in summaries never hold live objects: only names)."""
    if depth > 6:
        return "unknown"
    if isinstance(value, Simple):
        return value.tag
    proof = value.proof
    if isinstance(value, Obj):
        return ["obj", value.qual, encode(value.items, depth + 1), proof]
    if isinstance(value, Bad):
        return ["bad", value.kind.name, value.name, encode(value.items, depth + 1), value.field,
                proof]
    if isinstance(value, Coll):
        return ["coll", value.shape, [encode(m, depth + 1) for m in value.members],
                value.positional, proof]
    if isinstance(value, Union):
        return ["union", [encode(a, depth + 1) for a in value.alternatives], proof]
    if isinstance(value, Awaitable):
        return ["awaitable", encode(value.result, depth + 1), proof]
    if isinstance(value, Ref):
        return ["ref", value.qual, value.mode, proof]
    if isinstance(value, (Inst, ClassObj)) and getattr(value.cls, "qual", ""):
        return ["ref", value.cls.qual, "instance" if isinstance(value, Inst) else "name", proof]
    if isinstance(value, Func) and value.func.qual and not value.bound:
        return ["ref", value.func.qual, "name", proof]
    return "unknown"


def decode(data) -> T:
    if isinstance(data, str):
        return {"json": JSON, "none": NONE}.get(data, UNKNOWN)
    try:
        tag = data[0]
        if tag == "obj":
            return Obj(data[1], decode(data[2]), data[3])
        if tag == "bad":
            return Bad(kinds.KINDS[data[1]], data[2], decode(data[3]), data[4], data[5])
        if tag == "coll":
            return Coll(data[1], [decode(m) for m in data[2]], data[3], data[4])
        if tag == "union":
            return Union([decode(a) for a in data[1]], data[2])
        if tag == "awaitable":
            return Awaitable(decode(data[1]), data[2])
        if tag == "ref":
            return Ref(data[1], data[2], data[3])
    except (IndexError, KeyError, TypeError):
        pass
    return UNKNOWN
