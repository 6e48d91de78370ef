"""JSONata per record: compile once, evaluate fast, turn results into datapoints.

A metric's ``value``, ``dimension`` and ``date`` are each compiled once. The
common shapes (a field path such as ``status`` or ``subresource.count``,
``$number(path)``, ``-$number(path)`` and the null guard ``path ? ...``) are
evaluated by plain dictionary look-ups; anything the shortcut cannot answer
with the interpreter's exact result (lists on the path, a missing guard
field, a non-string number source) falls back to the JSONata interpreter for
that record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

import jsonata

from tap_twilio_metrics.errors import ConfigError, ExpressionError

#: Result of a shortcut that cannot decide; the interpreter answers instead.
FALLBACK: Final = object()

#: JSONata evaluations slower than this (milliseconds) stop with an error.
EVALUATION_TIMEOUT_MS: Final = 1000
_MAX_DEPTH: Final = 200

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

        def get_one(record: Mapping[str, Any]) -> Any:  # noqa: ANN401
            value = record.get(key)
            return FALLBACK if isinstance(value, list | dict) else value

        return get_one

    def get_path(record: Mapping[str, Any]) -> Any:  # noqa: ANN401
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

    def guarded(record: Mapping[str, Any]) -> Any:  # noqa: ANN401
        condition = guard(record)
        if condition is None:
            return None
        if isinstance(condition, str) and condition:
            return inner(record)
        return FALLBACK

    return guarded


def _number_getter(get: Getter, *, negate: bool) -> Getter:
    """Return ``$number(path)`` (or its negation) for numeric strings."""

    def number(record: Mapping[str, Any]) -> Any:  # noqa: ANN401
        value = get(record)
        if isinstance(value, str) and _NUMERIC.match(value):
            parsed = Decimal(value)
            return -parsed if negate else parsed
        return FALLBACK

    return number


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
        self._compiled.set_validate_input(False)
        self._compiled.environment.set_runtime_bounds(EVALUATION_TIMEOUT_MS, _MAX_DEPTH)
        self._shortcut = _shortcut(source)

    @property
    def has_shortcut(self) -> bool:
        """Whether common records skip the interpreter."""
        return self._shortcut is not None

    def evaluate(self, record: Mapping[str, Any]) -> Any:  # noqa: ANN401
        """Evaluate against one record; errors name the metric and record sid.

        Raises:
            ExpressionError: the interpreter failed on this record.
        """
        if self._shortcut is not None:
            value = self._shortcut(record)
            if value is not FALLBACK:
                return value
        try:
            return self._compiled.evaluate(record)
        except (jsonata.JException, ValueError, TypeError, RecursionError) as exc:
            msg = (
                f"metric '{self.metric}': {self.field} expression {self.source!r} "
                f"failed on record {record_label(record)}: {exc}"
            )
            raise ExpressionError(msg) from exc


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


def to_decimal(value: Any) -> Decimal | None:  # noqa: ANN401
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


def to_dimension(value: Any) -> str:  # noqa: ANN401
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
