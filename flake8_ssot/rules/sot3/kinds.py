"""SOT3xx's rules and the table of kinds: which values json.dumps rejects, by qualified name.

Everything here is data. The names are the ones code writes (``datetime.datetime``,
``uuid.uuid4``), never what an interpreter's module happens to define: the same table on every
CPython build, whether ``_datetime`` is built in or not.
"""

from __future__ import annotations

from typing import NamedTuple

from flake8_ssot.rule import Rule

SOT301 = Rule(
    code="SOT301",
    name="datetime-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="A datetime, date, time or timedelta is written to metadata.",
    why="Metadata is shipped to the browser with json.dumps, which raises TypeError on "
        "datetimes, far from the line that stored it. Even store_metadata_result passes a "
        "datetime through unchanged.",
    example="self.store_metadata_result(context, 'completed_at', datetime.now())",
    instead="self.store_metadata_result(context, 'completed_at', datetime.now().isoformat())",
)
SOT302 = Rule(
    code="SOT302",
    name="uuid-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="A `uuid.UUID` is written to metadata.",
    why="json.dumps raises TypeError on UUID objects; the id must travel as a string.",
    example="context.metadata['run_id'] = uuid4()",
    instead="self.store_metadata_result(context, 'run_id', str(uuid4()))",
)
SOT303 = Rule(
    code="SOT303",
    name="set-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="A set or frozenset is written to metadata.",
    why="JSON has no set type: json.dumps raises TypeError on set and frozenset.",
    example="context.metadata['tools'] = {'search', 'browse'}",
    instead="self.store_metadata_result(context, 'tools', sorted({'search', 'browse'}))",
)
SOT304 = Rule(
    code="SOT304",
    name="bytes-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="A bytes or bytearray value is written to metadata.",
    why="json.dumps raises TypeError on bytes: text must be decoded, binary data encoded "
        "(base64) before it can be shipped.",
    example="context.metadata['payload'] = response.content  # bytes",
    instead="self.store_metadata_result(context, 'payload', response.content.decode('utf-8'))",
)
SOT305 = Rule(
    code="SOT305",
    name="decimal-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="A `decimal.Decimal` is written to metadata.",
    why="json.dumps raises TypeError on Decimal; a string keeps its exact value.",
    example="context.metadata['cost'] = Decimal('0.0042')",
    instead="self.store_metadata_result(context, 'cost', str(Decimal('0.0042')))",
)
SOT306 = Rule(
    code="SOT306",
    name="path-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="A `pathlib` path is written to metadata.",
    why="json.dumps raises TypeError on Path objects.",
    example="context.metadata['report_file'] = Path('out') / 'report.md'",
    instead="self.store_metadata_result(context, 'report_file', str(Path('out') / 'report.md'))",
)
SOT307 = Rule(
    code="SOT307",
    name="enum-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="A member of an Enum that does not mix in str or int is written to metadata.",
    why="json.dumps encodes members of `class Status(str, Enum)` and IntEnum as their value, "
        "but raises TypeError on members of a plain Enum or Flag.",
    example="context.metadata['status'] = Status.DONE  # class Status(Enum)",
    instead="self.store_metadata_result(context, 'status', Status.DONE.value)\n"
            "# or declare the enum as: class Status(str, Enum)",
)
SOT308 = Rule(
    code="SOT308",
    name="model-in-metadata",
    message="{value} {verb} {type} (a pydantic model){proof}, which json.dumps cannot "
            "encode; {fix}",
    summary="A pydantic model instance is stored without going through a converting helper.",
    why="json.dumps raises TypeError on model instances. store_metadata_result converts a "
        "model passed as its value with model_dump(mode='json'), but a direct write, a batch, "
        "a list helper or a model nested in a dict is stored as the object itself.",
    example="context.metadata['report'] = report  # report: Report(BaseModel)",
    instead="self.store_metadata_result(context, 'report', report)\n"
            "# or: context.metadata['report'] = report.model_dump(mode='json')",
)
SOT309 = Rule(
    code="SOT309",
    name="model-dump-not-json",
    message="{value} keeps {type} in field {field}{proof} (python mode); "
            "use model_dump(mode='json')",
    summary="`model_dump()` / `.dict()` without `mode='json'` of a model with a "
            "non-JSON field type.",
    why="In python mode model_dump leaves datetimes, UUIDs, sets, Decimals, Paths and enums "
        "as Python objects, so the dict it returns still breaks json.dumps. A model whose "
        "fields are all str/int/float/bool/None and lists/dicts of those is fine.",
    example="context.metadata['report'] = report.model_dump()  # report.created_at: datetime",
    instead="self.store_metadata_result(context, 'report', report.model_dump(mode='json'))",
)
SOT310 = Rule(
    code="SOT310",
    name="iterator-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="A generator, lazy iterator (map, filter, zip, ...) or dict view is written to "
            "metadata.",
    why="json.dumps raises TypeError on generators, iterators and dict views; and a generator "
        "stored for later is consumed by its first reader.",
    example="context.metadata['names'] = (agent.name for agent in agents)",
    instead="self.store_metadata_result(context, 'names', [agent.name for agent in agents])",
)
SOT311 = Rule(
    code="SOT311",
    name="object-in-metadata",
    message="{value} {verb} {type}{proof}, which json.dumps cannot encode; {fix}",
    summary="An instance of an arbitrary class (a dataclass, a plain class, a function or class "
            "object) is written to metadata.",
    why="json.dumps encodes only dict, list, tuple, str, int, float, bool and None (and their "
        "subclasses); any other object raises TypeError when the metadata is shipped.",
    example="context.metadata['plan'] = Plan(steps=steps)  # @dataclass class Plan",
    instead="self.store_metadata_result(context, 'plan', dataclasses.asdict(plan))",
)

# SOT3xx's own note that its budget ran out (a SOT9xx code: about the plugin, not the code).
SOT902 = Rule(
    code="SOT902",
    name="values-left-unjudged",
    message="{unjudged} left unjudged: the file's SOT3xx step budget (ssot-inference-budget = "
            "{budget}) ran out at this statement",
    summary="SOT3xx's step budget for the file ran out: the values written to metadata from "
            "this statement on were not judged.",
    why="SOT3xx counts the steps its inference takes (never seconds: the same findings on any "
        "machine) and stops at the file's budget. A limit hit in silence would read as a clean "
        "file: the note says how many values were left and where the budget ran out. It is "
        "reported once per file, on the first value not judged.",
    example="# a generated module of 34,000 writes of datetimes, the default budget\n"
            "events.py:7150:5: SOT902 26858 values left unjudged: the file's SOT3xx step budget "
            "(ssot-inference-budget = 50) ran out at this statement",
    instead="# raise the budget (ssot-inference-budget = 500; thousands of steps), or split the\n"
            "# module; to accept the limit, ignore SOT902 there (per-file-ignores)",
)
RULES = (SOT301, SOT302, SOT303, SOT304, SOT305, SOT306, SOT307, SOT308, SOT309, SOT310, SOT311)


class Kind(NamedTuple):
    """One sort of non-JSON value: the rule that reports it and the fix the message proposes."""

    name: str  # its key in KINDS (summaries in the cache name kinds by it)
    rule: Rule
    fix: str


DATETIME = Kind("datetime", SOT301, "store its .isoformat()")
TIMEDELTA = Kind("timedelta", SOT301, "store its .total_seconds()")
UUID = Kind("uuid", SOT302, "store str(...) of it")
SET = Kind("set", SOT303, "store sorted(...) or list(...) of it")
BYTES = Kind("bytes", SOT304, "decode it (.decode() for text, base64 for binary data)")
DECIMAL = Kind("decimal", SOT305, "store str(...) of it")
PATH = Kind("path", SOT306, "store str(...) of it")
ENUM = Kind("enum", SOT307, "store its .value, or mix str (or int) into the Enum class")
MODEL = Kind("model", SOT308,
             "pass the model itself to {converter}, or store .model_dump(mode='json')")
MODEL_DUMP = Kind("model_dump", SOT309, "")
ITERATOR = Kind("iterator", SOT310, "store list(...) of it")
OBJECT = Kind("object", SOT311,
              "store JSON data instead (e.g. dataclasses.asdict(...) of a dataclass)")
KINDS = {kind.name: kind for kind in (DATETIME, TIMEDELTA, UUID, SET, BYTES, DECIMAL, PATH, ENUM,
                                      MODEL, MODEL_DUMP, ITERATOR, OBJECT)}


def _names(modules, names) -> list[str]:
    return [f"{module}.{name}" for module in modules for name in names]


# json.dumps encodes instances of these and of their subclasses: the judgement the generated
# standard-library table (``stdlib``) applies along each class's bases.
_JSON_SCALARS = ("str", "int", "float", "bool")
JSON_ROOTS = frozenset(_names(("builtins",), (*_JSON_SCALARS, "dict", "list", "tuple")))
# Standard-library classes whose instances, and their subclasses' (nearest first), are a kind:
# the display name (None: the class's own) and the kind. Every other class the stubs name that
# is not JSON is an OBJECT.
ROOT_CLASSES: dict[str, tuple[str | None, Kind]] = {
    "datetime.datetime": ("datetime", DATETIME),
    "datetime.date": ("date", DATETIME),
    "datetime.time": ("time", DATETIME),
    "datetime.timedelta": ("timedelta", TIMEDELTA),
    "uuid.UUID": ("UUID", UUID),
    "decimal.Decimal": ("Decimal", DECIMAL),
    "builtins.set": ("set", SET),
    "builtins.frozenset": ("frozenset", SET),
    "builtins.bytes": ("bytes object", BYTES),
    "builtins.bytearray": ("bytearray", BYTES),
    "builtins.memoryview": ("memoryview", BYTES),
    "pathlib.PurePath": (None, PATH),
    "io.IOBase": (None, OBJECT),  # a file object iterates over its lines: not a lazy list
    "typing.IO": (None, OBJECT),
    "typing.MappingView": ("dict view", ITERATOR),
    "builtins.range": ("range", ITERATOR),
    "typing.Iterator": (None, ITERATOR),
    "typing.AsyncIterator": (None, ITERATOR),
    "enum.Enum": (None, ENUM),
    "builtins.BaseException": (None, OBJECT),
    "builtins.complex": ("complex", OBJECT),
    "builtins.object": ("object", OBJECT),
}
# Classes that are JSON though no class of the stubs says so (typing's special forms).
JSON_FORMS = frozenset(_names(("typing", "typing_extensions"), ("TypedDict", "NamedTuple")))
# Enum bases, and the mixins that make a member JSON (str/int values).
ENUM_BASES = frozenset(_names(("enum",), ("Enum", "Flag", "IntEnum", "IntFlag", "StrEnum")))
JSON_ENUM_BASES = frozenset({"enum.IntEnum", "enum.IntFlag", "enum.StrEnum", "builtins.str",
                             "builtins.int"})
PYDANTIC_BASES = frozenset({
    "pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel",
    "pydantic.v1.main.BaseModel", "sqlmodel.SQLModel", "sqlmodel.main.SQLModel",
})
EXCEPTION_BASES = frozenset(_names(("builtins",), ("BaseException", "Exception")))
# Bases that say nothing about what an instance is made of (a plain class may name them).
NEUTRAL_BASES = frozenset({"builtins.object", "typing.Generic", "typing_extensions.Generic"})
# A class with one of these bases gets an __init__ that takes its annotated names in order.
NAMED_TUPLES = frozenset(_names(("typing", "typing_extensions"), ("NamedTuple",)))
# A class with one of these bases may be abstract: an annotation naming it promises a subclass.
ABSTRACT_BASES = frozenset({"abc.ABC", "typing.Protocol", "typing_extensions.Protocol"})
DATACLASS = "dataclasses.dataclass"  # its generated __init__ takes the fields in order
DATACLASS_DECORATORS = frozenset({
    DATACLASS, "attr.s", "attr.attrs", "attr.define", "attr.frozen",
    "attr.mutable", "attrs.define", "attrs.frozen", "attrs.mutable",
})
# Class decorators that keep the class a class (anything else may replace it).
KEEPING_CLASS_DECORATORS = frozenset({
    *DATACLASS_DECORATORS, "functools.total_ordering", "typing.final", "enum.unique",
    "typing.runtime_checkable", "typing_extensions.final", "typing_extensions.runtime_checkable",
})
# Function decorators that keep what the function returns.
KEEPING_FUNCTION_DECORATORS = frozenset({
    "builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod", "typing.override",
    "typing_extensions.override", "typing.final", "functools.cache", "functools.lru_cache",
    "functools.wraps",
})

# What a call returns where the stubs cannot say it (``iter(x)``'s overloads name a type variable).
RETURNS: dict[str, str] = {"builtins.iter": "typing.Iterator"}
# Calls that return JSON whatever they are given.
_JSON_BUILTINS = ("len", "repr", "round", "ord", "chr", "format", "hex", "oct", "bin", "ascii",
                  "hash", "id", "isinstance")
JSON_RETURNS = frozenset({
    *_names(("builtins",), (*_JSON_BUILTINS, "sorted", "sum", "abs")),
    "json.dumps", "json.loads", "time.time", "time.monotonic", "time.perf_counter",
    "os.getenv",
})
# The same read from the text alone, before any name is resolved (``prefilter``, and the tracer's
# first look at a call): the builtins above and the JSON scalar types called by their bare names,
# the other calls above as written (``json.dumps(...)``), and methods that return JSON on
# whatever receiver has them (a str's, a datetime's, a pydantic model's). A file that shadows
# one of these names loses a finding, never gains a wrong one. (``sorted``, ``sum`` and ``abs``
# return what they are given: only a resolved builtin is taken at its word.)
JSON_FUNCTION_NAMES = frozenset({*_JSON_BUILTINS, *_JSON_SCALARS})
JSON_QUALIFIED_CALLS = frozenset(name for name in JSON_RETURNS if not name.startswith("builtins."))
JSON_METHOD_NAMES = frozenset({
    "isoformat", "strftime", "total_seconds", "timestamp", "model_dump_json", "json", "decode",
    "hexdigest", "format", "join", "lower", "upper", "strip", "lstrip", "rstrip", "title",
    "casefold",
})
# Methods of dicts whose result is a lazy view (stored as such, it breaks json.dumps).
DICT_VIEWS = frozenset({"keys", "values", "items"})
# pydantic: a model from a class method, a model from a copy of one.
MODEL_FACTORIES = frozenset({
    "model_validate", "model_validate_json", "model_construct", "parse_obj", "parse_raw",
    "construct",
})
MODEL_COPIES = frozenset({"model_copy", "copy"})
# The modules whose names the table above describes: never read as project modules.
KNOWN_MODULES = frozenset({
    "builtins", "datetime", "uuid", "decimal", "pathlib", "enum", "typing", "typing_extensions",
    "asyncio", "threading", "multiprocessing", "concurrent", "collections", "dataclasses",
    "attr", "attrs", "pydantic", "sqlmodel", "abc", "functools", "json", "time", "os", "base64",
})
