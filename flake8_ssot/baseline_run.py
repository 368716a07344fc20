"""The baseline during a flake8 run: the plugin's per-run state, and the findings of one file
less those the configured baseline accepts (the file itself: ``baseline``)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections import Counter
from typing import Sequence

from flake8_ssot.baseline import Baseline, fingerprint, normalised_statement, resolve_path

LOG = logging.getLogger("flake8_ssot")

# The config file of the current flake8 run (``--config``), set by ``begin_run``.
_run_config_file: list = [None]
# (ssot-baseline, ssot-project-root, cwd) -> the baseline's path, resolved once per run.
_RESOLVED: dict[tuple, str] = {}
# path -> (its (mtime_ns, size) when read, the baseline or None when it cannot be used, its
# entries per file ``{path: Counter({(code, fingerprint): count})}``). A long-lived process (an
# editor running flake8 through runpy) stats the file on each use and reads it again when it
# changed, so a rewritten baseline counts from the next lint on.
_LOADED: dict[str, tuple] = {}


def begin_run(settings, load: bool = True) -> None:
    """Called by the plugin at the start of every flake8 run (``parse_options``), in flake8's
    main process: with *load*, the baseline is looked at here, once, so that its warning is
    shown once a run, and the workers flake8 forks for ``--jobs`` start with it read."""
    _run_config_file[0] = _flake8_config_argument()
    _RESOLVED.clear()
    if load:
        _entries_by_file(settings)


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
        # Configured before it is written (the documented first step): every finding counts,
        # as without a baseline; `flake8-ssot report` and `baseline --check` name the file.
        return None, {}
    except (OSError, UnicodeDecodeError, ValueError) as error:
        if multiprocessing.parent_process() is None:  # a worker of --jobs: the main one said it
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
