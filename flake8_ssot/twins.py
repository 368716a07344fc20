"""What two module-level classes of one name are to each other: the judgement behind SOT201
(and SOT202, SOT203, SOT206), made only from what the project index stored at scan time (each
class's kind, bases, public methods and fields, whether it is a fallback; its path), never by
parsing the twins again.

A class is **set aside** (never a duplicate, never a canonical copy) when it is

- private to its module (``_Transport``: one per backend is a helper of that module),
- a fallback: a stand-in defined under ``except ImportError`` / ``except ModuleNotFoundError``,
- vendored: under a ``_vendor/``, ``vendor/``, ``vendored/`` or ``third_party/`` directory.

Two classes of one name that are not set aside are **duplicates** when they are of the same kind
(``index.KINDS``: an ORM table and the pydantic schema of the same entity are not; nor a Protocol
and a concrete class), not on different layers (``orm/``, ``db/`` vs ``schemas/``, ``dto/``),
and

- they are copies: one's public members (methods and fields) are a subset of the other's
  (identical, a drifted superset, a field subset), or they share at least half of them; or
- they compete: two public classes of one kind under a specific name (two or more words,
  ``ExecutionEngine``), even when their APIs differ, as the audit's three execution engines do.

Unless the project itself tells them apart: two classes that share no public member are
different things when each subclasses project classes and no project class is an ancestor of
both (agno's ``MongoDb(BaseDb)`` storage and ``MongoDb(VectorDb)`` vector store: two
hierarchies, two roles; nor do they compete when they share a little), or when both are records
(dataclass, pydantic or ORM model, TypedDict, NamedTuple) with fields and not one field in
common (two ``TaskResult``s: an A2A reply and an evaluation's attempts). The audit's engines
subclass nothing of the project and hold no fields: they compete.

A common one-word name (``Node``, ``Usage``, ``Params``) on two classes that share little is a
word reused for different things: SOT206 reports it, when a team opts in.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from flake8_ssot.index import KIND_WORDS, ClassDefinition, ClassRecord

VENDORED = frozenset({"_vendor", "vendor", "vendored", "_vendored", "third_party"})
# Directories that name a layer of an application: a class of one name on two layers is one
# entity seen twice (the table and the API schema), not a copy.
LAYERS = {name: "storage" for name in ("orm", "db", "database", "tables", "entities")}
LAYERS.update({name: "schema" for name in ("schemas", "schema", "dto", "dtos", "serializers")})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")
_MAX_BASE_DEPTH = 8  # how far a kind is looked for through project bases


# Kinds whose instances are their fields: two of them with no field in common hold different data.
RECORD_KINDS = frozenset({"dataclass", "model", "orm", "typeddict", "namedtuple"})


class Twin(NamedTuple):
    """One definition of a class name, with what the index stored for it."""

    definition: ClassDefinition
    record: ClassRecord
    kind: str  # its kind, inherited through project bases when it has none of its own
    lineage: frozenset  # the project classes it inherits from, directly or not (by name)
    members: frozenset = frozenset()  # ``members(record)``
    layer: str = ""  # ``layer(definition.path)``


def twin_of(index, definition: ClassDefinition, record: ClassRecord) -> Twin:
    """*definition* with its kind and lineage, from the index's rows (memoised for the run)."""
    return Twin(definition, record, kind_of(index, record, index.run_memo("twins-kinds")),
                lineage_of(index, record, index.run_memo("twins-lineage")), members(record),
                layer(definition.path))


def stored_twin(index, definition: ClassDefinition, record: ClassRecord) -> Twin:
    """``twin_of`` a definition as the index stored it (*record* is the index's), made once per
    run: the check of each file defining a name judges the same twins again."""
    memo = index.run_memo("twins")
    twin = memo.get(definition)
    if twin is None:
        twin = memo[definition] = twin_of(index, definition, record)
    return twin


def set_aside(twin: Twin) -> str:
    """Why *twin* is never a duplicate ("private", "fallback", "vendored"), or ""."""
    if twin.record.name.startswith("_"):
        return "private"
    if twin.record.fallback:
        return "fallback"
    if twin.definition.path is not None and VENDORED.intersection(
            twin.definition.path.split("/")[:-1]):
        return "vendored"
    return ""


def layer(path: str | None) -> str:
    if path is None:
        return ""
    found = {LAYERS[part] for part in path.split("/")[:-1] if part in LAYERS}
    return found.pop() if len(found) == 1 else ""


def is_specific(name: str) -> bool:
    """A name of two or more words (``ExecutionEngine``, ``HTTPClient``)."""
    return len(_WORDS.findall(name.strip("_"))) >= 2


def members(record: ClassRecord) -> frozenset[str]:
    return frozenset((*record.methods, *record.fields))


def duplicates(this: Twin, other: Twin) -> bool:
    """Whether two definitions of one name, neither set aside, are the same class twice."""
    return not difference(this, other)


def difference(this: Twin, other: Twin) -> str:
    """Why two definitions of one name, neither set aside, are different classes (SOT206 says
    it); "" when they are the same class twice."""
    if this.kind != other.kind:
        return f"another kind: {KIND_WORDS[other.kind]} there, {KIND_WORDS[this.kind]} here"
    if this.layer and other.layer and this.layer != other.layer:
        return "another layer"
    mine, theirs = this.members, other.members
    shared = mine & theirs
    # Each subclasses project classes, none of them an ancestor of both: two roles.
    apart = bool(this.lineage and other.lineage and not this.lineage & other.lineage)
    if not shared and apart:
        return "another class hierarchy"
    if not shared and is_record(this) and is_record(other):
        return "another record: no field in common"
    if mine <= theirs or theirs <= mine:
        return ""  # identical, a drifted superset, a field subset
    if 2 * len(shared) >= len(mine | theirs):
        return ""  # a drifted copy
    if apart:
        return "another class hierarchy"
    if is_specific(this.record.name):
        return ""  # competing implementations of one concept
    return "little in common"


def is_record(twin: Twin) -> bool:
    return twin.kind in RECORD_KINDS and bool(twin.record.fields)


def why_not(this: Twin, other: Twin) -> str:
    """Why *other* is not a duplicate of *this* (for SOT206's message)."""
    return set_aside(other) or difference(this, other)


def followed_bases(record: ClassRecord) -> list[str]:
    """The bases of *record* the index's rows can follow. A class is never its own base: a base
    of its own name is another class of that name, a shim's target or a class outside the
    project (``class HTTPTransport(httpx.HTTPTransport)``), which only the module's imports tell
    (``relations.extended`` reads them), not the names the index keeps."""
    return [base for base in record.bases if base != record.name]


def kind_of(index, record: ClassRecord, memo: dict | None = None, depth: int = 0) -> str:
    """*record*'s kind, or the first kind found through its project bases (``class Source(
    SqlalchemyBase)`` is a table when ``SqlalchemyBase`` is one), from the index's rows."""
    if record.kind != "plain" or depth > _MAX_BASE_DEPTH:
        return record.kind
    memo = {} if memo is None else memo
    for base in followed_bases(record):
        found = memo.get(base)
        if found is None:
            memo[base] = "plain"  # a cycle of bases ends here
            found = "plain"
            for base_record in index.records_named(base):
                found = kind_of(index, base_record, memo, depth + 1)
                if found != "plain":
                    break
            memo[base] = found
        if found != "plain":
            return found
    return "plain"


def lineage_of(index, record: ClassRecord, memo: dict) -> frozenset:
    """The project classes *record* inherits from, directly or through other project classes
    (by name, as the index keeps bases), from the index's rows."""
    found: set = set()
    for base in followed_bases(record):
        known = memo.get(base)
        if known is None:
            known = memo[base] = frozenset(name for name in (base, *index.ancestors(base))
                                           if index.defining_paths(name))
        found |= known
    return frozenset(found)


def copies_among(index, definitions, related) -> list[ClassDefinition]:
    """Those of *definitions* (of one name) that are a duplicate of another of them in a
    related place (``related(path, other_path)``): what SOT201 reports, for the whole project
    at once (the map)."""
    found = []
    for definition in definitions:
        record = index.record(definition)
        if record is not None:
            found.append(stored_twin(index, definition, record))
    found = [one for one in found if not set_aside(one)]
    return [one.definition for one in found if any(
        other.definition.path != one.definition.path
        and related(one.definition.path, other.definition.path) and duplicates(one, other)
        for other in found)]
