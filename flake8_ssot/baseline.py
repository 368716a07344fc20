"""``flake8-ssot baseline``: accept today's findings so that only new ones are reported.

A codebase that adopts the plugin with hundreds of findings commits a baseline file; with
``ssot-baseline = <path>`` in its flake8 configuration, the plugin stays silent on every finding
recorded there and reports the rest. A finding is recorded by *where and what*, never by line:

* the path of its file, relative to the directory of the baseline file (POSIX separators);
* its code;
* a fingerprint of its statement: the tokens of the logical line it is reported on, without
  comments, indentation or line breaks, so that edits elsewhere in the file, re-indenting or a
  reflowed argument list keep it matching;
* a count, for a file that repeats the identical statement.

Rewriting the baseline (running this command again) keeps only the entries that still match a
finding, so it shrinks as the code is fixed; ``--add-new`` also accepts today's new findings.

The findings come from running ``flake8`` itself (``--select=SOT``, the plugin's ``--ssot-baseline``
emptied), so that exclusions, ``per-file-ignores``, ``extend-ignore`` and ``# noqa`` count exactly as
they do for the pre-commit hook and CI.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from flake8_ssot import options

LOG = logging.getLogger("flake8_ssot")

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


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def fingerprint(statement: str) -> str:
    return hashlib.sha256(statement.encode("utf-8")).hexdigest()[:16]


# -- where things are ------------------------------------------------------------------------

def project_directory(settings, cwd: str | None = None) -> str:
    """Where a relative ``ssot-baseline`` is resolved: ``ssot-project-root`` if set, else the
    directory of the flake8 config file, else the current directory."""
    cwd = os.path.abspath(cwd or os.getcwd())
    if settings.project_root:
        return os.path.join(cwd, os.path.expanduser(settings.project_root))
    return options.find_config_directory(cwd) or cwd


def resolve_path(raw: str, settings, cwd: str | None = None) -> str:
    path = os.path.expanduser(raw)
    if os.path.isabs(path):
        return os.path.normpath(path)
    return os.path.normpath(os.path.join(project_directory(settings, cwd), path))


# -- the baseline file -----------------------------------------------------------------------

Key = tuple  # (path relative to the baseline's directory, code, fingerprint)


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
        """Read *path*; raises ``ValueError`` with a readable reason if it is not a baseline."""
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error})") from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION \
                or not isinstance(data.get("files"), dict):
            raise ValueError(f"{path} is not a flake8-ssot baseline (version {FORMAT_VERSION})")
        baseline = cls(path)
        for relative_path, entries in data["files"].items():
            for entry in entries if isinstance(entries, list) else ():
                try:
                    key = (relative_path, str(entry["code"]), str(entry["fingerprint"]))
                    count = int(entry.get("count", 1))
                except (KeyError, TypeError, ValueError):
                    raise ValueError(f"{path}: malformed entry {entry!r}") from None
                baseline.counts[key] += count
                baseline.statements[key] = str(entry.get("statement", ""))
        return baseline

    def write(self) -> None:
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
        os.makedirs(self.directory, exist_ok=True)
        temporary = f"{self.path}.tmp{os.getpid()}"
        with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
            handle.write("\n".join(out))
        os.replace(temporary, self.path)  # a reader never sees half a file

    def split(self, findings: Iterable["Found"]) -> tuple[list["Found"], list["Found"], Counter]:
        """``(baselined, new, fixed)``: each finding matched against the remaining counts in
        line order; ``fixed`` counts the baseline entries nothing matched any more."""
        remaining = Counter(self.counts)
        baselined, new = [], []
        for found in sorted(findings, key=lambda f: (f.path, f.line, f.col, f.code)):
            if remaining[found.key] > 0:
                remaining[found.key] -= 1
                baselined.append(found)
            else:
                new.append(found)
        return baselined, new, +remaining


# -- the plugin side: drop baselined findings ------------------------------------------------

# Read once per process: (ssot-baseline, ssot-project-root, cwd) -> (the baseline, or None when
# it cannot be used; its entries per file, ``{path: Counter({(code, fingerprint): count})}``).
_LOADED: dict[tuple, tuple] = {}


def _entries_by_file(settings) -> tuple[Baseline | None, dict[str, Counter]]:
    cache_key = (settings.baseline, settings.project_root, os.getcwd())
    if cache_key not in _LOADED:
        path = resolve_path(settings.baseline, settings)
        try:
            baseline = Baseline.read(path)
        except FileNotFoundError:
            LOG.warning("flake8-ssot: baseline %s not found; reporting every finding "
                        "(create it with `flake8-ssot baseline`)", path)
            baseline = None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            LOG.warning("flake8-ssot: cannot use baseline %s: %s; reporting every finding",
                        path, error)
            baseline = None
        by_file: dict[str, Counter] = {}
        for (relative_path, code, digest), count in (baseline.counts.items() if baseline else ()):
            by_file.setdefault(relative_path, Counter())[code, digest] += count
        _LOADED[cache_key] = (baseline, by_file)
    return _LOADED[cache_key]


def drop_baselined(findings: list, lines: Sequence[str], filename: str, settings) -> list:
    """*findings* of one file (sorted by line) less those accepted in ``settings.baseline``."""
    baseline, by_file = _entries_by_file(settings)
    if baseline is None or not findings:
        return findings
    accepted = by_file.get(baseline.relative(filename))
    if not accepted:
        return findings
    remaining = Counter(accepted)  # the first copies of a repeated statement are the accepted ones
    kept = []
    for finding in findings:
        key = (finding.code, fingerprint(normalised_statement(lines, finding.line)))
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            kept.append(finding)
    return kept


# -- the command line side: today's findings, from flake8 ------------------------------------

@dataclass(frozen=True)
class Found:
    """A finding as flake8 printed it, with its baseline key."""

    path: str  # relative to the baseline's directory
    line: int
    col: int
    code: str
    message: str
    statement: str

    @property
    def key(self) -> Key:
        return (self.path, self.code, fingerprint(self.statement))


_FORMAT = "%(path)s\t%(row)d\t%(col)d\t%(code)s\t%(text)s"


def _read_lines(path: str) -> list[str]:
    """The file's lines decoded the way flake8 decodes them (PEP 263, then latin-1)."""
    try:
        with tokenize.open(path) as handle:
            return handle.readlines()
    except (SyntaxError, UnicodeError):
        with open(path, encoding="latin-1") as handle:
            return handle.readlines()


def collect(paths: Sequence[str], baseline: Baseline) -> list[Found]:
    """Run flake8 (SOT codes only, the configured baseline not applied) on *paths*.

    Raises ``RuntimeError`` with flake8's own message if flake8 cannot run.
    """
    command = [sys.executable, "-m", "flake8", "--select=SOT", "--ssot-baseline=",
               "--exit-zero", f"--format={_FORMAT}", *paths]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONSAFEPATH"}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or f"flake8 exited with {result.returncode}")
    sys.stderr.write(result.stderr)  # the plugin's own warnings stay visible
    found: list[Found] = []
    file_lines: dict[str, list[str]] = {}
    for row in result.stdout.splitlines():
        parts = row.split("\t", 4)
        if len(parts) != 5 or not parts[3].startswith("SOT"):
            continue
        path, line, col, code, message = parts
        if path not in file_lines:
            try:
                file_lines[path] = _read_lines(path)
            except OSError:
                file_lines[path] = []
        found.append(Found(baseline.relative(path), int(line), int(col), code, message,
                           normalised_statement(file_lines[path], int(line))))
    return found


def configured_path(explicit: str | None) -> tuple[str, bool]:
    """``(baseline path, whether the flake8 configuration names it)``: ``--baseline``, else
    ``ssot-baseline`` from the flake8 config, else the default name in the project directory."""
    cwd = os.getcwd()
    settings = options.settings_for(cwd)
    if explicit:
        return os.path.abspath(explicit), bool(settings.baseline)
    return resolve_path(settings.baseline or DEFAULT_PATH, settings, cwd), bool(settings.baseline)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."],
                        help="files and directories to check, as for flake8 (default: .)")
    parser.add_argument("--baseline", metavar="PATH",
                        help=f"baseline file (default: ssot-baseline from the flake8 "
                             f"configuration, else {DEFAULT_PATH})")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--add-new", action="store_true",
                        help="also accept findings that are not in the existing baseline "
                             "(without it, rewriting a baseline only drops fixed entries)")


def run(args: argparse.Namespace) -> int:
    path, configured = configured_path(args.baseline)
    try:
        old = Baseline.read(path)
    except FileNotFoundError:
        old = None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"flake8-ssot baseline: {error}", file=sys.stderr)
        return 2
    new = Baseline(path)
    try:
        found = collect(args.paths, new)
    except RuntimeError as error:
        print(f"flake8-ssot baseline: flake8 failed: {error}", file=sys.stderr)
        return 2
    if old is None:
        accepted, left_out, fixed = found, [], Counter()
    else:
        baselined, left_out, fixed = old.split(found)
        accepted = found if args.add_new else baselined
        left_out = [] if args.add_new else left_out
    for item in accepted:
        new.counts[item.key] += 1
        new.statements[item.key] = item.statement
    new.write()
    files = len({key[0] for key in new.counts})
    summary = (f"{os.path.relpath(path)}: {plural(new.total(), 'finding')} in "
               f"{plural(files, 'file')} accepted")
    if old is not None:
        summary += f"; {sum(fixed.values())} fixed since the previous baseline dropped"
    print(summary)
    if left_out:
        print(f"{plural(len(left_out), 'new finding')} not added (fix them, or rerun with "
              "--add-new):")
        for item in left_out:
            print(f"  {item.path}:{item.line}:{item.col}: {item.code} {item.message}")
    if not configured:
        config_directory = options.find_config_directory(os.getcwd()) or os.getcwd()
        print(f"Enable it: add `ssot-baseline = {os.path.relpath(path, config_directory)}` to "
              "the [flake8] section of setup.cfg, tox.ini or .flake8.")
    return 0
