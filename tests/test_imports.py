"""The package's import graph, read from its source: no cycle, and no module imports one above
its layer (the commands sit on top; the index never reaches flake8). Imports inside functions
count: they run too."""

from __future__ import annotations

import ast

from helpers import REPO

PACKAGE = REPO / "flake8_ssot"


def _modules() -> dict[str, tuple[ast.Module, str]]:
    """module name -> (its tree, the package its relative imports start from)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        package = name.rpartition(".")[0]
        modules[name.removesuffix(".__init__")] = (ast.parse(path.read_bytes()), package)
    return modules


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports (``from p import m`` is ``p.m`` when ``m`` is a
    module), plus ``"flake8"`` for flake8 itself."""
    modules = _modules()

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, (tree, package) in modules.items():
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([base] if base else [])])
                targets = [f"{base}.{alias.name}" for alias in node.names]
                targets = [t for t in targets if t in modules] or [base]
            else:
                continue
            for target in targets:
                if target.split(".")[0] == "flake8":
                    imported.add("flake8")
                elif known(target) not in (None, name):
                    imported.add(known(target))
        graph[name] = imported
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    order, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in order:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], order[target])
        if low[node] == order[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in order:
            visit(node)
    return found


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_package_has_no_import_cycle():
    assert _cycles(_graph()) == []


def test_only_commands_import_commands():
    graph = _graph()
    assert [(name, target) for name, targets in graph.items() for target in targets
            if _within(target, ("flake8_ssot.commands",))
            and not _within(name, ("flake8_ssot.commands",))] == []


def test_the_index_never_reaches_flake8_rules_or_commands():
    graph = _graph()
    above = ("flake8", "flake8_ssot.rules", "flake8_ssot.commands", "flake8_ssot.project",
             "flake8_ssot.checker", "flake8_ssot.plugin")
    index = [name for name in graph if _within(name, ("flake8_ssot.index",))]
    assert index
    assert {name: sorted(t for t in _reach(graph, name) if _within(t, above))
            for name in index} == {name: [] for name in index}


def test_the_graph_sees_what_it_checks():
    """The checks above could not fail if the graph were empty: a known edge, a known import
    of flake8, and the import circle the baseline once had, found when put back."""
    graph = _graph()
    assert "flake8_ssot.commands.common" in graph["flake8_ssot.commands.fix"]
    assert "flake8" in graph["flake8_ssot.formatters"]
    graph["flake8_ssot.baseline"] = graph["flake8_ssot.baseline"] | {
        "flake8_ssot.commands.findings"}
    [cycle] = _cycles(graph)
    assert {"flake8_ssot.baseline", "flake8_ssot.commands.findings"} <= set(cycle)
