"""From records to datapoints: evaluate a metric's expressions and group them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NoReturn

from tap_twilio_metrics.aggregation import Group
from tap_twilio_metrics.dates import parse_datetime, period_start
from tap_twilio_metrics.errors import ExpressionError
from tap_twilio_metrics.expressions import (
    FALLBACK,
    Expression,
    Getter,
    combined_expression,
    record_label,
    to_decimal,
    to_dimension,
)

if TYPE_CHECKING:
    import datetime as dt

    from tap_twilio_metrics.aggregation import Groups
    from tap_twilio_metrics.settings import Metric
    from tap_twilio_metrics.windows import Window


@dataclass
class Tally:
    """What happened to the records of one window."""

    records: int = 0
    datapoints: int = 0
    null_values: int = 0
    missing_dates: int = 0
    outside_window: int = 0
    non_numeric: int = 0
    capped: bool = False

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.records += other.records
        self.datapoints += other.datapoints
        self.null_values += other.null_values
        self.missing_dates += other.missing_dates
        self.outside_window += other.outside_window
        self.non_numeric += other.non_numeric
        self.capped = self.capped or other.capped


class MetricEvaluator:
    """A metric's compiled expressions and the fold from records into groups."""

    def __init__(self, metric: Metric) -> None:
        """Compile the metric's expressions (raises ``ConfigError`` on bad JSONata)."""
        self.metric = metric
        name = metric.name
        if metric.expression:
            self.expression = metric.expression
            self._whole: Expression | None = Expression(
                name, "expression", metric.expression
            )
            self._value = self._dimension = self._date = None
        else:
            value = metric.value or ""
            self.expression = combined_expression(value, metric.dimension, metric.date)
            self._whole = None
            self._value = Expression(name, "value", value)
            self._dimension = (
                Expression(name, "dimension", metric.dimension)
                if metric.dimension
                else None
            )
            self._date = Expression(name, "date", metric.date) if metric.date else None
        self.dated = bool(metric.date) or bool(metric.expression)

    def evaluate(self, record: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        """Return the raw (value, dimension, date) of one record."""
        if self._whole is not None:
            result = self._whole.evaluate(record)
            if not isinstance(result, Mapping):
                msg = (
                    f"metric '{self.metric.name}': expression must return an object "
                    f"with value/dimension/date, got {result!r} for "
                    f"{record_label(record)}"
                )
                raise ExpressionError(msg)
            return result.get("value"), result.get("dimension"), result.get("date")
        assert self._value is not None  # noqa: S101 - set when _whole is not
        value = self._value.evaluate(record)
        dimension = self._dimension.evaluate(record) if self._dimension else None
        date = self._date.evaluate(record) if self._date else None
        return value, dimension, date

    def _rows(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Row]:
        """Yield each record with its raw value, dimension and date.

        The hot path of the tap: each part's shortcut is called directly and
        the interpreter only where the shortcut answers ``FALLBACK``.
        """
        if self._whole is not None or self._value is None:
            for record in records:
                yield (record, *self.evaluate(record))
            return
        value_fast, value_slow = _parts(self._value)
        dimension_fast, dimension_slow = _parts(self._dimension)
        date_fast, date_slow = _parts(self._date)
        for record in records:
            value = value_fast(record)
            if value is FALLBACK:
                value = value_slow(record)
            dimension = dimension_fast(record)
            if dimension is FALLBACK:
                dimension = dimension_slow(record)
            date = date_fast(record)
            if date is FALLBACK:
                date = date_slow(record)
            yield record, value, dimension, date

    def fold(
        self,
        records: Iterable[Mapping[str, Any]],
        groups: Groups,
        tally: Tally,
        window: Window,
        undated_at: dt.datetime,
    ) -> None:
        """Evaluate each record and add its datapoint to ``groups``.

        Datapoints whose date falls outside ``window`` belong to a neighbouring
        window (Twilio's bounds are inclusive) and are counted, not grouped.

        Raises:
            ExpressionError: a value is present but not numeric (unless the
                metric skips such records), or a date cannot be read.
        """
        granularity = self.metric.granularity
        undated_period = period_start(undated_at, granularity)
        by_key = groups.by_key
        first, end = window.start, window.end
        seen = grouped = 0
        for record, raw_value, raw_dimension, raw_date in self._rows(records):
            seen += 1
            value = (
                raw_value
                if type(raw_value) is Decimal
                else self._number(raw_value, record, tally)
            )
            if value is None:
                continue
            if raw_date is None:
                if self.dated:
                    tally.missing_dates += 1
                    continue
                date, period = undated_at, undated_period
            else:
                date, period = self._date_of(raw_date, record, granularity)
                if not first <= date < end:
                    tally.outside_window += 1
                    continue
            dimension = (
                raw_dimension
                if type(raw_dimension) is str
                else to_dimension(raw_dimension)
            )
            group = by_key.get((period, dimension))
            if group is None:
                by_key[period, dimension] = Group.first(value, date)
            else:
                group.add(value, date)
            grouped += 1
        tally.records += seen
        tally.datapoints += grouped

    def _number(self, raw: Any, record: Mapping[str, Any], tally: Tally) -> Any:
        try:
            value = to_decimal(raw)
        except ValueError as exc:
            if self.metric.skip_non_numeric:
                tally.non_numeric += 1
                return None
            msg = (
                f"metric '{self.metric.name}': value {raw!r} of {record_label(record)} "
                f"is {exc}; fix the value expression, or set skip_non_numeric"
            )
            raise ExpressionError(msg) from None
        if value is None:
            tally.null_values += 1
        return value

    def _date_of(
        self,
        raw: Any,
        record: Mapping[str, Any],
        granularity: str,
    ) -> tuple[dt.datetime, dt.datetime]:
        try:
            if not isinstance(raw, str):
                _not_a_date(raw)
            return _dated(raw, granularity)
        except ValueError as exc:
            msg = (
                f"metric '{self.metric.name}': date {raw!r} of {record_label(record)} "
                f"cannot be read ({exc})"
            )
            raise ExpressionError(msg) from None


Row = tuple[Mapping[str, Any], Any, Any, Any]


def _none(_record: Mapping[str, Any]) -> None:
    """The part a metric does not define."""


def _fallback(_record: Mapping[str, Any]) -> object:
    """A part without a shortcut: always the interpreter."""
    return FALLBACK


def _parts(expression: Expression | None) -> tuple[Getter, Getter]:
    """The shortcut (or a stand-in) and the interpreter of one expression."""
    if expression is None:
        return _none, _none
    return expression.shortcut or _fallback, expression.interpret


@lru_cache(maxsize=16384)
def _dated(raw: str, granularity: str) -> tuple[dt.datetime, dt.datetime]:
    """A record date and the start of its period, read once per fetch group.

    The metrics of a group fold the same pages one after another, so the
    second and third metric find each date here.
    """
    moment = parse_datetime(raw)
    return moment, period_start(moment, granularity)


def _not_a_date(raw: object) -> NoReturn:
    msg = f"expected a date string, got {type(raw).__name__}"
    raise ValueError(msg)
