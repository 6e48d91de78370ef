"""From records to datapoints: evaluate a metric's expressions and group them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tap_twilio_metrics.dates import parse_datetime, period_start
from tap_twilio_metrics.errors import ExpressionError
from tap_twilio_metrics.expressions import (
    Expression,
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

    def fold(
        self,
        records: Iterable[Mapping[str, Any]],
        groups: Groups,
        tally: Tally,
        window: Window | None,
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
        evaluate = self.evaluate
        add = groups.add
        for record in records:
            tally.records += 1
            raw_value, raw_dimension, raw_date = evaluate(record)
            value = self._number(raw_value, record, tally)
            if value is None:
                continue
            if raw_date is None:
                if self.dated:
                    tally.missing_dates += 1
                    continue
                date = undated_at
            else:
                date = self._date_of(raw_date, record)
                if window is not None and not window.start <= date < window.end:
                    tally.outside_window += 1
                    continue
            add(
                (period_start(date, granularity), to_dimension(raw_dimension)),
                value,
                date,
            )
            tally.datapoints += 1

    def _number(self, raw: Any, record: Mapping[str, Any], tally: Tally) -> Any:  # noqa: ANN401
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

    def _date_of(self, raw: Any, record: Mapping[str, Any]) -> dt.datetime:  # noqa: ANN401
        try:
            return parse_datetime(raw) if isinstance(raw, str) else _not_a_date(raw)
        except ValueError as exc:
            msg = (
                f"metric '{self.metric.name}': date {raw!r} of {record_label(record)} "
                f"cannot be read ({exc})"
            )
            raise ExpressionError(msg) from None


def _not_a_date(raw: object) -> dt.datetime:
    msg = f"expected a date string, got {type(raw).__name__}"
    raise ValueError(msg)
