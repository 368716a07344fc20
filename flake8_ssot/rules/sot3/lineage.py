"""Class lineage: what an instance of a class is (JSON, a model, an enum member, an object), and
the judgement of a type: the Problem json.dumps would have with it, or None.

Bases are followed through the summaries of the modules that define them. A base that cannot
be resolved (a third-party class) makes the class unknown: it may be a dict subclass.
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

from flake8_ssot.rules.sot3 import kinds, standard
from flake8_ssot.rules.sot3.types import (
    NONE, UNKNOWN as UNKNOWN_T,
    Annotations, Bad, ClassObj, Coll, Func, Inst, Module, Obj, Ref, Union,
)

MAX_NESTING = 12  # containers inside containers followed into; deeper values are not judged
_MAX_BASE_DEPTH = 20  # project base classes followed (``mro``; a dataclass's inherited fields)

JSON, MODEL, ENUM, JSON_ENUM, OBJECT, UNKNOWN = (
    "json", "model", "enum", "json-enum", "object", "unknown")


class ClassKind(NamedTuple):
    """What an instance of a project class is (JSON, MODEL, ...), and whether it is abstract."""

    kind: str
    abstract: bool


class Problem(NamedTuple):
    kind: kinds.Kind
    type_name: str
    nested: bool = False
    proof: str = ""
    field: str = ""
    model: object = None
    elements: "Problem | None" = None  # a set's or an iterator's elements' own problem
    # A set's or an iterator's elements' class when nothing says whether json.dumps takes its
    # instances (an unknown decorator, an unknown base): list(...) of it may fail still.
    unsure_elements: str = ""


class Lineage:
    """Kinds of classes, memoised for one check; *session* resolves names of their modules."""

    def __init__(self, session):
        # Weak: the session holds its lineage, and a cycle would outlive the check (see
        # summaries._weak). The check holds the session.
        self.session = weakref.proxy(session)
        self._kinds: dict[int, ClassKind] = {}

    def kind(self, cls) -> str:
        """What an instance of a project class is: JSON, MODEL, ENUM, JSON_ENUM, OBJECT or
        UNKNOWN."""
        return self.judged(cls).kind

    def judged(self, cls) -> ClassKind:
        key = id(cls)
        if key in self._kinds:
            return self._kinds[key]
        self._kinds[key] = ClassKind(UNKNOWN, False)  # a cycle in the bases: unknown
        self._kinds[key] = result = self._compute(cls)
        return result

    def _compute(self, cls) -> ClassKind:
        session = self.session
        kind, abstract = OBJECT, cls.abstract
        if cls.has_new:
            kind = UNKNOWN
        base_kinds = []
        for base in cls.bases:
            session.tick()
            resolved = session.lookup_dotted(cls.view, base)
            if isinstance(resolved, Ref):
                qual = resolved.qual
                if standard.is_json(qual) or qual in kinds.JSON_ENUM_BASES:
                    base_kinds.append(JSON if qual not in kinds.JSON_ENUM_BASES else JSON_ENUM)
                elif qual in kinds.PYDANTIC_BASES:
                    base_kinds.append(MODEL)
                elif qual in kinds.ENUM_BASES:
                    base_kinds.append(ENUM)
                elif qual in kinds.EXCEPTION_BASES or qual in kinds.NEUTRAL_BASES:
                    base_kinds.append(OBJECT)
                elif qual in kinds.ABSTRACT_BASES:
                    abstract = True
                elif standard.instance(qual) is not UNKNOWN_T:
                    base_kinds.append(OBJECT)  # a concrete standard-library class, not JSON
                else:
                    base_kinds.append(UNKNOWN)
            elif isinstance(resolved, ClassObj):
                base_kinds.append(self.kind(resolved.cls))
            else:
                base_kinds.append(UNKNOWN)
        if ENUM in base_kinds:
            kind = JSON_ENUM if JSON_ENUM in base_kinds or JSON in base_kinds else ENUM
        elif JSON_ENUM in base_kinds:
            kind = JSON_ENUM
        elif JSON in base_kinds:
            return ClassKind(JSON, abstract)
        elif MODEL in base_kinds:
            kind = MODEL
        elif UNKNOWN in base_kinds:
            kind = UNKNOWN
        if cls.metaclass is not None:
            meta = session.lookup_dotted(cls.view, cls.metaclass)
            if isinstance(meta, Ref) and meta.qual == "abc.ABCMeta":
                abstract = True
            elif kind not in (MODEL, ENUM, JSON_ENUM):
                kind = UNKNOWN
        for decorator in cls.decorators:
            resolved = session.lookup_dotted(cls.view, decorator)
            if not (isinstance(resolved, Ref) and resolved.qual in kinds.KEEPING_CLASS_DECORATORS):
                kind = UNKNOWN  # it may return anything in place of the class
        return ClassKind(kind, abstract)

    def positional_fields(self, cls) -> tuple | None:
        """The fields the generated ``__init__`` of a ``dataclasses.dataclass`` or a
        ``typing.NamedTuple`` binds positional arguments to, in order (None in the place of one
        that a method assigns again, as ``__post_init__`` may); None when the order is not
        certain: another class, its own ``__init__``, a base that may bring fields, a
        decorator that may replace it, a field whose place is not known."""
        fields = self._generated_fields(cls)
        if fields is None:
            return None
        chain = self.mro(cls)
        return tuple(None if any(name in klass.attrs for klass in chain) else name
                     for name in fields)

    def _generated_fields(self, cls, depth: int = 0) -> list | None:
        if "__init__" in cls.methods or "__new__" in cls.methods or depth > _MAX_BASE_DEPTH:
            return None
        bases = [self.session.lookup_dotted(cls.view, base) for base in cls.bases]
        quals = [found.qual if isinstance(found, Ref) else None for found in bases]
        if not cls.decorators and kinds.NAMED_TUPLES.intersection(quals) and all(
                qual in kinds.NAMED_TUPLES or qual in kinds.NEUTRAL_BASES for qual in quals):
            # Every annotation of a NamedTuple is a field, taken by position in its order.
            return list(cls.fields) if all(field.positional is True
                                           for field in cls.fields.values()) else None
        if not cls.decorators:
            return None
        decorators = [self.session.lookup_dotted(cls.view, name) for name in cls.decorators]
        if not all(isinstance(found, Ref) and found.qual in kinds.KEEPING_CLASS_DECORATORS
                   for found in decorators) or \
                not any(found.qual == kinds.DATACLASS for found in decorators):
            return None
        names: list = []
        declared: set = set()  # every field of the bases, positional or not
        followed = False
        for resolved, qual in zip(bases, quals):
            if qual in kinds.NEUTRAL_BASES:
                continue
            # A dataclass base's fields come first. With two, their order is the MRO's: not
            # followed.
            if followed or not isinstance(resolved, ClassObj):
                return None
            inherited = self._generated_fields(resolved.cls, depth + 1)
            if inherited is None:
                return None
            names, followed = inherited, True
            declared = {name for klass in self.mro(resolved.cls) for name in klass.fields}
        for name, field in cls.fields.items():
            if field.positional is None:
                return None
            if name in declared:
                # A field defined again keeps its base's place; its init or kw_only changed:
                # not followed.
                if field.positional is not (name in names):
                    return None
            elif field.positional:
                names.append(name)
        return names

    def mro(self, cls, limit: int = _MAX_BASE_DEPTH):
        """*cls* and its project base classes, nearest first."""
        order, queue = [], [cls]
        while queue and len(order) < limit:
            klass = queue.pop(0)
            if any(klass is seen for seen in order):
                continue
            order.append(klass)
            for base in klass.bases:
                resolved = self.session.lookup_dotted(klass.view, base)
                if isinstance(resolved, ClassObj):
                    queue.append(resolved.cls)
        return order

    # -- judgement ------------------------------------------------------------------------------

    def problem(self, value, top_model_ok: bool = False, depth: int = 0) -> Problem | None:
        """The Problem json.dumps certainly has with *value*, else None."""
        self.session.tick()
        if depth > MAX_NESTING:
            return None
        if isinstance(value, Obj):
            known = standard.known(value.qual)
            return self._with_elements(Problem(known[1], known[0], proof=value.proof),
                                       value.items, depth) if known else None
        if isinstance(value, Bad):
            return self._with_elements(Problem(value.kind, value.name, proof=value.proof,
                                               field=value.field), value.items, depth)
        if isinstance(value, Inst):
            return self._instance(value, top_model_ok)
        if isinstance(value, Coll):
            for member in value.members:
                found = self.problem(member, False, depth + 1)
                if found is not None:
                    return found._replace(nested=True, proof=found.proof or value.proof)
            return None
        if isinstance(value, Union):
            alternatives = [a for a in value.alternatives if a is not NONE]
            found = [self.problem(a, top_model_ok, depth + 1) for a in alternatives]
            if found and all(found):
                return found[0]._replace(proof=found[0].proof or value.proof)
            return None
        if isinstance(value, ClassObj):
            return Problem(kinds.OBJECT, f"class object ({value.cls.name})", proof=value.proof)
        if isinstance(value, Func):
            return Problem(kinds.OBJECT, "function", proof=value.proof)
        if isinstance(value, Module):
            return Problem(kinds.OBJECT, "module", proof=value.proof)
        return None

    def _with_elements(self, problem: Problem, items, depth: int) -> Problem:
        """*problem* of a set or an iterator with what its *items* need too: ``list(...)``
        alone keeps their problem (``elements``), or may (``unsure_elements``)."""
        if problem.kind not in (kinds.SET, kinds.ITERATOR) or items is None:
            return problem
        inner = self.problem(items, False, depth + 1)
        if inner is not None:
            return problem._replace(elements=inner)
        if isinstance(items, Inst) and self.kind(items.cls) == UNKNOWN:
            return problem._replace(unsure_elements=items.cls.name)
        return problem

    def _instance(self, value: Inst, top_model_ok: bool) -> Problem | None:
        cls = value.cls
        kind, abstract = self.judged(cls)
        if kind == MODEL:
            if top_model_ok:
                return None
            return Problem(kinds.MODEL, cls.name, proof=value.proof, model=cls)
        if kind == ENUM:
            return Problem(kinds.ENUM, f"{cls.name} member", proof=value.proof)
        if kind == OBJECT and not (abstract and value.declared):
            return Problem(kinds.OBJECT, f"{cls.name} instance", proof=value.proof)
        return None

    # -- pydantic dumps ---------------------------------------------------------------------

    def dump_problem(self, model, seen=None) -> tuple[str, Problem] | None:
        """``("name: annotation", Problem)`` of the first field python-mode model_dump leaves
        non-JSON, or None (a custom serializer, or every field JSON)."""
        seen = seen if seen is not None else set()
        if id(model) in seen:
            return None
        seen.add(id(model))
        lineage = [cls for cls in self.mro(model) if self.kind(cls) == MODEL]
        if any(cls.serializer for cls in lineage):
            return None
        enums_as_values = any(cls.enum_values for cls in lineage)
        for cls in lineage:
            reader = Annotations(lambda node, view=cls.view: self.session.resolve_node(view, node),
                                 self.session.instance_of, keep_annotated=False)
            for name, field in cls.fields.items():
                annotation = field.annotation
                if name.startswith("_") or annotation is None or "ClassVar" in annotation:
                    continue
                found = self._field(reader.read(annotation), seen)
                if found is None or (enums_as_values and found.kind is kinds.ENUM):
                    continue
                return f"{name}: {annotation}", found
        return None

    def _field(self, value, seen, depth: int = 0) -> Problem | None:
        if depth > MAX_NESTING:
            return None
        if isinstance(value, Inst):
            kind = self.kind(value.cls)
            if kind == MODEL:
                nested = self.dump_problem(value.cls, seen)
                return nested[1] if nested else None
            return self._instance(value, False) if kind == ENUM else None
        if isinstance(value, Coll):
            return next(filter(None, (self._field(m, seen, depth + 1) for m in value.members)),
                        None)
        if isinstance(value, Union):
            alternatives = [a for a in value.alternatives if a is not NONE]
            found = [self._field(a, seen, depth + 1) for a in alternatives]
            return found[0] if found and all(found) else None
        if isinstance(value, (Obj, Bad)):
            found = self.problem(value)
            return found if found is not None and found.kind is not kinds.OBJECT else None
        return None
