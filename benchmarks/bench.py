"""What the plugin costs on top of flake8's own checks, measured side by side in one run.

Run by hand from the repository root with the project's venv (``python benchmarks/corpus.py``
first fetches the corpora and the plugin-free venv)::

    /work/venv/bin/python benchmarks/bench.py --quick    # Django's package only, 3 rounds
    /work/venv/bin/python benchmarks/bench.py            # Django sdist + stdlib, 3 rounds

Method. For each corpus, every round runs each variant once, in the same order (interleaved, so
a slow minute on a shared machine hits every variant alike); the figure is the median over the
rounds. All runs use ``--jobs 2`` and a config file of our own (``flake8_runs.py``):

- ``flake8 alone``: flake8 and its default checks in ``benchmarks/.corpus/venv-base`` (the same
  flake8/pyflakes/pycodestyle/mccabe versions, no plugin installed);
- ``+ SOT1xx only``: the same flake8 with ``sot1_only.py`` as a local plugin;
- ``+ plugin, cold index``: the installed plugin, every family, after deleting the cache;
- ``+ plugin, warm index``: the same with the cache left by the previous run;
- ``+ plugin, warm, no SOT3xx``: warm, with ``--ssot-inference-budget 0``.

The order of the variants rotates from one round to the next. A cold run deletes the cache
before it starts, so the run after it is warm again only because the cold run rebuilt it.

Single-file latency: one file of the corpus, checked alone (the pre-commit/editor case) by
flake8 alone and by flake8 with the plugin and a warm index, from disk and from stdin with
``--stdin-display-name``; ``--single-rounds`` rounds, interleaved, median in milliseconds.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
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
    print(f"\n== {name}: {root}  {targets}", flush=True)
    runs.run(runs.WARM, root, targets)  # warm the OS file cache and build the index once
    times: dict[str, list[float]] = {variant.name: [] for variant in VARIANTS}
    for round_number in range(1, rounds + 1):
        # Rotate the order each round so no variant always runs first (or after the cold one).
        shift = (round_number - 1) % len(VARIANTS)
        for variant in VARIANTS[shift:] + VARIANTS[:shift]:
            times[variant.name].append(runs.run(variant, root, targets).seconds)
        print(f"   round {round_number}: " + "  ".join(
            f"{key} {values[-1]:.2f}s" for key, values in times.items()), flush=True)
    return {key: runs.median(values) for key, values in times.items()}


def measure_single_file(root: Path, relative: str, rounds: int) -> dict:
    source = (root / relative).read_text(encoding="utf-8")
    stdin_args = ["--stdin-display-name", relative, "-"]
    runs.run(runs.WARM, root, [relative], jobs=False)  # a warm index for this project
    times: dict[str, list[float]] = {"base": [], "warm": [], "base-stdin": [], "warm-stdin": []}
    for _ in range(rounds):
        times["base"].append(runs.run(runs.BASE, root, [relative], jobs=False).seconds)
        times["warm"].append(runs.run(runs.WARM, root, [relative], jobs=False).seconds)
        times["base-stdin"].append(
            runs.run(runs.BASE, root, stdin_args, stdin=source, jobs=False).seconds)
        times["warm-stdin"].append(
            runs.run(runs.WARM, root, stdin_args, stdin=source, jobs=False).seconds)
    return {key: runs.median(values) * 1000 for key, values in times.items()}


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="Django's package directory only (about 900 files), 3 rounds")
    parser.add_argument("--corpus", nargs="*", default=["django", "stdlib"],
                        choices=corpus.CORPUS_NAMES, help="corpora (default: django stdlib)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per corpus")
    parser.add_argument("--single-rounds", type=int, default=15,
                        help="interleaved rounds for the single-file latency")
    args = parser.parse_args(argv)
    runs.write_configs()
    corpus.check_base_venv()
    names = ["django"] if args.quick else args.corpus
    load = os.getloadavg()
    print(f"flake8 {importlib.metadata.version('flake8')}, --jobs {runs.JOBS}, "
          f"{args.rounds} rounds, {os.cpu_count()} cores, load average before "
          f"{load[0]:.2f} {load[1]:.2f}")

    totals = {variant.name: 0.0 for variant in VARIANTS}
    file_counts = {}
    for name in names:
        root = corpus.corpus_path(name)
        if not root.is_dir():
            raise SystemExit(f"{root} is missing: run python benchmarks/corpus.py first")
        targets = ["django"] if args.quick and name == "django" else ["."]
        file_counts[name] = sum(len(corpus.python_files(root / target)) for target in targets)
        medians = measure_corpus(name, root, targets, args.rounds)
        for key, seconds in medians.items():
            totals[key] += seconds

    single_name = names[0]
    single = measure_single_file(corpus.corpus_path(single_name), SINGLE_FILE[single_name],
                                 args.single_rounds)

    base = totals["base"]
    print(f"\n== Results: {sum(file_counts.values())} files "
          f"({', '.join(f'{name} {count}' for name, count in file_counts.items())}), "
          f"median of {args.rounds} rounds, --jobs {runs.JOBS}")
    print(f"{'variant':32} {'seconds':>8} {'ratio':>7}  target")
    for variant in VARIANTS:
        seconds = totals[variant.name]
        ratio = seconds / base
        target = TARGETS.get(variant.name)
        target_text = f"<= {target:.2f}  {verdict(ratio <= target)}" if target else ""
        print(f"{variant.label:32} {seconds:8.2f} {ratio:7.3f}  {target_text}")
    sot3_share = (totals["warm"] - totals["nosot3"]) / base
    print(f"{'SOT3xx share (warm - no SOT3xx)':32} {totals['warm'] - totals['nosot3']:8.2f} "
          f"{sot3_share:+7.3f}  <= +{SOT3_TARGET:.2f}  {verdict(sot3_share <= SOT3_TARGET)}")

    print(f"\n== Single file: {single_name}/{SINGLE_FILE[single_name]}, median of "
          f"{args.single_rounds} rounds")
    for mode, suffix in (("from disk", ""), ("stdin", "-stdin")):
        delta = single["warm" + suffix] - single["base" + suffix]
        print(f"{mode:10} flake8 alone {single['base' + suffix]:7.1f} ms   with plugin "
              f"(warm) {single['warm' + suffix]:7.1f} ms   delta {delta:+6.1f} ms  "
              f"(target <= +{SINGLE_FILE_TARGET_MS:.0f} ms: "
              f"{verdict(delta <= SINGLE_FILE_TARGET_MS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
