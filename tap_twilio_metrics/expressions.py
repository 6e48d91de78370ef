"""JSONata per record: compile once, evaluate fast, turn results into datapoints.

A metric's ``value``, ``dimension`` and ``date`` are each compiled once. The
common shapes (a field path such as ``status`` or ``subresource.count``,
``$number(path)``, ``-$number(path)`` and the null guard ``path ? ...``) are
evaluated by plain dictionary look-ups; anything the shortcut cannot answer
with the interpreter's exact result (lists on the path, a missing guard
field, a non-string number source) falls back to the JSONata interpreter for
that record.

Expressions that can loop (they define a function or use a range ``[a..b]``)
are evaluated under a time, depth and range-size limit, checked on every node
the interpreter enters; the others are bounded by the record's size and skip
that cost. ``$eval`` is refused: the code it runs escapes those checks. Each
thread evaluates on its own copy of a compiled expression, because the
interpreter keeps per-evaluation state on it.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sized
from decimal import Decimal
from typing import Any, Final

import jsonata

from tap_twilio_metrics.errors import ConfigError, ExpressionError

#: Result of a shortcut that cannot decide; the interpreter answers instead.
FALLBACK: Final = object()

#: JSONata evaluations slower than this (milliseconds) stop with an error.
EVALUATION_TIMEOUT_MS: Final = 1000
#: Nested evaluation deeper than this (AST nodes entered) stops with an error.
MAX_DEPTH: Final = 200
#: Ranges (``[1..n]``) longer than this stop with an error.
MAX_RANGE_ITEMS: Final = 100_000
_TOO_DEEP: Final = "D1011"  # JSONata's own codes, so its messages are used
_TOO_SLOW: Final = "D1012"

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = rf"{_NAME}(?:\.{_NAME})*"
_SHORTCUT: Final = re.compile(
    rf"^\s*(?:(?P<guard>{_PATH})\s*\?\s*)?"
    rf"(?:(?P<neg>-)?\$number\(\s*(?P<num>{_PATH})\s*\)|(?P<path>{_PATH}))\s*$"
)
_NUMERIC: Final = re.compile(r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$")
_LITERAL: Final = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")
_RESERVED: Final = frozenset({"and", "or", "in", "true", "false", "null"})

Getter = Callable[[Mapping[str, Any]], Any]


def _path_getter(path: str) -> Getter:
    """Return a look-up for a dotted path through nested objects."""
    keys = tuple(path.split("."))
    if len(keys) == 1:
        key = keys[0]

        def get_one(record: Mapping[str, Any]) -> Any:
            value = record.get(key)
            return FALLBACK if isinstance(value, list | dict) else value

        return get_one

    def get_path(record: Mapping[str, Any]) -> Any:
        value: Any = record
        for key in keys:
            if not isinstance(value, dict):
                return None if value is None else FALLBACK
            value = value.get(key)
        return FALLBACK if isinstance(value, list | dict) else value

    return get_path


def _shortcut(source: str) -> Getter | None:
    """Return a shortcut evaluator for ``source`` when it has a simple shape."""
    if _LITERAL.match(source):
        constant = Decimal(source.strip())
        return lambda _record: constant
    match = _SHORTCUT.match(source)
    if match is None:
        return None
    names = re.findall(_NAME, source.replace("$number", ""))
    if any(name in _RESERVED for name in names):
        return None

    guard = _path_getter(match["guard"]) if match["guard"] else None
    if match["path"]:
        inner = _path_getter(match["path"])
    else:
        inner = _number_getter(_path_getter(match["num"]), negate=bool(match["neg"]))
    if guard is None:
        return inner

    def guarded(record: Mapping[str, Any]) -> Any:
        condition = guard(record)
        if condition is None:
            return None
        if isinstance(condition, str) and condition:
            return inner(record)
        return FALLBACK

    return guarded


def _number_getter(get: Getter, *, negate: bool) -> Getter:
    """Return ``$number(path)`` (or its negation) for numeric strings."""

    def number(record: Mapping[str, Any]) -> Any:
        value = get(record)
        if isinstance(value, str) and _NUMERIC.match(value):
            parsed = Decimal(value)
            return -parsed if negate else parsed
        return FALLBACK

    return number


class _Guard:
    """The time, depth and range bounds of one thread's evaluations of one expression.

    Time and depth are checked as the interpreter enters each node. A range
    is checked as soon as it is built, because the built-in functions that
    then walk it (``$sum``, ``$map`` with a built-in) enter no nodes.
    """

    __slots__ = ("deadline", "depth", "ranges")

    def __init__(self, ranges: frozenset[int]) -> None:
        """Start unarmed; ``ranges`` are the ids of the tree's range nodes."""
        self.deadline = 0.0
        self.depth = 0
        self.ranges = ranges

    def arm(self) -> None:
        """Start the clock and the depth count for a new evaluation."""
        self.deadline = time.monotonic() + EVALUATION_TIMEOUT_MS / 1000
        self.depth = 0

    def enter(self, _node: object, _input: object, _environment: object) -> None:
        """Count a node entered; stop a runaway evaluation.

        Raises:
            jsonata.JException: the evaluation is too deep or too slow.
        """
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise jsonata.JException(_TOO_DEEP, -1)
        if time.monotonic() > self.deadline:
            raise jsonata.JException(_TOO_SLOW, -1, EVALUATION_TIMEOUT_MS)

    def leave(
        self, node: object, _input: object, _environment: object, result: object
    ) -> None:
        """Count a node left; stop a range too long to walk in time.

        Raises:
            ValueError: a range has more than ``MAX_RANGE_ITEMS`` items.
        """
        self.depth -= 1
        if id(node) in self.ranges and isinstance(result, Sized):
            size = len(result)
            if size > MAX_RANGE_ITEMS:
                msg = f"a range of {size} items, over the {MAX_RANGE_ITEMS} allowed"
                raise ValueError(msg)


def _can_loop(tree: object) -> bool:
    """Whether a JSONata syntax tree can run longer than its input allows.

    Only a function definition (recursion) or a range (``[1..n]``) can; every
    other construct is bounded by the size of the record (``$eval`` is refused
    when compiling).
    """
    return bool(_ranges(tree)) or any(node.type == "lambda" for node in _nodes(tree))


def _ranges(tree: object) -> frozenset[int]:
    """The ids of a syntax tree's range (``..``) nodes."""
    return frozenset(
        id(node)
        for node in _nodes(tree)
        if node.type == "binary" and node.value == ".."
    )


def _nodes(root: object) -> Iterator[Any]:
    """Yield every node of a JSONata syntax tree once."""
    symbol = jsonata.parser.Parser.Symbol
    pending: list[object] = [root]
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, list | tuple):
            pending.extend(node)
            continue
        if not isinstance(node, symbol) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        pending.extend(vars(node).values())


class Expression:
    """One compiled JSONata expression with its fast path."""

    def __init__(self, metric: str, field: str, source: str) -> None:
        """Compile ``source``; a syntax error is a config error with its position.

        Raises:
            ConfigError: the expression does not compile.
        """
        self.metric = metric
        self.field = field
        self.source = source
        try:
            self._compiled = jsonata.Jsonata(source)
        except jsonata.JException as exc:
            raise ConfigError(
                describe_syntax_error(metric, field, source, exc)
            ) from exc
        if any(
            node.type == "variable" and node.value == "eval"
            for node in _nodes(self._compiled.ast)
        ):
            msg = (
                f"metric '{metric}': {field} uses $eval, which is not allowed: "
                "it runs code built from data, beyond the tap's time limits"
            )
            raise ConfigError(msg)
        self._compiled.set_validate_input(False)
        self.bounded = _can_loop(self._compiled.ast)
        self._local = threading.local()
        self._shortcut = _shortcut(source)

    @property
    def has_shortcut(self) -> bool:
        """Whether common records skip the interpreter."""
        return self._shortcut is not None

    @property
    def shortcut(self) -> Getter | None:
        """The look-up that answers common records, or ``FALLBACK`` when it can't."""
        return self._shortcut

    def evaluate(self, record: Mapping[str, Any]) -> Any:
        """Evaluate against one record; errors name the metric and record sid.

        Raises:
            ExpressionError: the interpreter failed on this record, or ran
                longer or deeper than allowed.
        """
        if self._shortcut is not None:
            value = self._shortcut(record)
            if value is not FALLBACK:
                return value
        return self.interpret(record)

    def interpret(self, record: Mapping[str, Any]) -> Any:
        """Evaluate with the JSONata interpreter, bypassing any shortcut.

        Raises:
            ExpressionError: the interpreter failed on this record, or ran
                longer or deeper than allowed.
        """
        instance, guard = self._thread_copy()
        if guard is not None:
            guard.arm()
        # The interpreter finds "the running expression" through this slot.
        jsonata.Jsonata.CURRENT.jsonata = instance
        try:
            return instance.evaluate(record)
        except (
            jsonata.JException,
            ArithmeticError,
            LookupError,
            RecursionError,
            TypeError,
            ValueError,
        ) as exc:
            msg = (
                f"metric '{self.metric}': {self.field} expression {self.source!r} "
                f"failed on record {record_label(record)}: {exc}"
            )
            raise ExpressionError(msg) from exc

    def _thread_copy(self) -> tuple[Any, _Guard | None]:
        """Return this thread's copy of the compiled expression and its guard."""
        local = self._local
        try:
            return local.instance, local.guard
        except AttributeError:
            pass
        instance = copy.copy(self._compiled)
        instance.environment = instance.create_frame(jsonata.Jsonata.static_frame)
        guard = _Guard(_ranges(self._compiled.ast)) if self.bounded else None
        if guard is not None:
            instance.environment.set_evaluate_entry_callback(guard.enter)
            instance.environment.set_evaluate_exit_callback(guard.leave)
        local.instance, local.guard = instance, guard
        return instance, guard


def describe_syntax_error(metric: str, field: str, source: str, exc: Exception) -> str:
    """Describe a JSONata syntax error with a caret under its position."""
    position = int(getattr(exc, "location", 0) or 0)
    code = getattr(exc, "error", "")
    caret = " " * max(position - 1, 0) + "^"
    return (
        f"metric '{metric}': {field} is not valid JSONata ({code} at position "
        f"{position}: {exc})\n    {source}\n    {caret}"
    )


def record_label(record: Mapping[str, Any]) -> str:
    """Name a record for error messages: its sid, or that it has none."""
    sid = record.get("sid") if isinstance(record, dict) else None
    return f"sid {sid}" if sid else "(record without a sid)"


def to_decimal(value: Any) -> Decimal | None:
    """Read an evaluated value as an exact decimal; ``None`` when null or missing.

    Floats are read through their shortest repr, so ``0.1`` is ``Decimal("0.1")``
    and sums equal the sums of the numbers as written.

    Raises:
        ValueError: the value is present but not a finite number.
    """
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str) and _NUMERIC.match(value):
        result = Decimal(value)
    else:
        msg = (
            "a boolean, not a number (use `cond ? 1 : 0`)"
            if isinstance(value, bool)
            else "not a number"
        )
        raise ValueError(msg)
    if not result.is_finite():
        msg = "not a finite number"
        raise ValueError(msg)
    return result


def to_dimension(value: Any) -> str:
    """Stringify a dimension value the way JSONata's ``$string`` would."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def combined_expression(value: str, dimension: str | None, date: str | None) -> str:
    """Build the one expression equivalent to separate value/dimension/date."""
    parts = [f'"value": {value}']
    if dimension:
        parts.append(f'"dimension": {dimension}')
    if date:
        parts.append(f'"date": {date}')
    return "{" + ", ".join(parts) + "}"
