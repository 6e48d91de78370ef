"""``twilio-metrics preview``: the builder's preview step for one metric.

Shows the JSONata in use, a few raw records, the datapoint each record gives
and the values the tap would emit for a short recent range, computed with
the tap's own windows and window computer. Nothing is written: no Singer
messages, no state.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tap_twilio_metrics.check import client_for, first_page_request
from tap_twilio_metrics.configfile import find_definition, load_metric
from tap_twilio_metrics.datapoints import MetricEvaluator
from tap_twilio_metrics.dates import isoformat, parse_datetime
from tap_twilio_metrics.errors import ExpressionError
from tap_twilio_metrics.expressions import to_decimal, to_dimension
from tap_twilio_metrics.record_fields import fields_read
from tap_twilio_metrics.runner import WindowComputer, WindowResult
from tap_twilio_metrics.tables import render, truncate
from tap_twilio_metrics.windows import Window, plan_windows, window_unit

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tap_twilio_metrics.settings import Metric, Settings

CELL_WIDTH: Final = 34
MAX_RECORD_COLUMNS: Final = 6
MAX_PAGE_SIZE: Final = 1000
#: Fields every record of an account shares; not worth a column.
_ACCOUNT_FIELDS: Final = frozenset(
    {"account_sid", "api_version", "uri", "url", "subresource_uris"}
)


@dataclass(frozen=True)
class PreviewOptions:
    """How much to show: days of grouped values and raw records to list."""

    days: int = 3
    records: int = 5


class Preview:
    """One metric's preview against the account of a config."""

    def __init__(
        self, config: Mapping[str, Any], name: str, options: PreviewOptions
    ) -> None:
        """Find and compile the metric (raises ``ConfigError`` when it is bad)."""
        self.settings, self.metric = load_metric(config, find_definition(config, name))
        self.evaluator = MetricEvaluator(self.metric)
        self.options = options
        self.synced_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.client = client_for(self.settings)
        self.windows = recent_windows(self.metric, self.settings, options.days)

    def render(self) -> str:
        """Fetch and return the whole preview as text."""
        records = self.raw_records()
        return "\n".join(
            (
                self.header(),
                self.expression_section(),
                self.records_section(records),
                self.datapoints_section(records),
                self.groups_section(),
            )
        )

    def header(self) -> str:
        """Describe the metric: what it reads and how values combine."""
        metric = self.metric
        params = "&".join(f"{key}={value}" for key, value in metric.params.items())
        query = f"?{params}" if params else ""
        origin = f" (from library '{metric.library}')" if metric.library else ""
        first, last = self.windows[0].start, self.windows[-1].end
        describe = (
            f"aggregation {metric.aggregation}, trend {metric.trend}, "
            f"unit {metric.unit or '-'}, granularity {metric.granularity}"
        )
        reach = (
            f"account {self.settings.account_sid}, {len(self.windows)} window(s) "
            f"from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"
        )
        lines = [
            f"metric {metric.name}{origin}: {metric.description or '-'}",
            f"  GET {metric.endpoint}{query}",
            f"  {describe}",
            f"  {reach}",
        ]
        return "\n".join(lines) + "\n"

    def expression_section(self) -> str:
        """The JSONata the tap evaluates per record."""
        body = "\n".join(f"  {line}" for line in self.evaluator.expression.splitlines())
        return f"JSONata in use:\n{body}\n"

    def raw_records(self) -> list[dict[str, Any]]:
        """Return up to ``records`` records, newest window first, one page each."""
        wanted = self.options.records
        found: list[dict[str, Any]] = []
        if wanted <= 0:
            return found
        size = min(wanted, MAX_PAGE_SIZE)
        for window in reversed(self.windows):
            request = first_page_request(
                self.metric, self.settings.account_sid, window, size
            )
            for page in self.client.pages(request):
                found += page.records[: wanted - len(found)]
            if len(found) >= wanted:
                break
        return found

    def records_section(self, records: list[dict[str, Any]]) -> str:
        """A table of the raw records: their sid and the fields the metric reads."""
        if not records:
            return "Raw records: none in the range.\n"
        columns = record_columns(self.metric, records)
        rows = [[_cell(record.get(column)) for column in columns] for record in records]
        text = f"Raw records ({len(records)}):\n" + render(columns, rows)
        missing = [
            name
            for name in fields_read_by(self.metric)
            if not any(name in record for record in records)
        ]
        if missing:
            text += f"No record has the field(s) {', '.join(missing)}: a typo?\n"
        return text

    def datapoints_section(self, records: list[dict[str, Any]]) -> str:
        """A table of the datapoint each raw record gives, or why it gives none."""
        if not records:
            return ""
        rows = [(_sid(record), *self.datapoint(record)) for record in records]
        headers = ("sid", "value", "dimension", "date", "note")
        return "Datapoints:\n" + render(headers, rows)

    def datapoint(self, record: Mapping[str, Any]) -> tuple[object, str, str, str]:
        """Return one record's value, dimension, date and a note, as text."""
        try:
            raw_value, raw_dimension, raw_date = self.evaluator.evaluate(record)
        except ExpressionError as exc:
            return "", "", "", truncate(f"error: {exc}", 2 * CELL_WIDTH)
        note = ""
        try:
            value = to_decimal(raw_value)
        except ValueError as exc:
            value, note = None, f"skipped: value {raw_value!r} is {exc}"
        if value is None and not note:
            note = "skipped: null value"
        dimension = to_dimension(raw_dimension)
        if raw_date is None and self.evaluator.dated:
            date, note = "", note or "skipped: no date"
        elif raw_date is None:
            date = "window start" if self.metric.windowed else "sync time"
        else:
            date = _date_text(raw_date)
        shown: object = "" if value is None else value
        return shown, truncate(dimension, CELL_WIDTH), date, note

    def groups_section(self) -> str:
        """The values the tap would emit for the range, one row per group."""
        result = WindowResult(Window(self.windows[0].start, self.windows[-1].end))
        for window in self.windows:
            result.merge(self.compute(window))
        aggregation = self.metric.aggregation
        rows = [
            (isoformat(period), dimension, group.result(aggregation), group.count)
            for (period, dimension), group in result.groups.sorted_items()
        ]
        tally = result.tally
        summary = (
            f"{tally.records} record(s), {tally.datapoints} datapoint(s); skipped "
            f"{tally.null_values} null value(s), {tally.missing_dates} without a "
            f"date, {tally.outside_window} outside their window"
        )
        if tally.capped:
            summary += "; some windows reached max_pages"
        if not rows:
            return f"Values ({aggregation}): none.\n{summary}\n"
        headers = ("period", "dimension", "value", "datapoints")
        return f"Values ({aggregation}):\n" + render(headers, rows) + summary + "\n"

    def compute(self, window: Window) -> WindowResult:
        """Compute one window exactly as a sync would."""
        computer = WindowComputer(
            [self.evaluator], self.client, self.settings.account_sid, self.synced_at
        )
        return computer.compute(window)[self.metric.name]


def recent_windows(metric: Metric, settings: Settings, days: int) -> list[Window]:
    """Return the windows of the ``days`` before the config's end, oldest first."""
    end = settings.end
    start = end - dt.timedelta(days=max(days, 1))
    if not metric.windowed:
        return [Window(start, end)]
    unit = window_unit(metric.granularity, date_only=not metric.splittable_below_a_day)
    return plan_windows(start, end, unit)


def fields_read_by(metric: Metric) -> list[str]:
    """Return the top-level record fields the metric's expressions read."""
    sources = (metric.value, metric.dimension, metric.date, metric.expression)
    read: list[str] = []
    for source in sources:
        read += [name for name in fields_read(source or "") if name not in read]
    return read


def record_columns(metric: Metric, records: list[dict[str, Any]]) -> list[str]:
    """Return the columns worth showing: sid, then the fields the metric reads."""
    read = fields_read_by(metric)
    present = set().union(*(record.keys() for record in records))
    columns = ["sid"] if "sid" in present else []
    columns += [name for name in read if name in present and name not in columns]
    if len(columns) <= 1:
        columns += [
            name
            for name in records[0]
            if name not in columns and name not in _ACCOUNT_FIELDS
        ]
    return columns[:MAX_RECORD_COLUMNS]


def _cell(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return truncate(json.dumps(value, separators=(",", ":")), CELL_WIDTH)
    return truncate(str(value), CELL_WIDTH)


def _sid(record: Mapping[str, Any]) -> str:
    sid = record.get("sid")
    return str(sid) if sid else "-"


def _date_text(raw: object) -> str:
    if not isinstance(raw, str):
        return f"not a date: {raw!r}"
    try:
        return isoformat(parse_datetime(raw))
    except ValueError:
        return f"not a date: {raw!r}"
