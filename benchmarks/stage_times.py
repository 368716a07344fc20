"""CPU time of each stage of the plugin in one real flake8 run, without a profiler's distortion.

Run by hand from the repository root (after ``python benchmarks/corpus.py``)::

    python benchmarks/stage_times.py benchmarks/.corpus/langchain-community-0.4.2 [--cold]
    python benchmarks/stage_times.py ROOT agentsvc/pkg_000/mod_00000.py   # some files only

cProfile (``profile_run.py``) slows flake8's many small calls far more than the plugin's, so its
shares say where to look, not what a stage costs. This runs ``venv-plugin``'s flake8 in one
process (``--jobs 1``) with a thin CPU-time wrapper (``time.process_time``) around each stage
function, and prints what each stage cost, what the whole process cost, and what importing the
plugin cost. Stages nest (the index is built inside the first check that needs it), so the
stage lines do not add up to the plugin's total.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
import flake8_runs as runs  # noqa: E402

# Run inside venv-plugin's interpreter: wraps the stages, runs flake8, prints the table.
DRIVER = r"""
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="project root (a corpus or a generated tree)")
    parser.add_argument("targets", nargs="*", default=["."], help="paths under ROOT")
    parser.add_argument("--cold", action="store_true", help="delete the index cache first")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    runs.write_configs()
    if args.cold:
        runs.clear_cache(root)
    config = corpus.config_file(root) or runs.CONFIG
    command = [str(corpus.PLUGIN_VENV / "bin" / "python"), "-c", DRIVER, "--jobs", "1",
               "--config", str(config), "--ssot-project-root", str(root),
               "--select=E,F,W,C90,SOT", *args.targets]
    completed = subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    print(completed.stderr.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
