"""Time two commands in turn (A B A B ...) and print medians and the A/B ratios pair by pair.

Run by hand (standard library only)::

    python benchmarks/pair.py -n 5 --vs 'flake8 --select=E,F,W,C90 .' -- \
        flake8 --select=E,F,W,C90,SOT .
    python benchmarks/pair.py -n 5 --shell --vs 'B; a shell line' -- 'A; a shell line'

Each run is one process started and reaped here: its CPU time (user + system) and peak resident
memory are the operating system's accounting of that process and every process it waited for
(``os.wait4``), so flake8's ``--jobs`` workers are in the figures; wall time is a monotonic clock
around it. One warm-up run of each is not counted. Pairing keeps a ratio meaningful when a shared
machine's speed drifts: quote the median ratio, and read a wide min-max as noise. Peak memory is
the largest single process (not a sum), as ``/usr/bin/time -v`` reports it; it cannot read
below this script's own resident size (about 13 MiB: a child is forked from it).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(command: list[str] | str, shell: bool) -> dict:
    started = time.monotonic()
    process = subprocess.Popen(command, shell=shell, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall,
            "peak": usage.ru_maxrss / 1024, "exit": process.returncode}


def spread(values: list[float]) -> str:
    return f"{min(values):10.3f} {statistics.median(values):10.3f} {max(values):10.3f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="counted runs of each command")
    parser.add_argument("--warmup", type=int, default=1, help="runs of each not counted")
    parser.add_argument("--vs", required=True, help="command B, split as a shell splits words")
    parser.add_argument("--shell", action="store_true",
                        help="run A and B through /bin/sh (for redirections: stdin, cache removal)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command A")
    args = parser.parse_args(argv)
    command_a = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command_a:
        parser.error("give command A after --")
    if args.shell:
        a, b = " ".join(command_a), args.vs
    else:
        a, b = command_a, shlex.split(args.vs)
    for _ in range(args.warmup):
        run_once(a, args.shell)
        run_once(b, args.shell)
    results = {"A": [], "B": []}
    for _ in range(args.n):
        results["A"].append(run_once(a, args.shell))
        results["B"].append(run_once(b, args.shell))
    print(f"{'':14} {'min':>10} {'median':>10} {'max':>10}   {args.n} runs each, in turn")
    for key in ("A", "B"):
        exits = sorted({run["exit"] for run in results[key]})
        for figure, unit in (("cpu", "s"), ("wall", "s"), ("peak", "MiB")):
            print(f"{key} {figure:4} {unit:3}   {spread([run[figure] for run in results[key]])}"
                  + (f"   exit {exits}" if figure == "cpu" else ""))
    for figure in ("cpu", "wall", "peak"):
        ratios = [run_a[figure] / run_b[figure]
                  for run_a, run_b in zip(results["A"], results["B"])]
        print(f"A/B {figure:10} {spread(ratios)}")
    deltas = [(run_a["cpu"] - run_b["cpu"]) * 1000
              for run_a, run_b in zip(results["A"], results["B"])]
    print(f"A-B cpu ms     {spread(deltas)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
