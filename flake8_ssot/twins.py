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

A common one-word name (``Node``, ``Usage``, ``Params``) on two classes that share little is a
word reused for different things: SOT206 reports it, when a team opts in.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from flake8_ssot.index import ClassDefinition, ClassRecord

VENDORED = frozenset({"_vendor", "vendor", "vendored", "_vendored", "third_party"})
# Directories that name a layer of an application: a class of one name on two layers is one
# entity seen twice (the table and the API schema), not a copy.
LAYERS = {name: "storage" for name in ("orm", "db", "database", "tables", "entities")}
LAYERS.update({name: "schema" for name in ("schemas", "schema", "dto", "dtos", "serializers")})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")
_MAX_BASE_DEPTH = 8  # how far a kind is looked for through project bases


class Twin(NamedTuple):
    """One definition of a class name, with what the index stored for it."""

    definition: ClassDefinition
    record: ClassRecord
    kind: str  # its kind, inherited through project bases when it has none of its own


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
    if this.kind != other.kind:
        return False
    layers = layer(this.definition.path), layer(other.definition.path)
    if all(layers) and layers[0] != layers[1]:
        return False
    mine, theirs = members(this.record), members(other.record)
    if mine <= theirs or theirs <= mine:
        return True  # identical, a drifted superset, a field subset
    if 2 * len(mine & theirs) >= len(mine | theirs):
        return True  # a drifted copy
    return is_specific(this.record.name)  # competing implementations of one concept


def why_not(this: Twin, other: Twin) -> str:
    """Why *other* is not a duplicate of *this* (for SOT206's message)."""
    reason = set_aside(other)
    if reason:
        return reason
    if this.kind != other.kind:
        return f"a {other.kind} class, this is a {this.kind} class"
    if layer(this.definition.path) != layer(other.definition.path):
        return "another layer"
    return "little in common"


def kind_of(index, record: ClassRecord, memo: dict | None = None, depth: int = 0) -> str:
    """*record*'s kind, or the first kind found through its project bases (``class Source(
    SqlalchemyBase)`` is a table when ``SqlalchemyBase`` is one), from the index's rows."""
    if record.kind != "plain" or depth > _MAX_BASE_DEPTH:
        return record.kind
    memo = {} if memo is None else memo
    for base in record.bases:
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


def copies_among(index, definitions, related) -> list[ClassDefinition]:
    """Those of *definitions* (of one name) that are a duplicate of another of them in a
    related place (``related(path, other_path)``): what SOT201 reports, for the whole project
    at once (the map)."""
    kinds = index.run_memo("twins-kinds")
    found = []
    for definition in definitions:
        record = index.record(definition)
        if record is not None:
            found.append(Twin(definition, record, kind_of(index, record, kinds)))
    found = [twin for twin in found if not set_aside(twin)]
    return [twin.definition for twin in found if any(
        other.definition.path != twin.definition.path
        and related(twin.definition.path, other.definition.path) and duplicates(twin, other)
        for other in found)]
