"""What the plugin costs on top of flake8's own checks, measured side by side in one run.

Run by hand from the repository root with the project's venv (``python benchmarks/corpus.py``
first fetches the corpora and the plugin-free venv)::

    /work/venv/bin/python benchmarks/bench.py --quick    # Django's package only (~900 files)
    /work/venv/bin/python benchmarks/bench.py --rounds 5 # Django sdist + stdlib (~4,600 files)

Method. For each corpus, every round runs each variant once (interleaved, so a slow minute on
a shared machine hits every variant alike); the figure is the median over the rounds, as wall
time (what a user waits) and as CPU time (user + system of flake8 and its ``--jobs`` workers,
which other load on the machine disturbs much less; the targets are judged on it). All runs
use ``--jobs 2`` and a config file of our own (``flake8_runs.py``):

- ``flake8 alone``: flake8 and its default checks in ``benchmarks/.corpus/venv-base`` (the same
  flake8/pyflakes/pycodestyle/mccabe versions, no plugin installed);
- ``+ SOT1xx only``: the same flake8 with ``sot1_only.py`` as a local plugin;
- ``+ plugin, cold index``: ``benchmarks/.corpus/venv-plugin``, where the plugin of the working
  tree is reinstalled (non-editable) at the start of each run; every family, after deleting
  the cache;
- ``+ plugin, warm index``: the same with the cache left by the previous run;
- ``+ plugin, warm, no SOT3xx``: warm, with ``--ssot-inference-budget 0``.

The order of the variants rotates from one round to the next. A cold run deletes the cache
before it starts, so the run after it is warm again only because the cold run rebuilt it.

Single-file latency: one file of the corpus, checked alone (the pre-commit/editor case) by
flake8 alone and by flake8 with the plugin and a warm index, from disk and from stdin with
``--stdin-display-name``; ``--single-rounds`` rounds, interleaved, median in milliseconds. Test
code is not indexed (it is neither reported nor counted), so the plugin's index of the Django
corpus holds its 879 non-test files; one more line gives the latency with all 2,818 indexed
(``--ssot-test-patterns=``), which is what a project of that many non-test files pays.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import time
from pathlib import Path

import corpus
import flake8_runs as runs

TARGETS = {"sot1": 1.05, "warm": 1.05, "cold": 1.10}
SINGLE_FILE_TARGET_MS = 30.0
SOT3_TARGET = 0.05
# The single file: a large module of the Django corpus that reads and writes no metadata.
SINGLE_FILE = {"django": "django/db/models/query.py", "stdlib": "argparse.py"}
VARIANTS = (runs.BASE, runs.SOT1_ONLY, runs.COLD, runs.WARM, runs.WARM_NO_SOT3)


def measure_corpus(name: str, root: Path, targets: list[str], rounds: int) -> dict:
    """Median wall and CPU seconds per variant: {"base": (wall, cpu), ...}."""
    print(f"\n== {name}: {root}  {targets}", flush=True)
    runs.run(runs.WARM, root, targets)  # warm the OS file cache and build the index once
    wall: dict[str, list[float]] = {variant.name: [] for variant in VARIANTS}
    cpu: dict[str, list[float]] = {variant.name: [] for variant in VARIANTS}
    for round_number in range(1, rounds + 1):
        # Rotate the order each round so no variant always runs first (or after the cold one).
        shift = (round_number - 1) % len(VARIANTS)
        for variant in VARIANTS[shift:] + VARIANTS[:shift]:
            result = runs.run(variant, root, targets)
            wall[variant.name].append(result.seconds)
            cpu[variant.name].append(result.cpu_seconds)
        print(f"   round {round_number}: " + "  ".join(
            f"{key} {wall[key][-1]:.2f}s/{cpu[key][-1]:.2f}s" for key in wall), flush=True)
    return {key: (runs.median(wall[key]), runs.median(cpu[key])) for key in wall}


def measure_single_file(root: Path, relative: str, rounds: int) -> dict:
    """Median wall milliseconds of one-file runs, from disk and from stdin."""
    source = (root / relative).read_text(encoding="utf-8")
    stdin_args = ["--stdin-display-name", relative, "-"]
    for variant in (runs.WARM, runs.WARM_ALL_FILES):  # warm indexes for this project
        runs.run(variant, root, [relative], jobs=False)
    time.sleep(2.5)  # mtimes of the first run are "racy" (flake8_ssot.index): let them settle
    for variant in (runs.WARM, runs.WARM_ALL_FILES):
        runs.run(variant, root, [relative], jobs=False)
    cases = {
        "base": (runs.BASE, [relative], None), "warm": (runs.WARM, [relative], None),
        "base-stdin": (runs.BASE, stdin_args, source),
        "warm-stdin": (runs.WARM, stdin_args, source),
        "warm-all": (runs.WARM_ALL_FILES, [relative], None),
    }
    wall: dict[str, list[float]] = {key: [] for key in cases}
    cpu: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(rounds):
        for key, (variant, targets, stdin) in cases.items():
            result = runs.run(variant, root, targets, stdin=stdin, jobs=False)
            wall[key].append(result.seconds)
            cpu[key].append(result.cpu_seconds)
    return {**{key: runs.median(values) * 1000 for key, values in wall.items()},
            **{key + "-cpu": runs.median(values) * 1000 for key, values in cpu.items()}}


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="Django's package directory only (about 900 files)")
    parser.add_argument("--corpus", nargs="*", default=["django", "stdlib"],
                        choices=corpus.CORPUS_NAMES, help="corpora (default: django stdlib)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per corpus")
    parser.add_argument("--single-rounds", type=int, default=15,
                        help="interleaved rounds for the single-file latency")
    parser.add_argument("--single-file-only", action="store_true",
                        help="measure only the single-file latency")
    parser.add_argument("--no-install", action="store_true",
                        help="do not reinstall the plugin from the working tree first")
    args = parser.parse_args(argv)
    runs.write_configs()
    corpus.check_base_venv()
    if not args.no_install:
        corpus.install_plugin()
    names = ["django"] if args.quick else args.corpus
    load = os.getloadavg()
    print(f"flake8 {importlib.metadata.version('flake8')}, --jobs {runs.JOBS}, "
          f"{args.rounds} rounds, {os.cpu_count()} cores, load average before "
          f"{load[0]:.2f} {load[1]:.2f}")

    totals = {variant.name: [0.0, 0.0] for variant in VARIANTS}
    file_counts = {}
    for name in [] if args.single_file_only else names:
        root = corpus.corpus_path(name)
        if not root.is_dir():
            raise SystemExit(f"{root} is missing: run python benchmarks/corpus.py first")
        targets = ["django"] if args.quick and name == "django" else ["."]
        file_counts[name] = sum(len(corpus.python_files(root / target)) for target in targets)
        for key, (wall, cpu) in measure_corpus(name, root, targets, args.rounds).items():
            totals[key][0] += wall
            totals[key][1] += cpu

    single_name = names[0]
    single = measure_single_file(corpus.corpus_path(single_name), SINGLE_FILE[single_name],
                                 args.single_rounds)

    if file_counts:
        print_totals(totals, file_counts, args.rounds)
    print(f"\n== Single file: {single_name}/{SINGLE_FILE[single_name]}, median of "
          f"{args.single_rounds} rounds (wall)")
    for mode, suffix in (("from disk", ""), ("stdin", "-stdin")):
        delta = single["warm" + suffix] - single["base" + suffix]
        cpu_delta = single["warm" + suffix + "-cpu"] - single["base" + suffix + "-cpu"]
        print(f"{mode:10} flake8 alone {single['base' + suffix]:7.1f} ms   with plugin "
              f"(warm) {single['warm' + suffix]:7.1f} ms   delta {delta:+6.1f} ms  "
              f"(target <= +{SINGLE_FILE_TARGET_MS:.0f} ms: "
              f"{verdict(delta <= SINGLE_FILE_TARGET_MS)})   CPU delta {cpu_delta:+6.1f} ms")
    delta = single["warm-all"] - single["base"]
    cpu_delta = single["warm-all-cpu"] - single["base-cpu"]
    print(f"{'from disk, test code indexed too':34} with plugin (warm) {single['warm-all']:7.1f} ms"
          f"   delta {delta:+6.1f} ms  (what 2,818 non-test files cost)   CPU delta "
          f"{cpu_delta:+6.1f} ms")
    return 0


def print_totals(totals: dict, file_counts: dict, rounds: int) -> None:
    base_wall, base_cpu = totals["base"]
    print(f"\n== Results: {sum(file_counts.values())} files "
          f"({', '.join(f'{name} {count}' for name, count in file_counts.items())}), "
          f"median of {rounds} rounds, --jobs {runs.JOBS}")
    print(f"{'variant':30} {'wall s':>7} {'ratio':>6} {'CPU s':>7} {'ratio':>6}  target (CPU)")
    for variant in VARIANTS:
        wall, cpu = totals[variant.name]
        target = TARGETS.get(variant.name)
        target_text = (f"<= {target:.2f}  {verdict(cpu / base_cpu <= target)}"
                       if target else "")
        print(f"{variant.label:30} {wall:7.2f} {wall / base_wall:6.3f} {cpu:7.2f} "
              f"{cpu / base_cpu:6.3f}  {target_text}")
    sot3_wall = (totals["warm"][0] - totals["nosot3"][0]) / base_wall
    sot3_cpu = (totals["warm"][1] - totals["nosot3"][1]) / base_cpu
    print(f"{'SOT3xx share (warm - no SOT3)':30} {'':7} {sot3_wall:+6.3f} {'':7} "
          f"{sot3_cpu:+6.3f}  <= +{SOT3_TARGET:.2f}  {verdict(sot3_cpu <= SOT3_TARGET)}")


if __name__ == "__main__":
    sys.exit(main())
