"""The README: its two first-screen commands are the ones CI and users run, and its Layout
names every module of the package and only paths that exist."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import REPO, reported, run_flake8

README = (REPO / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN_COMMANDS = re.findall(r"^```sh\n(.*?)\n```$", README, re.M | re.S)[:2]


def test_ci_runs_exactly_the_readme_test_command():
    test_command = FIRST_SCREEN_COMMANDS[1]
    assert "pytest" in test_command
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_every_pytest_run_of_ci_takes_the_readme_commands_flags():
    """Every pytest run of .ci/run (the second: some test files under Debian's Python) takes
    the README command's flags."""
    [flags] = re.findall(r"-m pytest (.*?) tests$", FIRST_SCREEN_COMMANDS[1])
    assert "-n" in flags.split()  # pytest-xdist: the suite's subprocesses wait in parallel
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf-8").replace("\\\n", " ")
    runs = re.findall(r"-m pytest ((?:-\S+(?: [^-\s]\S*)?\s+)*)tests", ci_run)
    assert len(runs) >= 2 and {" ".join(run.split()) for run in runs} == {flags}


def test_main_command_reports_every_family_on_the_sample_tree():
    main_command = FIRST_SCREEN_COMMANDS[0]
    assert main_command.endswith("&& flake8 examples/agents")
    result = run_flake8("examples/agents", cwd=REPO)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    by_file: dict[str, set] = {}
    for line in result.stdout.splitlines():
        by_file.setdefault(line.split(":")[0], set()).update(reported(line + "\n"))
    assert by_file == {
        "examples/agents/agentsvc/agents/reporting.py": {
            (13, 9, "SOT101"), (15, 13, "SOT101"), (16, 9, "SOT103"), (17, 9, "SOT104"),
            (18, 9, "SOT102"), (19, 9, "SOT301"), (23, 9, "SOT105"), (24, 9, "SOT105"),
            (25, 9, "SOT101"), (25, 9, "SOT302"),
        },
        "examples/agents/agentsvc/agents/data_helper.py": {
            (13, 9, "SOT101"), (14, 9, "SOT107"), (15, 9, "SOT108"), (16, 9, "SOT103"),
            (20, 9, "SOT109"), (24, 9, "SOT106"),
        },
        "examples/agents/agentsvc/engine/execution_engine.py": {(6, 1, "SOT201")},
        "examples/agents/agentsvc/engine/legacy_engine.py": {(4, 1, "SOT201")},
    }


# -- the Layout section: every module of the package is there, every path it names exists ----------

LAYOUT = re.search(r"^## Layout\n\n```\n(.*?)^```$", README, re.M | re.S)[1]
# A path in the block: words joined by slashes, ending in ``.py`` or ``/``.
_PATH = re.compile(r"(?<![\w/.])(?:[\w-]+/)*(?:[\w-]+\.py|[\w-]+/)")
PACKAGE = REPO / "flake8_ssot"


def layout_entries() -> list[tuple[str, str]]:
    """``(path, text)``: a line that starts with a path, with the indented lines that follow."""
    entries: list[list[str]] = []
    for line in LAYOUT.splitlines():
        if line[:1].isspace() and entries:
            entries[-1][1] += " " + line.strip()
        else:
            path, _, text = line.partition(" ")
            entries.append([path, text.strip()])
    return [(path, text) for path, text in entries]


def named_paths(entry: str, text: str) -> set[Path]:
    """The existing paths *entry*'s line names: relative to the repository, the package, or the
    entry's own directory (``common.py`` in the ``commands/`` entry); a KeyError if one is not."""
    own = REPO / entry if entry.endswith("/") else (REPO / entry).parent
    found = set()
    for name in [entry, *_PATH.findall(text)]:
        candidates = [base / name for base in (REPO, PACKAGE, own)]
        existing = [path for path in candidates if path.exists()]
        if not existing:
            raise KeyError(f"the Layout names {name} ({entry}'s line): no such file or directory")
        found.add(existing[0].resolve())
    return found


def test_every_path_the_layout_names_exists():
    for entry, text in layout_entries():
        assert named_paths(entry, text)


def test_every_module_of_the_package_is_in_the_layout():
    """Named by its path, or by its name in its package's line (``index/``: discovery, ...)."""
    entries = layout_entries()
    named = set().union(*(named_paths(entry, text) for entry, text in entries))
    package_text = {(REPO / entry).resolve(): text for entry, text in entries
                    if entry.endswith("/")}
    missing = [str(module.relative_to(REPO)) for module in sorted(PACKAGE.rglob("*.py"))
               if module.name not in ("__init__.py", "__main__.py")
               and module.resolve() not in named
               and not re.search(rf"\b{module.stem}\b", package_text.get(module.parent, ""))]
    assert missing == [], f"the README's Layout does not name {missing}"
