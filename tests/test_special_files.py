"""Files the checked repository hands over are data someone else prepared: a FIFO named ``x.py``,
a symlink to ``/dev/zero`` or out of the project, a baseline that is a device or nested past any
parser, a symlinked module to fix, two ``baseline`` runs at once, line breaks flake8 and
``str.splitlines`` disagree on. Each case is the real command line on a real FIFO, symlink or
concurrent processes, with a timeout: a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from helpers import (FLAKE8_SSOT, full_base, git, reported, run_flake8, run_ssot, user_env,
                     write_tree)

TIMEOUT = 120  # seconds: far past what each run needs, short of a blocked suite


def agent(*modules: str) -> str:
    """A module storing, as metadata, a value imported from each of *modules*."""
    imports = "".join(f"from {module} import VALUE as {module.upper()}\n" for module in modules)
    stores = "".join(f"        self.store_metadata_result(context, {module!r}, {module.upper()})\n"
                     for module in modules)
    return (f"from agentsvc.base_agent import BaseAgent\n{imports}\n\n"
            f"class Worker(BaseAgent):\n    def run(self, context):\n{stores}")


WHEN = "from datetime import datetime\n\nVALUE = datetime.now()\n"
ENGINE = "class Engine:\n    pass\n"


def project(tmp_path: Path, files: dict[str, str | bytes], *, commit: bool = False) -> Path:
    """A project with every helper and *files*."""
    return write_tree(tmp_path / "project",
                      {"setup.cfg": "[flake8]\n", "agentsvc/__init__.py": "",
                       "agentsvc/base_agent.py": full_base(), **files}, commit=commit)


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr


# -- reading: regular files only, bounded, inside the project -----------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_imported_fifo_and_device_are_skipped_with_a_note(tmp_path):
    root = project(tmp_path, {"agent.py": agent("helpers", "pipe", "zero"), "helpers.py": WHEN})
    os.mkfifo(root / "pipe.py")  # opening it for reading would wait for a writer forever
    (root / "zero.py").symlink_to("/dev/zero")  # reading it would never end
    result = run_flake8("--select", "SOT", "agent.py", cwd=root, timeout=TIMEOUT)
    no_traceback(result)
    # The module that can be read is still followed: its datetime is found.
    assert reported(result.stdout) == {(9, 9, "SOT301")}
    assert sorted(result.stderr.splitlines()) == [
        f"flake8-ssot: skipped {root / 'pipe.py'}: a FIFO, not a regular file",
        f"flake8-ssot: skipped {root / 'zero.py'}: a character device, not a regular file",
    ]


def test_a_symlink_out_of_the_project_is_not_followed(tmp_path):
    outside = write_tree(tmp_path / "outside", {"secret.py": ENGINE, "helpers.py": WHEN})
    root = project(tmp_path, {"agent.py": agent("helpers"),
                              "engine.py": ENGINE})
    (root / "helpers.py").symlink_to(outside / "helpers.py")
    (root / "copy.py").symlink_to(outside / "secret.py")
    result = run_flake8("--select", "SOT", "agent.py", "engine.py", cwd=root, timeout=TIMEOUT)
    no_traceback(result)
    # Neither the datetime behind the link nor the class behind the other is read.
    assert result.stdout == ""
    assert sorted(result.stderr.splitlines()) == [  # once, whichever process read them
        f"flake8-ssot: skipped {root / 'copy.py'}: a symlink out of the project",
        f"flake8-ssot: skipped {root / 'helpers.py'}: a symlink out of the project",
    ]


def test_a_symlink_inside_the_project_is_followed(tmp_path):
    root = project(tmp_path, {"agent.py": agent("helpers"),
                              "lib/real_helpers.py": WHEN})
    (root / "helpers.py").symlink_to(root / "lib" / "real_helpers.py")
    result = run_flake8("--select", "SOT", "agent.py", cwd=root, timeout=TIMEOUT)
    no_traceback(result)
    assert reported(result.stdout) == {(7, 9, "SOT301")}
    assert result.stderr == ""


def test_a_module_past_the_size_limit_is_skipped_with_a_note(tmp_path):
    from flake8_ssot.files import MAX_FILE_BYTES

    root = project(tmp_path, {"agent.py": agent("helpers"),
                              "helpers.py": WHEN + "#" * MAX_FILE_BYTES + "\n"})
    result = run_flake8("--select", "SOT", "agent.py", cwd=root, timeout=TIMEOUT)
    no_traceback(result)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"flake8-ssot: skipped {root / 'helpers.py'}: larger than "
        f"{MAX_FILE_BYTES // 2 ** 20} MiB"]


def test_a_fifo_in_the_listed_project_is_skipped_with_a_note(tmp_path):
    root = project(tmp_path, {"agent.py": ENGINE, "other.py": ENGINE})
    os.mkfifo(root / "pipe.py")
    result = run_flake8("--select", "SOT", "agent.py", cwd=root, timeout=TIMEOUT)
    no_traceback(result)
    assert reported(result.stdout) == {(1, 1, "SOT201")}
    assert result.stderr.splitlines() == [
        f"flake8-ssot: skipped {root / 'pipe.py'}: a FIFO, not a regular file"]


def test_a_skipped_file_is_noted_once_per_run_with_jobs(tmp_path):
    # Each --jobs worker builds the index and reads the listed project: each meets the FIFO.
    # The note is the run's, not each worker's: once, also when every file is a worker's.
    agents = {f"app/agent_{number}.py": agent("pipe") for number in range(12)}
    root = project(tmp_path, {**agents, "app/__init__.py": "", "engine.py": ENGINE,
                              "other.py": ENGINE})
    os.mkfifo(root / "pipe.py")
    result = run_flake8("--select", "SOT", "--jobs", "2", "app", "engine.py", cwd=root,
                        timeout=TIMEOUT)
    no_traceback(result)
    assert (1, 1, "SOT201") in reported(result.stdout)
    assert result.stderr.splitlines() == [
        f"flake8-ssot: skipped {root / 'pipe.py'}: a FIFO, not a regular file"]
    again = run_flake8("--select", "SOT", "--jobs", "2", "app", "engine.py", cwd=root,
                       timeout=TIMEOUT)
    assert again.stderr == result.stderr  # a new run notes it again, once


# -- the baseline ------------------------------------------------------------------------------

def deep_json(path: Path) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep"])
def test_a_baseline_that_is_no_baseline_file(tmp_path, kind):
    root = project(tmp_path, {"agent.py": "from agentsvc.base_agent import BaseAgent\n\n\n"
                                          "def handle(context):\n"
                                          "    context.metadata['k'] = 1\n"})
    baseline = root / "baseline.json"
    if kind == "fifo":
        os.mkfifo(baseline)
        why = f"{baseline}: a FIFO, not a regular file"
    elif kind == "dev-zero":
        baseline.symlink_to("/dev/zero")
        why = f"{baseline}: a character device, not a regular file"
    else:
        deep_json(baseline)
        why = f"{baseline} is nested too deeply to be a baseline"
    for command in ("report", "baseline"):
        result = run_ssot(command, "--baseline", str(baseline), ".", cwd=root, timeout=TIMEOUT)
        assert (result.returncode, result.stderr) == (2, f"flake8-ssot {command}: {why}\n")
    lint = run_flake8("--select", "SOT", "--ssot-baseline", str(baseline), "agent.py", cwd=root,
                      timeout=TIMEOUT)
    assert reported(lint.stdout) == {(5, 5, "SOT101")}  # nothing accepted: every finding shown
    assert lint.stderr == (f"flake8-ssot: cannot use baseline {baseline}: {why}; "
                           "reporting every finding\n")


def test_a_symlinked_baseline_is_written_through_the_link(tmp_path):
    root = project(tmp_path, {"agent.py": "def handle(context):\n"
                                          "    context.metadata['k'] = 1\n",
                              "shared/.keep": ""})
    (root / ".flake8-ssot-baseline.json").symlink_to(root / "shared" / "baseline.json")
    result = run_ssot("baseline", ".", cwd=root, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert (root / ".flake8-ssot-baseline.json").is_symlink()
    data = json.loads((root / "shared" / "baseline.json").read_text())
    assert list(data["files"]) == ["agent.py"]


def test_concurrent_add_new_runs_over_different_paths_keep_every_entry(tmp_path):
    packages = [f"p{number}" for number in range(4)]
    root = project(tmp_path, {
        f"{package}/m{number}.py": f"def handle_{number}(context):\n"
                                   f"    context.metadata['{package}{number}'] = 1\n"
        for package in packages for number in range(3)}, commit=True)
    for trial in range(3):
        (root / ".flake8-ssot-baseline.json").unlink(missing_ok=True)
        runs = [subprocess.Popen([FLAKE8_SSOT, "baseline", "--add-new", package], cwd=root,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=user_env()) for package in packages]
        for run in runs:
            _, stderr = run.communicate(timeout=TIMEOUT)
            assert run.returncode == 0, stderr
        data = json.loads((root / ".flake8-ssot-baseline.json").read_text())
        assert sorted(data["files"]) == [f"{package}/m{number}.py" for package in packages
                                         for number in range(3)], f"trial {trial}"


# -- fix ---------------------------------------------------------------------------------------

FIXABLE = ("from agentsvc.base_agent import BaseAgent\n\n\n"
           "class Worker(BaseAgent):\n"
           "    def run(self, context):\n"
           "        context.metadata['k'] = 1\n")


def test_fix_skips_a_fifo_and_a_device_in_the_tree(tmp_path):
    root = project(tmp_path, {"code/agent.py": FIXABLE})
    os.mkfifo(root / "code" / "pipe.py")
    (root / "code" / "zero.py").symlink_to("/dev/zero")
    result = run_ssot("fix", "code", cwd=root, timeout=TIMEOUT)
    no_traceback(result)
    assert result.returncode == 1  # changes to make in agent.py
    assert "code/pipe.py: cannot read, skipped (a FIFO, not a regular file)" in result.stderr
    assert ("code/zero.py: cannot read, skipped (a character device, not a regular file)"
            in result.stderr)
    assert "+        self.store_metadata_result(context, 'k', 1)" in result.stdout


def test_fix_write_goes_through_a_symlinked_module(tmp_path):
    root = project(tmp_path, {"lib/agent.py": FIXABLE})
    (root / "agent.py").symlink_to(Path("lib") / "agent.py")
    result = run_ssot("fix", "--write", "agent.py", cwd=root, timeout=TIMEOUT)
    assert result.returncode == 1, result.stderr
    assert os.readlink(root / "agent.py") == os.path.join("lib", "agent.py")
    assert "self.store_metadata_result(context, 'k', 1)" in (root / "lib" / "agent.py").read_text()


# Line breaks Python and flake8 read as none (a form feed; U+2028 in a string and in a comment),
# and the three they read as one: CRLF, a lone CR, LF.
ODD_LINES = ("from agentsvc.base_agent import BaseAgent\n\n\n"
             "class Worker(BaseAgent):\n"
             "    def run(self, context):\n"
             "        text = 'a\u2028b'  # a line separator \u2028 inside a string and a comment\n"
             "        \x0c\n"
             "        context.metadata['n'] += 1  # noqa: SOT104\r\n"
             "        context.metadata['k'] = 1\r"
             "        context.metadata['j'] = 2\n"
             "        del context.metadata['k']\n"
             "        return text\n")


def test_fix_numbers_lines_as_flake8_does_and_its_diff_applies(tmp_path):
    root = project(tmp_path, {"agent.py": ODD_LINES.encode("utf-8")}, commit=True)
    before = run_flake8("--select", "SOT", "agent.py", cwd=root, timeout=TIMEOUT)
    assert reported(before.stdout) == {(9, 9, "SOT101"), (10, 9, "SOT101"),
                                       (11, 9, "SOT105")}
    # The diff as bytes: a text pipe would read its lone CR as a line break.
    diff = subprocess.run([FLAKE8_SSOT, "fix", "agent.py"], cwd=root, capture_output=True,
                          env=user_env(), timeout=TIMEOUT)
    assert diff.returncode == 1, diff.stderr
    assert b"3 sites to rewrite in 1 file, 0 to change by hand." in diff.stderr
    (root / "fix.patch").write_bytes(diff.stdout)
    git(root, "apply", "--check", "fix.patch")  # git's own reading of the diff
    result = run_ssot("fix", "--write", "agent.py", cwd=root, timeout=TIMEOUT)
    assert result.returncode == 1, result.stderr
    fixed = (root / "agent.py").read_bytes().decode("utf-8")
    assert fixed == (ODD_LINES
                     .replace("context.metadata['k'] = 1\r",
                              "self.store_metadata_result(context, 'k', 1)\r")
                     .replace("context.metadata['j'] = 2\n",
                              "self.store_metadata_result(context, 'j', 2)\n")
                     .replace("del context.metadata['k']\n",
                              "self.remove_metadata_key(context, 'k')\n"))
    git(root, "checkout", "agent.py")
    git(root, "apply", "fix.patch")
    assert (root / "agent.py").read_bytes().decode("utf-8") == fixed
    after = run_flake8("--select", "SOT", "agent.py", cwd=root, timeout=TIMEOUT)
    assert after.stdout == ""  # the noqa'd line kept its noqa and its form
