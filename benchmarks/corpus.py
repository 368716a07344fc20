"""The inputs every benchmark measures: fetch the pinned corpora and venvs, generate agents code.

Run by hand (never by pytest), from the repository root, with the project's venv::

    python benchmarks/corpus.py fetch [NAME ...]     # the corpora and the two venvs (default: all)
    python benchmarks/corpus.py list                 # where everything is
    python benchmarks/corpus.py plugin-at REV        # venv-plugin-REV: the plugin as of REV
    python benchmarks/corpus.py generate OUT --modules 5000        # a synthetic agents project
    python benchmarks/corpus.py generate OUT --huge-module-mb 5    # one module of 5 MB
    python benchmarks/corpus.py generate OUT --many-classes 20000  # one module of 20,000 classes
    python benchmarks/corpus.py generate OUT --modules 6000 --areas 4 --shared-class-share 0.5
                                                     # a third of the classes share a name
    python benchmarks/corpus.py check [NAME ...]     # does the plugin hold on them (exit 1 if not)

What it makes (all under ``benchmarks/.corpus/``, gitignored):

- ``django-<version>/``, ``sqlalchemy-<version>/``, ``pydantic-<version>/``: the sources of pinned
  sdists (``pip download --no-deps --no-binary NAME``, unpacked). Django is the "large real
  codebase"; SQLAlchemy (``Base.metadata`` everywhere) and pydantic (``model_dump``, field
  ``metadata``) are the code most likely to cause false positives.
- ``langchain-community-<version>/``, ``llama-index-core-<version>/``: agents-heavy real code,
  the pinned wheels (``pip download --no-deps --only-binary :all:``), unpacked, each with a
  ``setup.cfg`` naming documents and nodes as contexts (``AGENTS_CONFIG``). ``--wheel-dir DIR``
  takes the wheels from DIR when they are there.
- ``stdlib-<version>/``: a copy of this interpreter's standard library without
  ``site-packages`` (so the plugin's cache lands in the copy, not in the interpreter's tree).
- ``venv-base/``: flake8, pyflakes, pycodestyle and mccabe at this venv's versions and no
  plugin: the "flake8 alone" every ratio is measured against.
- ``venv-plugin/``: the same pins plus the plugin of this checkout built and installed as a
  user gets it (not editable: an editable install adds an import hook no user pays for).

Each corpus is made a git repository of its own (one commit), as a checked-out project is: the
project index lists files with ``git ls-files`` where it can. Every flake8 command passes
``--config`` (a corpus's own ``[flake8]`` section, Django's, does not change what is checked;
the agents corpora and generated trees get the ``setup.cfg`` written for them) and
``--ssot-project-root`` (the standard-library copy has no ``setup.cfg`` or ``.git``).

``generate`` writes a synthetic agents codebase (standard library only; the same arguments and
seed write the same bytes), package ``agentsvc``, 50 modules a sub-package:

- ``context.py`` (``UserExecutionContext`` with a ``metadata`` dict) and ``base_agent.py``
  (``BaseAgent`` and its helpers), as in the product brief;
- ``--write-share`` of the modules (default a quarter) are agents that write metadata: every
  SOT1xx form, helper calls, and values that ``json.dumps`` rejects (datetimes, UUIDs, sets,
  ``model_dump()``) reaching the write directly, through a local, a function of another module
  (declared ``-> datetime``), an attribute declared ``datetime``, and a dict or list built step
  by step; next to JSON-safe values that must not be reported;
- ``--read-share`` (default a tenth) only read metadata; the rest never mention it;
- ``--duplicate-share`` of the modules (default 5%) define one of the brief's duplicated classes;
- ``--shared-class-share`` of the plain classes (default none) take one of ``--shared-names``
  names (default one per 12 modules) instead of their own: 0.5 makes a third of all classes
  duplicates, in about 500 names for 6,000 modules, as in the monorepo of issue #28;
- ``--areas`` splits the packages into subtrees ``agentsvc/area_N/``: a larger repository of
  which one subtree is linted (``compare.py ... --subtree agentsvc/area_1``).

``agentsvc/pkg_000/mod_00000.py`` is always an 860-line agent module with writes and
``mod_00001.py`` a 1,836-line module that only reads metadata (the one-file cases).

``check`` runs flake8 alone, the plugin cold and the plugin warm once over each corpus
(``--jobs 2 --benchmark``) and prints the files checked, the findings per SOT code with a few
examples (to judge false positives by eye) and the plugin exceptions: any stderr line with
"raised an unexpected exception", a traceback or a ``flake8-ssot:`` warning, an exit status
other than 0/1, or a warm run that finds something else than the cold one. ``examples`` (the
repository's sample tree) runs last as a positive control: every family must report there.
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import random
import re
import resource
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / ".corpus"
REPO = Path(__file__).resolve().parent.parent
BASE_VENV = CORPUS_DIR / "venv-base"
PLUGIN_VENV = CORPUS_DIR / "venv-plugin"
# flake8 alone plus a plugin that reports again what a saved run of the plugin reported
# (benchmarks/replay): the yardstick of the plugin's own cost (compare.py --vs replay).
REPLAY_VENV = CORPUS_DIR / "venv-replay"
REPLAY_SOURCE = REPO / "benchmarks" / "replay"

# Pinned so that figures from different days compare: change a pin, re-run everything.
SDISTS = {
    "django": "5.2.8",
    "sqlalchemy": "2.0.44",
    "pydantic": "2.12.4",
}


# Agents-heavy real code: wheels (the sdists add nothing but packaging), unpacked.
WHEELS = {
    "langchain-community": "0.4.2",
    "llama-index-core": "0.14.25",
}
# Documents and nodes are the "contexts" of these libraries: their metadata dicts are what
# users write to, and what vector stores serialize (the SOT3xx issue's configuration).
AGENTS_CONFIG = """[flake8]
ssot-context-names = doc, document, *_doc, node, *_node, article, blob
ssot-context-classes = Document, Blob, BaseNode, TextNode
"""


def stdlib_source() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


# Not fetched: the repository's own sample tree, the corpus runner's positive control (every
# rule family must find something there).
SAMPLE_TREE = REPO / "examples" / "agents"


def corpus_path(name: str) -> Path:
    if name == "examples":
        return SAMPLE_TREE
    if name == "stdlib":
        return CORPUS_DIR / f"stdlib-{sys.version_info.major}.{sys.version_info.minor}"
    if name in WHEELS:
        return CORPUS_DIR / f"{name}-{WHEELS[name]}"
    return CORPUS_DIR / f"{name}-{SDISTS[name]}"


CORPUS_NAMES = (*SDISTS, "stdlib", *WHEELS)
AGENTS_CORPORA = tuple(WHEELS)


def base_flake8() -> Path:
    return BASE_VENV / "bin" / "flake8"


def plugin_flake8(venv_dir: Path = PLUGIN_VENV) -> Path:
    return venv_dir / "bin" / "flake8"


def _run(command: list[str], **kwargs) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def fetch_sdist(name: str) -> Path:
    target = corpus_path(name)
    if target.is_dir():
        return target
    with tempfile.TemporaryDirectory(dir=CORPUS_DIR) as download_dir:
        # --no-binary NAME forces the sdist (wheels have no tests/); build requirements may still
        # come as wheels, so preparing the metadata does not compile Cython from source.
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
              "--no-binary", name, "--dest", download_dir, f"{name}=={SDISTS[name]}"])
        archives = sorted(Path(download_dir).glob("*.tar.gz"))
        if len(archives) != 1:
            raise SystemExit(f"expected one sdist for {name}, got {archives}")
        with tarfile.open(archives[0]) as archive:
            archive.extractall(download_dir, filter="data")
        unpacked = [path for path in Path(download_dir).iterdir() if path.is_dir()]
        if len(unpacked) != 1:
            raise SystemExit(f"expected one top directory in {archives[0].name}, got {unpacked}")
        unpacked[0].rename(target)
    return target


def fetch_wheel(name: str, wheel_dir: Path | None = None) -> Path:
    """Unpack the pinned wheel of *name*, from *wheel_dir* if it holds it, else downloaded."""
    target = corpus_path(name)
    if target.is_dir():
        return target
    wheel_name = f"{name.replace('-', '_')}-{WHEELS[name]}-*.whl"
    with tempfile.TemporaryDirectory(dir=CORPUS_DIR) as download_dir:
        local = sorted(wheel_dir.glob(wheel_name)) if wheel_dir else []
        if not local:
            _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                  "--only-binary", ":all:", "--dest", download_dir, f"{name}=={WHEELS[name]}"])
        wheels = local or sorted(Path(download_dir).glob(wheel_name))
        if len(wheels) != 1:
            raise SystemExit(f"expected one wheel for {name}, got {wheels}")
        partial = Path(download_dir) / "unpacked"
        with zipfile.ZipFile(wheels[0]) as archive:
            archive.extractall(partial)
        (partial / "setup.cfg").write_text(AGENTS_CONFIG)
        partial.rename(target)
    return target


def config_file(root: Path) -> Path | None:
    """The corpus's own flake8 configuration when this script wrote it, else None."""
    if root.name in {corpus_path(name).name for name in AGENTS_CORPORA} or (
            root / GENERATED_MARKER).exists():
        return root / "setup.cfg"
    return None


# ``generate`` leaves this file in the trees it writes: their setup.cfg is ours too.
GENERATED_MARKER = ".generated-agents-codebase"


def copy_stdlib() -> Path:
    target = corpus_path("stdlib")
    if target.is_dir():
        return target
    source = stdlib_source()
    print(f"+ copy {source} -> {target}", flush=True)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))
    partial.rename(target)
    return target


# flake8 and the default checks it runs: pinned in both venvs to the versions of this venv.
FLAKE8_DISTRIBUTIONS = ("flake8", "pyflakes", "pycodestyle", "mccabe")
# The plugin needs nothing beyond flake8 (install_requires): the same pins, nothing else.
PLUGIN_DEPENDENCIES: tuple[str, ...] = ()


def _pins(names=FLAKE8_DISTRIBUTIONS) -> list[str]:
    return [f"{name}=={importlib.metadata.version(name)}" for name in names]


def make_base_venv() -> Path:
    if base_flake8().exists():
        return BASE_VENV
    venv.create(BASE_VENV, with_pip=True, clear=True)
    _run([str(BASE_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *_pins()])
    return BASE_VENV


def install_plugin(venv_dir: Path = PLUGIN_VENV, source: Path = REPO,
                   listed: str = "flake8-ssot") -> Path:
    """venv-plugin with the plugin of the working tree (*source*), built and installed like a
    release; *listed* is the distribution ``flake8 --version`` must then name."""
    python = str(venv_dir / "bin" / "python")
    if not plugin_flake8(venv_dir).exists():
        venv.create(venv_dir, with_pip=True, clear=True)
        _run([python, "-m", "pip", "install", "--quiet", "setuptools", "wheel", *_pins(),
              *_pins(PLUGIN_DEPENDENCIES)])
    # No build isolation and no dependency resolution: a reinstall takes seconds, offline.
    had_build_dir = (source / "build").exists()
    _run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
          "--force-reinstall", str(source)])
    if not had_build_dir:  # setuptools builds in the tree; leave it as it was
        shutil.rmtree(source / "build", ignore_errors=True)
    version = subprocess.run([str(plugin_flake8(venv_dir)), "--version"], capture_output=True,
                             text=True, check=True).stdout
    if listed not in version:
        raise SystemExit(f"{venv_dir.name}'s flake8 does not list {listed}: {version!r}")
    return venv_dir


def install_replay() -> Path:
    """venv-replay: flake8 alone's pins plus benchmarks/replay's plugin (installed again each
    time: it is a few lines)."""
    return install_plugin(REPLAY_VENV, REPLAY_SOURCE, listed="flake8-replay")


def install_plugin_at(revision: str) -> Path:
    """``venv-plugin-<revision>``: the plugin as committed at a git revision, for a pair of
    one change against the code before it (``compare.py --plugin`` with that venv)."""
    venv_dir = CORPUS_DIR / f"venv-plugin-{revision}"
    with tempfile.TemporaryDirectory() as source:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", revision],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", source], input=archive, check=True)
        install_plugin(venv_dir, Path(source))
    return venv_dir


def check_base_venv() -> None:
    """venv-base must be the same flake8 and default checks, no plugin: else every ratio lies."""
    freeze = subprocess.run([str(BASE_VENV / "bin" / "python"), "-m", "pip", "freeze"],
                            capture_output=True, text=True, check=True).stdout.split()
    version = subprocess.run([str(base_flake8()), "--version"], capture_output=True, text=True,
                             check=True).stdout
    if not set(_pins()) <= set(freeze) or "ssot" in version:
        raise SystemExit(f"venv-base is not plain {_pins()}: {freeze} / {version!r}")


def ensure_git_repository(root: Path) -> None:
    """Make a corpus a git repository of its own, as a checked-out project is.

    The project index lists files with ``git ls-files`` when it can; without this, a corpus
    inside this (ignoring) repository would be measured on the slower fallback walk.
    """
    if (root / ".git").exists():
        return
    git = ["git", "-c", "user.name=corpus", "-c", "user.email=corpus@example.com",
           "-c", "init.defaultBranch=main", "-c", "core.autocrlf=false"]
    _run([*git, "init", "-q"], cwd=root)
    shutil.rmtree(root / ".flake8-ssot-cache", ignore_errors=True)  # no cache in history
    _run([*git, "add", "-A", "."], cwd=root)
    _run([*git, "commit", "-q", "--no-verify", "-m", "corpus"], cwd=root)


def fetch_all(names=CORPUS_NAMES, wheel_dir: Path | None = None) -> dict[str, Path]:
    CORPUS_DIR.mkdir(exist_ok=True)
    make_base_venv()
    check_base_venv()
    install_plugin()
    paths = {}
    for name in names:
        if name == "stdlib":
            paths[name] = copy_stdlib()
        elif name in WHEELS:
            paths[name] = fetch_wheel(name, wheel_dir)
        else:
            paths[name] = fetch_sdist(name)
        ensure_git_repository(paths[name])
    return paths


def python_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if path.is_file())


# -- the flake8 command lines every benchmark runs ----------------------------------------------

JOBS = "2"  # the machine's cores; flake8's default (every core) differs between machines
CONFIG = CORPUS_DIR / "bench.cfg"  # an empty [flake8] section: a corpus's own does not apply
CACHE_DIR = ".flake8-ssot-cache"  # the plugin's default, under the project root

# What on stderr means the plugin failed somewhere: flake8's own report of a plugin exception,
# a traceback, or one of the plugin's warnings (the checker turns internal errors into these).
_PLUGIN_ERROR = re.compile(
    r"raised an unexpected exception|Traceback \(most recent call last\)|flake8-ssot:")


def write_configs() -> None:
    CORPUS_DIR.mkdir(exist_ok=True)
    CONFIG.write_text("[flake8]\n")


@dataclass(frozen=True)
class Variant:
    """One way of running flake8 over a corpus."""

    name: str
    label: str
    plugin: bool
    extra: tuple[str, ...] = ()
    cold: bool = False  # remove the project index cache before each run

    def command(self, root: Path, targets: list[str]) -> list[str]:
        config = str(config_file(root) or CONFIG)
        if not self.plugin:
            return [str(base_flake8()), "--config", config, *targets]
        return [str(plugin_flake8()), "--config", config,
                "--ssot-project-root", str(root), *self.extra, *targets]


BASE = Variant("base", "flake8 alone", plugin=False)
COLD = Variant("cold", "+ plugin, cold index", plugin=True, cold=True)
WARM = Variant("warm", "+ plugin, warm index", plugin=True)
# SOT3xx off: an inference budget of 0 steps.
WARM_NO_SOT3 = Variant("nosot3", "+ plugin, warm, no SOT3xx", plugin=True,
                       extra=("--ssot-inference-budget", "0"))


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


# -- generate: a synthetic agents codebase -------------------------------------------------------

PACKAGE = "agentsvc"
MODULES_PER_PACKAGE = 50
DUPLICATED_CLASSES = ("ExecutionEngine", "UserExecutionContextView", "WebSocketManager",
                      "ToolDispatcher", "ExecutionEngineFactory", "EventEmitter")
WRITE_MODULE = f"{PACKAGE}/pkg_000/mod_00000.py"
READ_MODULE = f"{PACKAGE}/pkg_000/mod_00001.py"

CONTEXT = '''"""The execution context: per-request state."""
from dataclasses import dataclass, field


@dataclass
class UserExecutionContext:
    user_id: str
    run_id: str
    metadata: dict = field(default_factory=dict)
'''

BASE_AGENT = '''"""The agent base class: the one place that writes metadata."""
from typing import Any


class BaseAgent:
    def store_metadata_result(self, context, key: str, value: Any) -> None:
        if hasattr(value, "model_dump"):
            value = value.model_dump(mode="json")
        context.metadata[key] = value

    def store_metadata_batch(self, context, mapping: dict) -> None:
        context.metadata.update(mapping)

    def append_metadata_list(self, context, key: str, item: Any) -> None:
        context.metadata.setdefault(key, []).append(item)

    def get_metadata_value(self, context, key: str, default: Any = None) -> Any:
        return context.metadata.get(key, default)
'''

MODULE_HEAD = '''"""Generated module {index}."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
{imports}

def make_stamp_{index}(offset: int = {offset}) -> datetime:
    return datetime.now() + timedelta(seconds=offset)


def summarize_{index}(items: list[str]) -> dict:
    return {{"count": len(items), "first": items[0] if items else None}}


@dataclass
class Record{index}:
    name: str
    created: datetime
    score: float = 0.0

    def model_dump(self, mode: str = "python") -> dict:
        return {{"name": self.name, "created": self.created, "score": self.score}}
'''

PLAIN_CLASS = '''

class {name}:
    """Plain code: what flake8's own checks spend their time on."""

    def __init__(self, limit: int = {limit}) -> None:
        self.limit = limit
        self.seen: list[int] = []

    def compute(self, values: list[int]) -> int:
        total = 0
        for value in values:
            if value > self.limit:
                total += value * 2
            elif value < 0:
                total -= value
            else:
                total += 1
        self.seen.append(total)
        return total

    def describe(self, verbose: bool = False) -> str:
        parts = [f"{{key}}={{value}}" for key, value in sorted(vars(self).items())]
        if verbose:
            parts.append(json.dumps({{"limit": self.limit, "seen": len(self.seen)}}))
        return ", ".join(parts)
'''

AGENT_HEAD = '''

class Agent{index}(BaseAgent):
    """An agent that records its work in the context's metadata."""

    started_at: datetime

    def __init__(self, name: str = "agent-{index}") -> None:
        self.name = name
        self.started_at = datetime.now()
        self.record = Record{index}(name, datetime.now())
'''

# Method bodies, one form each: {i} numbers the method, {stamp} is a function of another module
# declared ``-> datetime``. Comments say what a checker should make of them.
WRITE_METHODS = (
    # direct write of a local holding a datetime (SOT1xx, SOT3xx through a local)
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> None:
        started = datetime.now()
        context.metadata["step_{i}_started"] = started
''',
    # helper with a UUID, and one with a JSON-safe value (not reported)
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> None:
        self.store_metadata_result(context, "step_{i}_id", uuid4())
        self.store_metadata_result(context, "step_{i}_ok", {{"status": "done", "n": {i}}})
''',
    # a dict built step by step, with a set in it, stored as a batch
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> None:
        record = {{"agent": self.name}}
        record["tags"] = {{"a", "b", str(len(payload))}}
        record["count"] = len(payload)
        context.metadata.update(record)
''',
    # a value from a function of another module declared -> datetime
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> None:
        when = {stamp}()
        self.store_metadata_batch(context, {{"step_{i}_at": when, "by": self.name}})
''',
    # an attribute declared datetime, through a helper that converts only models
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> None:
        self.store_metadata_result(context, "step_{i}_since", self.started_at)
''',
    # model_dump() without mode='json', written directly
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> None:
        context.metadata["step_{i}_record"] = self.record.model_dump()
''',
    # list entry append, counter, pop, and a list built step by step
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> None:
        events = []
        for key in sorted(payload):
            events.append({{"key": key, "at": datetime.now()}})
        context.metadata["step_{i}_events"].append(events)
        context.metadata["step_{i}_count"] += 1
        context.metadata.pop("step_{i}_stale", None)
''',
    # reads only (never reported) and a helper read
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> Optional[Any]:
        previous = context.metadata.get("step_{i}_result")
        if previous is None:
            previous = self.get_metadata_value(context, "fallback", None)
        return previous
''',
    # values passed through a function of this module, and a plain JSON-safe summary
    '''
    def step_{i}(self, context: UserExecutionContext, payload: dict) -> None:
        summary = self._summarize_{i}(list(payload))
        self.store_metadata_result(context, "step_{i}_summary", summary)
        self.store_metadata_result(context, "step_{i}_deadline", self._deadline_{i}())

    def _summarize_{i}(self, items: list[str]) -> dict:
        return {{"count": len(items)}}

    def _deadline_{i}(self) -> datetime:
        return self.started_at + timedelta(hours=1)
''',
)

READ_FUNCTION = '''

def read_{index}_{i}(context: UserExecutionContext) -> str:
    value = context.metadata.get("key_{i}", "")
    history = context.metadata.get("history", [])
    return f"{{value}}:{{len(history)}}"
'''


@dataclass(frozen=True)
class Layout:
    """Where module *index* of a generated project lives: ``agentsvc/pkg_NNN/mod_NNNNN.py``, 50
    modules a package; with *areas* > 1 the packages are split, in order, into that many
    subtrees ``agentsvc/area_N/`` (a repository of which one subtree is linted)."""

    modules: int
    areas: int = 1

    def area(self, index: int) -> str:
        return f"area_{index * self.areas // self.modules}." if self.areas > 1 else ""

    def module_name(self, index: int) -> str:
        return (f"{PACKAGE}.{self.area(index)}pkg_{index // MODULES_PER_PACKAGE:03d}"
                f".mod_{index:05d}")

    def module_path(self, index: int) -> str:
        return self.module_name(index).replace(".", "/") + ".py"


def write_module(rng: random.Random, index: int, kind: str, duplicate: str | None,
                 agent_methods: int = 6, read_functions: int = 3, plain_classes: int = 2,
                 layout: Layout = Layout(1), shared_names: tuple[str, ...] = (),
                 shared_share: float = 0.0) -> str:
    """The source of module *index*; *kind* is "write", "read" or "plain". Each plain class is,
    with probability *shared_share*, named after one of *shared_names* instead of its own."""
    imports = ""
    stamp = f"make_stamp_{index}"
    if kind == "write":
        imports = ("from typing import Any, Optional\nfrom uuid import uuid4\n\n"
                   f"from {PACKAGE}.base_agent import BaseAgent\n"
                   f"from {PACKAGE}.context import UserExecutionContext\n")
        if index > 1:
            other = rng.randrange(1, index)  # an earlier module: the import graph has no cycles
            stamp = f"make_stamp_{other}"
            imports += f"from {layout.module_name(other)} import {stamp}\n"
    elif kind == "read":
        imports = f"\nfrom {PACKAGE}.context import UserExecutionContext\n"
    parts = [MODULE_HEAD.format(index=index, package=PACKAGE, imports=imports,
                                offset=rng.randrange(1, 3600))]
    names = [f"Service{index}x{number}" for number in range(plain_classes)]
    if shared_share:  # the draws only when asked for: the default projects keep their bytes
        shared = iter(rng.sample(shared_names, plain_classes))
        names = [next(shared) if rng.random() < shared_share else name for name in names]
    for name in names:
        parts.append(PLAIN_CLASS.format(name=name, limit=rng.randrange(1, 100)))
    if duplicate:
        parts.append(PLAIN_CLASS.format(name=duplicate, limit=rng.randrange(1, 100)))
    if kind == "write":
        parts.append(AGENT_HEAD.format(index=index))
        for number in range(agent_methods):
            parts.append(rng.choice(WRITE_METHODS).format(i=number, stamp=stamp))
    elif kind == "read":
        for number in range(read_functions):
            parts.append(READ_FUNCTION.format(index=index, i=number))
    return "".join(parts)


def start_tree(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / PACKAGE).mkdir(parents=True)
    (out / PACKAGE / "__init__.py").write_text("")
    (out / PACKAGE / "context.py").write_text(CONTEXT)
    (out / PACKAGE / "base_agent.py").write_text(BASE_AGENT)
    (out / "setup.cfg").write_text("[flake8]\nmax-line-length = 100\n")
    (out / GENERATED_MARKER).write_text("written by benchmarks/corpus.py generate\n")


def write_file(out: Path, relative: str, source: str) -> None:
    path = out / relative
    if not path.parent.exists():
        path.parent.mkdir(parents=True)
        (path.parent / "__init__.py").write_text("")
    path.write_text(source)


def generate_project(out: Path, modules: int, write_share: float, read_share: float,
                     duplicate_share: float, seed: int, areas: int = 1,
                     shared_class_share: float = 0.0, shared_names: int = 0) -> dict:
    rng = random.Random(seed)
    start_tree(out)
    layout = Layout(modules, areas)
    # Names two words long and more (``Shared17Engine``): competing classes of one name are
    # duplicates whatever their members (flake8_ssot.twins.is_specific).
    names = tuple(f"Shared{number}Engine" for number in range(shared_names or modules // 12))
    counts = {"write": 0, "read": 0, "plain": 0, "duplicate": 0}
    for index in range(modules):
        if index == 0:  # the single-file latency's agent module: ~900 lines of writes
            kind, source = "write", write_module(rng, 0, "write", None, agent_methods=140)
        elif index == 1:  # ... and its module that only reads: ~2,000 lines
            kind, source = "read", write_module(rng, 1, "read", None, read_functions=150,
                                                plain_classes=35)
        else:
            draw = rng.random()
            kind = ("write" if draw < write_share
                    else "read" if draw < write_share + read_share else "plain")
            duplicate = (rng.choice(DUPLICATED_CLASSES) if rng.random() < duplicate_share
                         else None)
            counts["duplicate"] += duplicate is not None
            source = write_module(rng, index, kind, duplicate, layout=layout,
                                  shared_names=names, shared_share=shared_class_share)
        counts[kind] += 1
        write_file(out, layout.module_path(index), source)
    if shared_class_share:
        counts.update(_class_counts(out))
    return counts


def _class_counts(out: Path) -> dict:
    """How many module-level classes the project defines, and how many of them share their
    name with a class of another module."""
    homes = collections.Counter()
    for path in python_files(out):
        homes.update(set(re.findall(r"^class (\w+)", path.read_text(), re.M)))
    return {"classes": sum(homes.values()),
            "duplicated classes": sum(count for count in homes.values() if count > 1),
            "duplicated names": sum(1 for count in homes.values() if count > 1)}


def generate_huge_module(out: Path, megabytes: float, write_share: float, seed: int) -> dict:
    """One module of *megabytes* MB: agent classes and plain classes, a *write_share* of agents."""
    rng = random.Random(seed)
    start_tree(out)
    imports = ("from typing import Any, Optional\nfrom uuid import uuid4\n\n"
               f"from {PACKAGE}.base_agent import BaseAgent\n"
               f"from {PACKAGE}.context import UserExecutionContext\n")
    parts = [MODULE_HEAD.format(index=0, package=PACKAGE, imports=imports, offset=1)]
    size, block = 0, 0
    while size < megabytes * 1_000_000:
        if rng.random() < write_share:
            text = AGENT_HEAD.format(index=0).replace("Agent0", f"Agent0x{block}")
            text += "".join(rng.choice(WRITE_METHODS).format(i=number, stamp="make_stamp_0")
                            for number in range(6))
        else:
            text = PLAIN_CLASS.format(name=f"Service0x{block}", limit=rng.randrange(1, 100))
        parts.append(text)
        size += len(text)
        block += 1
    write_file(out, f"{PACKAGE}/huge.py", "".join(parts))
    return {"blocks": block, "bytes": sum(len(part) for part in parts)}


def generate_many_classes(out: Path, classes: int, again: int = 0) -> dict:
    """One module of *classes* small classes (SOT2xx looks each one up in the index), the first
    *again* of them defined a second time at its end (twins within one file)."""
    start_tree(out)
    body = "".join(f"\n\nclass Model{number:06d}:\n    kind = {number}\n\n"
                   f"    def run(self):\n        return self.kind + 1\n"
                   for number in (*range(classes), *range(again)))
    write_file(out, f"{PACKAGE}/many_classes.py", '"""Generated: many classes."""\n' + body)
    return {"classes": classes + again}


# -- check: does the plugin hold on real code ---------------------------------------------------

_FINDING = re.compile(r"^(?P<path>.+?):\d+:\d+: (?P<code>[A-Z]+\d+) ", re.M)
RUN_NAMES = (*CORPUS_NAMES, "examples")
_FILES = re.compile(r"^(?P<count>\d+)\s+total files processed$", re.M)


def files_checked(stdout: str) -> int:
    match = _FILES.search(stdout)
    return int(match["count"]) if match else -1


def codes(stdout: str) -> collections.Counter:
    return collections.Counter(match["code"] for match in _FINDING.finditer(stdout))


def check(names: list[str], examples: int) -> int:
    """``check``: the plugin over each corpus, what it found and what failed; 1 if anything did."""
    unknown = set(names) - set(RUN_NAMES)
    if unknown:
        raise SystemExit(f"unknown corpus: {', '.join(sorted(unknown))}")
    names = names or list(RUN_NAMES)
    write_configs()
    check_base_venv()
    rows = []
    total_errors = 0
    for name in names:
        root = corpus_path(name)
        if not root.is_dir():
            raise SystemExit(f"{root} is missing: run python benchmarks/py first")
        print(f"\n== {name}: {root}", flush=True)
        base = run(BASE, root, ["--benchmark", "."], strict=False)
        cold = run(COLD, root, ["--benchmark", "."], strict=False)
        warm = run(WARM, root, ["--benchmark", "."], strict=False)
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
            for line in lines[:examples]:
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="fetch what is missing")
    fetch.add_argument("names", nargs="*", default=list(CORPUS_NAMES),
                       help=f"corpora to fetch (default: all of {', '.join(CORPUS_NAMES)})")
    fetch.add_argument("--wheel-dir", type=Path,
                       help="take the agents corpora's wheels from here when present")
    commands.add_parser("list", help="print the corpora and venvs")
    at = commands.add_parser("plugin-at", help="make venv-plugin-REVISION")
    at.add_argument("revision")
    generate = commands.add_parser("generate", help="write a synthetic agents codebase")
    generate.add_argument("out", type=Path, help="directory to write (replaced if it exists)")
    generate.add_argument("--modules", type=int, default=1000, help="modules of the project")
    generate.add_argument("--write-share", type=float, default=0.25,
                          help="share of modules (or huge-module blocks) writing metadata")
    generate.add_argument("--read-share", type=float, default=0.10,
                          help="share of modules that only read metadata")
    generate.add_argument("--duplicate-share", type=float, default=0.05,
                          help="share of modules defining a duplicated class")
    generate.add_argument("--areas", type=int, default=1,
                          help="split the packages into this many subtrees agentsvc/area_N/ "
                               "(a larger repository, one subtree of which is linted)")
    generate.add_argument("--shared-class-share", type=float, default=0.0,
                          help="share of the plain service classes named after a name that "
                               "other modules' classes share (0.5: a third of all classes)")
    generate.add_argument("--shared-names", type=int, default=0,
                          help="how many such names (default: one per 12 modules)")
    generate.add_argument("--seed", type=int, default=13)
    generate.add_argument("--huge-module-mb", type=float,
                          help="instead: one module of this many MB")
    generate.add_argument("--many-classes", type=int,
                          help="instead: one module with this many classes")
    generate.add_argument("--defined-again", type=int, default=0,
                          help="with --many-classes: the first N classes defined once more")
    checking = commands.add_parser("check", help="run the plugin over the corpora")
    checking.add_argument("names", nargs="*", metavar="NAME",
                          help=f"corpora, of {', '.join(RUN_NAMES)} (default: all)")
    checking.add_argument("--examples", type=int, default=3,
                          help="findings shown per SOT code and corpus")
    args = parser.parse_args(argv)
    if args.command == "plugin-at":
        print(install_plugin_at(args.revision))
    elif args.command == "list":
        for name in CORPUS_NAMES:
            path = corpus_path(name)
            count = len(python_files(path)) if path.is_dir() else "missing"
            print(f"{name:12} {path}  ({count} .py files)")
        for name, path, flake8 in (("venv-base", BASE_VENV, base_flake8()),
                                   ("venv-plugin", PLUGIN_VENV, plugin_flake8())):
            print(f"{name:12} {path}  ({'ok' if flake8.exists() else 'missing'})")
    elif args.command == "generate":
        if not 0 <= args.write_share + args.read_share <= 1:
            parser.error("--write-share plus --read-share must be between 0 and 1")
        print(f"{args.out}: {generate_tree(args)}")
    elif args.command == "check":
        return check(args.names, args.examples)
    else:
        for name, path in fetch_all(args.names, args.wheel_dir).items():
            print(f"{name:12} {path}  ({len(python_files(path))} .py files)")
    return 0


def generate_tree(args: argparse.Namespace) -> dict:
    if args.huge_module_mb:
        counts = generate_huge_module(args.out, args.huge_module_mb, args.write_share, args.seed)
    elif args.many_classes:
        counts = generate_many_classes(args.out, args.many_classes, args.defined_again)
    else:
        counts = generate_project(args.out, args.modules, args.write_share, args.read_share,
                                  args.duplicate_share, args.seed, args.areas,
                                  args.shared_class_share, args.shared_names)
    ensure_git_repository(args.out)
    return counts


if __name__ == "__main__":
    sys.exit(main())
