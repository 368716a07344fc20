"""CPU time against project size, flake8 alone and with the plugin (cold, warm), and its plot.

Run by hand from the repository root (after ``python benchmarks/corpus.py fetch``; matplotlib is
a benchmark-only dependency, not in the test extras)::

    python -m pip install matplotlib
    python benchmarks/scaling.py                       # 1,000, 5,000 and 20,000 modules
    python benchmarks/scaling.py --sizes 1000 5000 --rounds 3
    python benchmarks/scaling.py --plot-only           # redraw from the saved results
    python benchmarks/scaling.py --results R2.json --compare R1.json   # R1's lines dashed

For each size, ``corpus.py generate`` writes a synthetic agents codebase (default seed and shares: a
quarter of the modules write metadata) under ``benchmarks/.corpus/gen/``, reused when it is
there. Each round runs flake8 alone, the plugin on a cold index (cache deleted first) and on
the warm one, the order rotating from round to round; the figure is the median CPU time (user
+ system of flake8 and its ``--jobs 2`` workers) and wall time. Results go to
``benchmarks/.corpus/scaling.json``; the plot (CPU seconds against files, one line a variant)
to ``docs/performance-scaling.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

import corpus

RESULTS = corpus.CORPUS_DIR / "scaling.json"
PLOT = corpus.REPO / "docs" / "performance-scaling.png"
VARIANTS = (corpus.BASE, corpus.COLD, corpus.WARM)
LABELS = {"base": "flake8 alone", "cold": "+ plugin, cold index",
          "warm": "+ plugin, warm index"}


def project(size: int):
    root = corpus.CORPUS_DIR / "gen" / f"agents-{size}"
    if not (root / ".git").exists():
        root.parent.mkdir(parents=True, exist_ok=True)
        corpus.main(["generate", str(root), "--modules", str(size)])
    return root


def measure(size: int, rounds: int) -> dict:
    root = project(size)
    files = len(corpus.python_files(root))
    corpus.run(corpus.WARM, root, ["."])  # the OS file cache, and an index for the first warm run
    cpu = {variant.name: [] for variant in VARIANTS}
    wall = {variant.name: [] for variant in VARIANTS}
    for number in range(rounds):
        order = VARIANTS[number % len(VARIANTS):] + VARIANTS[:number % len(VARIANTS)]
        for variant in order:  # a cold run rebuilds the cache: the runs after it are warm
            result = corpus.run(variant, root, ["."])
            cpu[variant.name].append(result.cpu_seconds)
            wall[variant.name].append(result.seconds)
        print(f"  {size} modules, round {number + 1}: " + "  ".join(
            f"{name} {cpu[name][-1]:.1f}s cpu/{wall[name][-1]:.1f}s wall" for name in cpu),
            flush=True)
    return {"files": files, "rounds": rounds,
            "cpu": {name: statistics.median(values) for name, values in cpu.items()},
            "wall": {name: statistics.median(values) for name, values in wall.items()}}


def plot(results: dict, earlier: dict | None = None, earlier_label: str = "") -> None:
    """The CPU curves of *results*, and those of *earlier* (another results file) dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=110)
    for data, style, suffix in ((results, "-", ""), (earlier or {}, "--", f" ({earlier_label})")):
        points = sorted(data.values(), key=lambda point: point["files"])
        for number, (name, label) in enumerate(LABELS.items()):
            if points:
                axes.plot([point["files"] for point in points],
                          [point["cpu"][name] for point in points], style, marker="o",
                          color=f"C{number}", label=label + suffix)
    axes.set_xlabel("Python files in the project (synthetic agents codebase)")
    axes.set_ylabel("CPU seconds (user + system), 2 jobs")
    axes.set_title("flake8 with and without flake8-ssot")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(PLOT)
    print(f"plot: {PLOT}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 20000])
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds per size")
    parser.add_argument("--plot-only", action="store_true")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help=f"the results file to extend and plot (default {RESULTS.name})")
    parser.add_argument("--compare", type=Path,
                        help="an earlier results file, drawn dashed (labelled by its name)")
    parser.add_argument("--no-install", action="store_true",
                        help="do not reinstall the plugin from the working tree first")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    if not args.plot_only:
        corpus.write_configs()
        corpus.check_base_venv()
        if not args.no_install:
            corpus.install_plugin()
        load = os.getloadavg()
        print(f"load average before {load[0]:.2f} {load[1]:.2f}; {args.rounds} round(s)")
        for size in args.sizes:
            results[str(size)] = measure(size, args.rounds)
            args.results.write_text(json.dumps(results, indent=1))
    print(f"{'files':>7} " + " ".join(f"{label:>22}" for label in LABELS.values())
          + "   cold x   warm x  (CPU s)")
    for point in sorted(results.values(), key=lambda point: point["files"]):
        cpu = point["cpu"]
        print(f"{point['files']:7} " + " ".join(f"{cpu[name]:22.1f}" for name in LABELS)
              + f"   {cpu['cold'] / cpu['base']:6.3f}   {cpu['warm'] / cpu['base']:6.3f}")
    earlier = json.loads(args.compare.read_text()) if args.compare else None
    plot(results, earlier, args.compare.stem.replace("scaling-", "") if args.compare else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
