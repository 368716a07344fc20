"""The one answer to "what is the project": its root, settings, files, index, helpers, contexts.

The flake8 plugin and every ``flake8-ssot`` command build a ``Project`` the same way:

* the settings are flake8's own parsed options (the ``ssot-`` options, ``exclude``,
  ``extend-exclude``, ``per-file-ignores``, ``select``/``ignore``), so a command reads exactly the
  configuration the linter reads (``settings_from_flake8``);
* the root is ``ssot-project-root``, else the nearest directory upward from the checked path with
  a config file or ``.git`` (``index.find_project_root``);
* the file listing and the classes of every file come from the project index, module naming
  and where modules are looked for from ``syntax``;
* which helpers the project defines (``helpers.Inventory``) and which classes are contexts
  (``contexts.ContextRules``, with the project's subclasses of the configured context classes)
  are read from the project's own code, once per run.

A long-lived process (an editor running flake8 through ``runpy``) starts every run with
``begin_run()``: nothing memoised here outlives a run without being checked against the disk.
"""

from __future__ import annotations

import ast
import functools
import os
from typing import Sequence

from flake8_ssot import index as project_index
from flake8_ssot import files, syntax
from flake8_ssot.contexts import ContextRules

_PROJECTS: dict[tuple, "Project"] = {}


def begin_run() -> None:
    """A new run: projects (and their indexes) are revalidated when next asked for, and
    skipped files are noted again (once for the run)."""
    _PROJECTS.clear()
    project_index.begin_run()
    files.begin_run()


class Project:
    def __init__(self, root: str, settings):
        self.root = root
        self.settings = settings
        # Test code is neither reported nor counted by SOT2xx: left out like excluded code.
        self.left_out = (*settings.exclude, *settings.test_patterns)
        self._root_prefix = root if root.endswith(os.sep) else root + os.sep

    @classmethod
    def for_path(cls, path: str, settings) -> "Project":
        """The project *path* (a file, a directory, or "stdin") belongs to, once per run."""
        if path in ("stdin", "-"):
            start = os.getcwd()
        else:
            absolute = os.path.abspath(path)
            start = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
        root = project_index.find_project_root(start, settings.project_root)
        key = (root, settings)
        project = _PROJECTS.get(key)
        if project is None:
            project = _PROJECTS[key] = cls(root, settings)
        return project

    def relative(self, filename: str) -> str | None:
        """*filename* relative to the root, POSIX separators; None for stdin or outside."""
        if filename in ("stdin", "-"):
            return None
        absolute = os.path.abspath(filename)
        if absolute.startswith(self._root_prefix):  # (what relpath gives, without its work)
            relative = absolute[len(self._root_prefix):]
        else:
            relative = os.path.relpath(absolute, self.root)
            if relative == ".." or relative.startswith(".." + os.sep):
                return None
        return relative.replace(os.sep, "/")

    def is_left_out(self, relative: str | None) -> bool:
        return relative is not None and project_index.path_matches(relative, self.left_out,
                                                                   self.root)

    def is_test(self, relative: str | None) -> bool:
        """Test code (``ssot-test-patterns``): not checked by SOT1xx unless ``ssot-check-tests``."""
        return relative is not None and project_index.path_matches(
            relative, self.settings.test_patterns, self.root)

    @functools.cached_property
    def index(self):
        return project_index.project_index(self.root, self.left_out, self.settings.cache_dir,
                                           use_cache=not self.settings.no_cache)

    def save_index(self) -> None:
        """Save what this file's checks computed in the index (one write a
        checked file), if they used the index at all; best effort, never an error."""
        if "index" in self.__dict__:
            try:
                self.index.save()
            except Exception:  # noqa: BLE001 - the cache only saves work; never stop flake8
                pass

    @functools.cached_property
    def context_rules(self) -> ContextRules:
        """Configured context classes and globs, plus the project's classes inheriting from one
        (across modules, through the index), asked about name by name."""
        return ContextRules(self.settings, self._inherits_from_context)

    def _inherits_from_context(self, name: str) -> bool:
        """Project class *name* inherits, through project classes, from a project class that
        the configured globs name a context."""
        try:
            index = self.index
            return any(self.context_rules.matches_context_glob(ancestor)
                       and index.defining_paths(ancestor) for ancestor in index.ancestors(name))
        except Exception:  # noqa: BLE001 - an unusable index: the configured names still work
            return False

    def context_subclasses(self) -> frozenset[str]:
        """Every project class that is a context by inheritance (a whole-project question: the
        map's cache key)."""
        return frozenset(name for name in self.index.class_names()
                         if self._inherits_from_context(name))

    @functools.cached_property
    def helpers(self):
        from flake8_ssot.helpers import Inventory  # only files with metadata writes need it

        return Inventory(self)


class CheckedFile:
    """One checked file, as every rule family sees it: built once per file by
    ``checker.check_file`` from what flake8 hands over (an editor buffer on stdin included: the
    text, never the disk's copy) and the ``Project`` it belongs to."""

    def __init__(self, project: Project, filename: str, lines: Sequence[str], tree: ast.AST):
        self.project, self.settings = project, project.settings
        self.filename, self.lines, self.tree = filename, lines, tree
        self.source = "".join(lines)
        self.relative = project.relative(filename)  # None for stdin, or outside the root
        self.path = os.path.abspath(filename)

    @functools.cached_property
    def _module(self) -> tuple[str, str, bool]:
        return syntax.file_module(self.path)

    @property
    def module(self) -> str:
        """The dotted name Python imports the file as (from its regular packages)."""
        return self._module[0]

    @property
    def is_package(self) -> bool:
        return self._module[2]

    @functools.cached_property
    def roots(self) -> tuple[str, ...]:
        """Where the modules it imports are looked for: the directory above its top package,
        its own directory, and the project's search roots."""
        return tuple(dict.fromkeys((self._module[1], os.path.dirname(self.path),
                                    *syntax.search_roots(self.project.root))))


def config_directory(config_file: str | None = None) -> str:
    """The directory of the config file flake8 reads (``--config``, else the one it finds from
    the current directory), else the current directory: where flake8 resolves relative paths."""
    from flake8.options.config import load_config

    return os.path.abspath(load_config(config_file, [])[1])


def settings_from_flake8(arguments: Sequence[str] = ()):
    """``(settings, flake8 options)`` exactly as ``flake8 <arguments>`` would see them, from the
    same config files (``--config``, ``--isolated`` and ``--append-config`` included)."""
    from flake8.options.parse_args import parse_args  # commands only: the plugin gets its options

    from flake8_ssot import options

    _FOR_A_COMMAND[0] = True
    try:
        _, parsed = parse_args(list(arguments))
    finally:
        _FOR_A_COMMAND[0] = False
    return options.settings_from_flake8(parsed), parsed


# True while a command parses flake8's options (the plugin's ``parse_options`` runs then too):
# no flake8 run starts, and the command reports a broken baseline itself.
_FOR_A_COMMAND = [False]


def parsing_for_a_command() -> bool:
    return _FOR_A_COMMAND[0]
