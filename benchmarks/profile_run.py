"""Profile one real flake8 run with the plugin and say where the plugin's share of the time goes.

Run by hand from the repository root (after ``python benchmarks/corpus.py``)::

    python benchmarks/profile_run.py benchmarks/.corpus/llama-index-core-0.14.25
    python benchmarks/profile_run.py ROOT --cold                # an empty cache first
    python benchmarks/profile_run.py ROOT agentsvc/huge.py      # some files of ROOT only

It runs ``venv-plugin``'s flake8 under ``cProfile`` with ``--jobs 1`` (flake8 then checks every
file in its own process, so one profile holds everything), with the corpus's configuration as
the benchmark passes it, and prints:

- the whole run's time and the plugin's share: the cumulative time of ``SsotChecker.run``
  (every family, per file) plus the class setup flake8 calls once (``parse_options``);
- the cumulative time of each stage of the plugin that has one (the families, the index);
- the functions of the plugin (and of astroid, where a version still uses it) that spend the
  most time themselves.

cProfile slows code with many small calls more than code with few: read the shares
as where to look, and the benchmark's whole-process figures as what it costs.
The raw profile is kept next to the corpora (``--output``) for ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import io
import pstats
import shutil
import subprocess
import sys
from pathlib import Path

import corpus
import flake8_runs as runs

# (label, file suffix, function name): the stages whose cumulative time is printed.
STAGES = (
    ("plugin, per file (SsotChecker.run)", "flake8_ssot/plugin.py", "run"),
    ("SOT1xx visitor (mutation.check)", "flake8_ssot/rules/mutation.py", "check"),
    ("SOT3xx (sot3.run.check)", "flake8_ssot/rules/sot3/run.py", "check"),
    ("SOT2xx (duplicates.check)", "flake8_ssot/rules/duplicates.py", "check"),
    ("project index: load or build", "flake8_ssot/index/core.py", "project_index"),
    ("project index: definitions of a name", "flake8_ssot/index/core.py", "definitions"),
    ("flake8: all checks of a file", "flake8/checker.py", "run_checks"),
    ("flake8: AST plugins of a file", "flake8/checker.py", "run_ast_checks"),
)
PLUGIN_SETUP = ("flake8_ssot/plugin.py", "parse_options")


def cumulative(stats: pstats.Stats, suffix: str, name: str) -> tuple[float, int]:
    """Cumulative seconds of a function (counted once even when it recurses) and its calls."""
    total, calls = 0.0, 0
    for (filename, _line, function), (primitive, _nc, _tt, cumtime, _callers) \
            in stats.stats.items():
        if function == name and filename.endswith(suffix):
            total += cumtime
            calls += primitive
    return total, calls


def profile(root: Path, targets: list[str], output: Path, cold: bool) -> pstats.Stats:
    if cold:
        runs.clear_cache(root)
    python = corpus.PLUGIN_VENV / "bin" / "python"
    config = corpus.config_file(root) or runs.CONFIG
    command = [str(python), "-m", "cProfile", "-o", str(output), str(corpus.plugin_flake8()),
               "--jobs", "1", "--config", str(config), "--ssot-project-root", str(root),
               "--select=E,F,W,C90,SOT", *targets]
    print("+", " ".join(command), flush=True)
    completed = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if completed.returncode not in (0, 1):
        raise SystemExit(completed.stderr[-3000:])
    return pstats.Stats(str(output))


def report(stats: pstats.Stats, top: int) -> str:
    out = io.StringIO()
    whole = stats.total_tt
    plugin = cumulative(stats, *STAGES[0][1:])[0] + cumulative(stats, *PLUGIN_SETUP)[0]
    print(f"whole run {whole:.2f} s (under cProfile); plugin {plugin:.2f} s = "
          f"{plugin / whole:.1%} of it", file=out)
    for label, suffix, name in STAGES:
        seconds, calls = cumulative(stats, suffix, name)
        print(f"  {label:44} {seconds:8.2f} s  {seconds / whole:6.1%}  {calls:8} calls",
              file=out)
    print(f"\nfunctions of the plugin and astroid by own time (top {top}):", file=out)
    own = sorted(((tottime, calls, filename, line, function)
                  for (filename, line, function), (_cc, calls, tottime, _cum, _callers)
                  in stats.stats.items()
                  if "flake8_ssot" in filename or "astroid" in filename), reverse=True)
    for tottime, calls, filename, line, function in own[:top]:
        short = filename[filename.find("flake8_ssot") if "flake8_ssot" in filename
                         else filename.find("astroid"):]
        print(f"  {tottime:7.2f} s {tottime / whole:6.1%} {calls:9} calls  "
              f"{short}:{line} {function}", file=out)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="project root (a corpus or a generated tree)")
    parser.add_argument("targets", nargs="*", default=["."], help="paths under ROOT")
    parser.add_argument("--cold", action="store_true", help="delete the index cache first")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--output", type=Path, help="where to keep the raw profile")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    runs.write_configs()
    output = (args.output or corpus.CORPUS_DIR / f"profile-{root.name}.prof").resolve()
    if shutil.which(str(corpus.plugin_flake8())) is None:
        raise SystemExit("venv-plugin is missing: run python benchmarks/corpus.py first")
    stats = profile(root, args.targets, output, args.cold)
    print(report(stats, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
