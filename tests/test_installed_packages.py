"""SOT3xx reads installed packages: a distribution installed in the interpreter flake8 runs in
gives its declared types, pydantic models, dataclasses and stubs as evidence, as the project's
own modules do. The distribution (``tests/fixtures/installed/fakenews``, shipped as
fake-newspaper) is built into a wheel and installed by pip into a directory of its own, put on
the flake8 process's PYTHONPATH: the suite's venv is never touched."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import FIXTURES, expected_in, reported, run_flake8, user_env, write_tree

SOURCES = FIXTURES / "installed"
AGENT = SOURCES / "agent.py"
DISTRIBUTION = "fake_newspaper"


def _wheel(directory: Path, version: str, replace: dict[str, str] | None = None) -> Path:
    """A wheel of ``fakenews`` as fake-newspaper *version*; *replace*: {text: new text} in its
    sources (another release)."""
    files = {}
    for path in sorted((SOURCES / "fakenews").iterdir()):
        text = path.read_text(encoding="utf-8")
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        files[f"fakenews/{path.name}"] = text
    return _build(directory, DISTRIBUTION, version, files)


def _build(directory: Path, distribution: str, version: str, sources: dict[str, str]) -> Path:
    """A wheel of *distribution* *version* holding *sources* ({path in the wheel: text})."""
    files = {name: text.encode("utf-8") for name, text in sources.items()}
    info = f"{distribution}-{version}.dist-info"
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {distribution}\n"
                                 f"Version: {version}\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n")
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,", ""]).encode()
    wheel = directory / f"{distribution}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _pip_install(wheel: Path, target: Path, *how: str) -> None:
    """pip installs *wheel* (a wheel, or a project's directory with *how* ``-e``) into *target*,
    from nothing but what it is given: no index, no dependencies, the suite venv's setuptools."""
    result = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index",
                             "--no-deps", "--no-build-isolation", "--upgrade",
                             "--target", str(target), *how, str(wheel)],
                            capture_output=True, text=True, env=user_env(), timeout=300)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A directory where pip installed fake-newspaper 1.0."""
    directory = tmp_path_factory.mktemp("installed")
    _pip_install(_wheel(directory, "1.0"), directory / "site")
    return directory / "site"


def _check(project: Path, *args: str, site: Path | str | None = None) -> str:
    result = run_flake8("--isolated", "--select", "SOT3", *args, "agent.py", cwd=project,
                        env={"PYTHONPATH": str(site)} if site is not None else None)
    assert result.stderr == ""
    return result.stdout


def _project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "project", {"agent.py": AGENT.read_text(encoding="utf-8")})


def test_an_installed_distributions_values_are_evidence(tmp_path, site):
    printed = _check(_project(tmp_path), "--ssot-no-cache", site=site)
    assert reported(printed) == expected_in(AGENT)
    # The proof names the installed module, never a path of this machine.
    assert "declared `-> datetime.datetime`, fakenews.article, line 7" in printed
    assert "declared `-> bytes`, fakenews.feeds, line 1" in printed  # the stub, not the .py


def test_the_option_turns_installed_packages_off(tmp_path, site):
    project = _project(tmp_path)
    assert _check(project, "--ssot-no-cache", "--ssot-skip-installed", site=site) == ""
    (project / "setup.cfg").write_text("[flake8]\nssot-skip-installed = true\n")
    result = run_flake8("--select", "SOT3", "--ssot-no-cache", "agent.py", cwd=project,
                        env={"PYTHONPATH": str(site)})
    assert (result.stdout, result.stderr) == ("", "")


def test_a_package_that_is_not_installed_stays_unknown(tmp_path):
    assert _check(_project(tmp_path), "--ssot-no-cache") == ""


def test_sources_on_the_path_that_no_distribution_owns_are_not_read(tmp_path, site):
    loose = tmp_path / "loose"
    shutil.copytree(site / "fakenews", loose / "fakenews")
    assert _check(_project(tmp_path), "--ssot-no-cache", site=loose) == ""


def test_a_new_version_of_the_distribution_is_read_again(tmp_path, site):
    """The cache keeps summaries and results by distribution and version: an upgrade whose
    function now returns a string removes the finding on a warm cache."""
    target = tmp_path / "site"
    shutil.copytree(site, target)
    project = _project(tmp_path)
    expected = expected_in(AGENT)
    assert reported(_check(project, site=target)) == expected
    assert reported(_check(project, site=target)) == expected  # warm
    shutil.rmtree(target)  # what pip's uninstall of 1.0 does in a venv (--target keeps it)
    _pip_install(_wheel(tmp_path, "2.0", {"def published_at(url: str) -> datetime.datetime":
                                          "def published_at(url: str) -> str"}), target)
    assert reported(_check(project, site=target)) == {
        (line, col, code) for line, col, code in expected if code != "SOT301"}


def test_a_stub_only_distribution_declares_what_the_package_leaves_open(tmp_path):
    """PEP 561: ``fakeclock-stubs`` (the distribution types-fakeclock) is read before the
    package fakeclock, whose source declares nothing."""
    site = tmp_path / "site"
    _pip_install(_build(tmp_path, "fakeclock", "1.0", {
        "fakeclock/__init__.py": "def now():\n    return _clock()\n"}), site)
    _pip_install(_build(tmp_path, "types_fakeclock", "1.0", {
        "fakeclock-stubs/__init__.pyi": "import datetime\n\n"
                                        "def now() -> datetime.datetime: ...\n"}), site)
    project = write_tree(tmp_path / "project", {"agent.py": (
        "from fakeclock import now\n\n\n"
        "def record(context):\n"
        "    context.metadata['at'] = now()\n")})
    printed = _check(project, "--ssot-no-cache", site=site)
    assert reported(printed) == {(5, 5, "SOT301")}
    assert "declared `-> datetime.datetime`, fakeclock, line 3" in printed
    shutil.rmtree(site / "fakeclock-stubs")  # the runtime package alone says nothing
    assert _check(project, "--ssot-no-cache", site=site) == ""


# -- editable installs (``pip install -e``): the sources stay in the library's own checkout -----

EDITABLE = SOURCES / "editable"
EDITABLE_AGENT = SOURCES / "editable.py"


@pytest.fixture
def editable(tmp_path) -> tuple:
    """``(site, checkouts)``: pip installed flat-clock (setuptools maps it with a finder module)
    and src-clock (a ``.pth`` path line) editable into *site*, from their checkouts."""
    checkouts, site = tmp_path / "checkouts", tmp_path / "site"
    shutil.copytree(EDITABLE, checkouts)
    for library in ("flat", "src"):
        _pip_install(checkouts / library, site, "-e")
    return site, checkouts


def _editable_project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "project",
                      {"agent.py": EDITABLE_AGENT.read_text(encoding="utf-8")})


def test_editable_installs_are_read_from_their_checkouts(tmp_path, editable):
    site, checkouts = editable
    project = _editable_project(tmp_path)
    printed = _check(project, "--ssot-no-cache", site=site)
    assert reported(printed) == expected_in(EDITABLE_AGENT)
    assert "declared `-> datetime.datetime`, flatclock, line 4" in printed
    # In a venv the interpreter has read the .pth, so the checkout is on sys.path itself,
    # holding no distribution: it is still src-clock's.
    on_path = f"{site}{os.pathsep}{checkouts / 'src' / 'src'}"
    assert reported(_check(project, "--ssot-no-cache", site=on_path)) == expected_in(EDITABLE_AGENT)


def test_editable_installs_are_silent_when_off_or_gone(tmp_path, editable):
    site, _ = editable
    project = _editable_project(tmp_path)
    assert _check(project, "--ssot-no-cache", "--ssot-skip-installed", site=site) == ""
    assert _check(project, "--ssot-no-cache") == ""
    for metadata in site.glob("*.dist-info"):
        shutil.rmtree(metadata)  # the checkouts and the finder stay, no distribution owns them
    assert _check(project, "--ssot-no-cache", site=site) == ""


def test_an_edit_in_an_editable_checkout_is_read_on_a_warm_cache(tmp_path, editable):
    """The version does not change when the checkout does: the sources' content is the key."""
    site, checkouts = editable
    project = _editable_project(tmp_path)
    expected = expected_in(EDITABLE_AGENT)
    assert reported(_check(project, site=site)) == expected
    source = checkouts / "flat" / "flatclock" / "__init__.py"
    source.write_text(source.read_text().replace("-> datetime.datetime", "-> str"))
    assert reported(_check(project, site=site)) == {
        (line, col, code) for line, col, code in expected if code != "SOT301"}


def test_an_editable_installs_code_is_never_run(tmp_path, editable):
    """The ``import`` lines of a ``.pth`` and the finder module are code: read, never run."""
    site, _ = editable
    ran = tmp_path / "ran"
    code = f"import pathlib; pathlib.Path({str(ran)!r}).touch()\n"
    for path in site.glob("__editable__*"):
        path.write_text(code + path.read_text() + "\n" + code)
    assert reported(_check(_editable_project(tmp_path), "--ssot-no-cache", site=site)) == \
        expected_in(EDITABLE_AGENT)
    assert not ran.exists()
