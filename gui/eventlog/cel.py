"""The CEL environment shared by subscription filters (emulator) and the window's advanced filter.

An event's fields are top-level variables: ``id``, ``type``, ``time``, ``ingest_time``,
``sequence``, ``previous``, ``source``, ``subject``, ``subject_type``, ``tenant_id``,
``client_id``, ``trace_parent``, ``data_ref`` and ``data`` (any JSON). Fields an event lacks are
present with an empty value (``""``, ``0``, or ``null`` for ``data``), so ``subject == ""`` works.
An expression that fails on an event (e.g. ``data.kind`` when ``data`` has no ``kind``) does not
match that event. Examples::

    data.kind == "customer"
    type.endsWith(".deleted.v1.0") && tenant_id == "ede9f834-70b3-476c-83d9-736f9f8c7dae"
    sequence > 1000 && has(data.contact)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import celpy  # type: ignore[import-untyped]
import orjson

logging.getLogger("celpy").setLevel(logging.ERROR)
logging.getLogger("Environment").setLevel(logging.ERROR)
logging.getLogger("NameContainer").setLevel(logging.ERROR)
logging.getLogger("Evaluator").setLevel(logging.ERROR)
logging.getLogger("evaluation").setLevel(logging.ERROR)

STRING_FIELDS = (
    "id",
    "type",
    "time",
    "ingest_time",
    "source",
    "subject",
    "subject_type",
    "tenant_id",
    "client_id",
    "trace_parent",
    "data_ref",
)
INT_FIELDS = ("sequence", "previous")
VARIABLES = frozenset((*STRING_FIELDS, *INT_FIELDS, "data"))  # every name an expression may read
_MACROS = frozenset(("all", "exists", "exists_one", "map", "filter"))  # bind a name of their own
_TYPE_NAMES = frozenset(
    (
        "bool",
        "bytes",
        "double",
        "duration",
        "dyn",
        "int",
        "list",
        "map",
        "null_type",
        "string",
        "timestamp",
        "type",
        "uint",
    )
)
MAX_LENGTH = 4096
ANSWERS_KEPT = 65_536  # distinct field values remembered per expression


class CelError(ValueError):
    """The expression does not compile; the message says where (line and character) and what was
    expected, in words; ``position`` is that place as (line, character), both from 1, if known."""

    def __init__(self, message: str, position: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.position = position


class CelFilter:
    """A compiled CEL expression, evaluated against events (dicts)."""

    def __init__(self, expression: str) -> None:
        text = expression.strip()
        if not text:
            raise CelError("empty CEL expression")
        if len(text) > MAX_LENGTH:
            raise CelError(f"CEL expression longer than {MAX_LENGTH} characters")
        self.expression = text
        env = celpy.Environment()
        try:
            tree = env.compile(text)
            self._program = env.program(tree)
        except Exception as err:  # celpy raises parser errors of several types
            raise _explain(text, err) from err
        # the event fields the expression names: only those are converted to CEL values for each
        # event (converting the whole event, payload included, cost as much as evaluating)
        named = {str(t) for node in tree.iter_subtrees() if node.data == "ident" for t in node.children}
        # names that are no event field (nor a macro's own variable): they never match
        self.unknown_names = sorted(named - VARIABLES - _TYPE_NAMES - _bound_names(tree))
        self._strings = [name for name in STRING_FIELDS if name in named]
        self._ints = [name for name in INT_FIELDS if name in named]
        self._data = "data" in named
        # when the payload is read only through fixed paths (data.kind, has(data.contact.email),
        # data.items.exists(...)), the answer depends on the values at those paths alone
        self._paths = _data_paths(tree) if self._data else None
        self._answers: dict[tuple[Any, ...], bool] = {}  # field values -> result

    def matches(self, event: Mapping[str, Any]) -> bool:
        activation = {name: event.get(name) or "" for name in self._strings}
        for name in self._ints:
            value = event.get(name)
            activation[name] = value if isinstance(value, int) else 0
        key: tuple[Any, ...]
        if self._data:
            if self._paths is None:  # the payload as a whole (size(data), data["k"]...): every time
                activation["data"] = event.get("data")
                return self._evaluate(activation)
            fields = tuple(activation.values())
            try:
                activation["data"], at_paths = _excerpt(event.get("data"), self._paths)
            except (TypeError, orjson.JSONEncodeError):  # a value JSON cannot hold (an integer past 64 bits)
                activation["data"] = event.get("data")
                return self._evaluate(activation)
            key = (*fields, *at_paths)
        else:
            key = tuple(activation.values())
        # the answer depends on a few values, mostly repeated (type, tenant, the payload's kind):
        # evaluated once per distinct values (cel-python's evaluation costs ~0.2-0.4 ms)
        try:
            known = self._answers.get(key)
        except TypeError:  # a malformed event's field is a list or an object
            return self._evaluate(activation)
        if known is None:
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            known = self._answers[key] = self._evaluate(activation)
        return known

    def problem(self) -> str:
        """Why the expression cannot match any event, when that shows before any arrives ("" when
        nothing does): a name that is no event field, or a value other than true or false."""
        if self.unknown_names:
            return f"“{self.unknown_names[0]}” is no event field"
        activation: dict[str, Any] = {name: "" for name in STRING_FIELDS}
        activation.update({name: 0 for name in INT_FIELDS}, data=None)
        try:
            result = self._program.evaluate(celpy.json_to_cel(activation))  # type: ignore[arg-type,attr-defined]
        except Exception:  # fails on an empty event (data.kind on no payload): it may match real ones
            return ""
        if isinstance(result, celpy.celtypes.BoolType):
            return ""
        return f"gives {type(result).__name__.removesuffix('Type').lower()} values, not true or false"

    def _evaluate(self, activation: dict[str, Any]) -> bool:
        try:
            result = self._program.evaluate(celpy.json_to_cel(activation))  # type: ignore[arg-type,attr-defined]
        except Exception:  # an evaluation error means "does not match"
            return False
        return isinstance(result, celpy.celtypes.BoolType) and bool(result)


_MISSING = object()


def _bound_names(tree: Any) -> set[str]:
    """The names macros bind (``i`` in ``data.items.exists(i, i.kind == "x")``)."""
    from lark import Tree

    bound: set[str] = set()
    for node in tree.iter_subtrees():
        if node.data != "member_dot_arg" or len(node.children) < 3 or str(node.children[1]) not in _MACROS:
            continue
        args = node.children[2]
        first = args.children[0] if isinstance(args, Tree) and args.children else None
        if isinstance(first, Tree):
            bound.update(str(t) for n in first.iter_subtrees() if n.data == "ident" for t in n.children)
    return bound


def _data_paths(tree: Any) -> list[tuple[str, ...]] | None:
    """The fixed member paths through which the expression reads ``data`` (``data.a.b``), or
    None when it reads it any other way (bare ``data``, ``data["k"]``, a variable named data)."""
    from lark import Tree

    uses = sum(1 for node in tree.iter_subtrees() if node.data == "ident" and str(node.children[0]) == "data")
    paths: list[tuple[str, ...]] = []

    def chain(node: Any) -> tuple[str, ...] | None:
        if not (isinstance(node, Tree) and node.data == "member" and len(node.children) == 1):
            return None
        inner = node.children[0]
        if not isinstance(inner, Tree):
            return None
        if inner.data == "primary":
            ident = inner.children[0]
            is_data = isinstance(ident, Tree) and ident.data == "ident" and str(ident.children[0]) == "data"
            return () if is_data else None
        if inner.data == "member_dot" and len(inner.children) == 2 and not isinstance(inner.children[1], Tree):
            base = chain(inner.children[0])
            return None if base is None else (*base, str(inner.children[1]))
        return None

    def visit(node: Any) -> None:
        if not isinstance(node, Tree):
            return
        path = chain(node) if node.data == "member" else None
        if path:  # the longest chain from data here: record it, look no deeper
            paths.append(path)
            return
        for child in node.children:
            visit(child)

    visit(tree)
    return sorted(set(paths), key=len) if len(paths) == uses else None


def _excerpt(data: Any, paths: list[tuple[str, ...]]) -> tuple[Any, list[Any]]:
    """The payload cut to what ``paths`` reach (the same answer, far cheaper to convert), and a
    hashable account of those values (the key of remembered answers)."""
    if not isinstance(data, dict):
        return data, [orjson.dumps(data, option=orjson.OPT_SORT_KEYS)]
    excerpt: dict[str, Any] = {}
    whole: set[int] = set()  # ids of values placed whole: a longer path under them is already there
    key: list[Any] = []
    for path in paths:
        node: Any = data
        reached = 0
        for name in path:
            if isinstance(node, dict) and name in node:
                node = node[name]
                reached += 1
            else:
                break
        key.append((reached, orjson.dumps(node, option=orjson.OPT_SORT_KEYS) if reached else b""))
        if not reached:
            continue
        into: Any = excerpt
        for name in path[: reached - 1]:
            nxt = into.get(name)
            if nxt is None:
                nxt = into[name] = {}
            elif id(nxt) in whole:
                break
            into = nxt
        else:
            if path[reached - 1] not in into:
                into[path[reached - 1]] = node
                whole.add(id(node))
    return excerpt, key


def check(expression: str) -> str | None:
    """None when the expression compiles, else the reason."""
    try:
        CelFilter(expression)
    except CelError as err:
        return str(err)
    return None


# what the parser expects, in words (lark's terminal names; operators are looked up by their text)
_VALUES = {
    "IDENT",
    "INT_LIT",
    "UINT_LIT",
    "FLOAT_LIT",
    "STRING_LIT",
    "MLSTRING_LIT",
    "BYTES_LIT",
    "BOOL_LIT",
    "NULL_LIT",
}
_A_VALUE = 'a value (a field such as data.kind, a number, a "string", true, false or null)'
_OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "&&", "||", "+", "-", "*", "/", "%", "in")
_CLOSERS = (")", "]", "}", ",", ":")
_HINTS = {"=": 'to compare, write "=="', "&": 'and is "&&"', "|": 'or is "||"'}


def _symbols() -> dict[str, str]:
    """Terminal name -> its fixed text (``__ANON_4`` -> ``==``), from celpy's parser if it has one."""
    from celpy.celparser import CELParser

    parser = getattr(CELParser, "CEL_PARSER", None)
    terminals = getattr(parser, "terminals", None) or []
    return {t.name: t.pattern.value for t in terminals if type(t.pattern).__name__ == "PatternStr"}


def expected_words(expected: set[str]) -> str:
    """What the parser would have accepted, in words."""
    if expected & _VALUES:
        return "a name" if expected & _VALUES == {"IDENT"} and "INT_LIT" not in expected else _A_VALUE
    symbols = _symbols()
    texts = {symbols.get(name, name) for name in expected}
    operators = [op for op in _OPERATORS if op in texts]
    if operators:  # the closers the parser would also take are rarely the point: left out
        return f"an operator ({' '.join(operators)})"
    parts = [f'"{c}"' for c in _CLOSERS if c in texts] + (["the end"] if "$END" in expected else [])
    return ", ".join(parts[:-1]) + (" or " if len(parts) > 1 else "") + parts[-1] if parts else "something else"


def _where(line: int, column: int, multiline: bool) -> str:
    return f"line {line}, character {column}" if multiline else f"character {column}"


def _explain(text: str, err: BaseException) -> CelError:
    """The parser's error as a sentence: where, what was found, what was expected."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    cause = err.__cause__ or err.__context__
    lines = text.split("\n")
    multiline = len(lines) > 1
    if isinstance(cause, UnexpectedToken) and cause.line and cause.column:
        if cause.token.type == "$END":  # lark places the end at the last token: say the end
            line, column = len(lines), len(lines[-1]) + 1
            found = "the expression stops too soon"
        else:
            line, column = cause.line, cause.column
            found = f'found "{cause.token}"'
        where = _where(line, column, multiline) + (" (the end)" if cause.token.type == "$END" else "")
        message = f"invalid CEL at {where}: {found}; expected {expected_words(set(cause.expected))}"
        return CelError(message, (line, column))
    if isinstance(cause, UnexpectedCharacters) and cause.line and cause.column:
        where = _where(cause.line, cause.column, multiline)
        char = cause.char
        if char in "\"'":
            return CelError(
                f"invalid CEL at {where}: a string is not closed (its closing {char} is missing)",
                (cause.line, cause.column),
            )
        hint = f" ({_HINTS[char]})" if char in _HINTS else ""
        message = f'invalid CEL at {where}: found "{char}"{hint}; expected {expected_words(set(cause.allowed))}'
        return CelError(message, (cause.line, cause.column))
    return CelError(_first_line(err))


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return f"invalid CEL: {lines[0].strip()}"
