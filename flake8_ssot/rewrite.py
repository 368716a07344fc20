"""Rewriting one file: the linter's write records, the forms table's conditions, text edits.

The fixer does not look for writes itself. The SOT1xx pass (``rules.mutation``) runs on the file
with the project's settings and context rules and hands over its ``forms.Write`` records; each
record's row in the forms table says which helper replaces it, in which argument order, and which
conditions (``CONDITIONS``) make the rewrite safe. So the fixer rewrites exactly what the linter
reports, and after the fix the rewritten sites are silent.

A rewrite is spliced into the source text: only the statement (or, for a call, its head up to the
opening parenthesis) is replaced, the receiver, key and value are copied as written, so comments,
quotes and layout elsewhere come back byte for byte. A site is rewritten only where ``self`` has
the helper: the enclosing class, through its bases across modules, defines it (``helpers``). Every
other site is listed as a manual change with the reason.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from typing import Callable, NamedTuple, Sequence

from flake8_ssot.files import split_lines
from flake8_ssot.forms import Write
from flake8_ssot.index import module_facts
from flake8_ssot.project import Project
from flake8_ssot.rules import mutation
from flake8_ssot.syntax import statement_fields


class Site(NamedTuple):
    line: int
    code: str
    reason: str = ""  # why it needs a manual change; "" when rewritten
    helper: str = ""  # the helper it was rewritten to


class FileResult(NamedTuple):
    path: str
    original: bytes
    fixed: bytes
    rewritten: tuple = ()
    manual: tuple = ()
    error: str = ""
    baselined: int = 0  # sites the baseline accepts, left as they are

    @property
    def changed(self) -> bool:
        return not self.error and self.fixed != self.original


class Edit(NamedTuple):
    start: int  # byte offsets in the UTF-8 text
    end: int
    text: bytes


# -- the source as UTF-8 bytes, where ast's offsets live ------------------------------------------

class Source:
    def __init__(self, text: str):
        self.text = text
        self.data = text.encode("utf-8")
        self.line_starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.comments = self._comments()

    def offset(self, line: int, col: int) -> int:
        return self.line_starts[line - 1] + col

    def start(self, node) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node) -> bytes:
        return self.data[self.start(node):self.end(node)]

    def _comments(self) -> list[int]:
        lines = split_lines(self.text)  # numbered as ast numbers them, where line_starts are
        # Each line break as "\n" for the tokenizer (a lone "\r" is one to ast, not to it);
        # the columns before it are the same.
        endings = [line.rstrip("\r\n") + "\n" if line.endswith(("\r", "\n")) else line
                   for line in lines]
        found = []
        try:
            for token in tokenize.generate_tokens(iter(endings).__next__):
                if token.type == tokenize.COMMENT:
                    line, col = token.start
                    found.append(self.offset(line, len(lines[line - 1][:col].encode("utf-8"))))
        except (tokenize.TokenError, SyntaxError, IndexError):
            pass
        return found

    def comments_within(self, start: int, end: int) -> list[int]:
        return [offset for offset in self.comments if start <= offset < end]


def _argument(node, written: bytes) -> bytes:
    """``m[k] = 1, 2`` stores a tuple: as an argument it needs its parentheses."""
    if isinstance(node, (ast.Tuple, ast.Yield, ast.YieldFrom)) and not written.startswith(b"("):
        return b"(" + written + b")"
    return written


def _has_effects(node) -> bool:
    return node is not None and any(
        isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr))
        for n in ast.walk(node))


def _is_empty_list(node) -> bool:
    return (isinstance(node, ast.List) and not node.elts) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "list"
        and not node.args and not node.keywords)


# -- the conditions of the forms table ------------------------------------------------------------

class FileFixer:
    """Turns one file's write records into edits, or into reasons they need a person."""

    def __init__(self, project: Project, source: Source, tree: ast.Module, path: str | None):
        self.project = project
        self.settings = project.settings
        self.source = source
        self.path = path
        self.facts = module_facts(tree, path or "")
        attributes = self.settings.metadata_attributes
        self.helpers_attribute = attributes[0] if attributes else "metadata"
        self._roles: dict = {}

    def helper_roles(self, class_name: str) -> tuple[dict, dict]:
        if class_name not in self._roles:
            self._roles[class_name] = self.project.helpers.roles_of(self.path, class_name,
                                                                    self.facts)
        return self._roles[class_name]

    def _direct(self, write: Write) -> str | None:
        if write.alias:
            return (f"writes through the alias `{write.target}`: call the helper on the context "
                    "itself")
        return None

    def _helper_attribute(self, write: Write) -> str | None:
        if write.attribute != self.helpers_attribute:
            return (f"the helpers write `.{self.helpers_attribute}`; `.{write.attribute}` has no "
                    "helper")
        return None

    def _in_helper_method(self, write: Write) -> str | None:
        role = write.form.role
        name = self.settings.helper(role)
        if not name:
            return f"no helper is configured for this (ssot-{role}-helper is empty)"
        if write.method is None:
            return (f"not directly in a method of a class that has the helpers "
                    f"(self.{name} is not there)")
        class_node, _ = write.method
        roles, own = self.helper_roles(class_node.name)
        if own:
            methods = ", ".join(sorted(self.settings.helper(r) for r in own))
            return (f"the class implements helpers itself ({methods}): a helper call here "
                    "could recurse")
        if role in roles:
            return None
        if roles:
            holder = next(iter(roles.values()))
            return f"{holder} has no {name}: add it first (`flake8-ssot helpers` prints it)"
        return (f"not in a class that has the helpers: {class_node.name} inherits no helper "
                f"class (self.{name} is not there)")

    def _one_target(self, write: Write) -> str | None:
        statement = write.statement
        if isinstance(statement, ast.Assign) and (
                len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Subscript)):
            return "several targets in one assignment"
        if isinstance(statement, ast.Delete) and len(statement.targets) != 1:
            return "several targets in one `del`"
        return None

    def _one_key(self, write: Write) -> str | None:
        if write.key is None or isinstance(write.key, ast.Slice):
            return "not a single key"
        return None

    def _evaluation_order(self, write: Write) -> str | None:
        if isinstance(write.statement, ast.Assign) and _has_effects(write.key) \
                and _has_effects(write.value):
            # `m[k()] = v()` calls v() first; the helper call would call k() first.
            return ("the key and the value both call something, and the helper call would "
                    "evaluate them in the other order")
        return None

    def _whole_statement(self, write: Write) -> str | None:
        statement = write.statement
        if isinstance(statement, ast.Expr) and statement.value is write.call:
            return None
        if write.form.name == "pop":
            return "the value of .pop() is used; read it with the get helper, then remove the key"
        return f"the result of .{write.call.func.attr}() is used; a helper call returns nothing"

    def _one_positional_argument(self, write: Write) -> str | None:
        call = write.call
        starred = any(isinstance(argument, ast.Starred) for argument in call.args)
        if len(call.args) == 1 and not call.keywords and not starred:
            return None
        return "not a call with exactly one positional argument"

    def _no_arguments(self, write: Write) -> str | None:
        return None if not write.call.args and not write.call.keywords else \
            "called with arguments"

    def _pop_default_unused(self, write: Write) -> str | None:
        call = write.call
        if call.keywords or not 1 <= len(call.args) <= 2 or any(
                isinstance(a, ast.Starred) for a in call.args):
            return "not .pop(key) or .pop(key, default)"
        if len(call.args) == 2 and _has_effects(call.args[1]):
            return "the default of .pop() calls something"
        return None

    def _source_is_another_context(self, write: Write) -> str | None:
        if self.source.segment(write.source) == self.source.segment(write.receiver):
            return ("it replaces the context's dict with a copy of itself; propagating would "
                    "keep the old dict")
        return None

    def _no_comment_lost(self, write: Write) -> str | None:
        return None  # checked on the edit itself (``_edit``), where the kept parts are known

    def reason_not_to_rewrite(self, write: Write) -> str | None:
        form = write.form
        if not form.role:
            return _MANUAL_REASONS[form.name]
        for name in form.conditions:
            reason = CONDITIONS[name](self, write)
            if reason:
                return reason
        return None

    # -- edits ----------------------------------------------------------------------------

    def _value_text(self, write: Write) -> bytes:
        """The value as written; for an assignment, from after ``=`` to the statement's end,
        so its parentheses and the comments inside them come along."""
        statement, value, source = write.statement, write.value, self.source
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            target = statement.targets[0] if isinstance(statement, ast.Assign) \
                else statement.target
            gap_start, gap_end = source.end(target), source.start(value)
            operator = source.data.find(b"=", gap_start, gap_end)
            if isinstance(statement, ast.AnnAssign):
                operator = source.data.rfind(b"=", gap_start, gap_end)
            if operator >= 0:
                return source.data[operator + 1:source.end(statement)].strip()
        return source.segment(value)

    def _stored_value(self, write: Write) -> bytes:
        """``x.model_dump(mode="json")`` is what a converting helper does itself: pass ``x``."""
        value = write.value
        helper = self.settings.helper(write.form.role)
        if (write.form.value_role == "value" and helper in self.settings.converting_helpers
                and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                and value.func.attr == "model_dump" and not value.args
                and len(value.keywords) == 1 and value.keywords[0].arg == "mode"
                and isinstance(value.keywords[0].value, ast.Constant)
                and value.keywords[0].value.value == "json"):
            return self.source.segment(value.func.value)
        return _argument(value, self._value_text(write))

    def _arguments(self, write: Write) -> list[bytes]:
        parts = {
            "receiver": lambda: self.source.segment(write.receiver),
            "key": lambda: _argument(write.key, self.source.segment(write.key)),
            "value": lambda: self._stored_value(write),
            "source": lambda: self.source.segment(write.source),
        }
        return [parts[name]() for name in write.form.arguments]

    def edit(self, write: Write) -> tuple[Edit | None, str]:
        """The edit for *write*, or the reason a comment would be lost."""
        source = self.source
        helper = self.settings.helper(write.form.role).encode("ascii", "replace")
        arguments = self._arguments(write)
        statement = write.statement
        call = write.call
        if call is not None and write.form.name in ("update", "append", "extend"):
            # Only the head is replaced: ``ctx.metadata.update(`` -> ``self.helper(ctx, ``;
            # the arguments and everything inside the parentheses stay as written.
            paren = source.data.find(b"(", source.end(call.func))
            start, end = source.start(statement), paren + 1
            kept = [write.receiver] + ([write.key] if write.key is not None else [])
            after = source.data[end:source.end(call)]
            separator = b"," if after[:1] in (b"\n", b"\r") or after.lstrip(b" \t")[:1] in (
                b"\n", b"\r", b"#") else b", "
            text = b"self." + helper + b"(" + b", ".join(arguments[:len(kept)]) + separator
        else:
            start, end = source.start(statement), source.end(statement)
            kept = [node for node in (write.receiver, write.key, write.value, write.source)
                    if node is not None]
            text = b"self." + helper + b"(" + b", ".join(arguments) + b")"
        lost = [offset for offset in source.comments_within(start, end)
                if not any(source.start(node) <= offset < source.end(node) for node in kept)
                and not self._in_value_text(write, offset)]
        if lost:
            return None, "a comment inside the statement would be lost"
        return Edit(start, end, text), ""

    def _in_value_text(self, write: Write, offset: int) -> bool:
        if write.value is None or "value" not in write.form.arguments:
            return False
        value_text = self._value_text(write)
        at = self.source.data.find(value_text, self.source.start(write.statement))
        return at <= offset < at + len(value_text)


_MANUAL_REASONS = {
    "insert": "insert()/remove() on a metadata list have no helper",
    "list-remove": "insert()/remove() on a metadata list have no helper",
    "augment": "only `+=` of a number (the counter helper) or of a list (the extend helper) "
               "has a helper, and this one is neither or cannot be told apart",
    "popitem": "popitem() removes an arbitrary key; no helper does that",
    "setdefault": "setdefault() stores and returns the entry: read it with the get helper and "
                  "store it with the store helper",
    "nested": "a nested write: read the entry, change a copy, store it with the store helper",
    "replace": "replaces metadata with something that is not a copy of another context's "
               "metadata",
}

CONDITIONS: dict[str, Callable[[FileFixer, Write], str | None]] = {
    "direct": FileFixer._direct,
    "helper-attribute": FileFixer._helper_attribute,
    "in-helper-method": FileFixer._in_helper_method,
    "no-comment-lost": FileFixer._no_comment_lost,
    "one-target": FileFixer._one_target,
    "one-key": FileFixer._one_key,
    "evaluation-order": FileFixer._evaluation_order,
    "whole-statement": FileFixer._whole_statement,
    "one-positional-argument": FileFixer._one_positional_argument,
    "no-arguments": FileFixer._no_arguments,
    "pop-default-unused": FileFixer._pop_default_unused,
    "source-is-another-context": FileFixer._source_is_another_context,
}


# -- the `if key not in ctx.metadata: ctx.metadata[key] = []` guard --------------------------------

def _following_statements(tree: ast.AST) -> dict[int, ast.stmt]:
    """id(statement) -> the statement right after it in the same block."""
    following = {}
    for node in ast.walk(tree):
        for field in statement_fields(node):
            block = getattr(node, field)
            for current, after in zip(block, block[1:]):
                following[id(current)] = after
    return following


def _guard_of(write: Write, parents: dict, source: Source) -> ast.If | None:
    """The ``if key not in M:`` whose only statement is *write* storing ``[]``."""
    guard = parents.get(id(write.statement))
    if not (write.form.name == "store" and _is_empty_list(write.value)
            and isinstance(guard, ast.If) and not guard.orelse and len(guard.body) == 1):
        return None
    test = guard.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.NotIn)
            and source.segment(test.left) == source.segment(write.key)
            and ast.unparse(test.comparators[0]) == write.target):
        return None
    return guard


def _whole_lines(node, source: Source) -> Edit | None:
    """Delete the lines *node* occupies, when nothing else shares them."""
    start, end = source.start(node), source.end(node)
    line_start = source.line_starts[node.lineno - 1]
    line_end = source.line_starts[node.end_lineno] if node.end_lineno < len(
        source.line_starts) else len(source.data)
    if source.data[line_start:start].strip() or source.data[end:line_end].strip():
        return None
    return Edit(line_start, line_end, b"")


# -- one file ---------------------------------------------------------------------------------

def encoding_of(data: bytes) -> str:
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


def _noqa_lines(text: str) -> dict[int, str | None]:
    """line -> the codes of its ``# noqa: ...`` (None for a bare ``# noqa``), flake8's syntax."""
    from flake8.defaults import NOQA_INLINE_REGEXP

    found = {}
    for number, line in enumerate(split_lines(text), start=1):
        match = NOQA_INLINE_REGEXP.search(line)
        if match:
            found[number] = match.group("codes")
    return found


def _suppressed(code: str, noqa: dict, first: int, last: int) -> bool:
    for line in range(first, last + 1):
        if line in noqa:
            codes = noqa[line]
            if codes is None or any(code.startswith(c) for c in re.split(r"[,\s]+", codes.upper())
                                    if c):
                return True
    return False


def _not_baselined(writes: list, text: str, accepted: Counter | None) -> tuple[list, int]:
    """*writes* less those *accepted* counts (flake8's baseline rule), and how many those are."""
    if not accepted:
        return writes, 0
    from flake8_ssot.baseline import fingerprint, normalised_statement

    lines = text.splitlines(True)
    remaining = Counter(accepted)
    left_alone = set()
    for write in sorted(writes, key=lambda w: (w.statement.lineno, w.statement.col_offset)):
        key = (write.form.code, fingerprint(normalised_statement(lines, write.statement.lineno)))
        if remaining[key] > 0:
            remaining[key] -= 1
            left_alone.add(id(write))
    return [write for write in writes if id(write) not in left_alone], len(left_alone)


def fix_source(data: bytes, project: Project, path: str | None = None,
               reported: Callable[[str], bool] = lambda code: True,
               accepted: Counter | None = None) -> FileResult:
    """Rewrite one file's source; never raises on bad input (the result carries ``error``).

    *path* is relative to the project root (None: not a project file); *reported* says whether
    flake8 would report a code in this file (``--select``, per-file-ignores); *accepted* counts
    the file's baseline entries, ``(code, fingerprint)``: the sites they accept are left alone,
    as flake8 leaves them unreported (the first copies of a repeated statement)."""
    name = path or "<source>"
    try:
        encoding = encoding_of(data)
        text = data.decode(encoding)
        tree = ast.parse(text)
    except SyntaxError as error:  # what flake8 reports as E999
        reason = f"syntax error at line {error.lineno} ({error.msg}), skipped"
        return FileResult(name, data, data, error=reason)
    except (UnicodeDecodeError, LookupError, ValueError) as error:
        return FileResult(name, data, data, error=f"cannot decode, skipped ({error})")
    except (RecursionError, MemoryError):
        return FileResult(name, data, data, error="nested too deeply, skipped")
    settings = project.settings
    visitor = mutation.check(tree, settings, project.context_rules)
    noqa = _noqa_lines(text)
    writes = [w for w in visitor.writes if reported(w.form.code) and not _suppressed(
        w.form.code, noqa, w.statement.lineno, w.statement.end_lineno)]
    writes, baselined = _not_baselined(writes, text, accepted)
    if not writes:
        return FileResult(name, data, data, baselined=baselined)
    source = Source(text)
    fixer = FileFixer(project, source, tree, path)
    edits: list[Edit] = []
    rewritten: list[Site] = []
    manual: list[Site] = []
    done: dict[int, Write] = {}  # id(statement) -> its rewritten write
    for write in writes:
        reason = fixer.reason_not_to_rewrite(write)
        edit = None
        if reason is None:
            edit, reason = fixer.edit(write)
        if edit is None:
            manual.append(Site(write.statement.lineno, write.form.code, reason))
            continue
        edits.append(edit)
        done[id(write.statement)] = write
        rewritten.append(Site(write.statement.lineno, write.form.code,
                              helper=settings.helper(write.form.role)))
    edits = _drop_guards(tree, source, edits, done)
    fixed = apply_edits(source.data, edits)
    if any(write.form.name == "propagate" for write in done.values()):
        fixed = _drop_unused_copy_imports(tree, fixed)
    try:
        ast.parse(fixed)
    except SyntaxError as error:
        return FileResult(name, data, data, error=f"internal error: the rewrite does not parse "
                                                  f"({error}); left unchanged")
    if len(Source(fixed.decode("utf-8")).comments) != len(source.comments):
        return FileResult(name, data, data, error="internal error: the rewrite would lose a "
                                                  "comment; file left unchanged")
    return FileResult(name, data, fixed.decode("utf-8").encode(encoding),
                      tuple(sorted(rewritten)), tuple(sorted(manual)), baselined=baselined)


def _drop_guards(tree, source: Source, edits: list[Edit], done: dict) -> list[Edit]:
    """A guard whose list is now created by the list helper goes: its store edit is replaced by
    the deletion of the whole ``if``."""
    parents = {id(child): node for node in ast.walk(tree) if isinstance(node, ast.If)
               for child in node.body}
    following = _following_statements(tree)
    by_start = {edit.start: edit for edit in edits}
    for write in list(done.values()):
        guard = _guard_of(write, parents, source)
        if guard is None or source.comments_within(source.start(guard), source.end(guard)):
            continue
        after = done.get(id(following.get(id(guard))))
        if after is None or after.form.name not in ("append", "extend") \
                or after.target != write.target \
                or source.segment(after.key) != source.segment(write.key):
            continue
        deletion = _whole_lines(guard, source)
        if deletion is not None:
            by_start.pop(source.start(write.statement), None)
            by_start[deletion.start] = deletion
    return [by_start[start] for start in sorted(by_start)]


def _copy_names(tree) -> dict[int, set[str]]:
    """Module-level ``import copy`` / ``from copy import ...`` statements: line -> names bound."""
    found = {}
    for node in getattr(tree, "body", ()):
        if isinstance(node, ast.Import) and all(a.name == "copy" for a in node.names):
            found[node.lineno] = {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "copy" and not node.level:
            found[node.lineno] = {a.asname or a.name for a in node.names}
    return found


def _used_names(tree) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _drop_unused_copy_imports(tree, fixed: bytes) -> bytes:
    """An ``import copy`` that only served the copies rewritten into the propagate helper would
    be unused now (F401): its line goes. One that was unused already is not ours to remove."""
    used_before = _used_names(tree)
    fixed_tree = ast.parse(fixed)
    used_after = _used_names(fixed_tree)
    lines = fixed.splitlines(keepends=True)
    drop = {line for line, names in _copy_names(fixed_tree).items()
            if names & used_before and not names & used_after
            and fixed_tree.body and lines[line - 1].strip().startswith((b"import", b"from"))}
    if not drop:
        return fixed
    kept = [text for number, text in enumerate(lines, start=1) if number not in drop]
    # The blank line that separated the removed imports goes with them.
    first = min(drop) - 1
    if 0 < first < len(kept) and not kept[first].strip() and not kept[first - 1].strip():
        del kept[first]
    return b"".join(kept)


def apply_edits(data: bytes, edits: Sequence[Edit]) -> bytes:
    out, position = [], 0
    for edit in sorted(edits):
        if edit.start < position:
            continue  # overlapping (a write inside another's span): the outer one wins
        out += [data[position:edit.start], edit.text]
        position = edit.end
    out.append(data[position:])
    return b"".join(out)
