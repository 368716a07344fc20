"""The project index: what every Python file of one project defines and imports.

flake8 checks one file at a time, pre-commit passes only staged files and an editor sends one
unsaved buffer, yet "this class is defined twice" is a relation between files. So every process
keeps an index of the module-level classes of every Python file of the project, built from the
store (``store``) and revalidated against the disk on every flake8 run (``begin_run``).
"""

from __future__ import annotations

import bisect
import itertools
import json
import operator
import os
from array import array
from stat import S_ISDIR, S_ISREG
from typing import Any, Callable, NamedTuple, Sequence

from flake8_ssot.digests import blake2b, sha1_hex
from flake8_ssot.files import Refused, note_refused, not_regular
from flake8_ssot.index.discovery import Discovery, read_project_file, stat_all
from flake8_ssot.index.records import (ClassFacts, ClassRecord, ImportFacts, ModuleFacts,
                                       module_facts, parse)
from flake8_ssot.index.store import (WARM, Row, Store, classes_sharing, decode_classes,
                                     encode_classes, is_database_file, stamp_fields,
                                     stamp_of)
from flake8_ssot.syntax import module_names

# How many re-exports (``from .engine import Engine`` in a package ``__init__``) resolve_class
# follows: enough for any sane layout, and a bound on an import cycle.
_MAX_HOPS = 6
_FACTS = "facts"  # the entries namespace of ModuleFacts, keyed by content hash
# Names looked up one query at a time before every saved row is read at once instead: a
# one-file run asks about tens of names (a query costs ~20 us; reading and indexing the rows of
# 5,000 files ~25 ms), a whole run about thousands.
_LOOKUPS_BEFORE_FULL_READ = 500
# Entries waiting for their write, kept across writes another process's lock made skip (the
# next checked file's write takes them), dropped past this many characters: a later run
# computes them again.
_PENDING_LIMIT = 4_000_000


def _sorted_unique(paths: Sequence[str]) -> list[str]:
    """*paths* sorted, each once. Sorted lists, searched by bisection, stand for the sets of a
    project's paths: a set of 5,000 paths costs 256 KiB more, on every one-file run."""
    ordered = sorted(paths)
    if any(map(operator.eq, ordered, itertools.islice(ordered, 1, None))):
        ordered = sorted(set(ordered))
    return ordered


def _contains(ordered: Sequence[str], path: str) -> bool:
    at = bisect.bisect_left(ordered, path)
    return at < len(ordered) and ordered[at] == path


class ClassDefinition(NamedTuple):
    name: str
    path: str  # relative to the project root, POSIX separators
    line: int
    col: int


class ProjectIndex:
    """Module-level class definitions of every Python file of one project.

    Built by ``ProjectIndex.build`` (or the per-run memo ``project_index``); the constructor
    only takes what was read. Rows that are current in the store (*stored*: their files are
    unchanged since they were saved) are read from it when a question first needs them: a run
    on one file reads the rows defining the names it asks about, not the project's.
    """

    def __init__(self, root: str, files: Sequence[str], rows: Sequence[tuple],
                 store: Store | None = None, cache_problem: str = "", stored: Sequence[str] = (),
                 generation: int | None = None):
        """*rows*: ``Row``s read or made by ``build``. *generation*: the store's generation of
        rows (``Store.generation``) when every listed file's row was found current in it."""
        self.root = root
        self.files = tuple(_sorted_unique(files))
        self.cache_problem = cache_problem
        self._store = store if store is not None and store.connection is not None else None
        # What this run's rows are, as one number: the same generation in a later run means the
        # same rows, the same listed files with the same contents (every write of rows moves it
        # on, and it never comes back). None: not known (a cold run, a file rescanned or
        # removed, no cache). ``cache_put``'s *generation* keeps results made from these rows.
        self.generation = generation if self._store is not None else None
        # Paths whose current row is in the store, sorted (a list, not a set: 40 KiB, not 300,
        # for 5,000 files), and those of them read already.
        self._stored = _sorted_unique(stored)
        self._read: set[str] = set()
        self._lookups = 0
        self._paths_by_name: dict[str, list[str]] = {}
        self._encoded: dict[str, str] = {}  # path -> classes, as stored
        self._hashes: dict[str, str] = {}  # path -> sha1 of the content the row was made from
        self._decoded: dict[str, dict[str, list[ClassRecord]]] = {}  # path -> name -> records
        self._module_paths: dict[str, str] | None = None
        self._ancestors: dict[str, frozenset[str]] = {}
        self._facts: dict[str, ModuleFacts | None] = {}
        # Entries waiting for save, and those a caller asked to keep for the whole run (what
        # every checked file reads again, such as an imported module's summary): keyed by
        # content hashes, so never stale.
        self._pending: dict[tuple[str, str], str] = {}
        self._kept: dict[tuple[str, str], str] = {}
        self._run_memos: dict[str, dict] = {}
        for row in rows:
            self._add_row(row)

    @classmethod
    def build(cls, root: str, files: Sequence[str] | Discovery,
              cache_dir: str | None) -> ProjectIndex:
        """The index of *root* from the cache in *cache_dir* (None: memory only), rescanning
        what changed. *files*: the project's files, or a ``Discovery`` that lists them (reusing
        the listing saved in the cache while it is still valid)."""
        tracked = [path for path in (files.tracked_cache_files()
                                     if isinstance(files, Discovery) else ())
                   if is_database_file(path)]
        store = Store(cache_dir, refused=tracked and (
            f"{tracked[0]} is tracked by git: a cache that came with the repository is never "
            f"read (git rm --cached it)"))
        listing = None
        if isinstance(files, Discovery):
            listing = files.listing(store.listing())
            files = listing.files
        listed = _sorted_unique(files)
        # The warm path: when the stamps of all listed files hash to the digest saved in this
        # generation of the rows (no row written or removed since every stamp was found equal
        # to its row's), every row is current without reading one stamp from sqlite.
        generation = store.generation() if listing is None or listing.reused else None
        numbers = None  # every file's stamp now, when all are regular files: stated once a run
        if generation is not None:
            numbers = _stamp_numbers(stat_all(root, listed))
            digest = _digest(listed, numbers) if numbers is not None else None
            if digest is not None and store.get(WARM, "stamps") == f"{generation} {digest}" \
                    and store.generation() == generation:  # no rows written meanwhile
                return cls(root, listed, [], store, store.problem, listed, generation)
        stored: list[str] = []
        compared: list[int] = []  # the stamps compared, for the digest
        stale: dict[str, os.stat_result] = {}
        removed: list[str] = []
        # Files and stamps are both ordered by path: one merge, nothing held but its results.
        # A stamp passed over is a removed file's, unless the two orders disagree (a path
        # sqlite sorts differently): then its file is only scanned again.
        stamps = store.stamps()
        stamp = next(stamps, None)
        for path, (now, stat) in zip(listed, _stamps_now(root, listed, numbers)):
            while stamp is not None and stamp[0] < path:
                if not _contains(listed, stamp[0]):
                    removed.append(stamp[0])
                stamp = next(stamps, None)
            saved = None
            if stamp is not None and stamp[0] == path:
                saved, stamp = stamp, next(stamps, None)
            if now is None:
                continue  # deleted since it was listed, or not a regular file
            if saved is not None and saved[1:] == now:
                stored.append(path)
                compared += now
                continue
            if stat is None:  # only its numbers were kept: the stat a rescan needs
                now, stat = _regular(root, path, next(stat_all(root, [path])))
            if stat is not None:
                stale[path] = stat
        rest = itertools.chain([stamp] if stamp is not None else [], stamps)
        removed += [path for path, *_ in rest if not _contains(listed, path)]
        new_listing = listing if listing is not None and not listing.reused else None
        current = (generation is not None and not stale and not removed
                   and len(stored) == len(listed))
        if current:
            # The digest of the very stats compared: a file changed since has another stamp.
            digest = _digest(listed, compared)
            if digest is not None:
                store.save_warm(digest, generation)
        rescanned = []
        if stale or removed or new_listing:
            rescanned = store.update(
                stale, removed, lambda path, saved: _row(root, path, saved, stale[path]),
                new_listing).values()
        return cls(root, listed, rescanned, store, store.problem, stored,
                   generation if current else None)

    # -- rows -------------------------------------------------------------------------------

    def _read_rows(self, paths) -> None:
        """Read the stored rows of *paths* not read yet."""
        self._load([path for path in dict.fromkeys(paths) if self._is_unread(path)])

    def _read_all_rows(self) -> None:
        self._load([path for path in self._stored if path not in self._read])

    def _is_unread(self, path: str) -> bool:
        return _contains(self._stored, path) and path not in self._read

    def _load(self, paths: list[str]) -> None:
        """Read the rows of stored *paths*, none read yet; a file whose row the store cannot
        give (the store failed, or another process removed it) is scanned again."""
        if not paths:
            return
        self._read.update(paths)
        rows = self._store.rows(paths) if self._store is not None else {}
        for path in paths:
            self._add_row(rows.get(path) or _row(self.root, path))

    def _paths_named(self, name: str) -> list[str]:
        """The files whose text scan found a module-level class *name*, reading their rows."""
        if len(self._read) < len(self._stored):
            self._lookups += 1
            found = (self._store.paths_defining(name) if self._store is not None
                     and self._lookups <= _LOOKUPS_BEFORE_FULL_READ else None)
            if found is None:
                self._read_all_rows()
            else:
                self._read_rows(found)
        return self._paths_by_name.get(name, [])

    def _add_row(self, row: Row) -> None:
        self._add(row.path, row.sha1, row.names, row.classes)

    def _add(self, path: str, sha1, names, encoded) -> None:
        if not (type(names) is str and type(encoded) is str and type(sha1) is str):
            return  # a tampered row: ignore it rather than trust it
        if sha1:  # empty: the file could not be read when it was scanned
            self._hashes[path] = sha1
        if not names:
            return
        for name in set(names.split()):
            self._paths_by_name.setdefault(name, []).append(path)
        self._encoded[path] = encoded

    def _classes_of(self, path: str) -> dict[str, list[ClassRecord]]:
        """name -> the file's module-level classes of that name, decoded once per file."""
        classes = self._decoded.get(path)
        if classes is None:
            self._read_rows([path])
            classes = {}
            try:
                records = decode_classes(self._encoded.get(path, ""))
            except ValueError:
                records = []  # a tampered row: ignore it rather than trust it
            for record in records:
                classes.setdefault(record.name, []).append(record)
            self._decoded[path] = classes
        return classes

    # -- classes ----------------------------------------------------------------------------

    def definitions(self, name: str, keep: Callable[[ClassDefinition], bool] | None = None
                    ) -> list[ClassDefinition]:
        """Module-level definitions of *name* for which ``keep(definition)`` holds, as the scan
        recorded them (a file is never parsed again to confirm them: see ``scan_classes`` for
        what a file that does not parse defines)."""
        return [definition for definition, _ in self.scanned(name, keep)]

    def adopt_buffer(self, path: str, text: str, facts: ModuleFacts) -> None:
        """The checked file's facts, built from flake8's tree: when the buffer is the content
        the index scanned, they are the file's (kept, and saved under its content hash), so a
        check of another file asking whether a class of this one extends another does not
        parse it again."""
        if path in self._facts:
            return
        self._read_rows([path])
        sha1 = self._hashes.get(path)
        if sha1 is None or sha1_hex(text.encode("utf-8", "surrogatepass")) != sha1:
            return  # unsaved edits, or an encoding other than UTF-8: the disk's copy differs
        self._facts[path] = facts
        if self.cache_get(_FACTS, sha1) is None:
            self.cache_put(_FACTS, sha1, _facts_to_json(facts))

    def save(self) -> None:
        """Save the entries put since the last call, in one transaction. A write another
        process's lock made skip is tried again at the next call; the next run reuses what was
        saved and computes the rest again."""
        if self._store is None or not self._pending:
            return
        entries = [(namespace, key, text) for (namespace, key), text in self._pending.items()]
        busy = self._store.save(entries=entries)
        if busy and sum(len(text) for text in self._pending.values()) <= _PENDING_LIMIT:
            return  # kept for the next call
        self._pending = {}

    # -- what each class is (kind, bases, members), as stored at scan time --------------------
    #
    # A ``ClassRecord`` carries what a class IS: ``kind`` (one of ``records.KINDS``: "orm",
    # "model", "protocol", "typeddict", "namedtuple", "enum", "exception", "abc", "dataclass",
    # "plain"), ``bases`` (last components as written), ``methods`` (public defs), ``fields``
    # (public names assigned or annotated in the body) and ``fallback`` (defined under ``except
    # ImportError``). They come from the text scan (or ``ast`` where the scan defers to it), so
    # reading them parses nothing.

    def scanned(self, name: str, keep: Callable[[ClassDefinition], bool] | None = None
                ) -> list[tuple[ClassDefinition, ClassRecord]]:
        """``(definition, record)`` of every module-level class *name* the scan found, for which
        ``keep(definition)`` holds."""
        found = []
        for path in self._paths_named(name):
            for record in self._classes_of(path).get(name, ()):
                definition = ClassDefinition(name, path, record.line, record.col)
                if keep is None or keep(definition):
                    found.append((definition, record))
        return found

    def records_named(self, name: str) -> list[ClassRecord]:
        """The stored records of every module-level class *name* (as ``scanned``)."""
        return [record for _, record in self.scanned(name)]

    def record(self, definition: ClassDefinition) -> ClassRecord | None:
        """The stored record of *definition* (None when the index has no such class)."""
        for record in self._classes_of(definition.path).get(definition.name, ()):
            if record.line == definition.line:
                return record
        return None

    def defining_paths(self, name: str) -> tuple[str, ...]:
        """The files whose text scan found a module-level class *name*."""
        return tuple(self._paths_named(name))

    def class_names(self) -> frozenset[str]:
        """Every class name defined at module level somewhere in the project."""
        self._read_all_rows()
        return frozenset(name for name, paths in self._paths_by_name.items() if paths)

    def classes(self, path: str) -> list[ClassRecord]:
        """The module-level classes of project file *path* as the scanner saw them."""
        return [record for records in self._classes_of(path).values() for record in records]

    def classes_sharing(self, methods: frozenset, at_least: int
                        ) -> dict[tuple[str, str, int], int]:
        """``(class name, path, line) -> shared`` for the project's classes declaring at least
        *at_least* of *methods*: one pass over the rows, none decoded."""
        found = {}
        self._read_all_rows()
        for path, encoded in self._encoded.items():
            try:
                classes = classes_sharing(encoded, methods, at_least)
            except ValueError:
                continue  # a tampered row: ignore it rather than trust it
            found.update(((name, path, line), shared) for name, line, shared in classes)
        return found

    def ancestors(self, name: str) -> frozenset[str]:
        """The base names project class *name* inherits from, directly or through other project
        classes (by the last component of each base as written), over all its definitions."""
        found = self._ancestors.get(name)
        if found is None:
            ancestors: set[str] = set()
            pending = [name]
            while pending:
                current = pending.pop()
                for path in self._paths_named(current):
                    for record in self._classes_of(path).get(current, ()):
                        new = set(record.bases) - ancestors - {name}
                        ancestors |= new
                        pending += new
            found = self._ancestors[name] = frozenset(ancestors)
        return found

    # -- modules ----------------------------------------------------------------------------

    def module_paths(self) -> dict[str, str]:
        """Dotted module name -> project file, for resolving imports (computed once)."""
        if self._module_paths is None:
            paths: dict[str, str] = {}
            for path in self.files:  # sorted: every process resolves a clash alike
                for name in sorted(module_names(path), key=len, reverse=True):
                    paths.setdefault(name, path)
            self._module_paths = paths
        return self._module_paths

    def read(self, path: str) -> bytes | None:
        """The bytes of project file *path* (relative to the root); None for anything but a
        regular file below the root."""
        read = read_project_file(self.root, path)
        return None if read is None else read[0]

    def content_hash(self, path: str) -> str | None:
        """sha1 of the file's bytes (from its row when the row is current), once per run."""
        self._read_rows([path])
        sha1 = self._hashes.get(path)
        if sha1 is None:
            data = self.read(path)
            if data is None:
                return None
            sha1 = self._hashes[path] = sha1_hex(data)
        return sha1

    def facts(self, path: str) -> ModuleFacts | None:
        """The classes and imports of project file *path* from ``ast``, computed once per file
        content (kept in the store); None for a file that cannot be read or parsed."""
        return self.facts_of([path])[path]

    def facts_of(self, paths) -> dict[str, ModuleFacts | None]:
        """``facts`` of many files; new ones go to the store with the checked file's write."""
        found = {}
        for path in paths:
            if path not in self._facts:
                self._facts[path] = self._compute_facts(path)
            found[path] = self._facts[path]
        return found

    def _compute_facts(self, path: str) -> ModuleFacts | None:
        sha1 = self.content_hash(path)
        if sha1 is None:
            return None
        facts = _facts_from_json(self.cache_get(_FACTS, sha1))
        if facts is None:
            data = self.read(path)
            tree = parse(data) if data is not None else None
            if tree is not None:
                facts = module_facts(tree, path)
                self.cache_put(_FACTS, sha1, _facts_to_json(facts))
        return facts

    def resolve_class(self, path: str, dotted: str, facts: ModuleFacts | None = None,
                      hops: int = 0) -> ClassDefinition | None:
        """The project class a name written in module *path* refers to (``Engine``,
        ``engine.Engine``, ``pkg.engine.Engine``): defined there, or imported into it,
        following re-exports. None when it is not a project class. *facts*: the module's own,
        when they are not the disk's (an editor buffer)."""
        facts = facts or self.facts(path)
        if facts is None or hops > _MAX_HOPS:
            return None
        head, _, rest = dotted.partition(".")
        if not rest:
            for found in facts.classes:
                if found.name == dotted:
                    return ClassDefinition(found.name, path, found.line, found.col)
        modules = self.module_paths()
        star_imports = []
        for imported in reversed(facts.imports):  # the last binding of a name wins
            if imported.name == "*":
                star_imports.append(imported.module)
                continue
            if imported.name is None:
                if imported.asname == head:  # import pkg.mod as head
                    return self._resolve_in_module(f"{imported.module}.{rest}", hops)
                if imported.asname is None and (imported.module == dotted.rpartition(".")[0]):
                    return self._resolve_in_module(dotted, hops)  # import pkg.mod; pkg.mod.X
                continue
            if (imported.asname or imported.name) != head:
                continue
            submodule = f"{imported.module}.{imported.name}"
            if submodule in modules:  # from pkg import mod; mod.X
                return self._resolve_in_module(f"{submodule}.{rest}", hops) if rest else None
            if rest:
                return None  # an attribute of a class: not a class the index knows
            target = modules.get(imported.module)
            return target and self.resolve_class(target, imported.name, hops=hops + 1)
        if rest:
            return self._resolve_in_module(dotted, hops)  # written fully qualified
        for module in star_imports:
            target = modules.get(module)
            found = target and self.resolve_class(target, dotted, hops=hops + 1)
            if found:
                return found
        return None

    def _resolve_in_module(self, dotted: str, hops: int) -> ClassDefinition | None:
        module, _, name = dotted.rpartition(".")
        target = self.module_paths().get(module)
        return None if target is None else self.resolve_class(target, name, hops=hops + 1)

    # -- derived data -----------------------------------------------------------------------

    def run_memo(self, name: str) -> dict:
        """A dict that lives as long as this run's index: what a rule works out once per run
        and reuses for every file it checks (a new run, a new index: nothing outlives it)."""
        return self._run_memos.setdefault(name, {})

    def cache_get(self, namespace: str, key: str, keep: bool = False) -> Any:
        """The JSON value saved under *key*; None when absent, unreadable or the cache is off.
        *keep*: what this run reads again and again, kept in memory until the run ends."""
        entry = (namespace, key)
        text = self._kept.get(entry) or self._pending.get(entry)
        if text is None and self._store is not None:
            text = self._store.get(namespace, key)
            if text is not None and keep:
                self._kept[entry] = text
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None  # a corrupt entry is a miss

    def cache_put(self, namespace: str, key: str, value: Any, keep: bool = False) -> None:
        """Save a JSON value under *key* at the next ``save``; best effort (a busy or read-only
        cache skips it). *keep*: as for ``cache_get``, also when there is no cache at all."""
        text = json.dumps(value)
        if keep:
            self._kept[(namespace, key)] = text
        if self._store is not None:
            self._pending[(namespace, key)] = text


def _stamp_numbers(stats) -> list[int] | None:
    """The stamps of the files whose ``stats`` are given (four numbers each, in order); None
    when a file is missing or is not a regular file (each file is then looked at alone)."""
    numbers: list[int] = []
    for stat in stats:  # (the loop a warm one-file run makes over every project file)
        if stat is None or not S_ISREG(stat.st_mode):
            return None
        numbers += stamp_fields(stat)
    return numbers


def _stamps_now(root: str, listed: Sequence[str], numbers: list[int] | None):
    """``(stamp, stat)`` of each listed file now: from *numbers* when the digest's pass kept
    them (the stat then None: a file whose stamp matches its row needs nothing else), else
    from a ``stat`` of each; ``(None, None)`` for a file gone or not regular."""
    if numbers is not None:
        for start in range(0, len(numbers), 4):
            yield tuple(numbers[start:start + 4]), None
        return
    for path, stat in zip(listed, stat_all(root, listed)):
        yield _regular(root, path, stat)


def _regular(root: str, path: str, stat: os.stat_result | None):
    """``(stamp, stat)`` of a regular file; ``(None, None)`` for one gone, or not regular (a
    FIFO or device named *.py is noted and never opened; a directory so named is no file)."""
    if stat is None:
        return None, None
    if not S_ISREG(stat.st_mode):
        if not S_ISDIR(stat.st_mode):
            note_refused(Refused(os.path.join(root, path), not_regular(stat.st_mode)))
        return None, None
    return stamp_fields(stat), stat


def _digest(listed: Sequence[str], numbers: list[int]) -> str | None:
    """The digest of *listed* and their stamps' *numbers*, packed in 8 bytes each (at once:
    an array extended file by file cost ~3,000 instructions a file); None past 64 bits (an
    inode number past 2**63: the stamps are then compared one by one)."""
    try:
        packed = array("q", numbers)
    except OverflowError:
        return None
    digest = blake2b("\0".join(listed).encode("utf-8", "surrogatepass"), digest_size=16)
    digest.update(packed.tobytes())
    return digest.hexdigest()


def _row(root: str, path: str, saved: Row | None = None,
         stat: os.stat_result | None = None) -> Row:
    """*path*'s row from its content: *saved*'s (under a new stamp) when the content is the one
    it was made from, else scanned. An mtime, size, inode or ctime that changed costs a hash,
    not a scan; a content that changed under an unchanged mtime and size (``cp -a``, then an
    edit with the mtime put back) is seen by the inode or ctime. *stat*: the listing's, the
    stamp of a file that cannot be read."""
    read = read_project_file(root, path)
    if read is None:
        return Row(*(stamp_of(path, stat) if stat is not None else (path, 0, 0, 0, 0)),
                   "", "", "")
    data, stat = read
    sha1 = sha1_hex(data)
    if saved is not None and saved.sha1 == sha1:
        return Row(*stamp_of(path, stat), *saved[5:])
    from flake8_ssot.index.scanner import scan_classes  # (loaded only for a file to scan)
    return Row(*stamp_of(path, stat), sha1, *encode_classes(scan_classes(data)))


def _facts_to_json(facts: ModuleFacts) -> list:
    return [[list(map(_jsonable, c)) for c in facts.classes], [list(i) for i in facts.imports]]


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


def _facts_from_json(value) -> ModuleFacts | None:
    """Facts saved by ``_facts_to_json``; None for anything else (a corrupt or foreign entry)."""
    try:
        classes, imports = value
        facts = ModuleFacts(
            tuple(ClassFacts(name, line, col, end, tuple(bases), tuple(methods), tuple(decos))
                  for name, line, col, end, bases, methods, decos in classes),
            tuple(ImportFacts(module, name, asname, line)
                  for module, name, asname, line in imports))
    except (TypeError, ValueError):
        return None
    strings = [c.name for c in facts.classes] + [i.module for i in facts.imports]
    strings += [s for c in facts.classes for s in (*c.bases, *c.methods, *c.decorators)]
    strings += [s for i in facts.imports for s in (i.name, i.asname) if s is not None]
    numbers = [n for c in facts.classes for n in c[1:4]] + [i.line for i in facts.imports]
    if all(type(s) is str for s in strings) and all(type(n) is int for n in numbers):
        return facts
    return None


_INDEXES: dict[tuple, ProjectIndex] = {}
_RUN = [0]  # bumped by begin_run; an index built in an earlier run is revalidated


def begin_run() -> None:
    """A new flake8 run starts (the plugin's ``parse_options``): the next ``project_index``
    revalidates against the disk, so a long-lived process (an editor running flake8 through
    runpy) sees files added, changed or deleted since its last run."""
    _RUN[0] += 1


def project_index(root: str, excludes: Sequence[str] = (), cache_dir: str = "",
                  use_cache: bool = True) -> ProjectIndex:
    """The index of *root*, built (or revalidated from the cache) once per run."""
    key = (root, tuple(excludes), cache_dir, use_cache, _RUN[0])
    index = _INDEXES.get(key)
    if index is None:
        for stale in [k for k in _INDEXES if k[:4] == key[:4]]:
            del _INDEXES[stale]
        cache_path = os.path.join(root, cache_dir) if use_cache and cache_dir else None
        index = _INDEXES[key] = ProjectIndex.build(root, Discovery(root, excludes, cache_dir),
                                                   cache_path)
    return index
