"""The flake8 command lines the benchmark and the corpus runner time, in one place.

Every run uses ``--config`` with a file of our own, so that a corpus's own ``[flake8]`` section
(Django's ``setup.cfg`` has one) does not change what is checked (the agents corpora and the
generated codebases get the ``setup.cfg`` that ``corpus.py``/``generate.py`` wrote for them: their
context configuration), and ``--jobs 2`` (the
machine's core count; flake8's default is every core, which differs between machines).
"""

from __future__ import annotations

import re
import resource
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import corpus

JOBS = "2"
CONFIG = corpus.CORPUS_DIR / "bench.cfg"
SOT1_ONLY_CONFIG = corpus.CORPUS_DIR / "bench-sot1-only.cfg"
BENCHMARKS_DIR = Path(__file__).resolve().parent
REPO = BENCHMARKS_DIR.parent
CACHE_DIR = ".flake8-ssot-cache"  # the plugin's default, under the project root

# What on stderr means the plugin failed somewhere: flake8's own report of a plugin exception,
# a traceback, or one of the plugin's warnings (the checker turns internal errors into these).
_PLUGIN_ERROR = re.compile(
    r"raised an unexpected exception|Traceback \(most recent call last\)|flake8-ssot:")


def write_configs() -> None:
    CONFIG.write_text("[flake8]\n")
    SOT1_ONLY_CONFIG.write_text(
        "[flake8]\n\n[flake8:local-plugins]\nextension =\n    SOT = sot1_only:Sot1Only\n"
        f"paths =\n    {BENCHMARKS_DIR}\n    {REPO}\n"
    )


@dataclass(frozen=True)
class Variant:
    """One way of running flake8 over a corpus."""

    name: str
    label: str
    plugin: bool
    extra: tuple[str, ...] = ()
    cold: bool = False  # remove the project index cache before each run
    sot1_only: bool = False

    def command(self, root: Path, targets: list[str]) -> list[str]:
        if self.sot1_only:
            return [str(corpus.base_flake8()), "--config", str(SOT1_ONLY_CONFIG), *targets]
        config = str(corpus.config_file(root) or CONFIG)
        if not self.plugin:
            return [str(corpus.base_flake8()), "--config", config, *targets]
        return [str(corpus.plugin_flake8()), "--config", config,
                "--ssot-project-root", str(root), *self.extra, *targets]


BASE = Variant("base", "flake8 alone", plugin=False)
SOT1_ONLY = Variant("sot1", "+ SOT1xx only", plugin=False, sot1_only=True)
COLD = Variant("cold", "+ plugin, cold index", plugin=True, cold=True)
WARM = Variant("warm", "+ plugin, warm index", plugin=True)
# SOT3xx's astroid inference off: a budget of 0 seconds (flake8_ssot.rules.serializable).
WARM_NO_SOT3 = Variant("nosot3", "+ plugin, warm, no SOT3xx", plugin=True,
                       extra=("--ssot-inference-budget", "0"))
# Test code indexed too (no test patterns), in a cache of its own: the size of index a project
# of that many non-test files would have. Used for the single-file latency.
WARM_ALL_FILES = Variant("warm-all", "+ plugin, warm, test code indexed too", plugin=True,
                         extra=("--ssot-test-patterns=", "--ssot-cache-dir", CACHE_DIR + "-all"))


@dataclass
class Result:
    seconds: float  # wall clock, what a user waits
    cpu_seconds: float  # user + system time of flake8 and its worker processes
    stdout: str
    stderr: str
    returncode: int

    def plugin_errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if _PLUGIN_ERROR.search(line)]


def clear_cache(root: Path) -> None:
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)


def run(variant: Variant, root: Path, targets: list[str], stdin: str | None = None,
        jobs: bool = True, strict: bool = True) -> Result:
    """Run and time one flake8 command; *strict*: stop on any plugin error (the benchmark)."""
    if variant.cold:
        clear_cache(root)
    command = variant.command(root, targets)
    if jobs:
        command[1:1] = ["--jobs", JOBS]
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=root, input=stdin, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Children's usage includes the workers flake8 waited for (--jobs): the whole run's CPU.
    cpu_seconds = (usage.ru_utime - usage_before.ru_utime
                   + usage.ru_stime - usage_before.ru_stime)
    result = Result(seconds, cpu_seconds, completed.stdout, completed.stderr,
                    completed.returncode)
    if strict and (completed.returncode not in (0, 1) or result.plugin_errors()):
        raise SystemExit(f"{' '.join(command)} failed ({completed.returncode}):\n"
                         f"{completed.stderr[-4000:]}")
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)
