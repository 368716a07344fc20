"""Every ``ssot-`` option, declared once with its type, default and help (the pylint way).

flake8 registers them from ``OPTIONS`` (see ``register``) and parses them, from the command line
and from ``setup.cfg`` / ``tox.ini`` / ``.flake8``; the ``flake8-ssot`` commands ask flake8 itself
(``project.settings_from_flake8``), so there is one reading of the configuration. Nothing here
imports flake8.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, NamedTuple

LIST, STR, BOOL, INT, FLOAT = "list", "str", "bool", "int", "float"


class Option(NamedTuple):
    name: str
    kind: str
    default: Any
    help: str

    @property
    def flag(self) -> str:
        return f"--ssot-{self.name}"

    @property
    def dest(self) -> str:
        return "ssot_" + self.name.replace("-", "_")

    @property
    def field(self) -> str:
        return self.name.replace("-", "_")

    def convert(self, raw: Any) -> Any:
        """Turn a config-file string (or an already parsed value) into this option's type."""
        if raw is None:
            return self.default
        if self.kind == LIST:
            items = raw.replace("\n", ",").split(",") if isinstance(raw, str) else raw
            return tuple(item.strip() for item in items if item and item.strip())
        if self.kind == BOOL:
            if isinstance(raw, str):
                return raw.strip().lower() in ("1", "true", "yes", "on")
            return bool(raw)
        if self.kind == INT:
            return int(raw)
        if self.kind == FLOAT:
            return float(raw)
        return str(raw).strip()


class Helper(NamedTuple):
    """One metadata helper of the agent base class: everything every command knows of it.

    ``params`` follow ``self``; ``value_param`` is the parameter that carries a metadata value
    (what SOT3xx checks), ``value_role`` how that value lands in metadata; ``replaces`` the direct
    write it replaces ("" for the read helper: a read is allowed); ``body`` is a
    ready-to-paste implementation (``{attr}`` is the metadata attribute) printed by
    ``flake8-ssot helpers`` for a project that lacks the helper.
    """

    role: str
    default: str
    params: tuple[str, ...]
    value_param: str
    value_role: str
    replaces: str
    converts_models: bool
    body: tuple[str, ...]

    @property
    def option(self) -> str:
        return f"{self.role}-helper"


HELPERS: tuple[Helper, ...] = (
    Helper("store-result", "store_metadata_result", ("context", "key", "value"), "value", "value",
           "ctx.metadata[key] = value", True,
           ('if hasattr(value, "model_dump"):',
            '    value = value.model_dump(mode="json")',
            "context.{attr}[key] = value")),
    Helper("store-batch", "store_metadata_batch", ("context", "mapping"), "mapping", "mapping",
           "ctx.metadata.update(mapping)", False,
           ("for key, value in dict(mapping).items():",
            "    context.{attr}[key] = value")),
    Helper("append-list", "append_metadata_list", ("context", "key", "item"), "item", "item",
           "ctx.metadata[key].append(item)", False,
           ("context.{attr}.setdefault(key, []).append(item)",)),
    Helper("extend-list", "extend_metadata_list", ("context", "key", "items"), "items", "items",
           "ctx.metadata[key].extend(items)", False,
           ("context.{attr}.setdefault(key, []).extend(items)",)),
    Helper("increment-counter", "increment_metadata_counter", ("context", "key", "n=1"), "", "",
           "ctx.metadata[key] += n", False,
           ("context.{attr}[key] = context.{attr}.get(key, 0) + n",)),
    Helper("remove-key", "remove_metadata_key", ("context", "key"), "", "",
           "del ctx.metadata[key]", False,
           ("context.{attr}.pop(key, None)",)),
    Helper("clear", "clear_metadata", ("context", "preserve_keys=None"), "", "",
           "ctx.metadata.clear()", False,
           ("kept = {k: context.{attr}[k] for k in preserve_keys or () if k in context.{attr}}",
            "context.{attr}.clear()",
            "context.{attr}.update(kept)")),
    Helper("propagate", "propagate_metadata", ("parent", "child", "keys=None"), "", "",
           "child.metadata = parent.metadata.copy()", False,
           ("source = parent.{attr} if keys is None else {",
            "    k: parent.{attr}[k] for k in keys if k in parent.{attr}}",
            "child.{attr}.update(copy.deepcopy(source))")),
    Helper("get-value", "get_metadata_value", ("context", "key", "default=None"), "", "",
           "", False,
           ("return context.{attr}.get(key, default)",)),
)
HELPERS_BY_ROLE = {helper.role: helper for helper in HELPERS}

OPTIONS: tuple[Option, ...] = (
    # What is an execution context.
    Option("context-classes", LIST, ("*ExecutionContext", "DeepAgentState"),
           "Class name globs whose instances are execution contexts (matched in annotations and "
           "constructor calls); project classes inheriting from one are contexts too."),
    Option("context-names", LIST,
           ("context", "ctx", "*_context", "*_ctx", "state"),
           "Receiver name globs treated as contexts, bare or behind 'self.'."),
    Option("metadata-attributes", LIST, ("metadata", "agent_context", "audit_metadata"),
           "Attributes of a context that only the helpers may write."),
    Option("helper-classes", LIST, ("BaseAgent",),
           "Classes that define the metadata helpers; their methods write metadata directly. A "
           "class of that name that defines none of the helpers (an interface) does not count."),
    Option("exempt-classes", LIST, (),
           "More classes whose own methods may write metadata directly (the helper and context "
           "classes always may)."),
    # Helper names, one option per helper so a codebase with other names can adopt the rules.
    *(
        Option(helper.option, STR, helper.default,
               (f"Name of the helper that replaces `{helper.replaces}`" if helper.replaces
                else "Name of the preferred read helper (a direct read stays allowed)")
               + "; empty: the project has none.")
        for helper in HELPERS
    ),
    Option("converting-helpers", LIST,
           tuple(helper.default for helper in HELPERS if helper.converts_models),
           "Helpers that convert a pydantic model value with model_dump(mode='json')."),
    # The project index (SOT2xx).
    Option("project-root", STR, "",
           "Project root; default: nearest directory upward with setup.cfg, tox.ini, .flake8, "
           "pyproject.toml or .git."),
    Option("cache-dir", STR, ".flake8-ssot-cache",
           "Cache directory for the project index, relative to the project root."),
    Option("no-cache", BOOL, False, "Keep the project index in memory only."),
    Option("exclude", LIST, (), "Extra path globs left out of the project index."),
    Option("test-patterns", LIST,
           ("tests/*", "test/*", "*/tests/*", "*/test/*", "*/testing/*", "test_*.py",
            "*_test.py", "conftest.py"),
           "Path globs of test code: not indexed, so neither reported nor counted by SOT2xx, "
           "and not checked by SOT1xx (see check-tests)."),
    Option("check-tests", BOOL, False,
           "Check test code (test-patterns) for direct metadata writes (SOT1xx) too; tests set "
           "up metadata on purpose, so by default they are not."),
    Option("ignore-class-names", LIST, (), "Class name globs never reported as duplicates."),
    Option("canonical-classes", LIST, (),
           "Canonical homes, as ClassName:path/to/module.py (SOT202, SOT203)."),
    Option("max-listed", INT, 5, "How many other definitions a SOT201 message lists."),
    Option("independent-packages", LIST, (),
           "Directories (relative to the project root) that are each their own single source "
           "of truth: SOT201 and SOT205 never relate a class in one to a class in another."),
    Option("class-budgets", LIST, (),
           "Class-family budgets, as NameGlob:count (e.g. *Manager:50); every member of a "
           "family over its budget is reported (SOT204)."),
    Option("parallel-min-shared", INT, 5,
           "SOT205: how many public methods two classes must share."),
    Option("parallel-min-ratio", FLOAT, 0.6,
           "SOT205: the share of the smaller class's public methods they must make up."),
    # Inference (SOT3xx).
    Option("inference-budget", FLOAT, 50.0,
           "Thousands of inference steps SOT3xx may take per file (counted, never timed: the "
           "same findings on any machine); 0 turns SOT3xx off."),
    Option("skip-installed", BOOL, False,
           "SOT3xx: never read installed packages' sources (found through the interpreter "
           "flake8 runs in, never imported); their values then stay unknown, as a package "
           "that is not installed does."),
    # Adoption.
    Option("baseline", STR, "",
           "Baseline file of accepted findings; only findings not in it are reported."),
)


class Settings(namedtuple("Settings", [*(option.field for option in OPTIONS), "opted_in"],
                          defaults=[*(option.default for option in OPTIONS), ()])):
    """The parsed value of every option in OPTIONS, as attributes; ``opted_in`` holds the
    off-by-default codes the user named in ``--select``/``--extend-select``."""

    __slots__ = ()

    def helper(self, role: str) -> str:
        """The configured name of the helper with *role*; "" when the project has none."""
        return getattr(self, role.replace("-", "_") + "_helper")


def settings_from_namespace(namespace: Any) -> Any:
    """Build Settings from flake8's parsed options namespace."""
    values = {}
    for option in OPTIONS:
        raw = getattr(namespace, option.dest, None)
        values[option.field] = option.convert(raw)
    return Settings(**values)


def settings_from_flake8(parsed: Any, off_by_default: tuple[str, ...] = ()) -> Any:
    """Settings from flake8's parsed options; flake8's own ``exclude``/``extend-exclude`` are
    left out of the project index too (what flake8 would not check is not the project).

    An off-by-default code is opted in only when named: ``--extend-select SOT205`` (or
    ``SOT20``), not a family prefix such as the pre-commit hook's ``--select=SOT``, which flake8
    would otherwise let through."""
    settings = settings_from_namespace(parsed)
    flake8_excludes = (*(getattr(parsed, "exclude", None) or ()),
                       *(getattr(parsed, "extend_exclude", None) or ()))
    named = (*(getattr(parsed, "select", None) or ()),
             *(getattr(parsed, "extend_select", None) or ()))
    opted_in = tuple(code for code in off_by_default
                     if any(len(entry) >= len(code) - 1 and code.startswith(entry)
                            for entry in named))
    return settings._replace(exclude=(*settings.exclude, *flake8_excludes), opted_in=opted_in)


def register(option_manager: Any) -> None:
    """Declare every option on flake8's option manager."""
    for option in OPTIONS:
        default_text = ",".join(option.default) if option.kind == LIST else option.default
        kwargs: dict[str, Any] = {
            "parse_from_config": True,
            "help": f"{option.help} (default: {default_text!r})",
        }
        if option.kind == BOOL:
            kwargs["action"] = "store_true"
            kwargs["default"] = option.default
        elif option.kind == LIST:
            kwargs["comma_separated_list"] = True
            kwargs["default"] = ",".join(option.default)
        elif option.kind == INT:
            kwargs["type"] = int
            kwargs["default"] = option.default
        elif option.kind == FLOAT:
            kwargs["type"] = float
            kwargs["default"] = option.default
        else:
            kwargs["default"] = option.default
        option_manager.add_option(option.flag, **kwargs)
