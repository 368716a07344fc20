"""Fetch the benchmark corpora and the flake8-without-plugin venv into ``benchmarks/.corpus/``.

Run by hand (never by pytest), from the repository root, with the project's venv::

    python benchmarks/corpus.py            # fetch what is missing
    python benchmarks/corpus.py --list     # where everything is

What it makes (all under ``benchmarks/.corpus/``, gitignored):

- ``django-<version>/``, ``sqlalchemy-<version>/``, ``pydantic-<version>/``: the sources of pinned
  sdists from the package registry (``pip download --no-deps --no-binary NAME``, then unpacked).
  Django is the "large real codebase" of the issues; SQLAlchemy (``Base.metadata`` everywhere) and
  pydantic (``model_dump``, field ``metadata``) are the code most likely to cause false positives.
- ``langchain-community-<version>/``, ``llama-index-core-<version>/``: agents-heavy real code, the
  pinned wheels from the package registry (``pip download --no-deps --only-binary :all:``),
  unpacked.
  About a third of their files mention ``metadata`` (documents and nodes carry a metadata dict), so
  the SOT1xx visitor and SOT3xx inference run where elsewhere they are skipped. Each gets a
  ``setup.cfg`` naming documents and nodes as contexts (``AGENTS_CONFIG``); the benchmark passes it
  with ``--config``. ``--wheel-dir DIR`` takes the wheels from DIR when they are there.
- ``stdlib-<version>/``: a copy of this interpreter's standard library
  (``sysconfig.get_paths()['stdlib']``) without ``site-packages``: copied, so that the plugin's
  cache directory lands in the copy and not in the interpreter's own tree.
- ``venv-base/``: a venv with the same flake8, pyflakes, pycodestyle and mccabe versions as the
  project's venv and no plugin: the "flake8 default" every ratio is measured against.
- ``venv-plugin/``: the same pins plus the plugin from this checkout installed as a user gets it
  (a built wheel, not editable: an editable install adds an import hook that costs ~10 ms per
  process and no user has), with the same pins and nothing else (the plugin needs only flake8).
  ``install_plugin()`` reinstalls it from the working tree; the benchmark does so every run.

Each corpus is made a git repository of its own (one commit), as a checked-out project is: the
project index lists files with ``git ls-files`` where it can.

The scripts pass ``--ssot-project-root`` explicitly: a corpus without its own ``setup.cfg`` or
``.git`` (the stdlib copy) would otherwise be indexed as part of this repository.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / ".corpus"
REPO = Path(__file__).resolve().parent.parent
BASE_VENV = CORPUS_DIR / "venv-base"
PLUGIN_VENV = CORPUS_DIR / "venv-plugin"

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


# generate.py leaves this file in the trees it writes: their setup.cfg is ours too.
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


def install_plugin(venv_dir: Path = PLUGIN_VENV, source: Path = REPO) -> Path:
    """venv-plugin with the plugin of the working tree (*source*), built and installed like a
    release."""
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
    if "flake8-ssot" not in version:
        raise SystemExit(f"venv-plugin's flake8 does not list the plugin: {version!r}")
    return venv_dir


def install_plugin_at(revision: str) -> Path:
    """``venv-plugin-<revision>``: the plugin as committed at a git revision, for a pair of
    one change against the code before it (``pair.py`` with two plugin venvs)."""
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the corpora and exit")
    parser.add_argument("--wheel-dir", type=Path,
                        help="take the agents corpora's wheels from here when present")
    parser.add_argument("--plugin-at", metavar="REVISION",
                        help="only make venv-plugin-REVISION: the plugin as committed there")
    parser.add_argument("names", nargs="*", default=list(CORPUS_NAMES),
                        help=f"corpora to fetch (default: all of {', '.join(CORPUS_NAMES)})")
    args = parser.parse_args(argv)
    if args.plugin_at:
        print(install_plugin_at(args.plugin_at))
        return 0
    if args.list:
        for name in CORPUS_NAMES:
            path = corpus_path(name)
            count = len(python_files(path)) if path.is_dir() else "missing"
            print(f"{name:12} {path}  ({count} .py files)")
        for name, path, flake8 in (("venv-base", BASE_VENV, base_flake8()),
                                   ("venv-plugin", PLUGIN_VENV, plugin_flake8())):
            print(f"{name:12} {path}  ({'ok' if flake8.exists() else 'missing'})")
        return 0
    for name, path in fetch_all(args.names, args.wheel_dir).items():
        print(f"{name:12} {path}  ({len(python_files(path))} .py files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
