"""SOT3xx's share of a flake8 run, cold and warm, and the cost of one save of an agent module.

Run by hand from the repository root with the project's venv (never by pytest)::

    python benchmarks/sot3_bench.py CORPUS_DIR [CORPUS_DIR ...] [--runs 3] [--save FILE]

Each corpus directory is copied to a temporary directory with a ``setup.cfg`` that configures
documents and nodes as contexts (as ``docs/sot3xx.md`` describes), so nothing is written next to
the corpus. Each figure pairs two flake8 processes, A then B, run in turn: the plugin as
configured (A) and the same with ``--ssot-inference-budget 0`` (B: SOT3xx off, everything else
the same). The share is median(A/B) - 1 of the processes' CPU time (user + sys), which is what a
shared machine's noise disturbs least; wall time is printed next to it.

* cold: ``--ssot-no-cache`` (nothing reused between processes);
* warm: the cache directory filled by one run before the pairs;
* save: FILE (default: the SOT3xx fixture) sent on stdin with ``--stdin-display-name``, with a
  new comment each run so its results are never cached (the file was just edited), the
  summaries of what it imports warm; the figure is A - B in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = ("[flake8]\n"
          "ssot-context-names = doc, document, *_doc, node, *_node, article, blob\n"
          "ssot-context-classes = Document, Blob, BaseNode, TextNode\n")
REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "sot301.py"
SOT3_OFF = ("--ssot-inference-budget", "0")


def timed(arguments, cwd, stdin=None) -> tuple[float, float]:
    """(cpu seconds, wall seconds) of one flake8 process."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flake8", *arguments], cwd=cwd, input=stdin,
                   capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return cpu, wall


def pairs(a_args, b_args, cwd, runs, stdin_for=None):
    ratios, a_cpu, b_cpu, a_wall, b_wall = [], [], [], [], []
    for run in range(runs):
        stdin = stdin_for(run) if stdin_for else None
        a = timed(a_args, cwd, stdin)
        b = timed(b_args, cwd, stdin_for(run + runs) if stdin_for else None)
        ratios.append(a[0] / b[0])
        a_cpu.append(a[0]), b_cpu.append(b[0]), a_wall.append(a[1]), b_wall.append(b[1])
    median = statistics.median
    return median(ratios) - 1, median(a_cpu), median(b_cpu), median(a_wall), median(b_wall)


def corpus(directory: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        copy = Path(temporary) / directory.name
        shutil.copytree(directory, copy)
        (copy / "setup.cfg").write_text(CONFIG)
        cold = ("--ssot-no-cache", ".")
        share, a, b, wall_a, wall_b = pairs(cold, (*SOT3_OFF, *cold), copy, runs)
        print(f"{directory.name:24} cold  cpu A {a:7.2f}s  B {b:7.2f}s  wall A {wall_a:6.2f}s "
              f"B {wall_b:6.2f}s  SOT3xx share {share:+.3%}  (target <= 5%)")
        timed((".",), copy)  # fill the cache
        timed((*SOT3_OFF, "."), copy)
        share, a, b, wall_a, wall_b = pairs((".",), (*SOT3_OFF, "."), copy, runs)
        print(f"{directory.name:24} warm  cpu A {a:7.2f}s  B {b:7.2f}s  wall A {wall_a:6.2f}s "
              f"B {wall_b:6.2f}s  SOT3xx share {share:+.3%}  (target <= 1%)")


def save(path: Path, runs: int) -> None:
    source = path.read_text(encoding="utf-8")
    arguments = ("--stdin-display-name", str(path), "-")
    cwd = path.parent
    timed(arguments, cwd, source)  # the summaries of its imports, warm
    share, a, b, wall_a, wall_b = pairs(
        arguments, (*SOT3_OFF, *arguments), cwd, runs,
        stdin_for=lambda run: f"{source}\n# edit {time.time_ns()} {run}\n")
    print(f"save {path.name:19} wall A {wall_a * 1000:6.0f} ms  B {wall_b * 1000:6.0f} ms  "
          f"SOT3xx +{(wall_a - wall_b) * 1000:.0f} ms wall, +{(a - b) * 1000:.0f} ms cpu "
          f"(target <= +50 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--save", type=Path, default=FIXTURE)
    arguments = parser.parse_args()
    save(arguments.save.resolve(), max(arguments.runs, 5))
    for directory in arguments.corpora:
        corpus(directory.resolve(), arguments.runs)


if __name__ == "__main__":
    main()
