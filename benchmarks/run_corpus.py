"""Run flake8 with the plugin over real code nobody here wrote, and show what happened.

Run by hand from the repository root with the project's venv (after ``python
benchmarks/corpus.py``)::

    /work/venv/bin/python benchmarks/run_corpus.py              # every corpus
    /work/venv/bin/python benchmarks/run_corpus.py django       # one

For each corpus: one run of flake8 alone (``venv-base``), one run with the plugin on a cold
index, one on the warm index, all with ``--jobs 2`` and ``--benchmark`` (which prints the number
of files flake8 checked). Printed: files checked, findings per SOT code (with a few examples,
to judge false positives by eye), plugin exceptions, and the time ratios to flake8 alone.

``examples`` (the repository's sample tree, ``examples/agents``) runs last as a positive
control: on it, every family must report something.

A plugin exception is any stderr line with flake8's "raised an unexpected exception", a
Python traceback, or one of the plugin's own ``flake8-ssot:`` warnings (the checker turns an
internal error into such a warning instead of stopping flake8), or an exit status other than
0/1. The expected count is 0; the script exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys

import corpus
import flake8_runs as runs

_FINDING = re.compile(r"^(?P<path>.+?):\d+:\d+: (?P<code>[A-Z]+\d+) ", re.M)
RUN_NAMES = (*corpus.CORPUS_NAMES, "examples")
_FILES = re.compile(r"^(?P<count>\d+)\s+total files processed$", re.M)


def files_checked(stdout: str) -> int:
    match = _FILES.search(stdout)
    return int(match["count"]) if match else -1


def codes(stdout: str) -> collections.Counter:
    return collections.Counter(match["code"] for match in _FINDING.finditer(stdout))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"corpora, of {', '.join(RUN_NAMES)} (default: all)")
    parser.add_argument("--examples", type=int, default=3,
                        help="findings shown per SOT code and corpus")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(RUN_NAMES)
    if unknown:
        parser.error(f"unknown corpus: {', '.join(sorted(unknown))}")
    args.names = args.names or list(RUN_NAMES)
    runs.write_configs()
    corpus.check_base_venv()

    rows = []
    total_errors = 0
    for name in args.names:
        root = corpus.corpus_path(name)
        if not root.is_dir():
            raise SystemExit(f"{root} is missing: run python benchmarks/corpus.py first")
        print(f"\n== {name}: {root}", flush=True)
        base = runs.run(runs.BASE, root, ["--benchmark", "."], strict=False)
        cold = runs.run(runs.COLD, root, ["--benchmark", "."], strict=False)
        warm = runs.run(runs.WARM, root, ["--benchmark", "."], strict=False)
        errors = []
        for label, result in (("cold", cold), ("warm", warm)):
            errors += [f"{label}: {line}" for line in result.plugin_errors()]
            if result.returncode not in (0, 1):
                errors.append(f"{label}: exit status {result.returncode}")
        total_errors += len(errors)
        found = codes(cold.stdout)
        sot = {code: count for code, count in sorted(found.items()) if code.startswith("SOT")}
        if codes(warm.stdout) != found:
            errors.append("warm run found something else than the cold run")
            total_errors += 1
        default_findings = sum(count for code, count in found.items()
                               if not code.startswith("SOT"))
        print(f"files checked: {files_checked(cold.stdout)} (flake8 alone: "
              f"{files_checked(base.stdout)}); flake8's own findings: {default_findings}")
        print(f"SOT findings: {sot or 'none'}")
        for code in sot:
            lines = [line for line in cold.stdout.splitlines() if f": {code} " in line]
            for line in lines[:args.examples]:
                print(f"    {line[:160]}")
        print(f"plugin exceptions: {len(errors)}")
        for line in errors[:20]:
            print(f"    {line[:300]}")
        print(f"time: flake8 alone {base.seconds:.2f}s, with plugin cold {cold.seconds:.2f}s "
              f"({cold.seconds / base.seconds:.3f}x), warm {warm.seconds:.2f}s "
              f"({warm.seconds / base.seconds:.3f}x)")
        if name == "examples":
            silent = [family for family in ("SOT1", "SOT2", "SOT3")
                      if not any(code.startswith(family) for code in sot)]
            if silent:
                errors.append(f"positive control: no {', '.join(silent)}xx finding")
                total_errors += 1
                print(f"    {errors[-1]}")
        rows.append((name, files_checked(cold.stdout), sum(sot.values()), sot, len(errors),
                     base.seconds, cold.seconds, warm.seconds))

    print("\n== Summary (--jobs 2, one run each)")
    print(f"{'corpus':18} {'files':>6} {'SOT':>5} {'exceptions':>10} {'alone s':>8} "
          f"{'cold x':>7} {'warm x':>7}  per code")
    for name, files, total, sot, errors, base, cold, warm in rows:
        per_code = ", ".join(f"{code} {count}" for code, count in sot.items()) or "-"
        print(f"{name:18} {files:6} {total:5} {errors:10} {base:8.2f} {cold / base:7.3f} "
              f"{warm / base:7.3f}  {per_code}")
    real = [row for row in rows if row[0] != "examples"]  # the sample tree is a control only
    if real:
        all_base = sum(row[5] for row in real)
        print(f"{'all but examples':18} {sum(row[1] for row in real):6} "
              f"{sum(row[2] for row in real):5} {sum(row[4] for row in real):10} "
              f"{all_base:8.2f} {sum(row[6] for row in real) / all_base:7.3f} "
              f"{sum(row[7] for row in real) / all_base:7.3f}")
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main())
