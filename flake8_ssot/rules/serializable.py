"""SOT3xx: metadata values that will not survive ``json.dumps``.

The SOT1xx pass hands over every value that reaches metadata (``mutation.ValueSite``). Values
made only of literals are decided without astroid; for the others the file is built once with
``astroid.parse`` (from source: nothing of the checked project is imported or run) and each
value is traced back to where it comes from:

* literals, and dict/list/tuple literals element by element;
* a local variable: every assignment that can reach the read must say the same;
* a call: a class (the instance it builds), a function's return annotation, its ``return``
  statements, or plain astroid inference for the standard library types we know;
* ``x.model_dump()`` / ``x.dict()`` without ``mode='json'`` of a pydantic model whose fields
  have a non-JSON type.

A finding must be certain: anything astroid cannot infer, a branch that may give a JSON value,
an inference error or the time budget running out means "no finding". A value is reported once,
at the statement that writes it (so ``# noqa`` on that line works).
"""

from __future__ import annotations

import ast
import bisect
import os
import time
import warnings
from dataclasses import dataclass, replace

from flake8_ssot import index as project_index
from flake8_ssot.rule import Finding, Rule

SOT301 = Rule(
    code="SOT301",
    name="datetime-in-metadata",
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
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
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
    summary="A ``uuid.UUID`` is written to metadata.",
    why="json.dumps raises TypeError on UUID objects; the id must travel as a string.",
    example="context.metadata['run_id'] = uuid4()",
    instead="self.store_metadata_result(context, 'run_id', str(uuid4()))",
)
SOT303 = Rule(
    code="SOT303",
    name="set-in-metadata",
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
    summary="A set or frozenset is written to metadata.",
    why="JSON has no set type: json.dumps raises TypeError on set and frozenset.",
    example="context.metadata['tools'] = {'search', 'browse'}",
    instead="self.store_metadata_result(context, 'tools', sorted({'search', 'browse'}))",
)
SOT304 = Rule(
    code="SOT304",
    name="bytes-in-metadata",
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
    summary="A bytes or bytearray value is written to metadata.",
    why="json.dumps raises TypeError on bytes: text must be decoded, binary data encoded "
        "(base64) before it can be shipped.",
    example="context.metadata['payload'] = response.content  # bytes",
    instead="self.store_metadata_result(context, 'payload', response.content.decode('utf-8'))",
)
SOT305 = Rule(
    code="SOT305",
    name="decimal-in-metadata",
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
    summary="A ``decimal.Decimal`` is written to metadata.",
    why="json.dumps raises TypeError on Decimal; a string keeps its exact value.",
    example="context.metadata['cost'] = Decimal('0.0042')",
    instead="self.store_metadata_result(context, 'cost', str(Decimal('0.0042')))",
)
SOT306 = Rule(
    code="SOT306",
    name="path-in-metadata",
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
    summary="A ``pathlib`` path is written to metadata.",
    why="json.dumps raises TypeError on Path objects.",
    example="context.metadata['report_file'] = Path('out') / 'report.md'",
    instead="self.store_metadata_result(context, 'report_file', str(Path('out') / 'report.md'))",
)
SOT307 = Rule(
    code="SOT307",
    name="enum-in-metadata",
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
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
    message="{value} {verb} {type} (a pydantic model), which json.dumps cannot encode; {fix}",
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
    message="{value} keeps {type} in field {field} (python mode); use model_dump(mode='json')",
    summary="``model_dump()`` / ``.dict()`` without ``mode='json'`` of a model with a "
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
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
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
    message="{value} {verb} {type}, which json.dumps cannot encode; {fix}",
    summary="An instance of an arbitrary class (a dataclass, a plain class, a function or class "
            "object) is written to metadata.",
    why="json.dumps encodes only dict, list, tuple, str, int, float, bool and None (and their "
        "subclasses); any other object raises TypeError when the metadata is shipped.",
    example="context.metadata['plan'] = Plan(steps=steps)  # @dataclass class Plan",
    instead="self.store_metadata_result(context, 'plan', dataclasses.asdict(plan))",
)

RULES = (SOT301, SOT302, SOT303, SOT304, SOT305, SOT306, SOT307, SOT308, SOT309, SOT310, SOT311)


@dataclass(frozen=True)
class Kind:
    """One sort of non-JSON value: the rule that reports it and the fix the message proposes."""

    rule: Rule
    fix: str


DATETIME = Kind(SOT301, "store its .isoformat()")
TIMEDELTA = Kind(SOT301, "store its .total_seconds()")
UUID = Kind(SOT302, "store str(...) of it")
SET = Kind(SOT303, "store sorted(...) or list(...) of it")
BYTES = Kind(SOT304, "decode it (.decode() for text, base64 for binary data)")
DECIMAL = Kind(SOT305, "store str(...) of it")
PATH = Kind(SOT306, "store str(...) of it")
ENUM = Kind(SOT307, "store its .value, or mix str (or int) into the Enum class")
MODEL = Kind(SOT308, "pass the model itself to {converter}, or store .model_dump(mode='json')")
MODEL_DUMP = Kind(SOT309, "")
ITERATOR = Kind(SOT310, "store list(...) of it")
OBJECT = Kind(SOT311, "store JSON data instead (e.g. dataclasses.asdict(...) of a dataclass)")

# Classes whose instances are a known kind, by qualified name (the C and pure-Python twins of
# datetime and decimal included). Subclasses count too: the first match up the MRO decides.
KNOWN_CLASSES = {
    **{f"{module}.{name}": DATETIME
       for module in ("datetime", "_datetime", "_pydatetime")
       for name in ("datetime", "date", "time")},
    **{f"{module}.timedelta": TIMEDELTA for module in ("datetime", "_datetime", "_pydatetime")},
    "uuid.UUID": UUID,
    "builtins.set": SET,
    "builtins.frozenset": SET,
    "builtins.bytes": BYTES,
    "builtins.bytearray": BYTES,
    "builtins.memoryview": BYTES,
    "decimal.Decimal": DECIMAL,
    "_decimal.Decimal": DECIMAL,
    "_pydecimal.Decimal": DECIMAL,
    "pathlib.PurePath": PATH,
    "pathlib._local.PurePath": PATH,
    **{f"builtins.{name}": ITERATOR
       for name in ("generator", "async_generator", "map", "filter", "zip", "enumerate",
                    "reversed", "range", "dict_keys", "dict_values", "dict_items")},
}
# json.dumps encodes these and every subclass of them (str/int Enums and IntEnum included).
JSON_CLASSES = frozenset({
    "builtins.str", "builtins.int", "builtins.float", "builtins.bool", "builtins.NoneType",
    "builtins.dict", "builtins.list", "builtins.tuple",
    # astroid does not always give these their dict/tuple base.
    "typing.TypedDict", "typing_extensions.TypedDict", "typing.NamedTuple",
    "typing_extensions.NamedTuple",
})
# Annotations (return, parameter, model field) that name a kind even though the class itself
# is abstract: an Iterator is never a list, a Set never JSON.
KNOWN_ANNOTATIONS = {
    **{f"{module}.{name}": SET
       for module in ("typing", "_collections_abc", "collections.abc")
       for name in ("Set", "FrozenSet", "AbstractSet", "MutableSet")},
    **{f"{module}.{name}": ITERATOR
       for module in ("typing", "_collections_abc", "collections.abc")
       for name in ("Iterator", "Generator", "AsyncIterator", "AsyncGenerator")},
}
PYDANTIC_MODULES = ("pydantic", "sqlmodel")
PYDANTIC_BASES = frozenset({"BaseModel", "SQLModel"})
# Whose functions we trust to return the types we know: astroid loses some branches deep in
# them (``datetime.now()`` infers to "a datetime, or something"), the "something" is not real.
TRUSTED_MODULES = frozenset({
    "datetime", "_datetime", "_pydatetime", "uuid", "decimal", "_decimal", "_pydecimal",
    "pathlib", "pathlib._local", "enum",
})
# Class decorators that keep the class a class (anything else may replace it).
KNOWN_CLASS_DECORATORS = frozenset({
    "dataclass", "total_ordering", "final", "unique", "define", "frozen", "mutable", "s",
    "attrs", "runtime_checkable",
})
# Classes from these modules are abstract or special forms: an annotation naming one
# (Mapping, Any, Sequence) promises nothing about JSON.
ABSTRACT_MODULES = frozenset({
    "typing", "typing_extensions", "abc", "collections.abc", "_collections_abc", "numbers",
})
# Function decorators that keep what the function returns.
KNOWN_FUNCTION_DECORATORS = frozenset({
    "staticmethod", "classmethod", "abstractmethod", "override", "final", "cache", "lru_cache",
})
MODEL_FACTORIES = frozenset({
    "model_validate", "model_validate_json", "model_construct", "parse_obj", "parse_raw",
    "construct",
})
MODEL_COPIES = frozenset({"model_copy", "copy"})

_MAX_TEXT = 40
_MAX_DEPTH = 12
_MAX_INFERENCE_CACHE = 200_000


class _OutOfBudget(Exception):
    """The file's inference budget is spent: stop looking, report what was found."""


@dataclass(frozen=True)
class Problem:
    """Why a value will not survive json.dumps."""

    kind: Kind
    type_name: str
    nested: bool = False  # inside a container of the value, not the value itself
    model: object = None  # the model class (astroid ClassDef), for MODEL
    field: str = ""  # for MODEL_DUMP: "name: annotation"


# -- which values need a look ----------------------------------------------------------------

# Node types whose value is JSON or is decided by their children (for the no-astroid prefilter).
_PLAIN_NODES = (
    ast.Constant, ast.JoinedStr, ast.FormattedValue, ast.Dict, ast.List, ast.Tuple,
    ast.UnaryOp, ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Starred,
    ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
)


# Calls that return JSON whatever they are given (str(x), dt.isoformat(), ...). A file that
# shadows one of these names loses a finding, never gains a wrong one.
_JSON_FUNCTIONS = frozenset({
    "str", "int", "float", "bool", "len", "repr", "round", "ord", "chr", "format", "hex", "oct",
    "bin", "ascii", "hash", "id",
})
_JSON_METHODS = frozenset({
    "isoformat", "strftime", "total_seconds", "timestamp", "model_dump_json", "json", "decode",
    "hexdigest", "format", "join", "lower", "upper", "strip", "lstrip", "rstrip", "title",
    "casefold", "get_metadata_value",
})


def _returns_json(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in _JSON_FUNCTIONS
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "model_dump":
        return any(keyword.arg == "mode" and isinstance(keyword.value, ast.Constant)
                   and keyword.value.value == "json" for keyword in call.keywords)
    if func.attr == "dumps":
        return isinstance(func.value, ast.Name) and func.value.id == "json"
    return func.attr in _JSON_METHODS


def _needs_a_look(value: ast.expr) -> bool:
    """False when *value* is plainly JSON (most writes): literals, str(...), .isoformat()...

    Files whose values are all plain never pay for astroid.
    """
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            if _returns_json(node):
                continue
            return True
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (bytes, complex)):
                return True
            continue
        if not isinstance(node, _PLAIN_NODES):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


VALUE, MAPPING, ITEMS = "value", "mapping", "items"


def _role(site, settings) -> str:
    """What of the value is stored: itself, a mapping's values, or an iterable's items."""
    value, statement = site.value, site.statement
    extend_names = {"extend", settings.helper("extend-list")}
    mapping_names = {"update", settings.helper("store-batch"), "setattr"}
    for node in ast.walk(statement):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if any(arg is value for arg in node.args):
            if name in extend_names:
                return ITEMS
            return MAPPING if name in mapping_names else VALUE
        for keyword in node.keywords:
            if keyword.value is value:
                if name in extend_names:
                    return ITEMS
                if name in mapping_names and keyword.arg in (None, "mapping"):
                    return MAPPING
                return VALUE
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if any(isinstance(target, (ast.Attribute, ast.Name)) for target in targets):
            return MAPPING  # ctx.metadata = {...}: the dict's values are what is stored
    if isinstance(statement, ast.AugAssign):
        # ctx.metadata |= {...} merges a mapping; ctx.metadata[k] += [...] extends a list.
        return MAPPING if isinstance(statement.target, (ast.Attribute, ast.Name)) else ITEMS
    return VALUE


# -- entry point ---------------------------------------------------------------------------------


def check(source: str, filename: str, value_sites, settings) -> list[Finding]:
    """SOT3xx findings for the values written to metadata in one file."""
    sites = [site for site in value_sites if _needs_a_look(site.value)]
    budget = float(settings.inference_budget or 0)
    if not sites or budget <= 0:
        return []
    findings = []
    # astroid re-parses the file and the modules it imports: their SyntaxWarnings and
    # DeprecationWarnings were flake8's to show (or not), never ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = _build_module(source, filename, settings.project_root)
        if module is None:
            return []
        # The budget is for inference; building the module is paid once and is not the
        # user's choice, so a process's cold start does not eat its first file's budget.
        deadline = time.perf_counter() + budget
        try:
            located = _locate(module, [site.value for site in sites])
            tracer = _Tracer(deadline)
            for site in sites:
                node = located.get(_span(site.value))
                if node is None:
                    continue
                problem = tracer.site_problem(node, _role(site, settings), site.converts_models)
                if problem is not None:
                    findings.append(_finding(site, node, problem, settings))
        except _OutOfBudget:
            pass  # the budget is the user's: what was found so far stands
        finally:
            _forget(module)
    return findings


def _finding(site, node, problem: Problem, settings) -> Finding:
    statement = site.statement
    rule = problem.kind.rule
    converters = settings.converting_helpers
    fix = problem.kind.fix.format(converter=f"self.{converters[0]}(...)" if converters
                                  else "a helper that converts models")
    message = rule.format(value=_text(node), verb="holds" if problem.nested else "is",
                          type=_with_article(problem.type_name), fix=fix, field=problem.field)
    return Finding(statement.lineno, statement.col_offset, rule.code, message,
                   getattr(statement, "end_lineno", None) or statement.lineno)


def _text(node) -> str:
    try:
        text = node.as_string()
    except Exception:  # noqa: BLE001 - only for the message
        return "the value"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _with_article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeioAEIO' else 'a'} {noun}"


def _span(node) -> tuple:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


# -- astroid: building the module, safely ----------------------------------------------------------

_astroid_ready = False
_project_roots: tuple[str, ...] = ()
# Project modules our import hook built: name -> (path, mtime, root), so an edited file or a
# module of another root is rebuilt rather than served from astroid's process-wide cache.
_hook_modules: dict[str, tuple[str, float, str]] = {}
# What a function of the trusted standard library modules returns (see _function_result).
_TRUSTED_RESULTS: dict = {}


def _prepare_astroid() -> None:
    """Import astroid on first use (it costs ~60 ms) and make its global manager safe.

    astroid builds modules from their source. It would import a C extension to introspect it
    only if told to (``always_load_extensions`` / the whitelist): keep both off so no compiled
    module of the checked project is loaded. Imports astroid cannot find on ``sys.path`` go to
    ``_find_project_module``, which builds from source only.
    """
    global _astroid_ready
    if _astroid_ready:
        return
    import astroid
    from astroid.manager import AstroidManager

    manager = astroid.MANAGER
    manager.always_load_extensions = False
    manager.extension_package_whitelist.clear()
    # astroid's gi brain resolves ``gi.repository`` imports by importing them: not here.
    hooks = AstroidManager.brain["_failed_import_hooks"]
    hooks[:] = [hook for hook in hooks if "brain_gi" not in getattr(hook, "__module__", "")]
    manager.register_failed_import_hook(_find_project_module)
    _astroid_ready = True


def _find_project_module(modname: str):
    """Resolve an import of the checked project from its source files (never by importing)."""
    import astroid

    parts = modname.split(".")
    for root in _project_roots:
        base = os.path.join(root, *parts)
        for path in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(path):
                module = astroid.MANAGER.ast_from_file(path, modname, fallback=False)
                _hook_modules[modname] = (path, _mtime(path), root)
                return module
    raise astroid.AstroidBuildingError("not a module of the checked project: {modname}",
                                       modname=modname)


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return -1.0


def _module_name_and_roots(filename: str, configured_root: str = "") -> tuple[str, tuple[str, ...]]:
    """Dotted module name from the package ``__init__.py`` files, and where its imports live."""
    path = os.path.abspath(filename)
    directory, base = os.path.split(path)
    parts = [os.path.splitext(base)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    # The project root (the one SOT2xx indexes) and its src/ cover absolute imports of
    # modules that are neither beside the file nor installed.
    root = project_index.find_project_root(os.path.dirname(path), configured_root)
    roots = [directory, os.path.dirname(path), root, os.path.join(root, "src")]
    return ".".join(parts), tuple(dict.fromkeys(roots))


def _build_module(source: str, filename: str, configured_root: str = ""):
    """The checked file as an astroid module, or None when astroid cannot build it."""
    global _project_roots
    _prepare_astroid()
    import astroid

    modname, roots = _module_name_and_roots(filename, configured_root)
    _project_roots = roots
    cache = astroid.MANAGER.astroid_cache
    for name, (path, mtime, root) in list(_hook_modules.items()):
        if root not in roots or _mtime(path) != mtime:
            cached = cache.get(name)
            if cached is not None and cached.file == path:
                del cache[name]
            del _hook_modules[name]
    try:
        module = astroid.parse(source, modname, os.path.abspath(filename))
    except Exception:  # noqa: BLE001 - astroid cannot build it: no SOT3xx findings
        return None
    _forget(module)
    return module


def _forget(module) -> None:
    """Keep the checked buffer out of astroid's module cache (``parse`` puts it there)."""
    import astroid
    from astroid.context import _INFERENCE_CACHE

    cache = astroid.MANAGER.astroid_cache
    if cache.get(module.name) is module:
        del cache[module.name]
    # The inference cache holds on to every node inferred, the checked files' trees included.
    # Reusing it across files saves re-inferring the standard library (datetime.now() and
    # friends) for every file; clearing it now and then bounds the memory of a long run.
    if len(_INFERENCE_CACHE) > _MAX_INFERENCE_CACHE:
        _INFERENCE_CACHE.clear()


def _locate(module, values) -> dict:
    """The astroid node for each stdlib ``ast`` value, matched by its source span."""
    wanted = {_span(value) for value in values}
    first_lines = sorted({span[0] for span in wanted})
    located = {}
    stack = [module]
    while stack:
        node = stack.pop()
        lineno = getattr(node, "lineno", None)
        end = getattr(node, "end_lineno", None)
        if lineno is not None and end is not None:
            span = (lineno, node.col_offset, end, node.end_col_offset)
            if span in wanted and span not in located:
                located[span] = node
            index = bisect.bisect_left(first_lines, lineno)
            no_site_inside = index == len(first_lines) or first_lines[index] > end
            if no_site_inside and not getattr(node, "decorators", None):
                continue
        # Outer nodes first: the outermost node with a span is the value itself.
        stack.extend(reversed(list(node.get_children())))
    return located


# -- astroid: tracing a value to what it is --------------------------------------------------------


class _Tracer:
    """Follows a value to where it comes from; returns a Problem only when it is certain."""

    def __init__(self, deadline: float):
        import astroid
        from astroid import bases, nodes, objects, util

        self.astroid, self.nodes, self.bases, self.objects = astroid, nodes, bases, objects
        self.uninferable = util.Uninferable
        self.deadline = deadline
        self._lineages: dict = {}

    def tick(self) -> None:
        if time.perf_counter() > self.deadline:
            raise _OutOfBudget

    # -- a site ---------------------------------------------------------------------------

    def site_problem(self, node, role: str, converts_models: bool) -> Problem | None:
        try:
            if role == ITEMS:
                items = self._items(node)
                if items is not None:
                    problem = next(filter(None, (self.expr(item, 1) for item in items)), None)
                    return replace(problem, nested=True) if problem else None
            problem = self.expr(node, 0, top_model_ok=converts_models and role == VALUE)
        except (_OutOfBudget, KeyboardInterrupt):
            raise
        except (Exception, RecursionError):  # noqa: BLE001 - inference failed: no finding
            return None
        if problem is None:
            return None
        if role == MAPPING and not problem.nested:
            return None  # update(x) with x not a dict fails loudly by itself
        if role == ITEMS and not problem.nested and problem.kind in (SET, ITERATOR):
            return None  # extend(a_set) stores the items, not the set
        return problem

    def _items(self, node):
        """The items of a set/generator literal passed to extend (stored one by one)."""
        nodes = self.nodes
        if isinstance(node, nodes.Set):
            return [elt for elt in node.elts if not isinstance(elt, nodes.Starred)]
        if isinstance(node, (nodes.GeneratorExp, nodes.SetComp)):
            return [node.elt]
        return None

    # -- expressions as written -------------------------------------------------------------

    def expr(self, node, depth: int, top_model_ok: bool = False) -> Problem | None:
        """A Problem if *node* (a source expression) certainly evaluates to a non-JSON value."""
        self.tick()
        if depth > _MAX_DEPTH:
            return None
        nodes = self.nodes
        if isinstance(node, nodes.Const):
            return self._const(node)
        if isinstance(node, (nodes.Set, nodes.SetComp)):
            return Problem(SET, "set")
        if isinstance(node, nodes.GeneratorExp):
            return Problem(ITERATOR, "generator")
        if isinstance(node, (nodes.List, nodes.Tuple)):
            return self._first_nested(node.elts, depth)
        if isinstance(node, nodes.Dict):
            return self._first_nested([part for pair in node.items for part in pair], depth)
        if isinstance(node, (nodes.ListComp,)):
            return self._first_nested([node.elt], depth)
        if isinstance(node, nodes.DictComp):
            return self._first_nested([node.key, node.value], depth)
        if isinstance(node, nodes.IfExp):
            return self._all((node.body, node.orelse), depth, top_model_ok)
        if isinstance(node, nodes.BoolOp):
            return self._all(node.values, depth, top_model_ok)
        if isinstance(node, nodes.NamedExpr):
            return self.expr(node.value, depth + 1, top_model_ok)
        if isinstance(node, nodes.Lambda):
            return Problem(OBJECT, "function")
        if isinstance(node, nodes.Name):
            return self._name(node, depth, top_model_ok)
        if isinstance(node, nodes.Call):
            return self._call(node, depth, top_model_ok)
        if isinstance(node, nodes.Await) and isinstance(node.value, nodes.Call):
            return self._call(node.value, depth, top_model_ok, awaited=True)
        if isinstance(node, nodes.Attribute):
            return self._attribute(node, depth, top_model_ok)
        if isinstance(node, nodes.BinOp):
            return self._binop(node, depth)
        if isinstance(node, (nodes.JoinedStr, nodes.Compare, nodes.Starred, nodes.DictUnpack)):
            return None
        return self.inferred(node, depth, top_model_ok)

    def _const(self, node) -> Problem | None:
        if isinstance(node.value, bytes):
            return Problem(BYTES, "bytes object")
        if isinstance(node.value, complex):
            return Problem(OBJECT, "complex")
        return None

    def _first_nested(self, elements, depth: int) -> Problem | None:
        for element in elements:
            skipped = (self.nodes.Starred, self.nodes.DictUnpack)
            if element is None or isinstance(element, skipped):
                continue
            problem = self.expr(element, depth + 1)
            if problem is not None:
                return replace(problem, nested=True)
        return None

    def _all(self, alternatives, depth: int, top_model_ok: bool) -> Problem | None:
        """Every alternative must be a problem, or the value may well be JSON."""
        problems = [self.expr(node, depth + 1, top_model_ok) for node in alternatives]
        return problems[0] if problems and all(problems) else None

    def _binop(self, node, depth: int) -> Problem | None:
        """The arithmetic of the kinds we know: ``path / 'x'``, ``end - start``, ``a | b``."""
        left = self.expr(node.left, depth + 1)
        if left is not None and not left.nested:
            if left.kind is PATH and node.op == "/":
                return left
            if left.kind in (DATETIME, TIMEDELTA, SET) and node.op in "+-|&^":
                right = self.expr(node.right, depth + 1)
                if right is None or right.nested:
                    return None
                if left.kind is SET and right.kind is SET and node.op in "|&^-":
                    return left
                if left.kind is DATETIME and right.kind is DATETIME and node.op == "-":
                    return Problem(TIMEDELTA, "timedelta")
                if right.kind is TIMEDELTA and left.kind is not SET and node.op in "+-":
                    return left
                return None
        return self.inferred(node, depth, False)

    def _name(self, node, depth: int, top_model_ok: bool) -> Problem | None:
        nodes = self.nodes
        _, assignments = node.lookup(node.name)
        if not assignments:
            return None
        problems = []
        for assignment in assignments:
            parent = assignment.parent
            if isinstance(assignment, nodes.AssignName):
                if isinstance(parent, nodes.Assign) and assignment in parent.targets:
                    problem = self.expr(parent.value, depth + 1, top_model_ok)
                elif (isinstance(parent, nodes.AnnAssign) and parent.target is assignment
                      and parent.value is not None):
                    problem = self.expr(parent.value, depth + 1, top_model_ok)
                elif isinstance(parent, nodes.NamedExpr):
                    problem = self.expr(parent.value, depth + 1, top_model_ok)
                elif isinstance(parent, nodes.Arguments):
                    problem = self._parameter(parent, assignment, top_model_ok)
                else:
                    return None  # loop target, unpacking, with/except target, ...
            elif isinstance(assignment, (nodes.ImportFrom, nodes.Import, nodes.FunctionDef,
                                         nodes.ClassDef)):
                problem = self.inferred(node, depth, top_model_ok)
            else:
                return None
            if problem is None:
                return None
            problems.append(problem)
        return problems[0]

    def _parameter(self, arguments, name_node, top_model_ok: bool) -> Problem | None:
        """A parameter's annotation, when it names one type and there is no None default."""
        groups = (
            (arguments.posonlyargs, arguments.posonlyargs_annotations),
            (arguments.args, arguments.annotations),
            (arguments.kwonlyargs, arguments.kwonlyargs_annotations),
        )
        for names, annotation_nodes in groups:
            for index, candidate in enumerate(names):
                if candidate is name_node:
                    try:
                        default = arguments.default_value(name_node.name)
                    except self.astroid.NoDefault:
                        default = None
                    if isinstance(default, self.nodes.Const) and default.value is None:
                        return None  # implicitly Optional
                    annotation = (annotation_nodes[index] if index < len(annotation_nodes)
                                  else None)
                    return self.annotation(annotation, top_model_ok)
        return None  # *args, **kwargs

    def _attribute(self, node, depth: int, top_model_ok: bool) -> Problem | None:
        """``obj.attr``: a model field's annotation, or what ``self.attr = ...`` assigned."""
        owner = self.expr(node.expr, depth + 1)
        if owner is not None and owner.kind is MODEL and not owner.nested:
            annotation = self._field_annotation(owner.model, node.attrname)
            return self.annotation(annotation, top_model_ok) if annotation else None
        receiver = self._instance_class(node.expr)
        if receiver is not None:
            problem = self._instance_attribute(receiver, node.attrname, depth, top_model_ok)
            if problem is not None:
                return problem
        return self.inferred(node, depth, top_model_ok)

    def _instance_attribute(self, cls, name: str, depth: int, top_model_ok) -> Problem | None:
        """Every ``self.name = value`` in the class, when nothing else defines ``name``."""
        if name in cls.locals or any(name in base.locals for base in cls.ancestors()):
            return None  # a class attribute, property or method: leave it to astroid
        assignments = cls.instance_attrs.get(name, [])
        if not assignments:
            return None
        problems = []
        for assignment in assignments:
            parent = assignment.parent
            if not (isinstance(parent, self.nodes.Assign) and assignment in parent.targets):
                return None
            problem = self.expr(parent.value, depth + 1, top_model_ok)
            if problem is None:
                return None
            problems.append(problem)
        return problems[0]

    def _instance_class(self, node):
        """The class *node* is certainly an instance of, else None."""
        try:
            results = list(node.infer())
        except self.astroid.InferenceError:
            return None
        classes = {result._proxied for result in results
                   if isinstance(result, self.bases.Instance)
                   and type(result) is self.bases.Instance}
        if len(classes) != 1 or len(results) != 1:
            return None
        return next(iter(classes))

    # -- calls ------------------------------------------------------------------------------

    def _call(self, node, depth: int, top_model_ok: bool, awaited: bool = False):
        nodes = self.nodes
        func = node.func
        if isinstance(func, nodes.Attribute):
            if func.attrname in ("model_dump", "dict"):
                return self._model_dump(node, depth)
            if func.attrname in MODEL_FACTORIES or func.attrname in MODEL_COPIES:
                model = self._model_receiver(func.expr, func.attrname in MODEL_COPIES, depth)
                if model is not None:
                    return None if top_model_ok else Problem(MODEL, model.name, model=model)
        callees = self._infer(func)
        if not callees or any(callee is self.uninferable for callee in callees):
            return None
        if all(isinstance(callee, nodes.ClassDef) for callee in callees):
            problems = [self.instance_of(callee, top_model_ok) for callee in callees]
            return problems[0] if all(problems) else None
        functions = {self._function(callee) for callee in callees}
        if None in functions or len(functions) != 1:
            return self.inferred(node, depth, top_model_ok)
        function = functions.pop()
        return self._function_result(function, node, depth, top_model_ok, awaited)

    def _function(self, callee):
        if isinstance(callee, (self.bases.BoundMethod, self.bases.UnboundMethod)):
            callee = callee._proxied
        if isinstance(callee, self.nodes.FunctionDef):
            return callee
        return None

    def _function_result(self, function, call, depth, top_model_ok, awaited):
        nodes = self.nodes
        if not self._plain_function(function):
            return None  # a decorator may return anything (a list from a generator, ...)
        is_async = isinstance(function, nodes.AsyncFunctionDef)
        if function.is_generator():
            return Problem(ITERATOR, "async generator" if is_async else "generator")
        if is_async and not awaited:
            return None  # a coroutine; stored un-awaited is another bug
        if function.returns is not None:
            problem = self.annotation(function.returns, top_model_ok)
            if problem is not None:
                return problem
        module_name = function.root().name
        if module_name in TRUSTED_MODULES:
            # What datetime.now() or uuid4() returns does not depend on the arguments: infer
            # it once per process (astroid keeps these modules for the whole run).
            if function not in _TRUSTED_RESULTS:
                _TRUSTED_RESULTS[function] = self.inferred(call, depth, False, drop_unknown=True)
            return _TRUSTED_RESULTS[function]
        returns = [node for node in function.nodes_of_class(
            nodes.Return, skip_klass=(nodes.FunctionDef, nodes.ClassDef, nodes.Lambda))]
        body_end = function.body[-1] if function.body else None
        if (returns and all(ret.value is not None for ret in returns)
                and isinstance(body_end, (nodes.Return, nodes.Raise))):
            problem = self._all([ret.value for ret in returns], depth, top_model_ok)
            if problem is not None:
                return problem
        if is_async:
            return None
        return self.inferred(call, depth, top_model_ok)

    def _plain_function(self, function) -> bool:
        """Only decorators that keep what the function returns."""
        for decorator in (function.decorators.nodes if function.decorators else ()):
            target = decorator.func if isinstance(decorator, self.nodes.Call) else decorator
            if target.as_string().rsplit(".", 1)[-1] not in KNOWN_FUNCTION_DECORATORS:
                return False
        return True

    # -- pydantic ------------------------------------------------------------------------------

    def _model_dump(self, call, depth: int) -> Problem | None:
        func = call.func
        for keyword in call.keywords or ():
            if keyword.arg == "mode":
                if not isinstance(keyword.value, self.nodes.Const):
                    return None  # mode chosen at run time: cannot tell
                if keyword.value.value == "json":
                    return None
        model = self._model_receiver(func.expr, True, depth)
        if model is None:
            return None if func.attrname == "model_dump" else self.inferred(call, depth, False)
        found = self._non_json_field(model, set())
        if found is None:
            return None
        field, problem = found
        return Problem(MODEL_DUMP, problem.type_name, model=model, field=field)

    def _model_receiver(self, node, instance: bool, depth: int):
        """The model class of *node*: an instance of it (``instance``) or the class itself."""
        if instance:
            problem = self.expr(node, depth + 1)
            if problem is not None and problem.kind is MODEL and not problem.nested:
                return problem.model
            return None
        try:
            results = list(node.infer())
        except self.astroid.InferenceError:
            return None
        if len(results) == 1 and isinstance(results[0], self.nodes.ClassDef) \
                and self._is_model(results[0]):
            return results[0]
        return None

    def _is_model(self, cls) -> bool:
        lineage = self.lineage(cls)
        return lineage is not None and lineage[1]

    def _field_annotation(self, model, name: str):
        lineage, _ = self.lineage(model)
        for cls in lineage:
            for statement in cls.body:
                if (isinstance(statement, self.nodes.AnnAssign)
                        and isinstance(statement.target, self.nodes.AssignName)
                        and statement.target.name == name):
                    return statement.annotation
        return None

    def _non_json_field(self, model, seen: set):
        """``("name: annotation", Problem)`` for the first field whose type is not JSON."""
        if model in seen:
            return None
        seen.add(model)
        lineage, _ = self.lineage(model)
        model_classes = [cls for cls in lineage if self._is_model(cls)
                         and cls.root().name.split(".")[0] not in PYDANTIC_MODULES]
        source = "\n".join(cls.as_string() for cls in model_classes)
        if "serializer" in source or "Serializer" in source:
            return None  # custom serialization: the dump may well be JSON
        enums_as_values = "use_enum_values" in source
        for cls in model_classes:
            for statement in cls.body:
                if not (isinstance(statement, self.nodes.AnnAssign)
                        and isinstance(statement.target, self.nodes.AssignName)):
                    continue
                name = statement.target.name
                if name.startswith("_") or "ClassVar" in statement.annotation.as_string():
                    continue
                problem = self._field_type(statement.annotation, seen)
                if problem is None or (enums_as_values and problem.kind is ENUM):
                    continue
                return f"{name}: {_text(statement.annotation)}", problem
        return None

    def _field_type(self, annotation, seen: set) -> Problem | None:
        """A non-JSON type named anywhere in a field annotation (``Optional[datetime]``...)."""
        nodes = self.nodes
        if isinstance(annotation, nodes.Subscript):
            head = annotation.value.as_string().rsplit(".", 1)[-1]
            if head == "Literal":
                return None
            if head == "Annotated":
                return None  # validators/serializers may change what is dumped
            return (self._field_type(annotation.value, seen)
                    or self._field_type(annotation.slice, seen))
        if isinstance(annotation, (nodes.Tuple, nodes.List)):
            return next(filter(None, (self._field_type(e, seen) for e in annotation.elts)), None)
        if isinstance(annotation, nodes.BinOp):
            return self._field_type(annotation.left, seen) or self._field_type(
                annotation.right, seen)
        if not isinstance(annotation, (nodes.Name, nodes.Attribute)):
            return None
        cls = self._single_class(annotation)
        if cls is None:
            return None
        known = KNOWN_ANNOTATIONS.get(cls.qname())
        if known is not None:
            return Problem(known, cls.name.lower() if known is SET else cls.name)
        problem = self.instance_of(cls, False)
        if problem is None:
            return None
        if problem.kind is MODEL:
            nested = self._non_json_field(cls, seen)
            return nested[1] if nested else None
        return problem if problem.kind is not OBJECT else None

    # -- annotations ---------------------------------------------------------------------------

    def annotation(self, annotation, top_model_ok: bool) -> Problem | None:
        """What a return or parameter annotation promises, when it names exactly one type."""
        nodes = self.nodes
        if annotation is None:
            return None
        if isinstance(annotation, nodes.Subscript):
            cls = self._single_class(annotation.value)
            if cls is None:
                return None
            known = KNOWN_ANNOTATIONS.get(cls.qname()) or KNOWN_CLASSES.get(cls.qname())
            if known in (SET, ITERATOR):
                return Problem(known, cls.name.lower() if known is SET else cls.name)
            return None
        if not isinstance(annotation, (nodes.Name, nodes.Attribute)):
            return None  # Optional[...], X | None, "forward refs": not one type
        cls = self._single_class(annotation)
        if cls is None:
            return None
        known = KNOWN_ANNOTATIONS.get(cls.qname())
        if known is not None:
            return Problem(known, cls.name)
        if self._abstract(cls):
            return None  # some subclass, maybe a dict one, will be returned
        return self.instance_of(cls, top_model_ok)

    def _abstract(self, cls) -> bool:
        known = self.lineage(cls)
        if known is None:
            return True
        for klass in known[0]:
            if klass.qname() in ("abc.ABC", "typing.Protocol", "typing_extensions.Protocol"):
                return True
            metaclass = klass.declared_metaclass()
            if metaclass is not None and metaclass.qname() == "abc.ABCMeta":
                return True
        return False

    def _single_class(self, node):
        """The one class *node* names, else None."""
        results = self._infer(node)
        classes = [result for result in results if isinstance(result, self.nodes.ClassDef)]
        if len(classes) != 1:
            return None
        # enum.py binds ``Enum = Flag = ... = None`` before defining them: not a second value.
        placeholders = [result for result in results if isinstance(result, self.nodes.Const)
                        and result.value is None]
        if len(classes) + len(placeholders) != len(results) or (
                placeholders and self._origin(classes[0]) not in TRUSTED_MODULES):
            return None
        return classes[0]

    # -- inferred values -----------------------------------------------------------------------

    def _infer(self, node) -> list:
        """astroid's inferred values for *node* ([] on error).

        ``Uninferable`` next to values that all come from the trusted standard library
        modules is dropped: ``from datetime import datetime`` infers to the pure-Python class
        and to whatever ``from _datetime import *`` gives, which astroid cannot see.
        """
        results = []
        try:
            for result in node.infer():
                self.tick()
                results.append(result)
        except self.astroid.InferenceError:
            return []
        known = [result for result in results if result is not self.uninferable]
        if known and len(known) < len(results) and all(
                self._origin(result) in TRUSTED_MODULES for result in known):
            return known
        return results

    def _origin(self, result) -> str:
        """The module an inferred value is defined in (for an instance, its class's)."""
        if isinstance(result, (self.bases.Instance, self.bases.UnboundMethod)):
            result = result._proxied
        try:
            return result.root().name
        except AttributeError:
            return ""

    def inferred(self, node, depth: int, top_model_ok: bool, drop_unknown: bool = False):
        """Plain astroid inference: every inferred value must be a problem."""
        results = self._infer(node)
        if drop_unknown:
            results = [result for result in results if result is not self.uninferable]
        if not results or any(result is self.uninferable for result in results):
            return None
        problems = [self.value(result, depth, top_model_ok) for result in results]
        return problems[0] if all(problems) else None

    def value(self, result, depth: int, top_model_ok: bool) -> Problem | None:
        """A Problem for one inferred value."""
        nodes, bases, objects = self.nodes, self.bases, self.objects
        if isinstance(result, nodes.Const):
            return self._const(result)
        if isinstance(result, objects.FrozenSet) or isinstance(result, nodes.Set):
            return Problem(SET, "frozenset" if isinstance(result, objects.FrozenSet) else "set")
        if isinstance(result, (objects.DictKeys, objects.DictValues, objects.DictItems)):
            return Problem(ITERATOR, "dict view")
        if isinstance(result, bases.AsyncGenerator):
            return Problem(ITERATOR, "async generator")
        if isinstance(result, bases.Generator):
            return Problem(ITERATOR, "generator")
        if isinstance(result, (nodes.List, nodes.Tuple, nodes.Dict)):
            return self.expr(result, depth + 1, top_model_ok)
        if isinstance(result, (nodes.Lambda, bases.BoundMethod, bases.UnboundMethod)) or (
                isinstance(result, nodes.FunctionDef)):
            return Problem(OBJECT, "function")
        if isinstance(result, nodes.ClassDef):
            return Problem(OBJECT, f"class object ({result.name})")
        if isinstance(result, nodes.Module):
            return Problem(OBJECT, "module")
        if type(result) is bases.Instance:
            cls = result._proxied
            if isinstance(cls.parent, (nodes.Assign, nodes.AnnAssign)):
                # astroid's enum brain gives each member a class of its own, defined where the
                # member is assigned: the member is an instance of the enclosing Enum class.
                enum_class = cls.parent.frame()
                if not isinstance(enum_class, nodes.ClassDef):
                    return None
                cls = enum_class
            return self.instance_of(cls, top_model_ok)
        return None

    # -- classes ---------------------------------------------------------------------------

    def instance_of(self, cls, top_model_ok: bool) -> Problem | None:
        """A Problem for an instance of *cls*, if its whole MRO is known and none is JSON."""
        known = self.lineage(cls)
        if known is None:
            return None
        lineage, is_model = known
        qnames = [klass.qname() for klass in lineage]
        if any(qname in JSON_CLASSES for qname in qnames):
            return None
        for qname in qnames:
            kind = KNOWN_CLASSES.get(qname)
            if kind is not None:
                return Problem(kind, "bytes object" if cls.name == "bytes" else cls.name)
        if is_model:
            return None if top_model_ok else Problem(MODEL, cls.name, model=cls)
        if "enum.Enum" in qnames:
            return Problem(ENUM, f"{cls.name} member")
        if cls.root().name == "builtins":
            return Problem(OBJECT, "object") if cls.name == "object" else None
        if cls.root().name in ABSTRACT_MODULES:
            return None  # typing.Any, Mapping, ...: not a concrete class
        if not self._plain_class(lineage):
            return None
        return Problem(OBJECT, f"{cls.name} instance")

    def _plain_class(self, lineage) -> bool:
        """No custom ``__new__``, metaclass ``__call__`` or class decorator can swap the object."""
        for klass in lineage:
            if klass.root().name in ("builtins", "abc", "typing") or \
                    klass.root().name in TRUSTED_MODULES:
                continue
            if "__new__" in klass.locals:
                return False
            for decorator in (klass.decorators.nodes if klass.decorators else ()):
                target = decorator.func if isinstance(decorator, self.nodes.Call) else decorator
                if target.as_string().rsplit(".", 1)[-1] not in KNOWN_CLASS_DECORATORS:
                    return False
            metaclass = klass.declared_metaclass()
            if metaclass is None and getattr(klass, "_metaclass", None) is None:
                continue
            if not isinstance(metaclass, self.nodes.ClassDef):
                return False  # a metaclass we cannot see
            if metaclass.root().name not in ("builtins", "abc") and "__call__" in metaclass.locals:
                return False
        return True

    def lineage(self, cls):
        """``(classes, is_model)``: *cls* and all its ancestors, or None if any base is unknown.

        A base we cannot infer makes the class unknown (it may be a dict subclass), except
        a pydantic ``BaseModel`` imported by name: pydantic need not be installed, and its
        ``__init__`` resolves names lazily, which astroid cannot follow.
        """
        if cls in self._lineages:
            return self._lineages[cls]
        self._lineages[cls] = None  # a cycle in the bases: unknown
        order, is_model, queue, seen = [], False, [cls], set()
        result = None
        while queue:
            self.tick()
            klass = queue.pop(0)
            if klass in seen:
                continue
            seen.add(klass)
            order.append(klass)
            if klass.qname() in ("pydantic.main.BaseModel", "pydantic.BaseModel",
                                 "pydantic.v1.main.BaseModel", "sqlmodel.main.SQLModel"):
                is_model = True
                continue
            for base in klass.bases:
                if self._names_pydantic_base(base):
                    is_model = True
                    continue
                base_class = self._single_class(base)
                if base_class is None:
                    break
                queue.append(base_class)
            else:
                continue
            break
        else:
            result = (order, is_model)
        self._lineages[cls] = result
        return result

    def _names_pydantic_base(self, base) -> bool:
        """``BaseModel`` from ``from pydantic import BaseModel`` or ``pydantic.BaseModel``."""
        nodes = self.nodes
        if isinstance(base, nodes.Attribute) and isinstance(base.expr, nodes.Name):
            if base.attrname not in PYDANTIC_BASES:
                return False
            _, assignments = base.expr.lookup(base.expr.name)
            return len(assignments) == 1 and isinstance(assignments[0], nodes.Import) and any(
                (alias or name) == base.expr.name and name.split(".")[0] in PYDANTIC_MODULES
                for name, alias in assignments[0].names)
        if isinstance(base, nodes.Name):
            _, assignments = base.lookup(base.name)
            if len(assignments) != 1 or not isinstance(assignments[0], nodes.ImportFrom):
                return False
            imported = assignments[0]
            return (imported.modname.split(".")[0] in PYDANTIC_MODULES
                    and imported.real_name(base.name) in PYDANTIC_BASES)
        return False
