"""Which metadata helpers the project defines, and where: read from its code, never assumed.

The helper classes are the project classes named in ``ssot-helper-classes`` (``BaseAgent``) that
define at least one helper method, themselves or through their bases (followed across modules
and imports by the project index). A class of that name that defines none (an interface, a
Protocol) is not a helper class, and neither are its subclasses.

A project without a helper class has nothing to advise: SOT1xx reports nothing there
(``Inventory.helper_classes`` is empty), and ``flake8-ssot helpers`` says so.

The linter advises only helpers that exist (``Inventory.defined``); the fixer calls a helper only
where ``self`` has it (``Inventory.roles_of``).
"""

from __future__ import annotations

from typing import NamedTuple

from flake8_ssot.options import HELPERS

_MAX_DEPTH = 16  # inheritance chains longer than this are not followed


class Home(NamedTuple):
    """A class of the project: its name and where it is defined."""

    name: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.name} ({self.path}:{self.line})"


class Inventory:
    def __init__(self, project):
        self.project = project
        settings = project.settings
        self.role_of_method = {settings.helper(h.role): h.role for h in HELPERS
                               if settings.helper(h.role)}
        self.helper_classes: list[tuple[Home, dict]] = []  # (class, {role: Home defining it})
        self.interfaces: list[Home] = []  # named like a helper class, defining no helper
        index = project.index
        for name in settings.helper_classes:
            for definition in sorted(index.definitions(name), key=lambda d: (d.path, d.line)):
                home = Home(definition.name, definition.path, definition.line)
                roles = self._roles(definition.path, definition.name, None, 0, set())
                if roles:
                    self.helper_classes.append((home, roles))
                else:
                    self.interfaces.append(home)
        self.defined_at: dict = {}  # {role: Home of the first helper class defining it}
        for _, roles in self.helper_classes:
            for role, home in roles.items():
                self.defined_at.setdefault(role, home)
        self.defined = frozenset(self.defined_at)
        # The configured names of the helpers that exist (what a SOT3xx fix may call).
        self.defined_names = frozenset(settings.helper(role) for role in self.defined)

    @property
    def holder(self) -> str:
        """Where a missing helper goes: the first helper class. Without one, never a class
        that only shares the configured name (a framework's own ``BaseAgent``)."""
        if self.helper_classes:
            return str(self.helper_classes[0][0])
        names = self.project.settings.helper_classes
        return (f"a class named in ssot-helper-classes ({', '.join(names)})" if names
                else "an agent base class named in ssot-helper-classes")

    def _roles(self, path: str | None, name: str, facts, depth: int, seen: set) -> dict:
        """``{role: Home}`` of the helpers class *name* of *path* defines or inherits; *facts*
        are the file's own (the checked tree) or None to read them from the index."""
        if depth > _MAX_DEPTH or (path, name) in seen:
            return {}
        seen.add((path, name))
        if facts is None and path is not None:
            facts = self.project.index.facts(path)
        found = next((c for c in facts.classes if c.name == name), None) if facts else None
        if found is None:
            return {}
        roles: dict = {}
        for base in reversed(found.bases):  # the first base wins, as in the MRO
            if any(c.name == base for c in facts.classes):
                roles.update(self._roles(path, base, facts, depth + 1, seen))
                continue
            target = self._resolve(path, base)
            if target is not None:
                roles.update(self._roles(target.path, target.name, None, depth + 1, seen))
        home = Home(found.name, path or "stdin", found.line)
        roles.update({self.role_of_method[method]: home for method in found.methods
                      if method in self.role_of_method})
        return roles

    def _resolve(self, path: str | None, base: str):
        if path is None:
            return None
        try:
            return self.project.index.resolve_class(path, base)
        except Exception:  # noqa: BLE001 - an unresolvable base defines nothing we know of
            return None

    def roles_of(self, path: str | None, name: str, facts) -> tuple[dict, dict]:
        """For class *name* of the checked file (*path* relative to the root, None for stdin;
        *facts* from its tree): ``({role: Home}`` of the helpers ``self`` has, ``{role: Home}``
        of those the class defines itself``)``."""
        roles = self._roles(path, name, facts, 0, set())
        own = {role: home for role, home in roles.items() if home.name == name
               and home.path == (path or "stdin")}
        return roles, own
