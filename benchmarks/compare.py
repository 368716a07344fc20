"""Compare two commands side by side: time pairs (CPU, wall, peak memory) or instruction counts.

Run by hand from the repository root (after ``python benchmarks/corpus.py fetch``; valgrind from
the distribution's packages for ``--instructions``)::

    python benchmarks/compare.py warm llama-index-core        # plugin vs flake8 alone, warm index
    python benchmarks/compare.py -n 3 cold benchmarks/.corpus/gen/agents-1000   # cache deleted
    python benchmarks/compare.py file benchmarks/.corpus/gen/agents-5000 \\
        agentsvc/pkg_000/mod_00000.py [--stdin]               # one file, warm index
    python benchmarks/compare.py sot3 langchain-community [--cold]   # SOT3xx on vs off
    python benchmarks/compare.py cold ROOT --subtree agentsvc/area_1  # one subtree of ROOT
    python benchmarks/compare.py sot3-save tests/fixtures/sot301.py  # one edited buffer, on vs off
    python benchmarks/compare.py commands --vs 'COMMAND B' -- COMMAND A ...   # any two commands
    python benchmarks/compare.py --instructions warm llama-index-core  # counted, not timed
    python benchmarks/compare.py --print cold llama-index-core  # the two commands, not run
    python benchmarks/compare.py cold ROOT --subtree agentsvc/area_1 --vs replay  # own share

A ROOT is a corpus name of ``corpus.py`` or a directory. A is the plugin (``venv-plugin``, the
working tree's plugin installed as a user has it; ``plugin-at`` venvs via ``--plugin VENV``), B
the yardstick: flake8 alone (``venv-base``: the same flake8, pyflakes, pycodestyle and mccabe,
no plugin) with ``--select=E,F,W,C90``, against the plugin's ``--select=E,F,W,C90,SOT``. flake8
runs every installed plugin whatever ``--select`` says, hence two venvs. Whole-project cases use
``--jobs 2`` and the corpus's configuration (``--config``); a cold case deletes the cache before
each run of both commands (``sh -c 'rm -rf ...; exec flake8 ...'``: both pay the shell). A
one-file case first runs the plugin over the whole project (the index warm, the listing saved)
and then checks the file alone, without ``--jobs``, from disk or from stdin.

``--vs replay`` (warm, cold, file): B is instead flake8 alone plus benchmarks/replay's plugin
(``venv-replay``) reporting again every SOT finding that one run of A, made first, printed (saved
under ``.corpus/replay/``). B then pays flake8's cost of reporting them (each file with a finding
tokenized again for its ``# noqa`` lines, the results sent back from the workers and printed), so
A/B and A-B are the plugin's **own** share, next to the raw ratio against flake8 alone.

Timing: each run is one process started and reaped here; its CPU time (user + system) and peak
resident memory are the operating system's accounting of it and every process it waited for
(``os.wait4``: flake8's ``--jobs`` workers included), wall time a monotonic clock around it. A
and B run in turn (A B A B ...) after ``--warmup`` runs each; the ratio is taken pair by pair,
so a shared machine's drift hits both: quote the median, read a wide min-max as noise. Peak
memory is the largest single process, as ``/usr/bin/time -v`` reports it.

Counting (``--instructions``): valgrind's callgrind counts the instructions each command and
every process it forks executes, once each: the same count for the same binary, inputs and
environment, whatever else the machine does (a run is about 50 times slower). An instruction is
not a nanosecond (a cache miss or a system call costs more than its count says), so the ratio is
a proxy for the CPU-time ratio, measured without noise.
"""

from __future__ import annotations

import argparse
import glob
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import corpus
from replay.flake8_replay import FINDING  # the one reading of flake8's output lines here

ALONE_SELECT = "--select=E,F,W,C90"
PLUGIN_SELECT = "--select=E,F,W,C90,SOT"
SOT3_OFF = "--ssot-inference-budget 0"


# -- the cases: (command A, command B, through the shell, working directory) -------------------

def root_of(name: str) -> Path:
    if name in corpus.CORPUS_NAMES:
        return corpus.corpus_path(name)
    root = Path(name).resolve()
    if not root.is_dir():
        raise SystemExit(f"{name}: not a corpus name ({', '.join(corpus.CORPUS_NAMES)}) "
                         "nor a directory")
    return root


def flake8_pair(root: Path, plugin_venv: Path, subtree: str = "",
                replayed: Path | None = None) -> tuple[str, str]:
    """``(plugin, alone)``: the two whole-project command lines, ``--jobs 2``, the checked
    directory last: the root, or its *subtree* (one part of a larger repository linted, the
    index still the whole project's). With *replayed* (a saved output of the plugin's run),
    "alone" is flake8 alone reporting those findings again (``venv-replay``)."""
    corpus.write_configs()
    config = shlex.quote(str(corpus.config_file(root) or corpus.CONFIG))
    where = shlex.quote(str(root))
    checked = shlex.quote(str(root / subtree)) if subtree else where
    alone = f"{corpus.base_flake8()} --jobs {corpus.JOBS} --config {config} {ALONE_SELECT}"
    if replayed:
        alone = (f"{corpus.plugin_flake8(corpus.REPLAY_VENV)} --jobs {corpus.JOBS} "
                 f"--config {config} {PLUGIN_SELECT} "
                 f"--replay-findings {shlex.quote(str(replayed))}")
    plugin = (f"{corpus.plugin_flake8(plugin_venv)} --jobs {corpus.JOBS} --config {config} "
              f"--ssot-project-root {where} {PLUGIN_SELECT}")
    return f"{plugin} {checked}", f"{alone} {checked}"


def cold(command: str, root: Path) -> str:
    return f"rm -rf {shlex.quote(str(root / corpus.CACHE_DIR))}; exec {command}"


def case(args: argparse.Namespace) -> tuple[str, str, bool, Path | None]:
    if args.case == "commands":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            raise SystemExit("give command A after --")
        return (" ".join(command) if args.shell else shlex.join(command)), args.vs, args.shell, None
    if args.case == "sot3-save":
        return sot3_save(Path(args.file).resolve(), args.plugin)
    root = root_of(args.root)
    replayed = replay_file(args, root) if args.vs_replay else None
    plugin, alone = flake8_pair(root, args.plugin, getattr(args, "subtree", ""), replayed)
    if args.case == "warm":
        return plugin, alone, False, root
    if args.case == "cold":
        return cold(plugin, root), cold(alone, root), True, root
    if args.case == "sot3":
        off = plugin.replace(PLUGIN_SELECT, f"{PLUGIN_SELECT} {SOT3_OFF}")
        if args.cold:
            return cold(plugin, root), cold(off, root), True, root
        return plugin, off, False, root
    # file: one file of the project, after a whole run warmed the index
    if not args.print:
        subprocess.run(shlex.split(plugin), cwd=root, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    one = shlex.quote(args.file)
    plugin = plugin.replace(f"--jobs {corpus.JOBS} ", "").rsplit(" ", 1)[0]
    alone = alone.replace(f"--jobs {corpus.JOBS} ", "").rsplit(" ", 1)[0]
    if args.stdin:
        stdin = f"--stdin-display-name {one} - < {one}"
        return f"exec {plugin} {stdin}", f"exec {alone} {stdin}", True, root
    return f"{plugin} {one}", f"{alone} {one}", False, root


REPLAY_DIR = corpus.CORPUS_DIR / "replay"


def replay_file(args: argparse.Namespace, root: Path) -> Path:
    """Where the plugin's findings of this case are saved for B to report again."""
    if args.case not in ("warm", "cold", "file"):
        raise SystemExit("--vs replay: for the warm, cold and file cases")
    parts = [root.name, args.case, getattr(args, "subtree", "") or getattr(args, "file", "")]
    return REPLAY_DIR / ("-".join(part.replace("/", "_") for part in parts if part) + ".txt")


def record(a: str, shell: bool, cwd: Path | None, replayed: Path) -> None:
    """Run A once and save its SOT findings (flake8's default format) for B to report again;
    flake8's own findings B finds itself."""
    output = subprocess.run(a if shell else shlex.split(a), shell=shell, cwd=cwd,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True).stdout
    matches = [FINDING.match(line) for line in output.splitlines()]
    findings = [match for match in matches if match and match["text"].startswith("SOT")]
    REPLAY_DIR.mkdir(exist_ok=True)
    replayed.write_text("".join(f"{match.group()}\n" for match in findings), encoding="utf-8")
    files = {match["path"] for match in findings}
    print(f"B replays {len(findings)} SOT findings on {len(files)} files ({replayed})")


def sot3_save(path: Path, plugin_venv: Path) -> tuple[str, str, bool, Path]:
    """One edited buffer on stdin (a new comment each run: its results are never cached, the
    summaries of what it imports are), SOT3xx on (A) and off (B)."""
    flake8 = f"{corpus.plugin_flake8(plugin_venv)} --stdin-display-name {shlex.quote(path.name)}"
    edited = f"{{ cat {shlex.quote(path.name)}; echo \"# edit $(date +%s%N)\"; }}"
    return (f"{edited} | {flake8} -", f"{edited} | {flake8} {SOT3_OFF} -", True, path.parent)


# -- timing and counting ----------------------------------------------------------------------

def run_once(command: str, shell: bool, cwd: Path | None) -> dict:
    started = time.monotonic()
    process = subprocess.Popen(command if shell else shlex.split(command), shell=shell,
                               cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall,
            "peak": usage.ru_maxrss / 1024, "exit": process.returncode}


def spread(values: list[float]) -> str:
    return f"{min(values):10.3f} {statistics.median(values):10.3f} {max(values):10.3f}"


def pairs(a: str, b: str, shell: bool, cwd: Path | None, runs: int, warmup: int) -> None:
    for _ in range(warmup):
        run_once(a, shell, cwd)
        run_once(b, shell, cwd)
    results: dict[str, list[dict]] = {"A": [], "B": []}
    for _ in range(runs):
        results["A"].append(run_once(a, shell, cwd))
        results["B"].append(run_once(b, shell, cwd))
    print(f"{'':14} {'min':>10} {'median':>10} {'max':>10}   {runs} runs each, in turn")
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


def count(command: str, shell: bool, cwd: Path | None) -> int:
    """Instructions executed by *command* and every process it forks."""
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "callgrind.%p")
        valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                    "--trace-children=yes"]
        argv = [*valgrind, "sh", "-c", command] if shell else [*valgrind, *shlex.split(command)]
        subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        total = 0
        for path in glob.glob(os.path.join(directory, "callgrind.*")):
            with open(path, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if line.startswith(("summary: ", "totals: ")):
                        total += int(line.split()[1])
                        break
        return total


def counts(a: str, b: str, shell: bool, cwd: Path | None) -> None:
    a_count, b_count = count(a, shell, cwd), count(b, shell, cwd)
    print(f"A instructions {a_count / 1e6:12.1f} M")
    print(f"B instructions {b_count / 1e6:12.1f} M")
    print(f"A/B            {a_count / b_count:12.3f}")
    print(f"A-B            {(a_count - b_count) / 1e6:12.1f} M")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="counted runs of each command")
    parser.add_argument("--warmup", type=int, default=1, help="runs of each not counted")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions (valgrind), one run each, instead of timing")
    parser.add_argument("--print", action="store_true", help="print A and B, run nothing")
    parser.add_argument("--plugin", type=Path, default=corpus.PLUGIN_VENV,
                        help="the plugin's venv (default venv-plugin; or a plugin-at venv)")
    cases = parser.add_subparsers(dest="case", required=True)
    for name, text in (("warm", "the whole project, warm index"),
                       ("cold", "the whole project, the cache deleted before each run"),
                       ("sot3", "the whole project, SOT3xx on (A) and off (B)"),
                       ("file", "one file of the project, warm index")):
        sub = cases.add_parser(name, help=text)
        sub.add_argument("root", help="a corpus name or a project directory")
        if name != "sot3":
            sub.add_argument("--vs", dest="yardstick", choices=("alone", "replay"),
                             default="alone",
                             help="B: flake8 alone (default), or flake8 alone reporting again "
                                  "what a first run of A reported (A's own share)")
        if name == "sot3":
            sub.add_argument("--cold", action="store_true", help="the cache deleted first")
        if name != "file":
            sub.add_argument("--subtree", default="",
                             help="check only this directory under ROOT (the project is ROOT)")
        if name == "file":
            sub.add_argument("file", help="the file, relative to ROOT")
            sub.add_argument("--stdin", action="store_true",
                             help="sent on stdin with --stdin-display-name")
    save = cases.add_parser("sot3-save", help="one edited buffer on stdin, SOT3xx on and off")
    save.add_argument("file")
    commands = cases.add_parser("commands", help="any two commands")
    commands.add_argument("--vs", required=True, help="command B, split as a shell splits words")
    commands.add_argument("--shell", action="store_true",
                          help="run A and B through /bin/sh (redirections, cache removal)")
    commands.add_argument("command", nargs=argparse.REMAINDER, help="-- command A")
    args = parser.parse_args(argv)
    if args.case != "commands" and not args.print and not corpus.base_flake8().exists():
        raise SystemExit("the venvs are missing: run python benchmarks/corpus.py fetch first")
    args.vs_replay = getattr(args, "yardstick", "") == "replay"
    if args.vs_replay and not args.print:
        corpus.install_replay()
    a, b, shell, cwd = case(args)
    if args.vs_replay and not args.print:
        record(a, shell, cwd, replay_file(args, root_of(args.root)))
    if args.print:
        print(f"A: {a}\nB: {b}" + (f"\n(in {cwd})" if cwd else ""))
    elif args.instructions:
        counts(a, b, shell, cwd)
    else:
        pairs(a, b, shell, cwd, args.n, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
