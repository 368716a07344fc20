"""Instructions executed by two commands, counted by valgrind: a ratio the machine's load cannot move.

Run by hand (valgrind from the distribution's packages)::

    python benchmarks/instructions.py [--shell] --vs "COMMAND B" -- COMMAND A...

On a shared machine CPU time swings by 10-30% from run to run (other processes, frequency
scaling), so a median of a few pairs cannot resolve a 5% target. ``valgrind --tool=callgrind``
counts the instructions each process executes instead: the same count for the same binary,
inputs and environment, whatever else the machine does. flake8's ``--jobs`` workers are forked,
and valgrind follows a fork, so a count covers the whole run. Each command runs once (about 50
times slower than natively); the output is the count of each, their ratio and difference.

An instruction is not a nanosecond (a cache miss or a system call costs more than its count
says), so the ratio is a proxy for the CPU-time ratio, measured without noise; the pairs of
``pair.py`` are what the time is.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile


def count(command: str, shell: bool) -> int:
    """Instructions executed by *command* and every process it forks."""
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "callgrind.%p")
        valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                    "--trace-children=yes"]
        argv = [*valgrind, "sh", "-c", command] if shell else [*valgrind, *shlex.split(command)]
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        total = 0
        for path in glob.glob(os.path.join(directory, "callgrind.*")):
            with open(path, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    match = re.match(r"(?:summary|totals): (\d+)", line)
                    if match:
                        total += int(match.group(1))
                        break
        return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vs", required=True, help="command B (the reference)")
    parser.add_argument("--shell", action="store_true", help="run both through sh -c")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command A")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    a = count(" ".join(command), args.shell)
    b = count(args.vs, args.shell)
    print(f"A instructions {a / 1e6:12.1f} M")
    print(f"B instructions {b / 1e6:12.1f} M")
    print(f"A/B            {a / b:12.3f}")
    print(f"A-B            {(a - b) / 1e6:12.1f} M")
    return 0


if __name__ == "__main__":
    sys.exit(main())
