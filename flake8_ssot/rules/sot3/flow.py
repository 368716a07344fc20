"""Which assignments of a name can reach a statement, inside one function (or module body).

A small reaching-definitions pass over the statements as written: branches join, loops run
their body twice (enough for the values the tracer follows), ``return``/``raise`` end a path.
A definition is ``(kind, node, path)``: the binding statement (or parameter, loop, ``with``),
and for tuple unpacking the position of the name in the target.
"""

from __future__ import annotations

import ast
from types import MappingProxyType

from flake8_ssot.syntax import SCOPE_STATEMENTS, statement_fields


class Definition:
    __slots__ = ("kind", "node", "path", "target")

    def __init__(self, kind: str, node, path: tuple = (), target=None):
        self.kind, self.node, self.path, self.target = kind, node, path, target


def _targets(target, path=()):
    """``(name, path)`` for every name bound by an assignment target."""
    if isinstance(target, ast.Name):
        yield target.id, path, target
    elif isinstance(target, (ast.Tuple, ast.List)):
        starred = any(isinstance(element, ast.Starred) for element in target.elts)
        for index, element in enumerate(target.elts):
            if isinstance(element, ast.Starred) or starred:
                for name, _, node in _targets(getattr(element, "value", element)):
                    yield name, None, node  # position unknown
            else:
                for name, sub, node in _targets(element, path + (index,)):
                    yield name, None if sub is None else sub, node


def may_hold(source, token: str) -> bool:
    """False when a module's text (str or bytes; None: not at hand) does not hold *token*, so
    that no node written with it (``yield``, ``:=``) is in the module's tree."""
    if source is None:
        return True
    return (token.encode() if isinstance(source, bytes) else token) in source


class Flow:
    """``at(statement)``: name -> definitions that can reach it. Built once per body.

    *walrus*: False when the module holds no ``:=``, so no expression needs walking for one.
    """

    def __init__(self, body, arguments: ast.arguments | None = None, walrus: bool = True):
        self.walrus = walrus
        self.states: dict[int, dict] = {}
        self.loops: list[tuple[list, list]] = []
        state: dict = {}
        if arguments is not None:
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            for arg in every:
                state[arg.arg] = (Definition("param", arg, (), arguments),)
            for arg in (arguments.vararg, arguments.kwarg):
                if arg is not None:
                    state[arg.arg] = (Definition("unknown", arg),)
        self.start = state
        self._block(body, state)

    def at(self, statement) -> dict | None:
        return self.states.get(id(statement))

    # -- the walk ------------------------------------------------------------------------------

    def _block(self, body, state):
        for statement in body:
            if state is None:
                return None
            state = self._statement(statement, state)
        return state

    @staticmethod
    def _join(*states):
        alive = [state for state in states if state is not None]
        if not alive:
            return None
        joined = dict(alive[0])
        for state in alive[1:]:
            for name, definitions in state.items():
                known = joined.get(name)
                if known is None:
                    joined[name] = definitions
                elif known is not definitions:
                    joined[name] = tuple(dict.fromkeys(known + definitions))
        return joined

    @staticmethod
    def _bind(state, name, definition):
        state = dict(state)
        state[name] = (definition,)
        return state

    def _assign(self, state, target, kind, node):
        for name, path, name_node in _targets(target):
            definition = Definition(kind if path is not None else "unknown", node, path or (),
                                    name_node)
            state = self._bind(state, name, definition)
        return state

    def _walrus(self, statement, state):
        if not self.walrus:
            return state
        for node in ast.walk(statement):
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                state = self._bind(state, node.target.id, Definition("assign", node))
        return state

    # -- statements: one handler per statement type (``_STATEMENTS``) ------------------------

    def _statement(self, statement, state):
        self.states[id(statement)] = state
        handler = _STATEMENTS.get(statement.__class__)
        return self._walrus(statement, state) if handler is None else handler(
            self, statement, state)

    def _defined(self, statement, state):
        return self._bind(state, statement.name, Definition("def", statement))

    def _assigned(self, statement, state):
        state = self._walrus(statement.value, state)
        for target in statement.targets:
            state = self._assign(state, target, "assign", statement)
        return state

    def _annotated(self, statement, state):
        if isinstance(statement.target, ast.Name):
            return self._bind(state, statement.target.id, Definition("ann", statement))
        return state

    def _augmented(self, statement, state):
        if isinstance(statement.target, ast.Name):
            return self._bind(state, statement.target.id, Definition("unknown", statement))
        return state

    def _imported(self, statement, state):
        for alias in statement.names:
            name = alias.asname or alias.name.split(".")[0]
            state = self._bind(state, name, Definition("import", statement, (), alias))
        return state

    def _deleted(self, statement, state):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                state = self._bind(state, target.id, Definition("unknown", statement))
        return state

    def _declared(self, statement, state):  # global, nonlocal
        for name in statement.names:
            state = self._bind(state, name, Definition("unknown", statement))
        return state

    def _ended(self, statement, state):  # return, raise
        return None

    def _jumped(self, statement, state):  # break, continue
        if self.loops:
            self.loops[-1][0 if isinstance(statement, ast.Break) else 1].append(state)
        return None

    def _branched(self, statement, state):
        state = self._walrus(statement.test, state)
        return self._join(self._block(statement.body, state),
                          self._block(statement.orelse, state))

    def _for(self, statement, state):
        return self._loop(statement, state, lambda entry: self._assign(
            entry, statement.target, "for", statement))

    def _while(self, statement, state):
        return self._loop(statement, self._walrus(statement.test, state), lambda entry: entry)

    def _with(self, statement, state):
        for position, item in enumerate(statement.items):
            if item.optional_vars is not None:
                for name, path, node in _targets(item.optional_vars):
                    kind = "with" if path is not None else "unknown"
                    state = self._bind(state, name, Definition(kind, statement,
                                                               (position, *(path or ())), node))
        return self._block(statement.body, state)

    def _tried(self, statement, state):  # try, try/except*
        after_body = self._block(statement.body, state)
        entry = self._join(state, after_body)
        outs = [self._block(statement.orelse, after_body) if after_body is not None else None]
        for handler in statement.handlers:
            handler_state = entry
            if handler.name and handler_state is not None:
                handler_state = self._bind(handler_state, handler.name,
                                           Definition("except", handler))
            outs.append(self._block(handler.body, handler_state))
        end = self._join(*outs)
        if statement.finalbody:
            final = self._block(statement.finalbody, self._join(end, entry))
            return final if end is not None else None
        return end

    def _matched(self, statement, state):
        outs = []
        for case in statement.cases:
            case_state = state
            for node in ast.walk(case.pattern):
                name = getattr(node, "name", None)
                if isinstance(name, str):
                    case_state = self._bind(case_state, name, Definition("unknown", case))
            outs.append(self._block(case.body, case_state))
        return self._join(state, *outs)

    def _loop(self, statement, state, bind_target):
        self.loops.append(([], []))
        entry = state
        for _ in range(3):
            breaks, continues = self.loops[-1]
            breaks.clear()
            continues.clear()
            out = self._block(statement.body, bind_target(entry))
            following = self._join(state, out, *continues)
            if following == entry:
                break
            entry = following
        breaks, _ = self.loops.pop()
        after = self._block(statement.orelse, entry)
        return self._join(after, *breaks)


def scope_of(tree, scopes=SCOPE_STATEMENTS):
    """``{id(statement): enclosing function/class node}`` for *tree* and every statement under
    it (only statements are looked up: values are written, and functions are defined, by
    statements)."""
    owners: dict[int, object] = {}
    stack = [(tree, None)]
    while stack:
        node, owner = stack.pop()
        owners[id(node)] = owner
        inner = node if isinstance(node, scopes) else owner
        for field in statement_fields(node):
            stack.extend((child, inner) for child in getattr(node, field))
    return owners


def _types(*names):
    """The ``ast`` node types of *names* this Python has (``TryStar``: 3.11, ``Match``: 3.10)."""
    return [getattr(ast, name) for name in names if hasattr(ast, name)]


# The handler of each statement type; another type binds only the names its ``:=`` assign.
_STATEMENTS = MappingProxyType({
    **dict.fromkeys(_types("FunctionDef", "AsyncFunctionDef", "ClassDef"), Flow._defined),
    ast.Assign: Flow._assigned,
    ast.AnnAssign: Flow._annotated,
    ast.AugAssign: Flow._augmented,
    **dict.fromkeys(_types("Import", "ImportFrom"), Flow._imported),
    ast.Delete: Flow._deleted,
    **dict.fromkeys(_types("Global", "Nonlocal"), Flow._declared),
    **dict.fromkeys(_types("Return", "Raise"), Flow._ended),
    **dict.fromkeys(_types("Break", "Continue"), Flow._jumped),
    ast.If: Flow._branched,
    **dict.fromkeys(_types("For", "AsyncFor"), Flow._for),
    ast.While: Flow._while,
    **dict.fromkeys(_types("With", "AsyncWith"), Flow._with),
    **dict.fromkeys(_types("Try", "TryStar"), Flow._tried),
    **dict.fromkeys(_types("Match"), Flow._matched),
})
