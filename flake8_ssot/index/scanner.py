"""The text scan: a file's module-level classes (``ClassRecord``, with their bases, kind,
public members and fields) read from its text without parsing it, the way the index lists a
whole project fast. A file showing a sign of not parsing is read by ``ast`` instead.

Loaded only when a file needs scanning (a warm run never does: its compiled patterns are the
plugin's largest import). Nothing here imports flake8 (or executes the code it reads).
"""

from __future__ import annotations

import bisect
import re

from flake8_ssot.index.records import (ClassRecord, classes_from_ast, decode_source, is_public,
                                       kind_from_markers, unaliased)

# The keywords that can be followed by ":" right away (``else:``), read as a name by the scan.
_NOT_FIELDS = frozenset({"else", "try", "finally"})

# -- the text scanner ---------------------------------------------------------------------------

# ``class`` and its name may be apart by blanks and backslash continuations (``class \`` and the
# name on the next line is one statement to ``ast``).
_GAP = r"(?:[ \t]|\\\n)"
_CLASS_AT_COLUMN_0 = re.compile(rf"^class{_GAP}+([^\W\d]\w*)", re.M)
_BLANKS = re.compile(rf"{_GAP}*")
_INDENTED_CLASS = re.compile(rf"^[ \t]+class{_GAP}", re.M)
# A line starting at column 0 with code (closing brackets end an earlier statement).
_TOP_LEVEL_LINE = re.compile(r"^[^\s#)\]}]", re.M)
# What is indented under a top-level def or class is nested in it. Under anything else (if, try,
# with, match, or a line continuing a multi-line header) an indented class may be module-level.
_OPENS_DEF_OR_CLASS = re.compile(r"(?:async[ \t]+)?def\b|class\b")
# Only what can hide a line from the parser matters here: comments and strings.
_LEXEME_PATTERN = (  # written "unrolled" so the regex engine does not step per character
    r"""\#[^\n]*
      | \"\"\"[^\"\\]*(?:(?:\\.|\"(?!\"\"))[^\"\\]*)*\"\"\"
      | '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
      | \"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"{closing} | '[^'\\\n]*(?:\\.[^'\\\n]*)*'{closing}
    """)
_LEXEMES = re.compile(_LEXEME_PATTERN.format(closing=""), re.X | re.S)
# The same, where a one-line string may lack its closing quote: such a lexeme is a string never
# terminated, a sign of a file that does not parse, seen in the scan's one pass over the lexemes
# (an extra alternative for a lone quote tripled that pass's cost).
_LEXEMES_OPEN_ENDED = re.compile(_LEXEME_PATTERN.format(closing="?"), re.X | re.S)
_IDENTIFIER = re.compile(r"[^\W\d]\w*\Z")
_INDENTED_LINE = re.compile(r"^([ \t]+)[^\s#]", re.M)
_HEADER_END = re.compile(r"[^\n]*")
_OPENING, _CLOSING = "([{", ")]}"


def _bracketed(text: str, start: int) -> tuple[list[str], int]:
    """The top-level comma-separated items of the bracket opening at *start*, and the offset
    after its closing bracket. Strings and comments inside are skipped, not split."""
    items, depth, item_start, position = [], 0, start + 1, start
    pieces: list[str] = []
    while position < len(text):
        char = text[position]
        if char in "#'\"":
            lexeme = _LEXEMES.match(text, position)
            end = lexeme.end() if lexeme else position + 1
            if char != "#":
                pieces.append(text[item_start:end])
            else:
                pieces.append(text[item_start:position])
            item_start = position = end
            continue
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth -= 1
            if depth == 0:
                items.append("".join(pieces) + text[item_start:position])
                return items, position + 1
        elif char == "," and depth == 1:
            items.append("".join(pieces) + text[item_start:position])
            pieces, item_start = [], position + 1
        position += 1
    return items, position


def _base_component(written: str) -> str | None:
    """``pkg.Base[T]`` -> ``pkg.Base``; a keyword (``metaclass=M``), ``*bases`` or a call ->
    None."""
    cut = len(written)
    for index, char in enumerate(written):
        if char in "[(=*":
            if char != "[":
                return None
            cut = index
            break
    dotted = "".join(written[:cut].replace("\\\n", "").split())
    return dotted if _IDENTIFIER.match(dotted.rpartition(".")[2]) else None


def _text_bases(text: str, offset: int) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """Base names of the class header whose name ends at *offset* (type parameters skipped),
    its keyword markers (the metaclass's name, ``table=True``), and the offset of the end of
    the header's last line."""
    position = _BLANKS.match(text, offset).end()
    if text.startswith("[", position):  # ``class Box[T](Base)``: Python 3.12 type parameters
        position = _BLANKS.match(text, _bracketed(text, position)[1]).end()
    bases: tuple[str, ...] = ()
    keywords: list[str] = []
    if text.startswith("(", position):
        items, position = _bracketed(text, position)
        bases = tuple(name for name in map(_base_component, items) if name)
        for item in items:
            keyword, equals, value = "".join(item.split()).partition("=")
            if not equals:
                continue
            if keyword == "metaclass":
                keywords.append(value.rpartition(".")[2])
            elif value == "True":
                keywords.append(f"{keyword}=True")
    return bases, tuple(keywords), _HEADER_END.match(text, position).end()


def scan_classes(data: bytes) -> list[ClassRecord]:
    """Module-level classes of a source file: what the index keeps for it, and all SOT2xx knows
    of it (no file is parsed again to confirm its classes).

    Parsing every file of a large project with ``ast`` costs seconds, so the common layout is read
    from the text: a ``class`` at column 0 outside a string is module-level, an indented one is
    nested if the top-level line it is indented under opens a ``def`` or ``class``. When an
    indented class sits under anything else (``if``, ``try``, a header continued at column 0),
    ``ast`` decides, as it does for a file showing a sign of not parsing (a string never
    terminated, ``looks_broken``): such a file defines nothing. A syntax error the scan shows
    no sign of is not seen: the file defines the classes the scan reads.
    """
    text = decode_source(data)
    if text is None or "class" not in text:
        return []
    if "\f" in text:  # a form feed resets the indentation Python counts: ``ast`` knows how
        return classes_from_ast(text)
    if "\r" in text:  # old Mac line endings: one newline character for the regexes below
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    multiline_starts, multiline_ends = [], []
    for lexeme in _LEXEMES_OPEN_ENDED.finditer(text):
        written = lexeme.group()
        if "\n" in written:  # triple-quoted, or continued with a backslash
            multiline_starts.append(lexeme.start())
            multiline_ends.append(lexeme.end())
        # A string ends with the quote it opens with, and a lone quote is no string: one that
        # does not is never terminated, a sign of a file that does not parse (``ast`` decides).
        if (written[-1] != written[0] or len(written) == 1) and written[0] != "#":
            return classes_from_ast(text)

    def in_string(offset: int) -> bool:
        index = bisect.bisect_right(multiline_starts, offset) - 1
        return index >= 0 and offset < multiline_ends[index]

    top_level_lines: list[int] | None = None
    for match in _INDENTED_CLASS.finditer(text):
        if in_string(match.start()):
            continue
        if top_level_lines is None:
            top_level_lines = _top_level_lines(text, multiline_starts, multiline_ends)
        index = bisect.bisect_right(top_level_lines, match.start()) - 1
        if index < 0 or not _OPENS_DEF_OR_CLASS.match(text, top_level_lines[index]):
            return classes_from_ast(text)
    found = []  # (name, line, bases as written, methods, fields, other kind markers)
    line, counted_to = 1, 0  # lines are counted on from the previous class: linear in the file
    for match in _CLASS_AT_COLUMN_0.finditer(text):
        if not in_string(match.start()):
            line += text.count("\n", counted_to, match.start())
            counted_to = match.start()
            bases, keywords, header_end = _text_bases(text, match.end())
            if top_level_lines is None:
                top_level_lines = _top_level_lines(text, multiline_starts, multiline_ends)
            body_end = _body_end(text, header_end, top_level_lines)
            methods, fields = _text_members(text, header_end, body_end, in_string)
            markers = [*keywords, *_text_decorators(text, match.start(), top_level_lines)]
            if "__tablename__" in fields:
                markers.append("__tablename__")
            found.append((match.group(1), line, bases, methods, fields, markers))
    bare = {base for _, _, bases, *_ in found for base in bases if "." not in base}
    aliases = _text_import_aliases(text, bare, in_string, top_level_lines)
    if aliases is None:  # an aliased base imported under an if/try: ``ast`` knows the binding
        return classes_from_ast(text)
    if found and looks_broken(text, in_string):
        return classes_from_ast(text)
    classes = []
    for name, line, bases, methods, fields, markers in found:
        bases = tuple(unaliased(base, aliases) for base in bases)
        classes.append(ClassRecord(name, line, 0, bases, methods,
                                   kind_from_markers([*bases, *markers]),
                                   tuple(name for name in fields if is_public(name))))
    return classes


# A Python 2 print statement (``print "x"``, ``print x``): ``print`` then a blank then a name, a
# number or a string, where a statement starts (checked by ``_at_line_start``). Not ``print >>f``:
# ``print >> f`` is a Python 3 expression too.
# Written to start with the literal "print" (the regex engine jumps from one to the next). Not
# an operator or keyword after ``print`` (``print if x else y`` and ``print in names`` are
# Python 3 expressions).
_PRINT_STATEMENT = re.compile(
    r"print[ \t]+(?!(?:if|else|or|and|is|in|not|for|async)\b)[\w'\"]")
# The lines a merge conflict leaves (``<<<<<<< HEAD``, ``>>>>>>> branch``), after a newline.
_CONFLICT_MARKERS = ("\n<<<<<<< ", "\n>>>>>>> ")


def _top_level_lines(text: str, multiline_starts: list[int], multiline_ends: list[int]
                     ) -> list[int]:
    """Offsets of the lines starting at column 0 with code (``_TOP_LEVEL_LINE``) outside the
    strings spanning lines, which start at *multiline_starts* and end at *multiline_ends*: the
    text between two such strings is searched, not each line checked against them."""
    found = []
    position = 0
    for start, end in zip(multiline_starts, multiline_ends):
        found += [m.start() for m in _TOP_LEVEL_LINE.finditer(text, position, start)]
        position = end
    found += [m.start() for m in _TOP_LEVEL_LINE.finditer(text, position)]
    return found


def looks_broken(text: str, in_string) -> bool:
    """Whether *text* shows a sign of a file that does not parse, cheaper to see than a parse:
    brackets that do not balance outside strings and comments, a merge conflict's markers at
    column 0, or a Python 2 print statement (a string never terminated is seen while the
    lexemes are read). *in_string(offset)*: whether an offset is inside a string spanning
    lines. ``ast`` decides such a file; another syntax error is not seen here."""
    if text.startswith(tuple(marker[1:] for marker in _CONFLICT_MARKERS)):
        return True
    for marker in _CONFLICT_MARKERS:
        found = text.find(marker)
        while found >= 0:
            if not in_string(found + 1):
                return True
            found = text.find(marker, found + 1)
    if any(text.count(opening) != text.count(closing)
           for opening, closing in zip(_OPENING, _CLOSING)):
        code = _LEXEMES.sub("", text)  # only then: brackets in strings and comments do not count
        if any(code.count(opening) != code.count(closing)
               for opening, closing in zip(_OPENING, _CLOSING)):
            return True
    return any(_at_line_start(text, found.start()) and not in_string(found.start())
               for found in _PRINT_STATEMENT.finditer(text))


def _at_line_start(text: str, offset: int) -> bool:
    """Whether only blanks stand between the start of *offset*'s line and it."""
    line_start = text.rfind("\n", 0, offset) + 1
    return not text[line_start:offset].strip(" \t")


# ``from m import ...`` at the start of a line; what follows ``import`` is read by
# ``_imported_names``.
_FROM_IMPORT = re.compile(r"^([ \t]*)from[ \t]+[\w.]+[ \t]+import\b[ \t]*", re.M)
# The names after an ``as`` (a superset of the aliases: ``class``, ``has`` match too), only to
# tell whether any import needs reading. Written to start with the literal "as": the regex
# engine then jumps from one "as" to the next (a leading [ \t] cost 5 times as much).
_AS_NAME = re.compile(r"as[ \t]+([^\W\d]\w*)")
_LOGICAL_LINE = re.compile(r"[^\n#]*(?:\\\n[^\n#]*)*")


def _text_import_aliases(text: str, wanted: set[str], in_string, top_level_lines
                         ) -> dict[str, str] | None:
    """alias -> imported name, of the module-level ``from m import Name as alias`` binding one
    of the *wanted* names (as ``_import_aliases`` reads them from ``ast``); None when such an
    import is indented under a top-level ``if``/``try``/``with`` (it may sit in a function
    there: ``ast`` decides)."""
    wanted = wanted.intersection(m.group(1) for m in _AS_NAME.finditer(text))
    if not wanted:  # (most files: one pass of a regex, no import read)
        return {}
    aliases: dict[str, str] = {}
    for match in _FROM_IMPORT.finditer(text):
        if in_string(match.start()):
            continue
        imported = [item for item in _imported_names(text, match.end()) if item[1] in wanted]
        if not imported:
            continue
        if match.group(1):  # indented: under a def or class, or maybe module-level
            index = bisect.bisect_right(top_level_lines or [], match.start()) - 1
            if index >= 0 and _OPENS_DEF_OR_CLASS.match(text, top_level_lines[index]):
                continue
            return None
        aliases.update({alias: name for name, alias in imported})
    return aliases


def _imported_names(text: str, start: int) -> list[tuple[str, str]]:
    """``(name, alias)`` of each ``Name as alias`` of the import list starting at *start*."""
    if text.startswith("(", start):
        items = _bracketed(text, start)[0]
    else:
        items = _LOGICAL_LINE.match(text, start).group().split(",")
    found = []
    for item in items:
        words = item.replace("\\\n", " ").split()
        if len(words) == 3 and words[1] == "as":
            found.append((words[0], words[2]))
    return found


def _body_end(text: str, header_end: int, top_level_lines: list[int]) -> int:
    """Where the body of the class whose header ends at *header_end* ends: the first line at
    column 0 that starts a statement. A line at column 0 inside brackets opened in the body (a
    string continuing a call) or after a backslash continues a statement of a method."""
    index = bisect.bisect_right(top_level_lines, header_end)
    depth, position = 0, header_end
    while index < len(top_level_lines):
        candidate = top_level_lines[index]
        code = _LEXEMES.sub("", text[position:candidate])  # brackets in strings do not count
        depth += sum(map(code.count, _OPENING)) - sum(map(code.count, _CLOSING))
        position = candidate
        if depth <= 0 and not text.endswith("\\\n", 0, candidate):
            return candidate
        index += 1
    return len(text)


_MEMBER = {}  # indentation -> the regex of a def or a field at that indentation


def _text_members(text: str, start: int, end: int, in_string
                  ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Public ``def`` names, and the names assigned or annotated, at the indentation of the
    first statement of a class body."""
    indentation = None
    for line in _INDENTED_LINE.finditer(text, start, end):
        if not in_string(line.start()):
            indentation = line.group(1)
            break
    if indentation is None:
        return (), ()  # ``class A: pass``, or an empty file after the header
    member = _MEMBER.get(indentation)
    if member is None:
        member = _MEMBER[indentation] = re.compile(
            rf"^{re.escape(indentation)}(?:(?:async[ \t]+)?def[ \t]+([^\W\d]\w*)"
            rf"|([^\W\d]\w*)[ \t]*(?::|=(?!=)))", re.M)
    methods, fields = [], []
    for found in member.finditer(text, start, end):
        if in_string(found.start()):
            continue
        if found.group(1):
            if is_public(found.group(1)):
                methods.append(found.group(1))
        elif found.group(2) not in _NOT_FIELDS:
            fields.append(found.group(2))
            if found.group(0).endswith("="):  # ``a = b = None``: every target a field
                position = found.end()
                chained = _CHAINED_TARGET.match(text, position)
                while chained:
                    fields.append(chained.group(1))
                    chained = _CHAINED_TARGET.match(text, chained.end())
    return tuple(methods), tuple(dict.fromkeys(fields))


_CHAINED_TARGET = re.compile(r"[ \t]*([^\W\d]\w*)[ \t]*=(?!=)")


_DECORATOR = re.compile(r"@[ \t]*([^\W\d][\w.]*)")


def _text_decorators(text: str, class_start: int, top_level_lines: list[int]) -> list[str]:
    """``@name`` markers of the decorators on the lines right above a column-0 class (each
    decorator's last component, and the dotted name when it has dots): the top-level lines
    right above the class's own that start with ``@`` (blank, indented and comment lines, and
    a decorator call's closing bracket, are no top-level lines)."""
    markers = []
    index = bisect.bisect_left(top_level_lines, class_start) - 1
    for index in range(index, max(index - 32, -1), -1):  # a longer list says nothing more
        line = top_level_lines[index]
        if not text.startswith("@", line):
            break  # a statement of its own: above the decorators
        found = _DECORATOR.match(text, line)
        if found:
            name = found.group(1)
            markers.append(f"@{name.rpartition('.')[2]}")
            if "." in name:
                markers.append(f"@{name}")
    return markers
