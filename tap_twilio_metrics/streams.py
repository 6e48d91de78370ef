"""Singer streams: one per metric, plus the catalog of metric definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import Stream
from singer_sdk import typing as th
from typing_extensions import override

from tap_twilio_metrics.dates import isoformat, parse_datetime, period_start
from tap_twilio_metrics.schedule import WindowQueue
from tap_twilio_metrics.windows import Window, plan_windows, window_unit

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Iterator

    from singer_sdk.helpers import types

    from tap_twilio_metrics.runner import WindowResult
    from tap_twilio_metrics.settings import Metric
    from tap_twilio_metrics.tap import TapTwilioMetrics

METRIC_SCHEMA = th.PropertiesList(
    th.Property("account_sid", th.StringType, required=True),
    th.Property("date", th.DateTimeType, required=True),
    th.Property("granularity", th.StringType, required=True),
    th.Property("dimension", th.StringType, required=True),
    th.Property("value", th.NumberType, required=True),
    th.Property("datapoints", th.IntegerType, required=True),
    th.Property("metric", th.StringType, required=True),
    th.Property("synced_at", th.DateTimeType, required=True),
).to_dict()

DEFINITION_SCHEMA = th.PropertiesList(
    th.Property("name", th.StringType, required=True),
    th.Property("description", th.StringType),
    th.Property("library", th.StringType),
    th.Property("endpoint", th.StringType, required=True),
    th.Property("params", th.ObjectType(additional_properties=th.StringType)),
    th.Property("expression", th.StringType, required=True),
    th.Property("aggregation", th.StringType, required=True),
    th.Property("trend", th.StringType, required=True),
    th.Property("unit", th.StringType),
    th.Property("granularity", th.StringType, required=True),
).to_dict()


class MetricStream(Stream):
    """One metric's values per period, dimension and account."""

    primary_keys: ClassVar[list[str]] = ["account_sid", "date", "dimension"]
    replication_key = "date"
    is_sorted = False

    def __init__(self, tap: TapTwilioMetrics, metric: Metric) -> None:
        """Create the stream of ``metric``."""
        self.metric = metric
        self.twilio_tap = tap
        self._window_queue: WindowQueue | None = None
        super().__init__(tap, schema=METRIC_SCHEMA, name=metric.name)

    @property
    @override
    def partitions(self) -> list[dict[str, Any]] | None:
        """One partition per account, so each account keeps its own bookmark."""
        return [{"account_sid": sid} for sid in self.twilio_tap.account_sids()]

    @override
    def _increment_stream_state(
        self,
        latest_record: types.Record,
        *,
        context: types.Context | None = None,
    ) -> None:
        """Leave the bookmark alone: it moves per finished window, not per record."""

    @override
    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        """Emit the account's windows in order, computed ahead by the workers.

        After each window's records, a STATE message moves the account's
        bookmark past that window, also when the window had no data.
        """
        account_sid = str((context or {})["account_sid"])
        run = self.twilio_tap.run
        label = f"metric '{self.metric.name}', account {account_sid}"
        windows = self._plan(context)
        self.logger.info(
            "%s: %d window(s) to compute from %s",
            label,
            len(windows),
            windows[0] if windows else "-",
        )
        try:
            for result in self._queue().results(account_sid, windows):
                yield from self._records(account_sid, result)
                run.record(self.metric, result)
                self._advance_bookmark(context, result.window.end)
        except run.recoverable as exc:
            run.fail(label, exc)
        finally:
            run.finish_account(self.metric, account_sid)

    def _plan(self, context: types.Context | None) -> list[Window]:
        run = self.twilio_tap.run
        settings = run.settings
        start = settings.start
        bookmark = self._bookmark(context)
        if bookmark is not None:
            start = max(start, bookmark - settings.lookback)
        if start >= settings.end:
            return []
        if not self.metric.windowed:
            # Whole periods, so a partly covered period never replaces a full one.
            return [Window(period_start(start, self.metric.granularity), settings.end)]
        unit = window_unit(
            self.metric.granularity, date_only=not self.metric.splittable_below_a_day
        )
        return plan_windows(start, settings.end, unit)

    def _queue(self) -> WindowQueue:
        """The metric's windows of every account, fetched ahead in emit order."""
        if self._window_queue is None:
            run = self.twilio_tap.run
            plan = [
                (str(context["account_sid"]), window)
                for context in self.partitions or []
                for window in self._plan(context)
            ]
            self._window_queue = WindowQueue(
                run.pool,
                lambda account_sid, window: run.compute(
                    self.metric, account_sid, window
                ),
                plan,
                run.settings.max_workers,
            )
        return self._window_queue

    def _records(
        self, account_sid: str, result: WindowResult
    ) -> Iterator[dict[str, Any]]:
        synced_at = isoformat(self.twilio_tap.run.synced_at)
        for (period, dimension), group in result.groups.sorted_items():
            yield {
                "account_sid": account_sid,
                "date": isoformat(period),
                "granularity": self.metric.granularity,
                "dimension": dimension,
                "value": float(group.result(self.metric.aggregation)),
                "datapoints": group.count,
                "metric": self.metric.name,
                "synced_at": synced_at,
            }

    def _bookmark(self, context: types.Context | None) -> dt.datetime | None:
        value = self.get_context_state(context).get("replication_key_value")
        return parse_datetime(str(value)) if value else None

    def _advance_bookmark(
        self, context: types.Context | None, moment: dt.datetime
    ) -> None:
        """Move the bookmark to ``moment`` (never backwards) and write STATE."""
        state = self.get_context_state(context)
        current = self._bookmark(context)
        if current is None or moment > current:
            state["replication_key"] = self.replication_key
            state["replication_key_value"] = isoformat(moment)
        self.state_manager.is_flushed = False
        self._write_state_message()


class MetricDefinitionsStream(Stream):
    """One record per configured metric: what it reads and how it aggregates."""

    name = "metric_definitions"
    primary_keys: ClassVar[list[str]] = ["name"]
    schema = DEFINITION_SCHEMA

    def __init__(self, tap: TapTwilioMetrics) -> None:
        """Create the stream for ``tap``'s metrics."""
        self.twilio_tap = tap
        super().__init__(tap)

    @override
    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        """Describe each metric, with the JSONata expression in use."""
        run = self.twilio_tap.run
        for metric in run.settings.metrics:
            yield {
                "name": metric.name,
                "description": metric.description,
                "library": metric.library,
                "endpoint": metric.endpoint,
                "params": dict(metric.params),
                "expression": run.evaluators[metric.name].expression,
                "aggregation": metric.aggregation,
                "trend": metric.trend,
                "unit": metric.unit,
                "granularity": metric.granularity,
            }
