"""Writes ``stdlib.py``, SOT3xx's table of the standard library, from pinned typeshed stubs.

A development script, never imported by the plugin::

    python -m flake8_ssot.rules.sot3.generate_stdlib          # rewrite stdlib.py
    python -m flake8_ssot.rules.sot3.generate_stdlib --check  # exit 1 if it is not up to date

The stubs are typeshed_client's bundled copy, at the exact version the ``test`` extras pin, read
for Python ``VERSION`` on Linux whatever interpreter runs this: the same table from every one.
What ``json.dumps`` accepts is not read from the stubs: it is ``kinds``' hand-written judgement
by class, applied here along each class's bases.

The table keeps only what can make a finding: a member whose declared result is certainly not
JSON (``hashlib.sha256(...).digest()``, ``Path.home()``, ``when.date()``, ``Decimal`` arithmetic),
the classes such results name with their bases, and the names of classes whose instances are
JSON (``time.struct_time``). A member declared ``Any``, ``object``, a type variable, a protocol or
an abstract class is unknown and left out; so is one whose result is JSON (silent either way).
"""

from __future__ import annotations

import ast
import os
import pprint
import sys

from flake8_ssot.syntax import dotted_name
from flake8_ssot.rules.sot3 import kinds
from flake8_ssot.rules.sot3.types import (
    JSON, NONE, UNKNOWN, Annotations, Awaitable, Bad, Coll, Obj, Ref, Union, encode, union,
)

VERSION = (3, 13)
PLATFORM = "linux"
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stdlib.py")

# The modules read, in order: a class keeps the name of the first one that exports it
# (``asyncio.Task``, not ``asyncio.tasks.Task``).
MODULES = (
    "builtins", "datetime", "time", "calendar", "uuid", "decimal", "fractions", "numbers",
    "pathlib", "os", "os.path", "hashlib", "hmac", "secrets", "base64", "binascii", "ipaddress",
    "re", "collections", "array", "zoneinfo", "logging", "threading", "multiprocessing", "queue",
    "io", "itertools", "functools", "asyncio", "concurrent.futures", "json", "enum", "socket",
    "urllib.parse", "subprocess", "shutil", "tempfile", "struct", "zlib", "gzip", "random",
    "math", "statistics", "string", "types", "weakref", "contextlib", "sqlite3", "email.message",
    "http", "http.client", "inspect", "traceback", "operator", "heapq", "csv", "ssl", "signal",
    "sys", "platform", "textwrap", "difflib", "warnings", "pickle", "glob", "mimetypes",
    "zipfile", "tarfile", "configparser", "argparse", "dataclasses", "copy",
)
# Binary operators and their reflected forms: a class's overloads of these are kept by operand.
OPERATORS = tuple(f"__{name}__" for name in (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
    "lshift", "rshift"))
REFLECTED = tuple(f"__r{name[2:]}" for name in OPERATORS)
JSON_RECEIVER = "(json)"  # MEMBERS' prefix for them
# Classes whose methods a value known only as JSON may be (``"text".encode()``).
JSON_BUILTINS = ("str", "int", "float", "bool", "list", "tuple", "dict")
# Names that mean "anything" in a stub.
_ANYTHING = frozenset({
    "typing.Any", "builtins.object", "_typeshed.Incomplete", "typing.Never", "typing.NoReturn",
    "_typeshed.MaybeNone", "_typeshed.Unused", "typing.LiteralString",
})
# Modules whose classes keep the name they are defined under (``typing.AbstractSet``).
_OWN_NAMES = frozenset({"typing", "typing_extensions", "_typeshed", "builtins"})
_SELF = frozenset({"typing.Self", "typing_extensions.Self"})
_PROTOCOL = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
_ABSTRACT_MARKERS = frozenset({"abc.ABC", "abc.ABCMeta"})


def _search_context():
    import typeshed_client

    return typeshed_client.get_search_context(
        version=VERSION, platform=PLATFORM, search_path=[], implementation_name="cpython",
        implementation_version=VERSION)


class Stubs:
    """The stubs of the modules above, read through typeshed_client's name resolution."""

    def __init__(self):
        import typeshed_client

        self.tc = typeshed_client
        self.resolver = typeshed_client.Resolver(_search_context())
        self.public: dict[tuple, str] = {}  # (defining module, class name) -> qualified name
        self.infos: dict[tuple, object] = {}  # the same key -> its NameInfo
        for qual, (key, info) in self.exported():
            if isinstance(info.ast, ast.ClassDef) and key[1] == qual.rsplit(".", 1)[1] \
                    and key[0][0] not in _OWN_NAMES:
                self.public.setdefault(key, qual)
                self.infos.setdefault(key, info)

    def exported(self):
        """``(module.name, ((defining module, name), NameInfo))`` of every public name of the
        modules read, in order."""
        for module in MODULES:
            path = tuple(module.split("."))
            stub = self.resolver.get_module(self.tc.ModulePath(path))
            for name in sorted(stub.names):
                if not stub.names[name].is_exported or name.startswith("_"):
                    continue
                found = self.definition(path, name)
                if found is not None:
                    yield f"{module}.{name}", found

    # -- names ---------------------------------------------------------------------------------

    def definition(self, module: tuple, name: str):
        """``((defining module, name), NameInfo)`` of *name* in *module*, or None."""
        try:
            found = self.resolver.get_name(self.tc.ModulePath(module), name)
        except Exception:  # noqa: BLE001 - a stub typeshed_client cannot read: unknown
            return None
        if isinstance(found, self.tc.ImportedInfo):
            return (tuple(found.source_module), found.info.name), found.info
        if isinstance(found, self.tc.NameInfo):
            return (module, found.name), found
        return None

    def dotted(self, module: tuple, node):
        """What a Name/Attribute of a stub refers to: ``("module", path)``, ``("name", key,
        info)`` or None."""
        written = dotted_name(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if written is None:
            return None
        parts = written.split(".")
        try:
            found = self.resolver.get_name(self.tc.ModulePath(module), parts[0])
            if found is None:  # a builtin: stubs use them unimported
                module = ("builtins",)
                found = self.resolver.get_name(self.tc.ModulePath(module), parts[0])
        except Exception:  # noqa: BLE001
            return None
        for index, part in enumerate(parts):
            if index:
                if not isinstance(found, tuple) or isinstance(found, self.tc.ImportedInfo) \
                        or isinstance(found, self.tc.NameInfo):
                    return None
                module = tuple(found)
                try:
                    found = self.resolver.get_name(found, part)
                except Exception:  # noqa: BLE001
                    return None
            if isinstance(found, self.tc.ImportedInfo):
                found_key = ((tuple(found.source_module), found.info.name), found.info)
            elif isinstance(found, self.tc.NameInfo):
                found_key = ((module, found.name), found)
            else:
                found_key = None
            if index == len(parts) - 1:
                if found_key is not None:
                    return ("name", *found_key)
                if found is not None:
                    return ("module", tuple(found))
                return None
        return None

    def qual(self, key: tuple) -> str:
        return self.public.get(key) or ".".join((*key[0], key[1]))

    # -- classes ---------------------------------------------------------------------------------

    def class_info(self, key):
        if key not in self.infos:
            found = self.definition(*key)
            self.infos[key] = found[1] if found is not None else None
        info = self.infos[key]
        return info if info is not None and isinstance(info.ast, ast.ClassDef) else None

    def bases(self, key) -> list:
        """The keys (or typing quals) of the bases a class's stub declares."""
        info = self.class_info(key)
        found = []
        if info is None or not isinstance(info.ast, ast.ClassDef):
            return found
        module, bases, hops = key[0], list(info.ast.bases), 0
        while bases and hops < 20:
            hops += 1
            base = bases.pop(0)
            node = base.value if isinstance(base, ast.Subscript) else base
            target = self.dotted(module, node)
            if target is None or target[0] != "name":
                continue
            value = getattr(target[2].ast, "value", None)
            if isinstance(target[2].ast, ast.ClassDef):
                found.append(target[1])
            elif isinstance(target[2].ast, (ast.Assign, ast.AnnAssign)) and value is not None:
                bases.insert(0, value)  # a type alias of a class: _TimeTuple = tuple[int, ...]
                module = target[1][0]
        return found

    def abstract(self, key) -> bool:
        """A protocol, or an ABC that declares abstract methods: a declared value of it may be
        anything registered (``numbers.Real`` holds a float)."""
        info = self.class_info(key)
        if info is None:
            return True
        node = info.ast
        heads = {self.qual(base) for base in self.bases(key)}
        if heads & _PROTOCOL:
            return True
        metaclass = next((k.value for k in node.keywords if k.arg == "metaclass"), None)
        meta = self.dotted(key[0], metaclass) if metaclass is not None else None
        declared_abc = bool(heads & _ABSTRACT_MARKERS) or (
            meta is not None and meta[0] == "name" and self.qual(meta[1]) in _ABSTRACT_MARKERS)
        return declared_abc or (self._abc_lineage(key) and self._declares_abstract(node))

    def _abc_lineage(self, key, seen=None) -> bool:
        seen = seen if seen is not None else set()
        if key in seen:
            return False
        seen.add(key)
        info = self.class_info(key)
        if info is None:
            return False
        for keyword in info.ast.keywords:
            if keyword.arg == "metaclass":
                meta = self.dotted(key[0], keyword.value)
                if meta is not None and meta[0] == "name" and self.qual(meta[1]) == "abc.ABCMeta":
                    return True
        return any(self.qual(base) in _ABSTRACT_MARKERS or self._abc_lineage(base, seen)
                   for base in self.bases(key))

    @staticmethod
    def _declares_abstract(node) -> bool:
        for statement in ast.walk(node):
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    (isinstance(d, ast.Name) and d.id == "abstractmethod")
                    or (isinstance(d, ast.Attribute) and d.attr == "abstractmethod")
                    for d in statement.decorator_list):
                return True
        return False

    def members(self, key) -> dict:
        info = self.class_info(key)
        return dict(info.child_nodes or {}) if info is not None else {}


class Generator:
    def __init__(self, stubs: Stubs):
        self.stubs = stubs
        self.json: set[str] = set()
        self.classes: dict[str, tuple] = {}
        self.abstract: set[str] = set()
        self.members: dict[str, tuple] = {}
        self._judged: dict[tuple, str] = {}
        self._keys = None

    # -- the judgement of a class, along its bases -------------------------------------------

    def mro(self, key) -> list:
        order, queue = [], [key]
        while queue:
            klass = queue.pop(0)
            if klass in order:
                continue
            order.append(klass)
            queue.extend(self.stubs.bases(klass))
        return order

    def judge(self, key) -> str:
        """"json", "abstract" or "object" (an instance is certainly not JSON)."""
        if key not in self._judged:
            self._judged[key] = "object"
            quals = [self.stubs.qual(klass) for klass in self.mro(key)]
            if any(q in kinds.JSON_ROOTS for q in quals):
                verdict = "json"
            elif self.stubs.qual(key) in _ANYTHING or self.stubs.qual(key).startswith(
                    ("typing.", "typing_extensions.", "_typeshed.", "collections.abc.")):
                verdict = "abstract"
            elif self.stubs.abstract(key):
                verdict = "abstract"
            else:
                verdict = "object"
            self._judged[key] = verdict
            if verdict != "json":
                self._record_class(key)
        return self._judged[key]

    def _record_class(self, key) -> None:
        qual = self.stubs.qual(key)
        if qual in self.classes or self.judge(key) == "json":
            return
        self.classes[qual] = ()
        bases = self.stubs.bases(key)
        names = [self.stubs.qual(base) for base in bases]
        info = self.stubs.class_info(key)
        if info is not None and "__next__" in (info.child_nodes or {}) and not any(
                "Iterator" in name or "Generator" in name for name in names):
            names.append("typing.Iterator")  # an iterator by protocol (itertools.chain)
        self.classes[qual] = tuple(names)
        for base in bases:
            if self.stubs.qual(base) not in self.classes:
                self.judge(base)
                self._record_class(base)
        if self._judged.get(key) == "abstract":
            self.abstract.add(qual)

    # -- annotations -------------------------------------------------------------------------

    def read(self, module: tuple, annotation, self_key=None, depth: int = 0):
        """A stub annotation as a ``types.T``: Obj("Self") stands for the receiver's class."""
        aliases: list = []
        if depth > 6:
            return UNKNOWN

        def resolve(node):
            target = self.stubs.dotted(module, node)
            if target is None:
                return UNKNOWN
            if target[0] == "module":
                return UNKNOWN
            key, info = target[1], target[2]
            if isinstance(info.ast, ast.ClassDef):
                return Ref(self.stubs.qual(key), "class")
            qual = self.stubs.qual(key)
            if qual.startswith(("typing.", "typing_extensions.")) or qual in _ANYTHING:
                return Ref(qual)
            value = getattr(info.ast, "value", None)
            if isinstance(info.ast, (ast.Assign, ast.AnnAssign)) and value is not None and not (
                    isinstance(value, ast.Call)) and len(aliases) < 8:
                aliases.append(qual)
                return Ref(qual, "alias:" + str(len(aliases) - 1)), key[0], value
            return UNKNOWN

        def resolve_plain(node):
            found = resolve(node)
            return found[0] if isinstance(found, tuple) else found

        def instance_of(value):
            if isinstance(value, tuple):  # a type alias: read its value where it is written
                _ref, alias_module, node = value
                return self.read(alias_module, node, self_key, depth + 1)
            if not isinstance(value, Ref):
                return UNKNOWN
            qual = value.qual
            if qual in _SELF:
                return Obj("Self")
            if qual in _ANYTHING:
                return UNKNOWN
            if value.mode == "class":
                key = self._key_of(qual)
                verdict = self.judge(key) if key is not None else "abstract"
                if verdict == "json":
                    return JSON
                if verdict == "abstract" and qual not in kinds.ROOT_CLASSES:
                    return UNKNOWN
                return Obj(qual)
            if qual.startswith(("typing.", "typing_extensions.")):
                from flake8_ssot.rules.sot3.session import Session

                return Session.annotations_of_bare(qual.replace("typing_extensions.", "typing."))
            return UNKNOWN

        class Reader(Annotations):
            def read(self_, node, depth=0):  # noqa: N805 - the alias reader
                if isinstance(node, (ast.Name, ast.Attribute)):
                    return instance_of(resolve(node))
                return super().read(node, depth)

        return Reader(resolve_plain, instance_of).read(annotation)

    def _key_of(self, qual: str):
        if self._keys is None:
            self._keys = {public: key for key, public in self.stubs.public.items()}
        if qual in self._keys:
            return self._keys[qual]
        module, _, name = qual.rpartition(".")
        return (tuple(module.split(".")), name)

    # -- members -----------------------------------------------------------------------------

    def function(self, module: tuple, definitions, self_key=None):
        """The union of what a function's overloads return, and how it is used."""
        results, form = [], "call"
        for node in definitions:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return None, form
            decorators = {getattr(d, "id", getattr(d, "attr", "")) for d in node.decorator_list}
            if decorators & {"property", "cached_property"}:
                form = "get"
            result = self.read(module, node.returns, self_key) if node.returns is not None \
                else UNKNOWN
            if isinstance(node, ast.AsyncFunctionDef):
                result = Awaitable(result)
            results.append(result)
        return _distinct_union(results), form

    def operators(self, module, definitions, self_key):
        """``((operand classes, result), ...)`` of an operator's overloads, in order."""
        found = []
        for node in definitions:
            if not isinstance(node, ast.FunctionDef):
                return None
            params = [*node.args.posonlyargs, *node.args.args]
            if len(params) < 2:
                return None
            operand = params[1].annotation
            found.append((self.operand(module, operand), self.read(module, node.returns,
                                                                   self_key)))
        return found

    def operand(self, module, node) -> tuple:
        """The classes an operand annotation accepts ("*": anything, "Self": the receiver's)."""
        if node is None:
            return ("*",)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return tuple(dict.fromkeys((*self.operand(module, node.left),
                                        *self.operand(module, node.right))))
        if isinstance(node, ast.Subscript):
            head = self.stubs.dotted(module, node.value)
            if head is not None and head[0] == "name" and self.stubs.qual(head[1]) in (
                    "typing.Union", "typing.Optional"):
                elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                return tuple(dict.fromkeys(q for e in elements for q in self.operand(module, e)))
            node = node.value
        if isinstance(node, ast.Constant) and node.value is None:
            return ("builtins.None",)
        target = self.stubs.dotted(module, node) if isinstance(node, (ast.Name, ast.Attribute)) \
            else None
        if target is None or target[0] != "name":
            return ("*",)
        key, info = target[1], target[2]
        qual = self.stubs.qual(key)
        if qual in _SELF:
            return ("Self",)
        if isinstance(info.ast, ast.ClassDef):
            if self.judge(key) == "abstract" and qual not in kinds.ROOT_CLASSES:
                return ("*",)
            return (qual,)
        value = getattr(info.ast, "value", None)
        if isinstance(info.ast, (ast.Assign, ast.AnnAssign)) and value is not None \
                and not isinstance(value, ast.Call):
            return self.operand(key[0], value)
        return ("*",)

    def collect(self) -> None:
        stubs = self.stubs
        for qual, (key, info) in stubs.exported():
            node = info.ast
            if isinstance(node, ast.ClassDef):
                if self.judge(key) == "json":
                    self.json.add(qual)
                if stubs.qual(key) == qual:
                    self._class_members(key)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                    isinstance(node, stubs.tc.OverloadedName):
                definitions = node.definitions if isinstance(node, stubs.tc.OverloadedName) \
                    else [node]
                result, form = self.function(key[0], definitions)
                self._keep(qual, form, result)
            elif isinstance(node, ast.AnnAssign):
                self._keep(qual, "get", self.read(key[0], node.annotation))
        # The classes results name have members too (``hashlib.sha256()`` gives a
        # ``_hashlib.HASH``, whose ``digest()`` gives bytes): read until none is new.
        done: set = set()
        while set(self.classes) - done:
            for qual in sorted(set(self.classes) - done):
                done.add(qual)
                self._class_members(self._key_of(qual))
        # The methods a value known only as JSON may have: kept when every JSON builtin class
        # that defines the name gives a certain problem.
        for name in JSON_BUILTINS:
            self._class_members((("builtins",), name), json_receiver=True)

    def _class_members(self, key, json_receiver: bool = False) -> None:
        stubs = self.stubs
        qual = stubs.qual(key)
        for name, info in sorted(stubs.members(key).items()):
            if name.startswith("_") and name not in OPERATORS and name not in REFLECTED:
                continue
            node = info.ast
            definitions = node.definitions if isinstance(node, stubs.tc.OverloadedName) \
                else [node]
            member = f"{qual}.{name}"
            if name in OPERATORS or name in REFLECTED:
                if json_receiver:
                    continue
                found = self.operators(key[0], definitions, key)
                if found and any(_certain(result) for _operand, result in found):
                    self.members[member] = ("op", tuple(
                        (operand, _compact(result)) for operand, result in found))
                    self._record_class(key)
                continue
            if isinstance(node, ast.AnnAssign):
                result, form = self.read(key[0], node.annotation, key), "get"
            else:
                result, form = self.function(key[0], definitions, key)
            if json_receiver:
                if result is not None and _certain(result) and not _names_self(result):
                    self.members.setdefault(f"{JSON_RECEIVER}.{name}", ("call", _compact(result)))
                continue
            if result is not None and self._keep(member, form, result):
                self._record_class(key)

    def _keep(self, qual: str, form: str, result) -> bool:
        if result is None or not _certain(result):
            return False
        self.members[qual] = (form, _compact(result))
        return True

    def shadowing(self) -> None:
        """A member a subclass redeclares with a result that is not a problem hides its base's
        (kept as "" : unknown), so that a lookup along the bases stops there."""
        for qual in sorted(self.classes):
            key = self._key_of(qual)
            names = self.stubs.members(key)
            for klass in self.mro(key)[1:]:
                base = self.stubs.qual(klass)
                for name in names:
                    if f"{base}.{name}" in self.members and f"{qual}.{name}" not in self.members:
                        self.members[f"{qual}.{name}"] = ("call", "")


def _distinct_union(results):
    unique = {repr(encode(r)): r for r in results}
    if not unique:
        return UNKNOWN
    return union(list(unique.values()))


def _names_self(value) -> bool:
    return "'Self'" in repr(encode(value))


def _certain(value) -> bool:
    """Certainly not JSON (an Awaitable: once awaited), under the existing rules."""
    if isinstance(value, Awaitable):
        return _certain(value.result)
    if isinstance(value, (Obj, Bad)):
        return True
    if isinstance(value, Coll):
        return any(_certain(member) for member in value.members)
    if isinstance(value, Union):
        alternatives = [a for a in value.alternatives if a is not NONE]
        return bool(alternatives) and all(_certain(a) for a in alternatives)
    return False


def _compact(value):
    """A class name alone for the common case, else ``types.encode``'s form as tuples."""
    if isinstance(value, Obj) and value.items is UNKNOWN:
        return value.qual
    return _tuples(encode(value))


def _tuples(data):
    return tuple(_tuples(item) for item in data) if isinstance(data, list) else data


HEADER = '''"""SOT3xx's table of the standard library, generated from typeshed's stubs: do not edit.

Regenerate with ``python -m flake8_ssot.rules.sot3.generate_stdlib`` (tests/test_stdlib_table.py
fails while this file differs from what that command writes).
{source}, Python {version}, {platform}.

CLASSES: non-JSON classes the table names -> their bases, nearest first (``ABSTRACT`` ones say
nothing certain about a value declared of them). JSON: exported classes whose instances json.dumps
encodes (subclasses of str, int, float, list, tuple, dict). MEMBERS: ``module.name`` or
``module.Class.name`` -> (form, result): form "call" (what calling it gives), "get" (what reading
it gives) or "op" (an operator: ((operand classes, result), ...) by overload); a result is a class
name, "Self" (the receiver's class), "" (unknown: it hides a base's entry) or ``types.encode``'s
form. ``(json).NAME``: a method of the JSON builtin classes. TOP_LEVEL: the standard library's
top-level modules in any Python typeshed knows (never read from an installed distribution).
"""

# fmt: off
'''


def render(generator: Generator) -> str:
    import typeshed_client

    source = f"typeshed_client {typeshed_client.__version__}"
    parts = [HEADER.format(source=source, version=".".join(map(str, VERSION)),
                           platform=PLATFORM)]
    classes = dict(sorted(generator.classes.items()))
    parts.append(f"CLASSES = {pprint.pformat(classes, width=100)}\n")
    abstract = sorted(generator.abstract)
    parts.append(f"ABSTRACT = frozenset({pprint.pformat(abstract, width=100)})\n")
    parts.append(f"JSON = frozenset({pprint.pformat(sorted(generator.json), width=100)})\n")
    members = dict(sorted(generator.members.items()))
    parts.append(f"MEMBERS = {pprint.pformat(members, width=100)}\n")
    top_level = pprint.pformat(top_level_modules(), width=100, compact=True)
    parts.append(f"TOP_LEVEL = frozenset({top_level})\n")
    return "\n".join(parts)


def top_level_modules() -> list:
    """The standard library's top-level module names, from typeshed's ``VERSIONS`` (modules
    since removed too: a distribution that ships one is a backport, and the table speaks for
    the standard library's)."""
    import typeshed_client

    path = os.path.join(os.path.dirname(typeshed_client.__file__), "typeshed", "VERSIONS")
    names = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            module = line.split("#", 1)[0].split(":", 1)[0].strip()
            if module:
                names.add(module.split(".", 1)[0])
    return sorted(names)


def generate() -> str:
    generator = Generator(Stubs())
    generator.collect()
    generator.shadowing()
    return render(generator)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = generate()
    if argv == ["--check"]:
        with open(OUTPUT, encoding="utf-8") as handle:
            current = handle.read()
        if current != text:
            sys.stderr.write(f"{OUTPUT} is not what the stubs give: run "
                             "python -m flake8_ssot.rules.sot3.generate_stdlib\n")
            return 1
        return 0
    with open(OUTPUT, "w", encoding="utf-8") as handle:
        handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
