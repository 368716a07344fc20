"""Hostile input: each case gives a clear message or no finding, never a traceback, and the run
finishes. Everything goes through the real flake8 command line, as a user (or CI) runs it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from helpers import READ_ONLY_BASE, reported, run_flake8, write_tree

WRITE = "def handle(context):\n    context.metadata['k'] = 1\n"


def project(tmp_path: Path, files: dict[str, str | bytes], *, commit: bool = False) -> Path:
    """A project with a helper class (SOT1xx reports only where there is one) and *files*."""
    return write_tree(tmp_path / "project", {"setup.cfg": "[flake8]\n", **READ_ONLY_BASE, **files},
                      commit=commit)


def assert_clean_stderr(result, allowed: tuple[str, ...] = ()) -> None:
    """No traceback, no plugin failure; only the lines a test expects."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "unexpected exception" not in result.stderr, result.stderr
    unexpected = [line for line in result.stderr.splitlines()
                  if line.strip() and not any(part in line for part in allowed)]
    assert unexpected == [], result.stderr


# -- undecodable and odd bytes ----------------------------------------------------------------

def test_undecodable_bytes_are_read_as_flake8_reads_them(tmp_path):
    # Not UTF-8 and no coding cookie: flake8 falls back to latin-1, the plugin checks that text.
    root = project(tmp_path, {
        "latin.py": b"def handle(context):\n    context.metadata['k'] = 1  # \xe9\xff\xc3\n",
        "cookie.py": b"# -*- coding: klingon -*-\n" + WRITE.encode(),
    })
    result = run_flake8("--select", "SOT,E9", ".", cwd=root)
    assert_clean_stderr(result)
    assert sorted(result.stdout.splitlines()) == [
        "./cookie.py:3:5: SOT101 context.metadata[...] = ... writes metadata directly; "
        "use store_metadata_result(context, key, value) of BaseAgent (base_agent.py:1)"
        " after adding store_metadata_result there (`flake8-ssot helpers`)",
        "./latin.py:2:5: SOT101 context.metadata[...] = ... writes metadata directly; "
        "use store_metadata_result(context, key, value) of BaseAgent (base_agent.py:1)"
        " after adding store_metadata_result there (`flake8-ssot helpers`)",
    ]


def test_a_nul_byte_is_flake8s_own_business_never_a_plugin_traceback(tmp_path):
    root = project(tmp_path, {
        "nul.py": WRITE.encode().replace(b"= 1", b"= 1\x00"),
        "utf16.py": "\ufeff".encode("utf-16-le") + WRITE.encode("utf-16-le"),
    })
    result = run_flake8("--select", "SOT,E9", ".", cwd=root)
    if _compile_rejects_nul_as_syntax():  # flake8 reports E999
        assert_clean_stderr(result)
        assert sorted(result.stdout.splitlines()) == [
            "./nul.py:1:1: E999 SyntaxError: source code string cannot contain null bytes",
            "./utf16.py:1:1: E999 SyntaxError: source code string cannot contain null bytes",
        ]
    else:  # compile() raises ValueError, which flake8 itself does not catch, before any plugin
        assert "ValueError: source code string cannot contain null bytes" in result.stderr
        assert "flake8_ssot" not in result.stderr


def _compile_rejects_nul_as_syntax() -> bool:
    """Whether this interpreter's compile() raises SyntaxError on a NUL byte (newer CPythons:
    3.11.4+ and 3.12) rather than ValueError (3.9, 3.10, early 3.11): asked, not guessed from
    the version, since the change came in a bugfix release."""
    try:
        compile("\0", "<nul>", "exec")
    except SyntaxError:
        return True
    except ValueError:
        return False
    return True


def test_undecodable_bytes_on_stdin(tmp_path):
    root = project(tmp_path, {})
    source = "def handle(context):\n    context.metadata['k'] = '\udcff'\n"
    result = run_flake8("--select", "SOT", "--stdin-display-name", "agent.py", "-", cwd=root,
                        stdin=source.encode("utf-8", "surrogateescape").decode("latin-1"))
    assert_clean_stderr(result)
    assert reported(result.stdout) == {(2, 5, "SOT101")}


# -- size and depth -------------------------------------------------------------------------

def test_a_50000_line_file_is_checked_completely(tmp_path):
    lines = ["from datetime import datetime", ""]
    for number in range(0, 49_990, 5):
        write = f"    context.metadata['k{number}'] = total"
        lines += [f"def handler_{number}(context, value):", f"    total = value + {number}",
                  write if number % 10_000 == 0 else "    print(total)", "    return total", ""]
    lines += [""] * (50_000 - len(lines))
    assert len(lines) == 50_000
    root = project(tmp_path, {"big.py": "\n".join(lines) + "\n"})
    result = run_flake8("--select", "SOT", "big.py", cwd=root)
    assert_clean_stderr(result)
    assert reported(result.stdout) == {(line, 5, "SOT101")
                                       for line in (5, 10_005, 20_005, 30_005, 40_005)}


def deep_attribute_chain(depth: int) -> str:
    return "def handle(context):\n    context.metadata['k'] = a" + ".b" * depth + "\n"


def test_a_chain_flake8_can_check_is_checked_to_the_end(tmp_path):
    """410 levels: deep enough that a walk spending more frames per level than pyflakes (as
    ``ast.NodeVisitor``'s does) reached the recursion limit. Whatever pyflakes can check, the
    SOT1xx walk checks too; a walk that fails is SOT901 (``test_internal_errors``)."""
    root = project(tmp_path, {"deep.py": deep_attribute_chain(410), "agent.py": WRITE})
    result = run_flake8("--select", "SOT", ".", cwd=root)
    assert_clean_stderr(result)
    assert reported(result.stdout) == {(2, 5, "SOT101")} and result.stdout.count("SOT101") == 2
    # flake8's own checks (pyflakes included) ran on the deep file too, no one crashed.
    default = run_flake8("--select", "F,E9", "deep.py", cwd=root)
    assert default.returncode == 1 and "Traceback" not in default.stderr
    assert reported(default.stdout) == {(2, 29, "F821")}  # the undefined name `a`


def test_deep_values_are_still_inferred_below_the_limit(tmp_path):
    # 300 levels: every pass (the SOT1xx walk, astroid's tree for SOT3xx) copes and reports.
    source = ("from datetime import datetime\n\n\ndef handle(context):\n"
              "    context.metadata['k'] = [datetime.now(), a" + ".b" * 300 + "]\n"
              "    context.metadata['j'] = datetime.now()\n")
    root = project(tmp_path, {"deep.py": source})
    result = run_flake8("--select", "SOT", "deep.py", cwd=root)
    assert_clean_stderr(result)
    assert reported(result.stdout) == {(5, 5, "SOT101"), (5, 5, "SOT301"),
                                       (6, 5, "SOT101"), (6, 5, "SOT301")}


def test_nesting_the_parser_rejects_is_flake8s_syntax_error(tmp_path):
    deep_call = "def handle(context):\n    context.metadata['k'] = " + "f(" * 300 + ")" * 300
    root = project(tmp_path, {"calls.py": deep_call + "\n"})
    result = run_flake8("--select", "SOT,E9", "calls.py", cwd=root)
    assert_clean_stderr(result)
    assert [(code) for _, _, code in reported(result.stdout)] == ["E999"]


def test_many_statements_and_long_lines(tmp_path):
    # One 200 kB line and a 20,000-key dict literal written to metadata. The dict has a key a
    # line: on one line, CPython 3.12.1's tokenizer gives each of its 80,000 tokens its own copy
    # of the line, and flake8's own noqa mapping (built when any finding is reported) runs out
    # of memory before the plugin's findings are printed.
    long_value = "'" + "x" * 200_000 + "'"
    mapping = "{\n" + ",\n".join(f"'k{n}': {n}" for n in range(20_000)) + "}"
    root = project(tmp_path, {"wide.py": (
        f"def handle(context):\n    context.metadata['a'] = {long_value}\n"
        f"    context.metadata.update({mapping})\n")})
    result = run_flake8("--select", "SOT", "wide.py", cwd=root)
    assert_clean_stderr(result)
    assert reported(result.stdout) == {(2, 5, "SOT101"), (3, 5, "SOT102")}


def test_files_the_os_cannot_read(tmp_path):
    root = project(tmp_path, {"agent.py": WRITE})
    (root / "dangling.py").symlink_to(root / "nowhere.py")
    os.mkfifo(root / "fifo.py")  # listing it is fine, opening it would block: nobody may
    result = run_flake8("--select", "SOT,E9", "agent.py", "dangling.py", cwd=root, timeout=120)
    assert_clean_stderr(result, allowed=(f"skipped {root / 'fifo.py'}: a FIFO, not a regular "
                                         "file",))
    assert sorted(reported(result.stdout)) == [(0, 1, "E902"), (2, 5, "SOT101")]


# -- the project index: odd trees, unreadable files, broken caches -------------------------------

ENGINE = "class Engine:\n    pass\n"
CACHE = ".flake8-ssot-cache"


def sot201(path: str, *others: str) -> str:
    return (f"{path}:1:1: SOT201 class Engine is defined in {len(others) + 1} modules; also at "
            f"{', '.join(others)}; keep one and import it (declare its home with "
            f"ssot-canonical-classes)")


def test_symlink_loops_in_the_project(tmp_path):
    root = project(tmp_path, {"agents/engine.py": ENGINE, "services/engine.py": ENGINE})
    (root / "loop").symlink_to(root)  # a directory symlink to the project itself
    (root / "agents" / "back").symlink_to(root / "agents")
    (root / "services" / "cycle_a").symlink_to(root / "services" / "cycle_b")
    (root / "services" / "cycle_b").symlink_to(root / "services" / "cycle_a")
    for args in (["agents/engine.py"], ["."]):
        result = run_flake8("--select", "SOT", *args, cwd=root, timeout=120)
        assert_clean_stderr(result)
        prefix = "./" if args == ["."] else ""
        assert sorted(result.stdout.splitlines()) == sorted(
            [sot201(f"{prefix}agents/engine.py", "services/engine.py:1")]
            + ([sot201("./services/engine.py", "agents/engine.py:1")] if prefix else []))


def test_a_listed_file_that_is_gone_or_unreadable(tmp_path):
    root = project(tmp_path, {"agent.py": ENGINE, "gone.py": ENGINE, "was_a_file.py": ENGINE,
                              "dangling_target.py": ENGINE}, commit=True)
    # Listed by `git ls-files` but vanished; replaced by a directory; a dangling symlink.
    (root / "gone.py").unlink()
    (root / "was_a_file.py").unlink()
    (root / "was_a_file.py").mkdir()
    (root / "dangling.py").symlink_to(root / "dangling_target.py")
    (root / "dangling_target.py").unlink()
    result = run_flake8("--select", "SOT", "agent.py", cwd=root)
    assert_clean_stderr(result)
    assert result.stdout == ""  # no other Engine left on disk


def test_a_file_name_that_is_not_utf8(tmp_path):
    # os.walk and git give such a name with surrogate escapes, which sqlite cannot store: it is
    # left out of the project, and the other files are still compared with each other.
    root = project(tmp_path, {"agent.py": ENGINE, "other.py": ENGINE})
    (root / os.fsdecode(b"caf\xe9.py")).write_text(ENGINE)
    for _ in ("cold", "warm"):
        result = run_flake8("--select", "SOT", "agent.py", cwd=root)
        assert_clean_stderr(result)
        assert result.stdout.splitlines() == [sot201("agent.py", "other.py:1")]


def test_special_files_are_not_read(tmp_path):
    # Opening a FIFO for reading blocks until someone writes: listing it must not open it.
    root = project(tmp_path, {"agent.py": ENGINE, "other.py": ENGINE})
    os.mkfifo(root / "pipe.py")
    result = run_flake8("--select", "SOT", "agent.py", cwd=root, timeout=60)
    assert result.stderr == f"flake8-ssot: skipped {root / 'pipe.py'}: a FIFO, not a regular file\n"
    assert result.stdout.splitlines() == [sot201("agent.py", "other.py:1")]


def test_a_cache_overwritten_with_garbage_is_rebuilt(tmp_path):
    root = project(tmp_path, {"agent.py": ENGINE, "other.py": ENGINE})
    first = run_flake8("--select", "SOT", "agent.py", cwd=root)
    assert first.stdout.splitlines() == [sot201("agent.py", "other.py:1")]
    written = sorted(path for path in (root / CACHE).iterdir() if path.suffix != ".TAG"
                     and path.name != ".gitignore")
    assert written  # the run did write a cache
    for number, path in enumerate(written):
        path.write_bytes(os.urandom(4096 + number))
    (root / "third.py").write_text(ENGINE)  # and the project changed meanwhile
    result = run_flake8("--select", "SOT", "agent.py", cwd=root)
    assert_clean_stderr(result)
    assert result.stdout.splitlines() == [sot201("agent.py", "other.py:1", "third.py:1")]
    # Rebuilt, not merely bypassed: the four Python files (the helper class's too) are in a
    # sound index again.
    with sqlite3.connect(root / CACHE / "index.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM files").fetchone() == (4,)
    # An empty file where the database should be: same answer.
    for path in written:
        path.write_bytes(b"")
    assert run_flake8("--select", "SOT", "agent.py", cwd=root).stdout == result.stdout


def test_a_cache_directory_that_cannot_be_created(tmp_path):
    # As root, chmod does not stop writes: a regular file where a directory must be does.
    root = project(tmp_path, {"agent.py": ENGINE, "other.py": ENGINE})
    result = run_flake8("--select", "SOT", "--ssot-cache-dir", "setup.cfg/cache", "agent.py",
                        cwd=root)
    assert result.stdout.splitlines() == [sot201("agent.py", "other.py:1")]
    assert_clean_stderr(result, allowed=(
        f"flake8-ssot: project index cache unusable in {root} (NotADirectoryError: ",))
    assert result.stderr.count("\n") == 1 and "using memory only" in result.stderr


def test_a_project_of_20000_tiny_files(tmp_path):
    root = project(tmp_path, {"agent.py": ENGINE})
    for package in range(20):
        directory = root / f"package_{package}"
        directory.mkdir()
        for number in range(1000):
            (directory / f"module_{number}.py").write_text(f"VALUE = {number}\n")
    (root / "package_7" / "module_500.py").write_text(ENGINE)
    for _ in range(2):  # cold, then warm
        result = run_flake8("--select", "SOT", "agent.py", cwd=root, timeout=300)
        assert_clean_stderr(result)
        assert result.stdout.splitlines() == [sot201("agent.py", "package_7/module_500.py:1")]
