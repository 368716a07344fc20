"""``flake8-ssot fix``: rewrite direct metadata writes into the BaseAgent helper calls.

The rewrite runs on a libcst concrete syntax tree, so everything it does not touch (comments,
blank lines, quotes, odd formatting) comes back byte for byte.

Which statements are context metadata writes is decided by the linter itself: the SOT1xx pass
(``rules.mutation``) runs on the same file with the same settings, and a statement is only
rewritten where it reports the code matching the form. So receiver names, annotations and
aliases mean exactly what they mean to flake8, and after the fix the rewritten sites are silent.

A site is rewritten only when it is safe:

* it sits directly in a method whose first parameter is ``self``, of a class that has the helpers
  (a configured ``ssot-exempt-classes`` name, or a subclass of one, followed through the classes
  of the same file), so that ``self.<helper>`` exists;
* the helper does what the statement did (a ``.pop(k)`` whose value is used stays, ``md[k] = v``
  through an alias stays, ...);
* no comment inside the statement would be lost.

Every other SOT1xx finding is listed as "needs a manual change" with the reason.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import os
import re
import shutil
import sys
import tempfile
import tokenize
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_ssot import index as project_index
from flake8_ssot import options
from flake8_ssot.contexts import ContextRules
from flake8_ssot.rules import mutation

# flake8's own noqa syntax (flake8/defaults.py): a suppressed finding is neither fixed nor listed.
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][0-9]+(?:[,\s]+)?(?:[A-Z][0-9]+(?:[,\s]+)?)*))?", re.I)
_COPY_FUNCTIONS = frozenset({"copy", "deepcopy"})

# Why a finding was left alone, when the transformer did not record a more precise reason.
DEFAULT_REASONS = {
    "SOT101": "not a plain `context.metadata[key] = value` statement",
    "SOT102": "not a statement `.update(mapping)` with one positional argument",
    "SOT103": "insert()/remove() on a metadata list have no helper",
    "SOT104": "only `+=` maps to the counter helper",
    "SOT105": "the removed value is used (or popitem()); a helper call returns nothing",
    "SOT106": "clear() with arguments, or its result is used",
    "SOT107": "setdefault() stores and returns the entry: read it with the get helper and "
              "store it with the store helper",
    "SOT108": "a nested write: read the entry, change a copy, store it with the store helper",
    "SOT109": "replaces metadata with something that is not a copy of another context's metadata",
}


@dataclass
class Site:
    line: int
    code: str
    reason: str = ""


@dataclass
class FileResult:
    path: str
    original: bytes = b""
    fixed: bytes = b""
    rewritten: list = field(default_factory=list)  # [Site]
    manual: list = field(default_factory=list)  # [Site]
    error: str = ""

    @property
    def changed(self) -> bool:
        return not self.error and self.fixed != self.original


# -- small libcst helpers -------------------------------------------------------------------------

def _comments(node: cst.CSTNode) -> list[str]:
    return sorted(comment.value for comment in m.findall(node, m.Comment()))


def _single_index(subscript: cst.Subscript) -> cst.BaseExpression | None:
    """The key of ``X[key]`` (not a slice, not ``X[a, b]``)."""
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return None
    index = subscript.slice[0].slice
    return index.value if index.star is None else None


def _as_argument(value: cst.BaseExpression) -> cst.BaseExpression:
    """``m[k] = 1, 2`` stores a tuple: as an argument it needs its parentheses."""
    if isinstance(value, (cst.Tuple, cst.Yield)) and not value.lpar:
        return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return value


def _has_effects(node: cst.BaseExpression) -> bool:
    return bool(m.findall(node, m.Call() | m.Await() | m.Yield() | m.NamedExpr()))


def _plain_args(call: cst.Call, count: int) -> bool:
    """Exactly *count* positional arguments, no keywords, no ``*``/``**``."""
    return len(call.args) == count and all(a.keyword is None and not a.star for a in call.args)


def _helper_call(helper: str, args: Sequence[cst.BaseExpression],
                 keep: Sequence[cst.Arg] = (), like: cst.Call | None = None) -> cst.Call:
    """``self.<helper>(*args, *keep)``; *like* lends its whitespace inside the parentheses."""
    func = cst.Attribute(value=cst.Name("self"), attr=cst.Name(helper))
    new_args = [cst.Arg(_as_argument(value)) for value in args]
    if like is None:
        return cst.Call(func=func, args=new_args)
    if keep:
        # The new arguments go right after "(", the original line break (if any) after them:
        # ``helper(ctx, key,\n    item,  # comment\n)``.
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        new_args = [arg.with_changes(comma=comma) for arg in new_args]
        if isinstance(like.whitespace_before_args, cst.ParenthesizedWhitespace):
            new_args[-1] = new_args[-1].with_changes(
                comma=cst.Comma(whitespace_after=like.whitespace_before_args))
        return like.with_changes(func=func, args=[*new_args, *keep],
                                 whitespace_before_args=cst.SimpleWhitespace(""))
    return like.with_changes(func=func, args=new_args)


class _Frame:
    def __init__(self, kind: str, rewrites_allowed: bool = False):
        self.kind = kind  # "class" or "function"
        self.rewrites_allowed = rewrites_allowed
        self.implements_helpers: set = set()  # for a class: the helpers it defines itself
        self.why = ""  # for a method where rewrites are not allowed, when not the usual reason


class MetadataFixer(cst.CSTTransformer):
    """Rewrites the statements the linter reported, where a helper call keeps behaviour."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, settings, findings: dict, helper_classes: frozenset):
        super().__init__()
        self.settings = settings
        self.findings = findings  # (line, column) -> set of SOT1xx codes, noqa already applied
        self.context_rules = ContextRules.from_settings(settings)
        self.helper_classes = helper_classes  # classes of this file whose self has the helpers
        self.exempt = frozenset(settings.exempt_classes) | frozenset(settings.context_classes)
        self.helper_names = frozenset(settings.helper(role) for role in options.HELPER_ROLES)
        self.propagated = False  # a copy was rewritten: `import copy` may be unused now
        # The helpers write this attribute; ``audit_metadata`` & co. have no helpers.
        self.attribute = settings.metadata_attributes[0] if settings.metadata_attributes else ""
        self.rewritten: dict[tuple[int, int], Site] = {}
        self.reasons: dict[tuple[int, int], str] = {}
        self._frames: list[_Frame] = []
        self._statements: list[cst.CSTNode] = []
        self._list_writes: dict[int, tuple[str, str]] = {}  # id(Expr) -> (receiver, key) code
        self._guard_stores: dict[int, tuple[str, str]] = {}  # id(Assign) -> (receiver, key)
        self._module: cst.Module | None = None

    # -- where we are ---------------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node

    def _code(self, node: cst.CSTNode) -> str:
        return self._module.code_for_node(node).strip()

    def _position(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.get_metadata(PositionProvider, node).start
        return start.line, start.column

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        name = node.name.value
        has_helpers = name in self.helper_classes and name not in self.exempt
        frame = _Frame("class", has_helpers)
        if isinstance(node.body, cst.IndentedBlock):
            frame.implements_helpers = self.helper_names & {
                statement.name.value for statement in node.body.body
                if isinstance(statement, cst.FunctionDef)}
        self._frames.append(frame)

    def leave_ClassDef(self, original_node, updated_node):
        self._frames.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        in_class = bool(self._frames) and self._frames[-1].kind == "class"
        params = [*node.params.posonly_params, *node.params.params]
        decorators = {self._code(d.decorator) for d in node.decorators}
        allowed = (in_class and self._frames[-1].rewrites_allowed and bool(params)
                   and params[0].name.value == "self"
                   and not decorators & {"staticmethod", "classmethod"})
        frame = _Frame("function", allowed)
        if allowed and self._frames[-1].implements_helpers:
            # ``def store_metadata_result(self, ...): ctx.metadata[k] = v`` in a subclass:
            # calling a helper there could call itself.
            frame.rewrites_allowed = False
            frame.why = (f"the class implements helpers itself "
                         f"({', '.join(sorted(self._frames[-1].implements_helpers))}): "
                         "a helper call here could recurse")
        self._frames.append(frame)

    def leave_FunctionDef(self, original_node, updated_node):
        self._frames.pop()
        return updated_node

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            self._statements.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node, updated_node):
        if isinstance(original_node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            self._statements.pop()
        return super().on_leave(original_node, updated_node)

    # -- deciding --------------------------------------------------------------------------

    def _names_a_context(self, node: cst.BaseExpression) -> bool:
        """``parent`` or ``self.parent_context`` named like a context (conservative: an
        annotated receiver with another name is left for a manual change)."""
        if m.matches(node, m.Attribute(value=m.Name("self"))):
            node = node.attr
        return isinstance(node, cst.Name) and self.context_rules.name_is_context(node.value)

    def _receiver(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """``R`` for ``R.metadata`` (the attribute the helpers write), else None."""
        if isinstance(node, cst.Attribute) and node.attr.value == self.attribute:
            return node.value
        return None

    def _decline(self, statement: cst.CSTNode, reason: str) -> None:
        self.reasons.setdefault(self._position(statement), reason)

    def _rewrite(self, original, replacement, code: str, helper_role: str):
        """*replacement* for *original* if the linter reported *code* there and it is safe."""
        position = self._position(original)
        if code not in self.findings.get(position, ()):
            return None  # not a context's metadata to the linter (or noqa): not ours to touch
        if not (self._frames and self._frames[-1].kind == "function"
                and self._frames[-1].rewrites_allowed):
            why = self._frames[-1].why if self._frames else ""
            self._decline(original, why or "not directly in a method of a class that has the "
                          f"helpers (self.{self.settings.helper(helper_role)} is not there)")
            return None
        if _comments(original) != _comments(replacement):
            self._decline(original, "a comment inside the statement would be lost")
            return None
        self.rewritten[position] = Site(position[0], code)
        return replacement

    def _explain_alias_or_attribute(self, statement, metadata: cst.BaseExpression) -> None:
        if isinstance(metadata, cst.Name):
            self._decline(statement, f"writes through the alias `{metadata.value}`: call the "
                                     "helper on the context itself")
        elif isinstance(metadata, cst.Attribute) and metadata.attr.value != self.attribute:
            self._decline(statement, f"the helpers write `.{self.attribute}`; "
                                     f"`.{metadata.attr.value}` has no helper")

    # -- statements -------------------------------------------------------------------------

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign):
        if len(original_node.targets) != 1:
            if any(self._metadata_target(t.target) for t in original_node.targets):
                self._decline(original_node, "several targets in one assignment")
            return updated_node
        target = original_node.targets[0].target
        value = original_node.value
        if isinstance(target, cst.Subscript):
            receiver = self._receiver(target.value)
            key = _single_index(target)
            if receiver is None or key is None:
                self._explain_alias_or_attribute(original_node, target.value)
                return updated_node
            if _has_effects(key) and _has_effects(value):
                # `m[k()] = v()` calls v() first; the helper call would call k() first.
                self._decline(original_node, "the key and the value both call something, and "
                                             "the helper call would evaluate them in the "
                                             "other order")
                return updated_node
            stored = self._unwrap_model_dump(value)
            call = _helper_call(self.settings.helper("store-result"), [receiver, key, stored])
            replacement = cst.Expr(call, semicolon=original_node.semicolon)
            result = self._rewrite(original_node, replacement, "SOT101", "store-result")
            if result is not None and self._is_empty_list(value):
                self._guard_stores[id(original_node)] = (self._code(receiver), self._code(key))
            return result or updated_node
        if isinstance(target, cst.Attribute):
            child = self._receiver(target)
            parent = self._copied_metadata(value)
            if child is None or parent is None:
                if child is not None and "SOT109" in self.findings.get(
                        self._position(original_node), ()):
                    self._decline(original_node, DEFAULT_REASONS["SOT109"])
                return updated_node
            if not self._names_a_context(parent):
                self._decline(original_node, "the copy's source is not an execution context")
                return updated_node
            if self._code(parent) == self._code(child):
                self._decline(original_node, "it replaces the context's dict with a copy of "
                                             "itself; propagating would keep the old dict")
                return updated_node
            call = _helper_call(self.settings.helper("propagate"), [parent, child])
            replacement = cst.Expr(call, semicolon=original_node.semicolon)
            result = self._rewrite(original_node, replacement, "SOT109", "propagate")
            self.propagated = self.propagated or result is not None
            return result or updated_node
        return updated_node

    def _metadata_target(self, target: cst.BaseExpression) -> bool:
        return isinstance(target, cst.Subscript) and self._receiver(target.value) is not None

    @staticmethod
    def _is_empty_list(value: cst.BaseExpression) -> bool:
        return (isinstance(value, cst.List) and not value.elements) or m.matches(
            value, m.Call(func=m.Name("list"), args=[]))

    def _unwrap_model_dump(self, value: cst.BaseExpression) -> cst.BaseExpression:
        """``x.model_dump()`` / ``x.model_dump(mode='json')`` -> ``x`` when the store helper
        converts models itself; other arguments (exclude=..., by_alias=...) keep the call."""
        store = self.settings.helper("store-result")
        if store not in self.settings.converting_helpers:
            return value
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
                and value.func.attr.value == "model_dump" and not value.lpar):
            return value
        if value.args and not (len(value.args) == 1 and m.matches(
                value.args[0], m.Arg(keyword=m.Name("mode"),
                                     value=m.SimpleString('"json"') | m.SimpleString("'json'")))):
            return value
        return value.func.value

    def _copied_metadata(self, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """``P`` for ``P.metadata.copy()``, ``dict(P.metadata)``, ``copy.copy(P.metadata)``,
        ``copy.deepcopy(P.metadata)`` or ``deepcopy(P.metadata)``."""
        if not isinstance(value, cst.Call):
            return None
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value == "copy" and not value.args:
            return self._receiver(func.value)
        copies = (m.matches(func, m.Name("dict") | m.Name("deepcopy"))
                  or m.matches(func, m.Attribute(value=m.Name("copy")))
                  and func.attr.value in _COPY_FUNCTIONS)
        if copies and _plain_args(value, 1):
            return self._receiver(value.args[0].value)
        return None

    def leave_AugAssign(self, original_node: cst.AugAssign, updated_node: cst.AugAssign):
        target, value = original_node.target, original_node.value
        if isinstance(original_node.operator, cst.BitOrAssign):
            receiver = self._receiver(target)
            if receiver is None:
                return updated_node
            call = _helper_call(self.settings.helper("store-batch"), [receiver, value])
            replacement = cst.Expr(call, semicolon=original_node.semicolon)
            result = self._rewrite(original_node, replacement, "SOT102", "store-batch")
            return result or updated_node
        if not isinstance(target, cst.Subscript):
            return updated_node
        receiver, key = self._receiver(target.value), _single_index(target)
        if receiver is None or key is None:
            self._explain_alias_or_attribute(original_node, target.value)
            return updated_node
        if not isinstance(original_node.operator, cst.AddAssign):
            return updated_node
        if isinstance(value, (cst.List, cst.ListComp, cst.SimpleString, cst.ConcatenatedString,
                              cst.FormattedString, cst.Tuple)):
            self._decline(original_node, "`+=` of a list or string is not a counter")
            return updated_node
        call = _helper_call(self.settings.helper("increment-counter"), [receiver, key, value])
        replacement = cst.Expr(call, semicolon=original_node.semicolon)
        result = self._rewrite(original_node, replacement, "SOT104", "increment-counter")
        return result or updated_node

    def leave_Del(self, original_node: cst.Del, updated_node: cst.Del):
        target = original_node.target
        if not isinstance(target, cst.Subscript):
            if isinstance(target, cst.Tuple) and any(
                    self._metadata_target(e.value) for e in target.elements):
                self._decline(original_node, "several targets in one `del`")
            return updated_node
        receiver, key = self._receiver(target.value), _single_index(target)
        if receiver is None or key is None:
            self._explain_alias_or_attribute(original_node, target.value)
            return updated_node
        call = _helper_call(self.settings.helper("remove-key"), [receiver, key])
        replacement = cst.Expr(call, semicolon=original_node.semicolon)
        return self._rewrite(original_node, replacement, "SOT105", "remove-key") or updated_node

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr):
        call = original_node.value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and not call.lpar):
            return updated_node
        method, owner = call.func.attr.value, call.func.value
        receiver = self._receiver(owner)
        if receiver is not None:
            return self._rewrite_dict_method(original_node, updated_node, call, method, receiver)
        if isinstance(owner, cst.Subscript) and method in ("append", "extend"):
            receiver, key = self._receiver(owner.value), _single_index(owner)
            if receiver is None or key is None or not _plain_args(call, 1):
                return updated_node
            role = "append-list" if method == "append" else "extend-list"
            new_call = _helper_call(self.settings.helper(role), [receiver, key],
                                    keep=call.args, like=call)
            replacement = updated_node.with_changes(value=new_call)
            result = self._rewrite(original_node, replacement, "SOT103", role)
            if result is not None:
                self._list_writes[id(original_node)] = (self._code(receiver), self._code(key))
            return result or updated_node
        return updated_node

    def _rewrite_dict_method(self, original_node, updated_node, call, method, receiver):
        if method == "update":
            if not _plain_args(call, 1):
                return updated_node
            role, code, args = "store-batch", "SOT102", [receiver]
        elif method == "pop":
            if not (_plain_args(call, 1) or _plain_args(call, 2)):
                return updated_node
            if len(call.args) == 2 and _has_effects(call.args[1].value):
                self._decline(original_node, "the default of .pop() calls something")
                return updated_node
            # As a statement the popped value (and so the default) is unused: a removal.
            role, code, args = "remove-key", "SOT105", [receiver, call.args[0].value]
            call = None  # the default argument is dropped, so the call's layout goes too
        elif method == "popitem":
            self._decline(original_node, "popitem() removes an arbitrary key; no helper does that")
            return updated_node
        elif method == "clear":
            if call.args:
                return updated_node
            role, code, args = "clear", "SOT106", [receiver]
        else:
            return updated_node
        keep = call.args if call is not None else ()
        new_call = _helper_call(self.settings.helper(role), args, keep=keep, like=call)
        replacement = updated_node.with_changes(value=new_call)
        return self._rewrite(original_node, replacement, code, role) or updated_node

    def visit_Call(self, node: cst.Call) -> None:
        """An expression-position ``.pop()``: its value is used, so it stays as it is."""
        func = node.func
        if (isinstance(func, cst.Attribute) and func.attr.value in ("pop", "popitem")
                and self._receiver(func.value) is not None and self._statements):
            statement = self._statements[-1]
            if not (isinstance(statement, cst.Expr) and statement.value is node):
                self._decline(statement, f"the value of .{func.attr.value}() is used; "
                                         "read it with the get helper, then remove the key")

    # -- the `if key not in ctx.metadata: ctx.metadata[key] = []` guard ----------------------

    def _guard(self, statement: cst.CSTNode) -> tuple[str, str] | None:
        """(receiver, key) code of a guard whose store was rewritten, else None."""
        if not (isinstance(statement, cst.If) and statement.orelse is None):
            return None
        test = statement.test
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.NotIn)):
            return None
        receiver = self._receiver(test.comparisons[0].comparator)
        if receiver is None or _comments(statement.with_changes(leading_lines=())):
            return None
        body = statement.body.body
        if len(body) == 1 and isinstance(body[0], cst.SimpleStatementLine):
            body = body[0].body
        if len(body) != 1 or id(body[0]) not in self._guard_stores:
            return None
        guarded = (self._code(receiver), self._code(test.left))
        return guarded if self._guard_stores[id(body[0])] == guarded else None

    def _drop_guards(self, original_body, updated_body):
        if not self._list_writes:
            return updated_body
        new_body = list(updated_body)
        for index in range(len(original_body) - 2, -1, -1):
            guard = self._guard(original_body[index])
            following = original_body[index + 1]
            if guard is None or not isinstance(following, cst.SimpleStatementLine):
                continue
            if self._list_writes.get(id(following.body[0])) != guard:
                continue
            dropped = new_body.pop(index)
            new_body[index] = new_body[index].with_changes(
                leading_lines=[*dropped.leading_lines, *new_body[index].leading_lines])
        return new_body

    def leave_IndentedBlock(self, original_node, updated_node):
        return updated_node.with_changes(body=self._drop_guards(original_node.body,
                                                                updated_node.body))

    def leave_Module(self, original_node, updated_node):
        return updated_node.with_changes(body=self._drop_guards(original_node.body,
                                                                updated_node.body))


# -- one file -------------------------------------------------------------------------------------

def _helper_classes(module: cst.Module, exempt: Iterable[str]) -> frozenset:
    """Classes of this file that have the helpers: configured bases and their subclasses here."""
    bases: dict[str, set] = {}
    for node in m.findall(module, m.ClassDef()):
        names = bases.setdefault(node.name.value, set())
        for arg in node.bases:
            if isinstance(arg.value, cst.Name):
                names.add(arg.value.value)
            elif isinstance(arg.value, cst.Attribute):
                names.add(arg.value.attr.value)
    having = set(exempt)
    grew = True
    while grew:
        grew = False
        for name, parents in bases.items():
            if name not in having and parents & having:
                having.add(name)
                grew = True
    return frozenset(having)


def _drop_unused_copy_imports(original: cst.Module, fixed: cst.Module) -> cst.Module:
    """``import copy`` that only served the rewritten copies would now be unused (F401)."""
    candidates = [("copy", None, None), ("copy", "copy", None), ("copy", "deepcopy", None)]
    remover = RemoveImportsVisitor
    if remover(CodemodContext(), candidates).transform_module(original).code != original.code:
        return fixed  # already unused before the fix: not ours to clean up
    pruned = remover(CodemodContext(), candidates).transform_module(fixed)
    return pruned if _comments(pruned) == _comments(fixed) else fixed


def _suppressed(code: str, lines: Sequence[str], first: int, last: int) -> bool:
    for line in lines[first - 1:last]:
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        if not codes or any(code.startswith(c) for c in re.split(r"[,\s]+", codes.upper()) if c):
            return True
    return False


def _linter_findings(source: bytes, settings):
    """SOT1xx findings of the linter, keyed by statement (line, character column)."""
    tree = ast.parse(source)
    text = source.decode(_encoding(source), "replace")
    lines = text.splitlines(keepends=True)
    found = {}
    for finding in mutation.check(tree, settings).findings:
        if _suppressed(finding.code, lines, finding.line, finding.end_line or finding.line):
            continue
        line_bytes = lines[finding.line - 1].encode("utf-8") if finding.line <= len(lines) else b""
        column = len(line_bytes[:finding.col].decode("utf-8", "replace"))
        found.setdefault((finding.line, column), set()).add(finding.code)
    return found


def _encoding(source: bytes) -> str:
    try:
        return tokenize.detect_encoding(io.BytesIO(source).readline)[0]
    except SyntaxError:
        return "utf-8"


def fix_source(source: bytes, settings, path: str = "<source>") -> FileResult:
    """Rewrite one file's source; never raises on bad input (the result carries ``error``)."""
    result = FileResult(path, original=source, fixed=source)
    try:
        findings = _linter_findings(source, settings)
        module = cst.parse_module(source)
    except SyntaxError as error:  # what flake8 reports as E999; libcst is not asked then
        result.error = f"syntax error at line {error.lineno} ({error.msg}), skipped"
        return result
    except (ValueError, cst.ParserSyntaxError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        result.error = f"cannot parse ({first_line}), skipped"
        return result
    except (UnicodeDecodeError, LookupError) as error:
        result.error = f"cannot decode, skipped ({error})"
        return result
    except RecursionError:
        result.error = "nested too deeply, skipped"
        return result
    if not findings:
        return result
    fixer = MetadataFixer(settings, findings, _helper_classes(module, settings.exempt_classes))
    try:
        fixed_module = MetadataWrapper(module).visit(fixer)
    except RecursionError:
        result.error = "nested too deeply, skipped"
        return result
    if fixer.propagated:
        fixed_module = _drop_unused_copy_imports(module, fixed_module)
    if _comments(fixed_module) != _comments(module):
        result.error = "internal error: the rewrite would lose a comment; file left unchanged"
        return result
    try:
        ast.parse(fixed_module.bytes)
    except SyntaxError as error:
        result.error = f"internal error: the rewrite does not parse ({error}); left unchanged"
        return result
    result.fixed = fixed_module.bytes
    result.rewritten = sorted(fixer.rewritten.values(), key=lambda site: site.line)
    for position, codes in sorted(findings.items()):
        if position in fixer.rewritten:
            continue
        for code in sorted(codes):
            reason = fixer.reasons.get(position, DEFAULT_REASONS.get(code, "no automatic rewrite"))
            result.manual.append(Site(position[0], code, reason))
    return result


# -- files and the command -----------------------------------------------------------------

def _python_files(paths: Sequence[str], settings) -> list[str]:
    files = []
    for path in paths:
        if os.path.isdir(path):
            files += [os.path.normpath(os.path.join(path, relative))
                      for relative in project_index.list_python_files(path, settings.exclude)]
        else:
            files.append(path)
    return files


def _write_atomically(path: str, data: bytes) -> None:
    """Write to a temporary file next to *path*, then replace it: never half-written."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".flake8-ssot-fix-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _diff(result: FileResult, encoding: str) -> str:
    before = result.original.decode(encoding, "replace").splitlines(keepends=True)
    after = result.fixed.decode(encoding, "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, f"a/{result.path}", f"b/{result.path}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."],
                        help="files or directories to fix (default: the current directory)")
    parser.add_argument("--write", action="store_true",
                        help="apply the changes (default: print a diff, change nothing)")
    parser.add_argument("--config", metavar="FILE",
                        help="flake8 config file with the ssot- options (default: the one "
                             "flake8 would read, searched upward from the current directory)")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def run(args: argparse.Namespace) -> int:
    settings = options.settings_for(os.getcwd(), args.config)
    rewritten = manual = changed = 0
    for path in _python_files(args.paths, settings):
        try:
            with open(path, "rb") as stream:
                source = stream.read()
        except OSError as error:
            print(f"{path}: cannot read, skipped ({error.strerror})", file=sys.stderr)
            continue
        result = fix_source(source, settings, path)
        if result.error:
            print(f"{path}: {result.error}", file=sys.stderr)
            continue
        for site in result.manual:
            print(f"{path}:{site.line}: {site.code} needs a manual change: {site.reason}")
        manual += len(result.manual)
        if not result.changed:
            continue
        rewritten += len(result.rewritten)
        changed += 1
        if args.write:
            _write_atomically(path, result.fixed)
            print(f"Rewriting {path} ({_plural(len(result.rewritten), 'site')})")
        else:
            sys.stdout.write(_diff(result, _encoding(source)))
    verb = "rewritten" if args.write else "to rewrite"
    print(f"{_plural(rewritten, 'site')} {verb} in {_plural(changed, 'file')}, "
          f"{manual} need{'s' if manual == 1 else ''} a manual change"
          + ("" if args.write or not rewritten else " (run with --write to apply)"))
    return 1 if changed else 0
