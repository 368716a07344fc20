"""Where a flake8 run's time goes: cProfile by stage, CPU time per stage, or the SOT1xx walk alone.

Run by hand from the repository root (after ``python benchmarks/corpus.py fetch``)::

    python benchmarks/profile_run.py ROOT [FILE ...] [--cold]            # cProfile
    python benchmarks/profile_run.py --stages ROOT [FILE ...] [--cold]   # CPU time per stage
    python benchmarks/profile_run.py --visitor ROOT                      # the SOT1xx walk alone

ROOT is a corpus name of ``corpus.py`` or a project directory; FILEs are paths under it
(default: all of it); ``--cold`` deletes the index cache first.

- **cProfile** (the default): ``venv-plugin``'s flake8 under ``cProfile`` with ``--jobs 1`` (every
  file in one process, so one profile holds everything), the corpus's configuration. Printed:
  the whole run and the plugin's share (``SsotChecker.run`` per file, plus the class setup
  flake8 calls once), the cumulative time of each stage, and the plugin's functions that spend
  the most time themselves. cProfile slows code with many small calls more than code with few:
  read the shares as where to look. The raw profile is kept next to the corpora (``--output``)
  for ``python -m pstats``.
- **--stages**: the same run without a profiler, a thin CPU-time wrapper (``time.process_time``)
  around each stage function: what each stage costs, what the whole process costs, what
  importing the plugin costs. Stages nest (the index is built inside the first check that needs
  it), so the lines do not add up to the plugin's total.
- **--visitor**: in-process (no flake8 around it), the SOT1xx visitor over every file that passes
  the checker's prefilter, with and without skipping the bodies that cannot hold a write
  (``flake8_ssot.rules.bodies``), alternately ``--rounds`` times, medians of the totals, and a
  check that both find the same writes and values. Its share of a whole run is a few percent,
  below what whole-process pairs resolve on a shared machine.
"""

from __future__ import annotations

import argparse
import ast
import io
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

import corpus


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


def profile(root: Path, targets: list[str], output: Path) -> pstats.Stats:
    python = corpus.PLUGIN_VENV / "bin" / "python"
    config = corpus.config_file(root) or corpus.CONFIG
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
    print(f"\nfunctions of the plugin by own time (top {top}):", file=out)
    own = sorted(((tottime, calls, filename, line, function)
                  for (filename, line, function), (_cc, calls, tottime, _cum, _callers)
                  in stats.stats.items() if "flake8_ssot" in filename), reverse=True)
    for tottime, calls, filename, line, function in own[:top]:
        short = filename[filename.find("flake8_ssot"):]
        print(f"  {tottime:7.2f} s {tottime / whole:6.1%} {calls:9} calls  "
              f"{short}:{line} {function}", file=out)
    return out.getvalue()


# Run inside venv-plugin's interpreter: wraps the stages, runs flake8, prints the table.
STAGE_DRIVER = r"""
import sys, time, importlib
started = time.process_time()
from flake8.main import cli  # flake8's own imports are not the plugin's
before_plugin = time.process_time()
import flake8_ssot.plugin
imported = time.process_time() - before_plugin
STAGES = [
    ("plugin, per file (SsotChecker.run, all families)", "flake8_ssot.plugin", "SsotChecker.run"),
    ("project index: load or build", "flake8_ssot.index", "project_index"),
    ("context rules", "flake8_ssot.project", "Project.context_rules"),
    ("SOT1xx visitor (mutation.check)", "flake8_ssot.rules.mutation", "check"),
    ("SOT3xx (sot3.check)", "flake8_ssot.rules.sot3", "check"),
    ("SOT2xx (duplicates.check)", "flake8_ssot.rules.duplicates", "check"),
]
totals = {}
def wrap(label, function):
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            result = function(*args, **kwargs)
            if hasattr(result, "__next__"):  # a generator: time its iteration
                result = list(result)
            return result
        finally:
            spent, calls = totals.get(label, (0.0, 0))
            totals[label] = (spent + time.process_time() - start, calls + 1)
    return timed
for label, module_name, attribute in STAGES:
    module = importlib.import_module(module_name)
    owner_name, _, name = attribute.rpartition(".")
    owner = getattr(module, owner_name) if owner_name else module
    value = owner.__dict__[name] if owner_name else getattr(owner, name)
    if hasattr(value, "func"):  # functools.cached_property
        value.func = wrap(label, value.func)
    else:
        setattr(owner, name, wrap(label, value))
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
whole = time.process_time() - started
print(f"\nwhole process after interpreter start: {whole * 1000:9.0f} ms CPU", file=sys.stderr)
print(f"  importing the plugin                               {imported * 1000:9.1f} ms",
      file=sys.stderr)
for label, _, _ in STAGES:
    spent, calls = totals.get(label, (0.0, 0))
    print(f"  {label:50} {spent * 1000:9.1f} ms {calls:6} calls", file=sys.stderr)
"""


def stages(root: Path, targets: list[str]) -> str:
    """--stages: what each stage of one real run costs, in ``venv-plugin``'s interpreter."""
    config = corpus.config_file(root) or corpus.CONFIG
    command = [str(corpus.PLUGIN_VENV / "bin" / "python"), "-c", STAGE_DRIVER, "--jobs", "1",
               "--config", str(config), "--ssot-project-root", str(root),
               "--select=E,F,W,C90,SOT", *targets]
    completed = subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    return completed.stderr.strip()


def found(visitor) -> list:
    return ([(w.statement.lineno, w.form.name, w.target) for w in visitor.writes],
            [(s.statement.lineno, s.role, ast.dump(s.value)) for s in visitor.value_sites])


def visitor(root: Path, rounds: int) -> int:
    """--visitor: the SOT1xx walk alone, in this process, with and without skipping bodies."""
    from flake8_ssot.project import settings_from_flake8
    from flake8_ssot.rules import mutation
    from flake8_ssot.rules.bodies import mentions_metadata

    config = root / "setup.cfg"
    settings, _ = settings_from_flake8([*(["--config", str(config)] if config.exists() else []),
                                        "--ssot-project-root", str(root), str(root)])
    files = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8", errors="replace")
        if mentions_metadata(source, settings):
            try:
                files.append((path, source, ast.parse(source)))
            except (SyntaxError, ValueError):
                continue
    totals = {"every body": [], "skipping": []}
    for _ in range(rounds):
        for label, with_source in (("every body", False), ("skipping", True)):
            started = time.process_time()
            for _, source, tree in files:
                mutation.check(tree, settings, source=source if with_source else None)
            totals[label].append(time.process_time() - started)
    for path, source, tree in files:
        skipping = mutation.check(tree, settings, source=source)
        if found(mutation.check(tree, settings)) != found(skipping):
            print(f"DIFFERENT: {path}")
            return 1
    every, skipping = (statistics.median(totals[label]) for label in totals)
    print(f"{root.name}: {len(files)} files visited; every body {every * 1000:.0f} ms CPU, "
          f"skipping {skipping * 1000:.0f} ms ({skipping / every:.2f}); same writes and values")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="a corpus name or a project directory")
    parser.add_argument("targets", nargs="*", default=["."], help="paths under ROOT")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stages", action="store_true", help="CPU time per stage, no profiler")
    mode.add_argument("--visitor", action="store_true", help="the SOT1xx walk alone")
    parser.add_argument("--cold", action="store_true", help="delete the index cache first")
    parser.add_argument("--top", type=int, default=25, help="functions listed (cProfile)")
    parser.add_argument("--output", type=Path, help="where to keep the raw profile (cProfile)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (--visitor)")
    args = parser.parse_args(argv)
    root = (corpus.corpus_path(args.root) if args.root in corpus.CORPUS_NAMES
            else Path(args.root)).resolve()
    if args.visitor:
        return visitor(root, args.rounds)
    if not corpus.plugin_flake8().exists():
        raise SystemExit("venv-plugin is missing: run python benchmarks/corpus.py fetch first")
    corpus.write_configs()
    if args.cold:
        corpus.clear_cache(root)
    if args.stages:
        print(stages(root, args.targets))
        return 0
    output = (args.output or corpus.CORPUS_DIR / f"profile-{root.name}.prof").resolve()
    print(report(profile(root, args.targets, output), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
