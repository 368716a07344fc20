"""Hostile input: each case gives a clear message or no finding, never a traceback, and the run
finishes. Everything goes through the real flake8 command line, as a user (or CI) runs it."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import reported, run_flake8

WRITE = "def handle(context):\n    context.metadata['k'] = 1\n"


def project(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "setup.cfg").write_text("[flake8]\n")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


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
        "nul.py": WRITE.encode().replace(b"= 1", b"= 1\x00"),
        "utf16.py": "\ufeff".encode("utf-16-le") + WRITE.encode("utf-16-le"),
    })
    result = run_flake8("--select", "SOT,E9", ".", cwd=root)
    assert_clean_stderr(result)
    assert sorted(result.stdout.splitlines()) == [
        "./cookie.py:3:5: SOT101 context.metadata[...] = ... writes metadata directly; "
        "use self.store_metadata_result(context, key, value)",
        "./latin.py:2:5: SOT101 context.metadata[...] = ... writes metadata directly; "
        "use self.store_metadata_result(context, key, value)",
        "./nul.py:1:1: E999 SyntaxError: source code string cannot contain null bytes",
        "./utf16.py:1:1: E999 SyntaxError: source code string cannot contain null bytes",
    ]


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
    # A chain that flake8's own checks still handle, but deep enough for a recursive walk to
    # reach Python's recursion limit (the window is checked by the test below).
    return "def handle(context):\n    context.metadata['k'] = a" + ".b" * depth + "\n"


def test_nesting_past_the_recursion_limit_is_skipped_with_a_message(tmp_path):
    root = project(tmp_path, {"deep.py": deep_attribute_chain(410), "agent.py": WRITE})
    result = run_flake8("--select", "SOT", ".", cwd=root)
    assert_clean_stderr(result, allowed=("flake8-ssot: ./deep.py is nested too deeply to check; "
                                         "skipped",))
    assert "nested too deeply" in result.stderr
    assert result.stdout.splitlines() == [
        "./agent.py:2:5: SOT101 context.metadata[...] = ... writes metadata directly; "
        "use self.store_metadata_result(context, key, value)",
    ]
    # flake8's own checks (pyflakes included) still ran on the deep file, no one crashed.
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
    # One 200 kB line and a 20,000-key dict literal written to metadata.
    long_value = "'" + "x" * 200_000 + "'"
    mapping = "{" + ", ".join(f"'k{n}': {n}" for n in range(20_000)) + "}"
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
    assert_clean_stderr(result)
    assert sorted(reported(result.stdout)) == [(0, 1, "E902"), (2, 5, "SOT101")]
