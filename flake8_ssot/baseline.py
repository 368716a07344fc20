"""The baseline file: its format, the statement fingerprints it records findings by, and where it
is. The plugin applies it during a run (``baseline_run``); ``flake8-ssot baseline`` writes it and
``report`` reads it (``commands.baseline``, ``commands.report``).

A codebase that adopts the plugin with hundreds of findings commits a baseline file; with
``ssot-baseline = <path>`` in its flake8 configuration, the plugin stays silent on every finding
recorded there and reports the rest. A finding is recorded by *where and what*, never by line:

* the path of its file, relative to the directory of the baseline file (POSIX separators);
* its code;
* a fingerprint of its statement: the tokens of the logical line it is reported on, without
  comments, indentation or line breaks, so that edits elsewhere in the file, re-indenting or a
  reflowed argument list keep it matching;
* a count, for a file that repeats the identical statement.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from flake8_ssot.files import read_bytes, source_lines
from flake8_ssot.project import config_directory

FORMAT_VERSION = 1
DEFAULT_PATH = ".flake8-ssot-baseline.json"
# Tokens that carry no meaning for "is this the same statement".
_LAYOUT_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                  tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING}
# Tokens that need a space between them (``del x``, ``a if b else 'c'``); nothing else gets one.
_WORD_TOKENS = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING}
# How far a statement is followed; a longer one is fingerprinted by its first lines.
_MAX_STATEMENT_LINES = 200
_SHOWN_STATEMENT_CHARS = 120


# -- fingerprints ----------------------------------------------------------------------------

def normalised_statement(lines: Sequence[str], line: int) -> str:
    """The logical line starting at *line* (1-based), written canonically.

    Its tokens without comments, indentation or line breaks, a space only between two words,
    strings in one quote style: reformatting keeps the text, a changed statement does not. A
    ``class``/``def`` statement is its header (its body is further logical lines), so editing the
    body keeps it. Only ``lines[line - 1:]`` is read: the plugin (flake8's lines, an editor buffer
    included) and the command line (the file on disk) compute the same text.
    """
    if not 1 <= line <= len(lines):
        return ""
    window = list(lines[line - 1:line - 1 + _MAX_STATEMENT_LINES])
    if line == 1 and window[0].startswith("\ufeff"):
        window[0] = window[0][1:]
    words: list[str] = []
    depth = 0
    previous_is_word = False
    try:
        for token in tokenize.generate_tokens(io.StringIO("".join(window)).readline):
            if token.type == tokenize.NEWLINE or (token.type == tokenize.NL and depth <= 0
                                                  and words):
                break
            if token.type == tokenize.OP:
                if token.string in "([{":
                    depth += 1
                elif token.string in ")]}":
                    depth -= 1
                    if depth < 0:  # a finding inside an expression that began above
                        break
            if token.type not in _LAYOUT_TOKENS:
                is_word = token.type in _WORD_TOKENS
                if is_word and previous_is_word:
                    words.append(" ")
                words.append(_canonical(token))
                previous_is_word = is_word
    except (tokenize.TokenError, SyntaxError):
        pass  # unbalanced or cut-off source: the tokens read so far are the statement
    if not words:
        return " ".join(lines[line - 1].split("#", 1)[0].split())
    return "".join(words)


def _canonical(token: tokenize.TokenInfo) -> str:
    """A token as the canonical statement writes it: strings in one quote style."""
    text = token.string
    if token.type == tokenize.STRING:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None  # an f-string or an odd literal: kept as written
        if isinstance(value, (str, bytes)):
            text = repr(value)
    return text


def read_lines(path: str) -> list[str]:
    """The file's lines decoded and split the way flake8 does (``files.source_lines``); an
    ``OSError`` for a file that is not read (``files.read_file``)."""
    return source_lines(read_bytes(path))


def fingerprint(statement: str) -> str:
    return hashlib.sha256(statement.encode("utf-8")).hexdigest()[:16]


# -- where things are ------------------------------------------------------------------------

def project_directory(settings, cwd: str | None = None, config_file: str | None = None) -> str:
    """Where a relative ``ssot-baseline`` is resolved: ``ssot-project-root`` if set, else the
    directory of the flake8 config file (``--config FILE``, else the one flake8 finds from the
    current directory), else the current directory."""
    cwd = os.path.abspath(cwd or os.getcwd())
    if settings.project_root:
        return os.path.join(cwd, os.path.expanduser(settings.project_root))
    return config_directory(config_file)


def resolve_path(raw: str, settings, cwd: str | None = None,
                 config_file: str | None = None) -> str:
    path = os.path.expanduser(raw)
    if os.path.isabs(path):
        return os.path.normpath(path)
    return os.path.normpath(os.path.join(project_directory(settings, cwd, config_file), path))


# -- the baseline file -----------------------------------------------------------------------

Key = tuple  # (path relative to the baseline's directory, code, fingerprint)

_CODE = re.compile(r"^[A-Z]{1,3}[0-9]{1,3}$")  # flake8's own rule for a code
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")


def _entry_problem(entry: object) -> str | None:
    """What is wrong with one entry of a baseline file, or None."""
    if not isinstance(entry, dict):
        return f"must be an object with code, fingerprint and count, not {_shown(entry)}"
    if not isinstance(entry.get("code"), str) or not _CODE.match(entry["code"]):
        return f"has no valid code: {_shown(entry.get('code'))}"
    if not isinstance(entry.get("fingerprint"), str) or not _FINGERPRINT.match(
            entry["fingerprint"]):
        return f"has no valid fingerprint (16 hex digits): {_shown(entry.get('fingerprint'))}"
    count = entry.get("count", 1)
    if type(count) is not int or count < 1:  # noqa: E721 - True is an int, not a count
        return f"has no valid count (a whole number from 1): {_shown(count)}"
    if not isinstance(entry.get("statement", ""), str):
        return f"has a statement that is not text: {_shown(entry['statement'])}"
    return None


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass
class Baseline:
    """Accepted findings: ``counts[(path, code, fingerprint)]``, read from or written to *path*."""

    path: str
    counts: Counter = field(default_factory=Counter)
    statements: dict = field(default_factory=dict)  # key -> statement text, for readers

    @property
    def directory(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    def relative(self, filename: str) -> str:
        """*filename* (as flake8 names it, relative to the cwd) relative to the baseline."""
        absolute = os.path.realpath(os.path.abspath(filename))
        return os.path.relpath(absolute, os.path.realpath(self.directory)).replace(os.sep, "/")

    def total(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def read(cls, path: str) -> "Baseline":
        """Read *path*; raises ``ValueError`` with a readable reason if it is not a baseline,
        down to one entry of the wrong shape (a baseline read wrongly would hide findings or lose
        accepted ones)."""
        try:
            data = json.loads(read_bytes(path).decode("utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error})") from None
        except UnicodeDecodeError as error:
            raise ValueError(f"{path} is not UTF-8 ({error.reason} at byte {error.start})") \
                from None
        except RecursionError:
            raise ValueError(f"{path} is nested too deeply to be a baseline") from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION \
                or not isinstance(data.get("files"), dict):
            raise ValueError(f"{path} is not a flake8-ssot baseline (version {FORMAT_VERSION})")
        baseline = cls(path)
        for relative_path, entries in data["files"].items():
            where = f"{path}: files[{json.dumps(relative_path)}]"
            if not relative_path or not isinstance(entries, list):
                raise ValueError(f"{where} must be a list of entries, not {_shown(entries)}")
            for number, entry in enumerate(entries):
                problem = _entry_problem(entry)
                if problem:
                    raise ValueError(f"{where}[{number}] {problem}")
                key = (relative_path, entry["code"], entry["fingerprint"])
                baseline.counts[key] += entry.get("count", 1)
                baseline.statements[key] = entry.get("statement", "")
        return baseline

    def render(self) -> str:
        """One entry a line, sorted, so that a review of the baseline's diff is readable."""
        by_file: dict[str, list[Key]] = {}
        for key in sorted(key for key, count in self.counts.items() if count > 0):
            by_file.setdefault(key[0], []).append(key)
        out = ['{', f'  "version": {FORMAT_VERSION},', '  "files": {']
        for file_number, (relative_path, keys) in enumerate(by_file.items()):
            out.append(f"    {json.dumps(relative_path)}: [")
            for number, key in enumerate(keys):
                entry = {"code": key[1], "fingerprint": key[2], "count": self.counts[key],
                         "statement": self.statements.get(key, "")[:_SHOWN_STATEMENT_CHARS]}
                comma = "," if number < len(keys) - 1 else ""
                out.append(f"      {json.dumps(entry, ensure_ascii=False)}{comma}")
            out.append("    ]" + ("," if file_number < len(by_file) - 1 else ""))
        out += ["  }", "}", ""]
        return "\n".join(out)

    def split(self, findings: Iterable) -> tuple[list, list, Counter]:
        """``(baselined, new, unmatched)``: each finding matched against the remaining counts in
        line order; ``unmatched`` counts the baseline entries nothing matched."""
        remaining = Counter(self.counts)
        baselined, new = [], []
        for found in sorted(findings, key=lambda f: (f.path, f.line, f.col, f.code)):
            if remaining[found.key] > 0:
                remaining[found.key] -= 1
                baselined.append(found)
            else:
                new.append(found)
        return baselined, new, +remaining
