"""The SARIF 2.1.0 log of ``--format=ssot-sarif``, as GitHub code scanning takes it without help.

- URIs are relative to the repository root (``git rev-parse --show-toplevel``; outside git, the
  directory flake8 ran in), the root itself given in ``originalUriBaseIds`` as ``%SRCROOT%``:
  ``github/codeql-action/upload-sarif`` resolves a relative URI against the checkout, whatever
  directory flake8 ran in.
- Every result carries GitHub's own ``primaryLocationLineHash`` (``line_hashes``, the algorithm
  of the upload action) beside the baseline's statement fingerprint, and a full region.
- Every rule of the run has its descriptions and help inline: SOT codes from the registry,
  other plugins' codes from the plugin that reports them.
- GitHub takes at most ``MAX_RESULTS`` results a run: more is an error (``TooManyResults``).

Imported by the formatter when it is used, never at flake8's start.
"""

from __future__ import annotations

import os
import subprocess
from array import array
from pathlib import Path
from urllib.parse import quote

from flake8_ssot import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# SARIF levels per family: SOT3xx values fail at run time, SOT9xx is a check that did not run.
LEVELS = {"SOT1": "warning", "SOT2": "warning", "SOT3": "error", "SOT9": "error"}
STATEMENT_KEY = "flake8-ssot/statement/v1"
LINE_HASH_KEY = "primaryLocationLineHash"
ROOT_ID = "%SRCROOT%"
# GitHub code scanning's limit of results per run (docs: "SARIF support for code scanning").
MAX_RESULTS = 25_000


class TooManyResults(Exception):
    """More results than code scanning accepts in one run."""


def level(code: str) -> str:
    return LEVELS.get(code[:4], "warning")


# -- where -----------------------------------------------------------------------------------

def repository_root(cwd: str | None = None) -> str:
    """The root of the git checkout *cwd* is in; outside git, *cwd* itself."""
    cwd = os.path.abspath(cwd or os.getcwd())
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd,
                              capture_output=True, text=True, check=False)
    except OSError:
        return cwd
    top = done.stdout.strip()
    return os.path.realpath(top) if done.returncode == 0 and top else cwd


def artifact_location(filename: str, root: str) -> dict:
    """*filename* relative to *root* (``%SRCROOT%``), or an absolute ``file:`` URI outside it."""
    path = os.path.realpath(os.path.abspath(filename))
    relative = os.path.relpath(path, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(relative.replace(os.sep, "/")), "uriBaseId": ROOT_ID}


def region(line: int, column: int, text: str | None) -> dict:
    """The reported line from the reported column to the end of that line (1-based, the end
    column exclusive, as SARIF counts)."""
    line, column = max(line, 1), max(column, 1)
    end = len(text.rstrip("\r\n")) + 1 if text is not None else column
    return {"startLine": line, "startColumn": column, "endLine": line,
            "endColumn": max(end, column)}


# -- GitHub's line hash ------------------------------------------------------------------------

_BLOCK = 100  # code units a line's hash covers, from its first non-blank one on
_EOF = 0xFFFF
_MASK = (1 << 64) - 1


def line_hashes(text: str, wanted: set[int]) -> dict[int, str]:
    """``primaryLocationLineHash`` of the *wanted* lines (1-based) of a file whose content is
    *text*, as github/codeql-action's upload computes it (``src/fingerprints.ts``, ``hash``):

    the content as UTF-16 code units without spaces and tabs, every CR, LF and CRLF one LF, then
    an end-of-file unit (0xFFFF) and zeros; a line's hash is the polynomial hash (base 37,
    modulo 2**64, printed in hex) of the 100 units from the line's start on, and ``:N`` numbers
    the lines of the file that have the same hash, in order.
    """
    normal = text.replace("\r\n", "\r").replace("\r", "\n").replace(" ", "").replace("\t", "")
    units = array("H")
    units.frombytes(normal.encode("utf-16-le"))
    units.append(_EOF)
    units.extend([0] * _BLOCK)
    stream = units.tobytes()
    starts = [0]
    newline = array("H", [0x0A]).tobytes()
    position = stream.find(newline)
    while position != -1:
        if position % 2 == 0:  # a code unit boundary
            starts.append(position + 2)
            position = stream.find(newline, position + 2)
        else:
            position = stream.find(newline, position + 1)
    seen: dict[bytes, int] = {}
    hashes: dict[int, str] = {}
    for number, start in enumerate(starts, 1):
        window = stream[start:start + 2 * _BLOCK]
        seen[window] = seen.get(window, 0) + 1
        if number in wanted:
            value = 0
            for unit in array("H", window):
                value = (value * 37 + unit) & _MASK
            hashes[number] = f"{value:x}:{seen[window]}"
    return hashes


# -- the log -----------------------------------------------------------------------------------

def log(results: list[dict], root: str, others: dict[str, str]) -> dict:
    """The SARIF log of *results*; *others* maps each code the registry does not have to one
    message of it from this run."""
    if len(results) > MAX_RESULTS:
        raise TooManyResults(
            f"{len(results)} results, and GitHub code scanning accepts at most {MAX_RESULTS:,} "
            "in a run: record a baseline (flake8-ssot baseline) so that only new findings are "
            "reported, or run flake8 on parts of the tree, one upload category each "
            "(docs/usage.md, 'SARIF for code scanning')")
    from flake8_ssot.registry import RULES

    rules = [_rule(rule) for rule in RULES]
    known = {rule.code for rule in RULES}
    rules += [_other_rule(code, others[code]) for code in sorted(set(others) - known)]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "flake8-ssot", "version": __version__,
                                "rules": rules}},
            "originalUriBaseIds": {ROOT_ID: {"uri": Path(root).as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _rule(rule) -> dict:
    from flake8_ssot.docs import rule_section
    from flake8_ssot.forms import fix_note

    note = fix_note(rule.code)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": f"{rule.summary} {rule.why}" + (f" {note}" if note else ""),
                 "markdown": "\n".join(rule_section(rule))},
        "defaultConfiguration": {"level": level(rule.code)},
    }


def _other_rule(code: str, message: str) -> dict:
    plugin = reporting_plugin(code)
    short = f"{code}, reported by {plugin} (through flake8)"
    full = (f"{code} is a code of {plugin}, not of flake8-ssot: see {plugin}'s documentation. "
            f"A message of it in this run: {message}")
    return {"id": code, "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "help": {"text": full, "markdown": f"`{code}` is a code of **{plugin}**, not of "
                     f"flake8-ssot: see {plugin}'s documentation.\n\nA message of it in this "
                     f"run: {message}"},
            "defaultConfiguration": {"level": level(code)}}


# flake8 registers its two bundled checkers under its own name.
_BUNDLED = {"F": "pyflakes", "E": "pycodestyle", "W": "pycodestyle"}


def reporting_plugin(code: str) -> str:
    """The distribution whose flake8 plugin registers the longest prefix of *code*."""
    from importlib.metadata import distributions

    best, plugin = "", "a flake8 plugin"
    for dist in distributions():
        name = dist.metadata["Name"] or ""
        for point in dist.entry_points:
            if (point.group == "flake8.extension" and code.startswith(point.name)
                    and len(point.name) > len(best)):
                best = point.name
                plugin = _BUNDLED.get(best, name) if name.lower() == "flake8" else name
    return plugin
