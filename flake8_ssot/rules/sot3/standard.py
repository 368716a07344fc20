"""The standard library as SOT3xx sees it: the table generated from typeshed (``stdlib``) read
with ``kinds``' judgement of what json.dumps accepts, applied along each class's bases.

The table is imported on first use: a file whose values are all plain never loads it.
"""

from __future__ import annotations

import ast
import functools

from flake8_ssot.rules.sot3 import kinds
from flake8_ssot.rules.sot3.types import (
    JSON, UNKNOWN, Awaitable, Bad, Coll, Obj, Union, decode,
)

JSON_RECEIVER = "(json)"  # the table's prefix for methods of the JSON builtin classes
_OPERATORS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
    ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul",
    ast.BitAnd: "and", ast.BitOr: "or", ast.BitXor: "xor", ast.LShift: "lshift",
    ast.RShift: "rshift",
}


@functools.lru_cache(maxsize=1)
def table():
    from flake8_ssot.rules.sot3 import stdlib

    return stdlib


@functools.lru_cache(maxsize=2048)
def mro(qual: str) -> tuple:
    """*qual* and its bases as the stubs declare them, nearest first."""
    classes = table().CLASSES
    order, queue = [], [qual]
    while queue and len(order) < 40:
        klass = queue.pop(0)
        if klass in order:
            continue
        order.append(klass)
        queue.extend(classes.get(klass, ()))
    return tuple(order)


def is_standard_module(name: str) -> bool:
    """*name* (a top-level module) is the standard library's, in any Python typeshed knows."""
    return name in table().TOP_LEVEL


def is_json(qual: str) -> bool:
    """Instances of *qual* are JSON (by the judgement, along its bases)."""
    return qual in kinds.JSON_ROOTS or qual in kinds.JSON_FORMS or qual in table().JSON


@functools.lru_cache(maxsize=2048)
def known(qual: str):
    """``(display name, Kind)`` of a standard-library class whose instances are certainly not
    JSON, or None."""
    if is_json(qual):
        return None
    stdlib = table()
    if qual not in stdlib.CLASSES and qual not in kinds.ROOT_CLASSES:
        return None
    short = qual.rsplit(".", 1)[1]
    for klass in mro(qual):
        if klass in kinds.ROOT_CLASSES:
            display, kind = kinds.ROOT_CLASSES[klass]
            if display is None:
                display = f"{short} member" if kind is kinds.ENUM else \
                    f"{short} instance" if klass == "builtins.BaseException" else \
                    short if kind in (kinds.PATH, kinds.ITERATOR) else \
                    qual.replace("builtins.", "", 1)
            return display, kind
    return qual.replace("builtins.", "", 1), kinds.OBJECT


def instance(qual: str):
    """What an instance of the class *qual* is (a constructor's result, a declared type)."""
    if is_json(qual):
        return JSON
    if qual in table().ABSTRACT or known(qual) is None:
        return UNKNOWN
    return Obj(qual)


def _entry(qual: str):
    """The table's ``(form, result)`` for ``module.name`` or ``module.Class.name`` (looked up
    along the class's bases), or None."""
    members = table().MEMBERS
    found = members.get(qual)
    if found is not None:
        return found
    owner, _, name = qual.rpartition(".")
    if owner in table().CLASSES:
        for klass in mro(owner)[1:]:
            found = members.get(f"{klass}.{name}")
            if found is not None:
                return found
    return None


def _result(result, receiver):
    """A table result as a ``T``; "Self" is *receiver*."""
    if not result:
        return UNKNOWN
    if isinstance(result, str):
        return receiver if result == "Self" else instance(result) if result in table().CLASSES \
            or result in kinds.ROOT_CLASSES else Obj(result)
    return _with_self(decode(result), receiver)


def _with_self(value, receiver):
    if isinstance(value, Obj):
        if value.qual == "Self":
            return receiver
        return Obj(value.qual, _with_self(value.items, receiver)) if value.items is not UNKNOWN \
            else instance(value.qual)
    if isinstance(value, Bad):
        return Bad(value.kind, value.name, _with_self(value.items, receiver), value.field)
    if isinstance(value, Coll):
        return Coll(value.shape, [_with_self(m, receiver) for m in value.members],
                    value.positional)
    if isinstance(value, Union):
        return Union([_with_self(a, receiver) for a in value.alternatives])
    if isinstance(value, Awaitable):
        return Awaitable(_with_self(value.result, receiver))
    return value


def read(qual: str):
    """What reading ``module.name`` (a module variable) gives, or None (not a value)."""
    found = _entry(qual)
    if found is None or found[0] != "get":
        return None
    return _result(found[1], UNKNOWN)


def called(qual: str):
    """What calling ``module.function`` or ``module.Class.method`` (a class or static method)
    gives: a class's instance, the table's result, or None (not known)."""
    if qual in kinds.ROOT_CLASSES:
        return Obj(qual)  # object() is an object, though a declared `object` may be anything
    if qual in table().CLASSES or is_json(qual):
        return instance(qual)
    if qual in kinds.RETURNS:
        return Obj(kinds.RETURNS[qual])
    found = _entry(qual)
    if found is None or found[0] != "call":
        return None
    owner = qual.rpartition(".")[0]
    return _result(found[1], instance(owner) if owner in table().CLASSES else UNKNOWN)


def member(receiver: Obj, name: str, call: bool):
    """``receiver.name`` (*call*: ``receiver.name(...)``) of a standard-library instance."""
    found = _entry(f"{receiver.qual}.{name}")
    if found is None:
        return UNKNOWN
    form, result = found
    if form == "get" and not call or form == "call" and call:
        return _result(result, Obj(receiver.qual))
    return UNKNOWN


def json_method(name: str):
    """``value.name(...)`` of a value known only to be JSON (``"text".encode()``)."""
    found = table().MEMBERS.get(f"{JSON_RECEIVER}.{name}")
    return _result(found[1], UNKNOWN) if found is not None else UNKNOWN


def binop(left, op, right):
    """``left OP right`` by the operator overloads the stubs declare, or UNKNOWN."""
    name = _OPERATORS.get(type(op))
    if name is None:
        return UNKNOWN
    if isinstance(left, Obj):
        found = _operate(left, f"__{name}__", right)
        if found is not None:
            return found
    if isinstance(right, Obj) and (left is JSON or isinstance(left, Obj)):
        found = _operate(right, f"__r{name}__", left)
        if found is not None:
            return found
    return UNKNOWN


def _operate(receiver: Obj, dunder: str, operand):
    found = _entry(f"{receiver.qual}.{dunder}")
    if found is None or found[0] != "op":
        return None
    if operand is UNKNOWN or not isinstance(operand, Obj) and operand is not JSON:
        results = [_result(result, receiver) for _accepts, result in found[1]]
        from flake8_ssot.rules.sot3.types import union

        return union(results) if results else None
    for accepts, result in found[1]:
        if _accepts(accepts, receiver, operand):
            return _result(result, receiver)
    return None


def _accepts(accepts, receiver, operand) -> bool:
    if "*" in accepts:
        return True
    if operand is JSON:
        return any(is_json(qual) for qual in accepts)
    classes = mro(operand.qual)
    return any((receiver.qual in classes and qual == "Self") or qual in classes
               for qual in accepts)
