"""Text edits on import statements and definitions, spliced into the source so that everything
else (comments, quotes, layout) comes back byte for byte: replace the module of a ``from``
import, add a name to an import or take one out, add a statement after another, delete a
statement or a class, and drop the imports an edit left unused (which flake8 would report as
F401).

Offsets are those of ``rewrite.Source`` (UTF-8 bytes, where ``ast`` positions live); edits are
``rewrite.Edit`` and are applied with ``rewrite.apply_edits``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import NamedTuple

from flake8_ssot.rewrite import Edit, Source, apply_edits


class Alias(NamedTuple):
    name: str
    asname: str | None
    start: int  # byte offsets of ``name [as asname]``
    end: int

    @property
    def text(self) -> str:
        return alias_text(self.name, self.asname)


def alias_text(name: str, asname: str | None) -> str:
    return f"{name} as {asname}" if asname and asname != name else name


class Statement(NamedTuple):
    """The tokens of one import statement that edits need."""
    node: ast.stmt
    aliases: tuple[Alias, ...]
    module_span: tuple[int, int] | None  # ``from <this> import``: the module as written
    open_paren: int | None  # offset of ``(``
    close_paren: int | None  # offset of ``)``
    trailing_comma: bool  # a comma after the last alias


class ImportText:
    """One file's source and the token positions of its import statements."""

    def __init__(self, text: str):
        self.source = Source(text)
        self.lines = text.splitlines(keepends=True)
        self.newline = "\r\n" if "\r\n" in (self.lines[0] if self.lines else "") else "\n"
        try:
            self.tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        except (tokenize.TokenError, SyntaxError, IndentationError):
            self.tokens = []

    def offset(self, line: int, col: int) -> int:
        """Byte offset of a tokenize position (line, character column)."""
        if line - 1 >= len(self.lines):
            return len(self.source.data)
        return self.source.line_starts[line - 1] + len(self.lines[line - 1][:col].encode())

    def line_start(self, line: int) -> int:
        return self.source.line_starts[min(line, len(self.source.line_starts)) - 1]

    def line_end(self, line: int) -> int:
        """The offset after the newline of *line*."""
        starts = self.source.line_starts
        return starts[line] if line < len(starts) else len(self.source.data)

    def indentation(self, node: ast.AST) -> str:
        line = self.lines[node.lineno - 1]
        return line[:len(line) - len(line.lstrip())]

    def statement(self, node: ast.Import | ast.ImportFrom) -> Statement:
        start, end = self.source.start(node), self.source.end(node)
        tokens = [t for t in self.tokens
                  if start <= self.offset(*t.start) < end and t.type not in (
                      tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
        aliases, module_span = [], None
        open_paren = close_paren = None
        position = 0
        if isinstance(node, ast.ImportFrom):
            at_import = next(i for i, t in enumerate(tokens) if t.string == "import")
            if at_import > 1:
                module_span = (self.offset(*tokens[1].start),
                               self.offset(*tokens[at_import - 1].end))
            position = at_import + 1
        else:
            position = 1
        rest = tokens[position:]
        if rest and rest[0].string == "(":
            open_paren = self.offset(*rest[0].start)
            close_paren = self.offset(*rest[-1].start)
            rest = rest[1:-1]
        trailing_comma = bool(rest) and rest[-1].string == ","
        index = 0
        while index < len(rest):
            first = index
            while index < len(rest) and rest[index].string != ",":
                index += 1
            words = rest[first:index]
            if words:
                written = [t.string for t in words]
                if "as" in written:
                    cut = written.index("as")
                    name, asname = "".join(written[:cut]), written[cut + 1]
                else:
                    name, asname = "".join(written), None
                aliases.append(Alias(name, asname, self.offset(*words[0].start),
                                     self.offset(*words[-1].end)))
            index += 1
        return Statement(node, tuple(aliases), module_span, open_paren, close_paren,
                         trailing_comma)

    # -- edits ------------------------------------------------------------------------------

    def replace_module(self, statement: Statement, module: str) -> Edit:
        start, end = statement.module_span
        return Edit(start, end, module.encode())

    def remove_aliases(self, statement: Statement, names: set[tuple[str, str | None]]
                       ) -> list[Edit]:
        """Edits taking the aliases *names* (``(name, asname)``) out of *statement*; the whole
        statement when none would be left."""
        keep = [a for a in statement.aliases if (a.name, a.asname) not in names]
        if not keep:
            return [self.remove_statement(statement.node)]
        edits = []
        aliases = list(statement.aliases)
        for index, alias in enumerate(aliases):
            if alias in keep:
                continue
            own_line = self._alone_on_line(alias)
            if own_line is not None:
                edits.append(own_line)
            elif index + 1 < len(aliases):
                edits.append(Edit(alias.start, aliases[index + 1].start, b""))
            else:
                previous = aliases[index - 1]
                edits.append(Edit(previous.end, alias.end, b""))
        return edits

    def _alone_on_line(self, alias: Alias) -> Edit | None:
        data = self.source.data
        line_start = data.rfind(b"\n", 0, alias.start) + 1
        line_end = data.find(b"\n", alias.end)
        line_end = len(data) if line_end < 0 else line_end + 1
        before, after = data[line_start:alias.start], data[alias.end:line_end]
        if before.strip() or after.strip().lstrip(b",").strip()[:1] not in (b"", b"#"):
            return None
        return Edit(line_start, line_end, b"")

    def add_aliases(self, statement: Statement, texts: list[str], max_line_length: int
                    ) -> list[Edit]:
        """Edits adding ``name [as asname]`` *texts* to the end of *statement*'s names."""
        if not texts:
            return []
        last = statement.aliases[-1]
        data = self.source.data
        if statement.close_paren is not None:
            paren_line_start = data.rfind(b"\n", 0, statement.close_paren) + 1
            if not data[paren_line_start:statement.close_paren].strip():
                last_line_start = data.rfind(b"\n", 0, last.start) + 1
                indent = data[last_line_start:last.start].decode()
                if indent.strip():
                    indent = self.indentation(statement.node) + "    "
                lines = "".join(f"{indent}{text},{self.newline}" for text in texts)
                edits = [Edit(paren_line_start, paren_line_start, lines.encode())]
                if not statement.trailing_comma:
                    edits.append(Edit(last.end, last.end, b","))
                return edits
            return [Edit(last.end, last.end, "".join(f", {t}" for t in texts).encode())]
        line = self.lines[statement.node.end_lineno - 1].rstrip("\r\n")
        if len(line) + sum(len(t) + 2 for t in texts) <= max_line_length \
                or statement.node.lineno != statement.node.end_lineno:
            return [Edit(last.end, last.end, "".join(f", {t}" for t in texts).encode())]
        # Too long for one line: the names in parentheses, one a line.
        node = statement.node
        indent = self.indentation(node)
        names = [a.text for a in statement.aliases] + texts
        head = self.source.data[self.source.start(node):statement.aliases[0].start].decode()
        body = "".join(f"{indent}    {name},{self.newline}" for name in names)
        text = f"{head.rstrip()} ({self.newline}{body}{indent})"
        return [Edit(self.source.start(node), self.source.end(node), text.encode())]

    def insert_after(self, node: ast.stmt, text: str) -> Edit:
        """A new statement *text* on the line after *node*, at its indentation."""
        end = self.line_end(node.end_lineno)
        data = self.source.data
        prefix = self.newline if end == len(data) and data and not data.endswith(b"\n") else ""
        return Edit(end, end, f"{prefix}{self.indentation(node)}{text}{self.newline}".encode())

    def insert_at_line(self, line: int, text: str) -> Edit:
        """A new module-level statement *text* before *line* (1-based; past the end: at the
        end)."""
        data = self.source.data
        if line > len(self.lines):
            prefix = self.newline if data and not data.endswith(b"\n") else ""
            return Edit(len(data), len(data), f"{prefix}{text}{self.newline}".encode())
        start = self.line_start(line)
        return Edit(start, start, f"{text}{self.newline}".encode())

    def remove_statement(self, node: ast.stmt, only_in_block: bool = False) -> Edit:
        """Delete *node*'s lines (or, when it shares a line, its text); ``pass`` instead when
        it is the only statement of its block (*only_in_block*)."""
        start, end = self.source.start(node), self.source.end(node)
        if only_in_block:
            return Edit(start, end, b"pass")
        line_start, line_end = self.line_start(node.lineno), self.line_end(node.end_lineno)
        data = self.source.data
        after = data[end:line_end].strip()
        if data[line_start:start].strip() or (after and not after.startswith(b"#")):
            return Edit(start, end, b"pass")
        return Edit(line_start, line_end, b"")

    def remove_definition(self, node: ast.ClassDef) -> Edit:
        """Delete a module-level class: its decorators, the comment lines right above it, and
        the blank lines after it (at the end of the file, those before it too), so that no
        new blank-line warning appears."""
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        while first > 1 and self.lines[first - 2].lstrip().startswith("#"):
            first -= 1
        last = node.end_lineno
        while last < len(self.lines) and not self.lines[last].strip():
            last += 1
        if last >= len(self.lines):  # nothing after it: the blank lines before go too
            while first > 1 and not self.lines[first - 2].strip():
                first -= 1
        return Edit(self.line_start(first), self.line_end(last), b"")


# -- names in use ---------------------------------------------------------------------------------

def exported_names(tree: ast.Module) -> set[str]:
    """The strings of a module-level ``__all__`` (assigned, extended or added to)."""
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(
                node.value, (ast.List, ast.Tuple)):
            names |= {e.value for e in node.value.elts
                      if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return names


def used_names(tree: ast.AST) -> set[str]:
    """Names read anywhere in *tree*, in string annotations and in ``__all__`` too: what
    pyflakes counts as a use of an import."""
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
            and not isinstance(node.ctx, ast.Store)}
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, ast.arg) or isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
        for annotation in annotations:
            for part in ast.walk(annotation) if annotation is not None else ():
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    try:
                        inner = ast.parse(part.value, mode="eval")
                    except (SyntaxError, ValueError):
                        continue
                    used |= {n.id for n in ast.walk(inner) if isinstance(n, ast.Name)}
    if isinstance(tree, ast.Module):
        used |= exported_names(tree)
    return used


def bound_name(node: ast.Import | ast.ImportFrom, name: str, asname: str | None) -> str:
    if asname:
        return asname
    return name.split(".")[0] if isinstance(node, ast.Import) else name


def _blocks(tree: ast.AST):
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block
        for handler in getattr(node, "handlers", ()):
            yield handler.body


def drop_unused_imports(before: ast.Module, text: str, keep_exports: bool,
                        keep: frozenset = frozenset()) -> str:
    """*text* without the import names that *before* (the original tree) used and *text* no
    longer uses: those only an edit's removed code used. Imports unused already are not ours to
    remove, nor the names in *keep* (a shim's re-export); with *keep_exports* (a package
    ``__init__``) none is removed."""
    if keep_exports:
        return text
    tree = ast.parse(text)
    gone = used_names(before) - used_names(tree) - keep
    if not gone:
        return text
    edits: list[Edit] = []
    source = ImportText(text)
    for block in _blocks(tree):
        statements = [n for n in block if isinstance(n, (ast.Import, ast.ImportFrom))
                      and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
        removed_all = 0
        for node in statements:
            unused = {(a.name, a.asname) for a in node.names
                      if a.name != "*" and bound_name(node, a.name, a.asname) in gone}
            if not unused:
                continue
            if len(unused) == len(node.names):
                removed_all += 1
                alone = removed_all == len(block) and len(block) == len(statements)
                edits.append(source.remove_statement(node, only_in_block=alone))
            else:
                edits += source.remove_aliases(source.statement(node), unused)
    return apply_edits(source.source.data, edits).decode("utf-8") if edits else text


def tidy_blank_lines(original: str, text: str) -> str:
    """No blank-line warning the edits made: no run of more than two blank lines, none at the
    start or the end of the file, unless the original had them."""
    blank_run = re.compile(r"(?:[ \t]*\r?\n){4,}")
    if not blank_run.search(original):
        text = blank_run.sub(lambda m: "\n\n\n" if "\r" not in m.group() else "\r\n" * 3,
                             text)
    if original[:1] not in ("\n", "\r"):
        text = text.lstrip("\r\n")
    if not re.search(r"\n[ \t]*\r?\n\Z", original) and text.endswith("\n"):
        newline = "\r\n" if text.endswith("\r\n") else "\n"
        text = text.rstrip("\r\n") + newline if text.strip() else ""
    return text
