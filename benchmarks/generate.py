"""Write a synthetic agents codebase: the code this plugin is for, at any size, the same for a seed.

Run by hand from the repository root (standard library only)::

    python benchmarks/generate.py OUT --modules 5000             # a project of 5,000 modules
    python benchmarks/generate.py OUT --modules 1000 --write-share 0.5 --seed 7
    python benchmarks/generate.py OUT --huge-module-mb 5         # one module of 5 MB
    python benchmarks/generate.py OUT --many-classes 20000       # one module of 20,000 classes

What a project holds (package ``agentsvc``, 50 modules a sub-package):

- ``context.py`` (``UserExecutionContext`` with a ``metadata`` dict) and ``base_agent.py``
  (``BaseAgent`` and its helpers), as in the product brief;
- ``--write-share`` of the modules (default a quarter) are agents that write metadata: every
  SOT1xx form, helper calls, and values that ``json.dumps`` rejects (datetimes, UUIDs, sets,
  ``model_dump()``) reaching the write directly, through a local, a function of another module
  (declared ``-> datetime``), an attribute declared ``datetime``, and a dict or list built step by
  step; next to JSON-safe values that must not be reported;
- ``--read-share`` (default a tenth) only read metadata (the text prefilter lets them through,
  the visitor finds nothing);
- the rest never mention it: ordinary classes and functions;
- ``--duplicate-share`` of the modules (default 5%) define one of the brief's duplicated classes
  (``ExecutionEngine``, ``WebSocketManager``, ...) besides their own uniquely named classes.

Two files are fixed for the single-file latency: ``agentsvc/pkg_000/mod_00000.py`` is an
860-line agent module with metadata writes, ``agentsvc/pkg_000/mod_00001.py`` a 1,836-line
module that only reads metadata (the shapes of the issue's editor measurements).

The tree is made a git repository (one commit) with a ``setup.cfg`` of its own (a
``[flake8]`` section with only ``max-line-length = 100``: the plugin's defaults fit this code), as
``corpus.py`` does for real code.
The same arguments and seed write the same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

import corpus

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


def module_name(index: int) -> str:
    return f"{PACKAGE}.pkg_{index // MODULES_PER_PACKAGE:03d}.mod_{index:05d}"


def module_path(index: int) -> str:
    return module_name(index).replace(".", "/") + ".py"


def write_module(rng: random.Random, index: int, kind: str, duplicate: str | None,
                 agent_methods: int = 6, read_functions: int = 3, plain_classes: int = 2) -> str:
    """The source of module *index*; *kind* is "write", "read" or "plain"."""
    imports = ""
    stamp = f"make_stamp_{index}"
    if kind == "write":
        imports = ("from typing import Any, Optional\nfrom uuid import uuid4\n\n"
                   f"from {PACKAGE}.base_agent import BaseAgent\n"
                   f"from {PACKAGE}.context import UserExecutionContext\n")
        if index > 1:
            other = rng.randrange(1, index)  # an earlier module: the import graph has no cycles
            stamp = f"make_stamp_{other}"
            imports += f"from {module_name(other)} import {stamp}\n"
    elif kind == "read":
        imports = f"\nfrom {PACKAGE}.context import UserExecutionContext\n"
    parts = [MODULE_HEAD.format(index=index, package=PACKAGE, imports=imports,
                                offset=rng.randrange(1, 3600))]
    for number in range(plain_classes):
        parts.append(PLAIN_CLASS.format(name=f"Service{index}x{number}",
                                        limit=rng.randrange(1, 100)))
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
    (out / corpus.GENERATED_MARKER).write_text("written by benchmarks/generate.py\n")


def write_file(out: Path, relative: str, source: str) -> None:
    path = out / relative
    if not path.parent.exists():
        path.parent.mkdir(parents=True)
        (path.parent / "__init__.py").write_text("")
    path.write_text(source)


def generate_project(out: Path, modules: int, write_share: float, read_share: float,
                     duplicate_share: float, seed: int) -> dict:
    rng = random.Random(seed)
    start_tree(out)
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
            source = write_module(rng, index, kind, duplicate)
        counts[kind] += 1
        write_file(out, module_path(index), source)
    return counts


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


def generate_many_classes(out: Path, classes: int) -> dict:
    """One module of *classes* small classes (SOT2xx looks each one up in the index)."""
    start_tree(out)
    body = "".join(f"\n\nclass Model{number:06d}:\n    kind = {number}\n\n"
                   f"    def run(self):\n        return self.kind + 1\n"
                   for number in range(classes))
    write_file(out, f"{PACKAGE}/many_classes.py", '"""Generated: many classes."""\n' + body)
    return {"classes": classes}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to write (replaced if it exists)")
    parser.add_argument("--modules", type=int, default=1000, help="modules of the project")
    parser.add_argument("--write-share", type=float, default=0.25,
                        help="share of modules (or huge-module blocks) writing metadata")
    parser.add_argument("--read-share", type=float, default=0.10,
                        help="share of modules that only read metadata")
    parser.add_argument("--duplicate-share", type=float, default=0.05,
                        help="share of modules defining a duplicated class")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--huge-module-mb", type=float,
                        help="instead: one module of this many MB")
    parser.add_argument("--many-classes", type=int,
                        help="instead: one module with this many classes")
    args = parser.parse_args(argv)
    if not 0 <= args.write_share + args.read_share <= 1:
        parser.error("--write-share plus --read-share must be between 0 and 1")
    if args.huge_module_mb:
        counts = generate_huge_module(args.out, args.huge_module_mb, args.write_share, args.seed)
    elif args.many_classes:
        counts = generate_many_classes(args.out, args.many_classes)
    else:
        counts = generate_project(args.out, args.modules, args.write_share, args.read_share,
                                  args.duplicate_share, args.seed)
    corpus.ensure_git_repository(args.out)
    print(f"{args.out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
