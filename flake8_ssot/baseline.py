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

A run over some paths updates only the entries of the files flake8 checked there: every other
entry, and those of a file that could not be read or parsed, is kept as it was. The findings come
from running ``flake8`` itself (see ``findings``).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import logging
import os
import re
import sys
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from flake8_ssot import commandline
from flake8_ssot.commandline import CommandError, plural
from flake8_ssot.project import config_directory, settings_from_flake8

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


def read_lines(path: str) -> list[str]:
    """The file's lines decoded the way flake8 decodes them (PEP 263, then latin-1)."""
    try:
        with tokenize.open(path) as handle:
            return handle.readlines()
    except (SyntaxError, UnicodeError):
        with open(path, encoding="latin-1") as handle:
            return handle.readlines()


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
        with open(path, encoding="utf-8") as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not valid JSON ({error})") from None
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

    def write(self) -> None:
        commandline.write_atomically(self.path, self.render().encode("utf-8"))

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


# -- the plugin side: drop baselined findings ------------------------------------------------

# The config file of the current flake8 run (``--config``), set by ``begin_run``.
_run_config_file: list = [None]
# (ssot-baseline, ssot-project-root, cwd) -> the baseline's path, resolved once per run.
_RESOLVED: dict[tuple, str] = {}
# path -> (its (mtime_ns, size) when read, the baseline or None when it cannot be used, its
# entries per file ``{path: Counter({(code, fingerprint): count})}``). A long-lived process (an
# editor running flake8 through runpy) stats the file on each use and reads it again when it
# changed, so a rewritten baseline counts from the next lint on.
_LOADED: dict[str, tuple] = {}


def begin_run() -> None:
    """Called by the plugin at the start of every flake8 run (``parse_options``)."""
    _run_config_file[0] = _flake8_config_argument()
    _RESOLVED.clear()


def _flake8_config_argument() -> str | None:
    """flake8's ``--config FILE`` of this run, read from its command line with flake8's own
    first-stage parser: the options flake8 hands to a plugin do not keep it. flake8 resolves the
    paths in a config file against that file's directory; so does a relative ``ssot-baseline``."""
    from flake8.main.options import stage1_arg_parser

    try:
        known, _ = stage1_arg_parser().parse_known_args(sys.argv[1:])
    except SystemExit:  # not flake8's command line (flake8 run through its Python API)
        return None
    return known.config


def _signature(path: str) -> tuple | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


def _load(path: str) -> tuple[Baseline | None, dict[str, Counter]]:
    try:
        baseline = Baseline.read(path)
    except FileNotFoundError:
        LOG.warning("flake8-ssot: baseline %s not found; reporting every finding "
                    "(create it with `flake8-ssot baseline`)", path)
        return None, {}
    except (OSError, UnicodeDecodeError, ValueError) as error:
        LOG.warning("flake8-ssot: cannot use baseline %s: %s; reporting every finding",
                    path, error)
        return None, {}
    by_file: dict[str, Counter] = {}
    for (relative_path, code, digest), count in baseline.counts.items():
        by_file.setdefault(relative_path, Counter())[code, digest] += count
    return baseline, by_file


def _entries_by_file(settings) -> tuple[Baseline | None, dict[str, Counter]]:
    resolve_key = (settings.baseline, settings.project_root, os.getcwd())
    if resolve_key not in _RESOLVED:
        _RESOLVED[resolve_key] = resolve_path(settings.baseline, settings,
                                              config_file=_run_config_file[0])
    path = _RESOLVED[resolve_key]
    signature = _signature(path)
    if path not in _LOADED or _LOADED[path][0] != signature:
        _LOADED[path] = (signature, *_load(path))
    return _LOADED[path][1:]


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


# -- the command -----------------------------------------------------------------------------

def configured_path(explicit: str | None, config_file: str | None = None) -> tuple[str, bool]:
    """``(baseline path, whether the flake8 configuration names it)``: ``--baseline``, else
    ``ssot-baseline`` from the flake8 config, else the default name in the project directory."""
    cwd = os.getcwd()
    settings, _ = settings_from_flake8(["--config", config_file] if config_file else [])
    if explicit:
        return os.path.abspath(explicit), bool(settings.baseline)
    return (resolve_path(settings.baseline or DEFAULT_PATH, settings, cwd, config_file),
            bool(settings.baseline))


def read_existing(path: str) -> Baseline | None:
    """The baseline at *path*, None if there is none; a broken one is a ``CommandError``."""
    try:
        return Baseline.read(path)
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, ValueError) as error:
        raise CommandError(str(error)) from None


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    commandline.add_paths_argument(parser)
    parser.add_argument("--baseline", metavar="PATH",
                        help=f"baseline file (default: ssot-baseline from the flake8 "
                             f"configuration, else {DEFAULT_PATH})")
    commandline.add_config_argument(parser)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--add-new", action="store_true",
                        help="also accept findings that are not in the existing baseline "
                             "(without it, rewriting a baseline only drops fixed entries)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if rewriting the baseline would change it "
                             "(fixed entries to drop), for CI")


def print_unreadable(verdict, old: Baseline | None) -> None:
    for path, why in sorted(verdict.run.unreadable.items()):
        entries = sum(count for key, count in (old.counts if old else {}).items()
                      if key[0] == path)
        print(f"{path}: could not be read or checked ({why}); "
              f"{plural(entries, 'baseline entry', 'baseline entries')} kept unchanged")


def run(args: argparse.Namespace) -> int:
    from flake8_ssot import findings  # imports flake8's formatter base: the command side only

    paths = commandline.existing_paths(args.paths)
    config = commandline.config_file(args)
    path, configured = configured_path(args.baseline, config)
    old = read_existing(path)
    new = Baseline(path)
    verdict = findings.judge(old or Baseline(path), findings.collect(paths, new, config), paths)
    accepted = verdict.run.findings if old is None or args.add_new else verdict.baselined
    for item in accepted:
        new.counts[item.key] += 1
        new.statements[item.key] = item.statement
    for key, count in verdict.kept.items():
        new.counts[key] += count
        new.statements[key] = old.statements.get(key, "")
    left_out = [] if old is None or args.add_new else verdict.new
    shown_path = os.path.relpath(path)
    fixed = sum(verdict.fixed.values())

    if args.check:
        print_unreadable(verdict, old)
        if old is not None and +new.counts == +old.counts:
            print(f"{shown_path}: up to date")
            return commandline.EXIT_OK
        if old is None:
            print(f"{shown_path}: no baseline (create it with `flake8-ssot baseline`)")
        else:
            added = new.total() - old.total() + fixed
            print(f"{shown_path}: out of date: {fixed} fixed since it was written"
                  + (f", {added} new to add" if added else "")
                  + " (rewrite it with `flake8-ssot baseline`"
                  + (" --add-new" if args.add_new else "") + ")")
        return commandline.EXIT_FINDINGS

    new.write()
    files = len({key[0] for key in new.counts})
    summary = (f"{shown_path}: {plural(new.total(), 'finding')} in "
               f"{plural(files, 'file')} accepted")
    if old is not None:
        summary += f"; {fixed} fixed since the previous baseline dropped"
    print(summary)
    not_checked = sum(count for key, count in verdict.kept.items()
                      if key[0] not in verdict.run.unreadable)
    if not_checked:
        print(f"{plural(not_checked, 'entry', 'entries')} of files not checked in this run kept "
              "unchanged")
    print_unreadable(verdict, old)
    if left_out:
        print(f"{plural(len(left_out), 'new finding')} not added (fix them, or rerun with "
              "--add-new):")
        for item in left_out:
            print(f"  {item}")
    if not configured:
        relative = os.path.relpath(path, config_directory(config))
        print(f"Enable it: add `ssot-baseline = {relative}` to "
              "the [flake8] section of setup.cfg, tox.ini or .flake8.")
    return commandline.EXIT_OK
