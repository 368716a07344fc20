"""The index's public interface, on real files on disk (and a real second process)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time

from helpers import user_env, write_tree

from flake8_ssot.index import core
from flake8_ssot.index import (ClassDefinition, ClassFacts, ImportFacts, ProjectIndex,
                               project_index)

AGENTS = {
    "setup.cfg": "[flake8]\n",
    "agents/__init__.py": "from .base import BaseAgent as BaseAgent\nfrom . import base\n",
    "agents/base.py": textwrap.dedent("""\
        import abc


        @abc.abstractmethod
        class BaseAgent(abc.ABC, metaclass=abc.ABCMeta):
            def run(self): ...

            async def stream(self): ...

            class Config: ...

            def _private(self): ...
        """),
    "agents/research.py": textwrap.dedent("""\
        from typing import Generic, TypeVar
        from .base import BaseAgent
        T = TypeVar("T")


        class ResearchAgent(BaseAgent, Generic[T]):
            def run(self):
                from ..services import tools
                import json as j
        """),
    "agents/deep.py": "from agents import research\nclass DeepAgent(research.ResearchAgent): ...\n",
    "services/__init__.py": "",
    "services/tools.py": textwrap.dedent("""\
        import agents
        import agents.base
        import agents.base as ab
        from agents import BaseAgent as Agent, base
        from agents.research import *


        class Unrelated: ...
        """),
}


def build(root, cache_dir=".cache"):
    files = sorted(path for path in AGENTS if path.endswith(".py"))
    return ProjectIndex.build(str(root), files, str(root / cache_dir) if cache_dir else None)


def test_facts_of_a_real_file(tmp_path):
    index = build(write_tree(tmp_path, AGENTS))
    facts = index.facts("agents/base.py")
    assert facts.classes == (ClassFacts("BaseAgent", 5, 0, 12, ("abc.ABC",),
                                        ("run", "stream", "_private"), ("abc.abstractmethod",)),)
    research = index.facts("agents/research.py")
    assert research.classes[0].bases == ("BaseAgent", "Generic")
    assert research.imports == (
        ImportFacts("typing", "Generic", None, 1), ImportFacts("typing", "TypeVar", None, 1),
        ImportFacts("agents.base", "BaseAgent", None, 2), ImportFacts("services", "tools", None, 8),
        ImportFacts("json", None, "j", 9))
    assert index.facts("agents/__init__.py").imports == (
        ImportFacts("agents.base", "BaseAgent", "BaseAgent", 1),
        ImportFacts("agents", "base", None, 2))
    assert index.facts("missing.py") is None


def test_facts_of_a_file_that_does_not_parse_are_none(tmp_path):
    write_tree(tmp_path, {"old.py": "print 'hello'\n"})
    assert ProjectIndex.build(str(tmp_path), ["old.py"], None).facts("old.py") is None


def test_resolve_class_through_imports_and_re_exports(tmp_path):
    index = build(write_tree(tmp_path, AGENTS))
    base = ClassDefinition("BaseAgent", "agents/base.py", 5, 0)
    tools = "services/tools.py"
    assert index.resolve_class("agents/base.py", "BaseAgent") == base
    assert index.resolve_class("agents/research.py", "BaseAgent") == base
    assert index.resolve_class(tools, "Agent") == base  # via the package's re-export
    assert index.resolve_class(tools, "agents.BaseAgent") == base  # import agents
    assert index.resolve_class(tools, "agents.base.BaseAgent") == base  # import agents.base
    assert index.resolve_class(tools, "ab.BaseAgent") == base  # import agents.base as ab
    assert index.resolve_class(tools, "base.BaseAgent") == base  # from agents import base
    assert index.resolve_class(tools, "ResearchAgent") == ClassDefinition(  # star import
        "ResearchAgent", "agents/research.py", 6, 0)
    assert index.resolve_class("agents/deep.py", "research.ResearchAgent").path == (
        "agents/research.py")
    for not_a_project_class in ("Generic", "abc.ABC", "base", "Missing", "BaseAgent.Config"):
        assert index.resolve_class("agents/research.py", not_a_project_class) is None


def test_resolve_class_stops_on_an_import_cycle(tmp_path):
    write_tree(tmp_path, {"a.py": "from b import X\n", "b.py": "from a import X\n"})
    index = ProjectIndex.build(str(tmp_path), ["a.py", "b.py"], None)
    assert index.resolve_class("a.py", "X") is None


def test_ancestors_across_modules_transitively(tmp_path):
    index = build(write_tree(tmp_path, AGENTS))
    assert index.ancestors("DeepAgent") >= {"ResearchAgent", "BaseAgent"}
    assert "DeepAgent" not in index.ancestors("BaseAgent")
    assert index.ancestors("Unrelated") == frozenset()
    assert "Generic" not in index.class_names() and "BaseAgent" in index.class_names()
    # A warm index answers from the saved rows, read name by name: the same answer.
    assert build(tmp_path).ancestors("DeepAgent") == index.ancestors("DeepAgent")


def test_module_paths_and_content_hash(tmp_path):
    index = build(write_tree(tmp_path, AGENTS))
    assert index.module_paths()["agents"] == "agents/__init__.py"
    assert index.module_paths()["services.tools"] == "services/tools.py"
    assert index.read("agents/deep.py") == (tmp_path / "agents/deep.py").read_bytes()
    assert index.read("../outside.py") is None
    assert index.content_hash("agents/deep.py") == build(tmp_path).content_hash("agents/deep.py")
    assert len(index.content_hash("agents/deep.py")) == 40


SECOND_PROCESS = """
import json, sys
from flake8_ssot.index import ProjectIndex
index = ProjectIndex.build(sys.argv[1], ["agents/base.py"], sys.argv[1] + "/.cache")
print(json.dumps([index.cache_get("summaries", "k1"), index.cache_get("summaries", "k2")]))
"""


def test_cache_entries_survive_into_a_second_process(tmp_path):
    index = build(write_tree(tmp_path, AGENTS))
    index.cache_put("summaries", "k1", {"kinds": ["datetime"], "n": 1})
    index.save()  # what a checked file's end does
    output = subprocess.run([sys.executable, "-c", SECOND_PROCESS, str(tmp_path)],
                            capture_output=True, text=True, check=True, env=user_env()).stdout
    assert json.loads(output) == [{"kinds": ["datetime"], "n": 1}, None]


def test_a_corrupt_entry_is_a_miss_and_corrupt_facts_are_computed_again(tmp_path):
    index = build(write_tree(tmp_path, AGENTS))
    expected = index.facts("agents/base.py")
    index.save()
    sha1 = index.content_hash("agents/base.py")
    with sqlite3.connect(tmp_path / ".cache" / "index.sqlite3") as database:
        database.execute("UPDATE entries SET value = '{not json' WHERE key = ?", (sha1,))
        database.execute("INSERT INTO entries (namespace, key, value) VALUES "
                         "('summaries', 'k', '[1, ')")
    fresh = build(tmp_path)
    assert fresh.cache_get("summaries", "k") is None
    assert fresh.facts("agents/base.py") == expected
    with sqlite3.connect(tmp_path / ".cache" / "index.sqlite3") as database:
        database.execute("UPDATE entries SET value = '[[[1, 2]], []]' WHERE key = ?", (sha1,))
    assert build(tmp_path).facts("agents/base.py") == expected  # the wrong shape: a miss


def test_a_corrupt_file_row_is_not_believed_its_file_is_scanned_again(tmp_path):
    write_tree(tmp_path, AGENTS)
    for path in tmp_path.rglob("*.py"):  # older than the cache's "racy" window: rows are kept
        os.utime(path, ns=(time.time_ns() - 10**10,) * 2)
    expected = {name: build(tmp_path).definitions(name)
                for name in ("BaseAgent", "ResearchAgent", "DeepAgent")}
    assert all(expected.values())
    with sqlite3.connect(tmp_path / ".cache" / "index.sqlite3") as database:
        database.execute("UPDATE files SET classes = 'BaseAgent:x' WHERE path = 'agents/base.py'")
        database.execute("UPDATE files SET names = 7 WHERE path = 'agents/research.py'")
    index = build(tmp_path)
    assert {name: index.definitions(name) for name in expected} == expected


def test_cache_writes_on_a_read_only_cache_are_skipped(tmp_path):
    index = build(write_tree(tmp_path, AGENTS))
    (tmp_path / ".cache" / "index.sqlite3").chmod(0o444)
    try:
        read_only = build(tmp_path)
        read_only.cache_put("summaries", "k", [1])
        read_only.save()  # no error; nothing kept for a retry
        assert read_only.facts("agents/base.py") == index.facts("agents/base.py")
    finally:
        (tmp_path / ".cache" / "index.sqlite3").chmod(0o644)


def test_memory_only_index_has_no_cache_entries(tmp_path):
    index = build(write_tree(tmp_path, AGENTS), cache_dir=None)
    index.cache_put("summaries", "k", [1])
    assert index.cache_get("summaries", "k") is None
    assert index.facts("agents/base.py").classes[0].name == "BaseAgent"


def test_entries_kept_for_the_run_are_reused_without_a_cache(tmp_path):
    # --ssot-no-cache: an imported module's summary is still worked out once per run, not
    # once per checked file that imports it.
    index = build(write_tree(tmp_path, AGENTS), cache_dir=None)
    index.cache_put("summaries", "k", [1], keep=True)
    assert index.cache_get("summaries", "k") == [1]
    assert build(tmp_path, cache_dir=None).cache_get("summaries", "k") is None  # a new run


def test_a_write_skipped_because_another_process_held_the_lock_is_made_by_the_next_save(
        tmp_path):
    index = build(write_tree(tmp_path, AGENTS))
    other = sqlite3.connect(tmp_path / ".cache" / "index.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another flake8 worker writing
    index.cache_put("summaries", "first", [1])
    index.save()  # waits its best-effort second, then skips
    other.execute("ROLLBACK")
    assert build(tmp_path).cache_get("summaries", "first") is None
    assert index.cache_get("summaries", "first") == [1]  # still this run's
    index.cache_put("summaries", "second", [2])
    index.save()
    fresh = build(tmp_path)
    assert [fresh.cache_get("summaries", key) for key in ("first", "second")] == [[1], [2]]
    other.close()


def test_a_checked_file_with_many_classes_costs_one_decode(tmp_path):
    # The lookup of each of a file's classes decodes that file's row once, not once per name.
    names = [f"C{i}" for i in range(3000)]
    write_tree(tmp_path, {"big.py": "".join(f"class {n}: pass\n" for n in names),
                          "twin.py": "class C2999: pass\n"})
    index = ProjectIndex.build(str(tmp_path), ["big.py", "twin.py"], None)
    others = [index.definitions(name, keep=lambda d: d.path != "big.py") for name in names]
    found = [definition for definitions in others for definition in definitions]
    assert found == [ClassDefinition("C2999", "twin.py", 1, 0)]


def test_project_index_is_one_object_per_run(tmp_path):
    from flake8_ssot.index import begin_run

    write_tree(tmp_path, AGENTS)
    first = project_index(str(tmp_path), (), "")
    assert project_index(str(tmp_path), (), "") is first
    begin_run()
    assert project_index(str(tmp_path), (), "") is not first


def test_a_warm_index_answers_as_a_cold_one_name_by_name_and_after_reading_every_row(tmp_path):
    # 600 files: a warm index looks the first 500 names up one query at a time, then reads
    # every row at once; both ways give what an index built from the files gives.
    files = {f"pkg/m{n}.py": f"class C{n}:\n    pass\nclass Shared{n % 7}(C{n}): ...\n"
             for n in range(600)}
    write_tree(tmp_path, files)
    paths = sorted(files)
    cold = ProjectIndex.build(str(tmp_path), paths, None)  # memory only: every row read
    ProjectIndex.build(str(tmp_path), paths, str(tmp_path / ".cache"))  # saves the rows
    warm = ProjectIndex.build(str(tmp_path), paths, str(tmp_path / ".cache"))
    names = [f"C{n}" for n in range(600)] + [f"Shared{n}" for n in range(7)] + ["Missing"]
    for name in names:
        assert warm.definitions(name) == cold.definitions(name), name
    assert warm.ancestors("Shared3") == cold.ancestors("Shared3")
    assert warm.ancestors("Shared3") >= {"C3", "C10"}
    assert warm.class_names() == cold.class_names() and "Missing" not in warm.class_names()


def test_duplicates_are_looked_up_without_parsing_any_file(tmp_path, monkeypatch):
    # What the scan stored is the answer: no file is parsed to confirm a twin, cold or warm.
    import ast

    write_tree(tmp_path, {"a.py": "class Twin: pass\n", "b.py": "class Twin(Base): pass\n"})
    for path in tmp_path.rglob("*.py"):  # older than the cache's "racy" window: rows are kept
        os.utime(path, ns=(time.time_ns() - 10**10,) * 2)
    cache = str(tmp_path / ".cache")
    parsed = []
    real = ast.parse
    monkeypatch.setattr(ast, "parse", lambda *args, **kwargs: parsed.append(1) or real(
        *args, **kwargs))
    expected = [ClassDefinition("Twin", "a.py", 1, 0), ClassDefinition("Twin", "b.py", 1, 0)]
    for _ in ("cold", "warm"):
        index = ProjectIndex.build(str(tmp_path), ["a.py", "b.py"], cache)
        assert index.definitions("Twin") == expected
        assert [r.bases for r in index.records_named("Twin")] == [(), ("Base",)]
        index.save()
    assert parsed == []


def test_a_checked_buffer_that_is_the_disk_content_gives_its_facts(tmp_path, monkeypatch):
    # flake8 parsed a.py already: asking for its imports (is its class a shim?) parses nothing.
    # An edited buffer is not the disk's content, so a.py's facts are read from disk.
    import ast

    from flake8_ssot.index import module_facts

    saved = "from b import Twin as _Twin\n\n\nclass Twin(_Twin): pass\n"
    write_tree(tmp_path, {"a.py": saved, "b.py": "class Twin: pass\n"})
    parsed = []
    real = core.parse
    monkeypatch.setattr(core, "parse", lambda data: parsed.append(1) or real(data))
    for buffer, parses in ((saved, 0), ("\n" + saved, 1)):
        parsed.clear()
        index = ProjectIndex.build(str(tmp_path), ["a.py", "b.py"], None)
        index.adopt_buffer("a.py", buffer, module_facts(ast.parse(buffer), "a.py"))
        assert index.facts("a.py") == module_facts(ast.parse(saved), "a.py")
        assert len(parsed) == parses, buffer


def settled(root, files):
    """Files last changed a minute ago: a row of a file changed in the second before the cache
    was opened is saved with its mtime unknown (racy), and read again by the next run."""
    for path in files:
        os.utime(root / path, ns=(time.time_ns() - 60 * 10**9,) * 2)


def test_a_warm_run_whose_stamps_all_match_reads_no_stamp_and_answers_the_same(tmp_path,
                                                                               monkeypatch):
    # The first warm run compares each stamp and saves their digest; the next one, finding
    # the same stamps, reads none from sqlite (the one-file editor run's largest cost).
    files = {f"pkg/m{n}.py": f"class Shared{n % 3}:\n    x: int\n" for n in range(30)}
    settled(write_tree(tmp_path, files), files)
    paths, cache = sorted(files), str(tmp_path / ".cache")
    ProjectIndex.build(str(tmp_path), paths, cache)  # cold: scans and saves the rows
    compared = ProjectIndex.build(str(tmp_path), paths, cache)  # warm: compares, saves digest
    monkeypatch.setattr("flake8_ssot.index.store.Store.stamps", lambda self: 1 / 0)
    warm = ProjectIndex.build(str(tmp_path), paths, cache)
    for name in ("Shared0", "Shared1", "Shared2", "Missing"):
        assert warm.definitions(name) == compared.definitions(name), name
    assert len(warm.definitions("Shared1")) == 10


def test_the_warm_digest_never_hides_a_change(tmp_path):
    files = {"a.py": "class Engine: ...\n", "b.py": "class Engine: ...\n", "c.py": ""}
    settled(write_tree(tmp_path, files), files)
    cache = str(tmp_path / ".cache")

    def engines(paths=sorted(files)):
        index = ProjectIndex.build(str(tmp_path), paths, cache)
        return sorted(definition.path for definition in index.definitions("Engine"))

    for _ in range(3):  # the last run takes the digest's path
        assert engines() == ["a.py", "b.py"]
    # A run over fewer files removes b.py's row, and writes no digest of its own: the next run
    # over every file must not take the digest saved before for its rows.
    engines(["a.py", "c.py"])
    assert engines() == ["a.py", "b.py"]
    engines()  # a digest again
    (tmp_path / "c.py").write_text("class Engine: ...\n")  # an edit: c.py's stamp moves
    assert engines() == ["a.py", "b.py", "c.py"]


def test_a_run_after_an_edit_stats_each_file_once_and_sees_the_edit(tmp_path, monkeypatch):
    # The digest's pass keeps every stamp it made: when an edit makes it miss, the comparison
    # with the rows reads those stamps again instead of a second stat of every file (the
    # pre-commit run of a changed file), and only the changed file is stated again.
    files = {f"m{n:02}.py": "class Engine: ...\n" if n < 2 else "x = 1\n" for n in range(20)}
    settled(write_tree(tmp_path, files), files)
    paths, cache = sorted(files), str(tmp_path / ".cache")
    for _ in range(3):  # cold, then the digest saved, then the digest's path
        ProjectIndex.build(str(tmp_path), paths, cache)
    (tmp_path / "m05.py").write_text("class Engine: ...\n")
    real, asked = core.stat_all, []
    monkeypatch.setattr(core, "stat_all", lambda root, some: asked.extend(some) or real(root, some))
    edited = ProjectIndex.build(str(tmp_path), paths, cache)
    assert sorted(d.path for d in edited.definitions("Engine")) == ["m00.py", "m01.py", "m05.py"]
    assert sorted(asked) == sorted([*paths, "m05.py"])


def test_a_file_made_a_fifo_after_the_digest_is_never_opened(tmp_path):
    files = {"a.py": "class Engine: ...\n", "b.py": "class Engine: ...\n"}
    settled(write_tree(tmp_path, files), files)
    paths, cache = sorted(files), str(tmp_path / ".cache")
    for _ in range(3):
        ProjectIndex.build(str(tmp_path), paths, cache)
    (tmp_path / "b.py").unlink()
    os.mkfifo(tmp_path / "b.py")  # opening it would block the run
    index = ProjectIndex.build(str(tmp_path), paths, cache)
    assert [d.path for d in index.definitions("Engine")] == ["a.py"]
