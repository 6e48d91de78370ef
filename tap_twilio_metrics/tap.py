"""The tap: settings, discovery of one stream per metric, and the command line."""

from __future__ import annotations

import copy
import sys
from functools import cached_property
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from tap_twilio_metrics.errors import TwilioMetricsError
from tap_twilio_metrics.run import Run
from tap_twilio_metrics.settings import check_known_settings, load_settings
from tap_twilio_metrics.streams import MetricDefinitionsStream, MetricStream

_STRINGS = th.ObjectType(additional_properties=th.StringType)

METRIC_DEFINITION = th.ObjectType(
    th.Property(
        "name",
        th.StringType,
        required=True,
        description="Stream name, lower snake case.",
    ),
    th.Property(
        "library", th.StringType, description="Pre-built metric to start from."
    ),
    th.Property("description", th.StringType, description="Free text for the catalog."),
    th.Property("method", th.StringType, description="Only GET is accepted."),
    th.Property("base_url", th.StringType, description="Twilio product host (https)."),
    th.Property("path", th.StringType, description="Path; {account_sid} is filled in."),
    th.Property(
        "params", _STRINGS, description="Query parameters; may hold date placeholders."
    ),
    th.Property("headers", _STRINGS, description="Extra request headers."),
    th.Property(
        "records", th.StringType, description="Dotted path of the record list."
    ),
    th.Property(
        "value", th.StringType, description="JSONata giving the numeric value."
    ),
    th.Property("dimension", th.StringType, description="JSONata giving the segment."),
    th.Property(
        "date", th.StringType, description="JSONata giving the datapoint's time."
    ),
    th.Property(
        "expression",
        th.StringType,
        description="JSONata returning value/dimension/date.",
    ),
    th.Property(
        "aggregation",
        th.StringType,
        description="sum, average, min, max, count, latest.",
    ),
    th.Property(
        "trend", th.StringType, description="up or down: which direction is good."
    ),
    th.Property("unit", th.StringType, description="e.g. USD, messages, minutes."),
    th.Property("granularity", th.StringType, description="hour, day, week or month."),
    th.Property("page_size", th.IntegerType, description="Per-metric PageSize."),
    th.Property("max_pages", th.IntegerType, description="Per-metric page cap."),
    th.Property(
        "skip_non_numeric",
        th.BooleanType,
        description="Skip, not fail, on non-numeric values.",
    ),
)

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "account_sid",
        th.StringType,
        required=True,
        description="Twilio account SID (AC + 32 hex); fills {account_sid} in paths.",
    ),
    th.Property(
        "api_key_sid",
        th.StringType,
        description="API key SID (SK + 32 hex), the Basic auth user name.",
    ),
    th.Property(
        "api_key_secret",
        th.StringType,
        secret=True,
        description="API key secret, the Basic auth password.",
    ),
    th.Property(
        "auth_token",
        th.StringType,
        secret=True,
        description="Alternative to the key pair: the account's auth token.",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        description="First moment (UTC) to sync; default 30 days before now.",
    ),
    th.Property(
        "end_date",
        th.DateTimeType,
        description="Last moment (UTC, exclusive) to sync; default now.",
    ),
    th.Property(
        "lookback",
        th.CustomType({"type": ["string", "number"]}),
        default="2 days",
        description=(
            "How far before the bookmark each run starts again ('2 days', '36 hours')."
        ),
    ),
    th.Property(
        "page_size",
        th.IntegerType,
        default=100,
        description="PageSize sent to Twilio (1-1000).",
    ),
    th.Property(
        "max_pages",
        th.IntegerType,
        default=100,
        description="Pages followed per window.",
    ),
    th.Property(
        "metrics",
        th.ArrayType(METRIC_DEFINITION),
        description="Custom metric definitions.",
    ),
    th.Property(
        "library_metrics",
        th.ArrayType(th.StringType),
        description="Pre-built metrics to enable; a default set without metrics.",
    ),
    th.Property(
        "account_sids", th.ArrayType(th.StringType), description="Accounts to sync."
    ),
    th.Property(
        "include_subaccounts",
        th.BooleanType,
        default=False,
        description="Also sync every active subaccount of account_sid.",
    ),
    th.Property(
        "base_url_override",
        th.StringType,
        description="Send every request here (simulator, proxy), credentials too.",
    ),
    th.Property(
        "max_workers",
        th.IntegerType,
        default=8,
        description="Windows fetched in parallel.",
    ),
    th.Property(
        "max_tries",
        th.IntegerType,
        default=6,
        description="Tries per request on transient failures.",
    ),
    th.Property(
        "request_timeout", th.NumberType, default=60, description="Seconds per request."
    ),
    th.Property(
        "max_retry_wait",
        th.NumberType,
        default=120,
        description="Longest single wait between tries (s).",
    ),
    th.Property(
        "max_retry_time",
        th.NumberType,
        default=600,
        description="Longest time one request may spend retrying, waits included (s).",
    ),
).to_dict()


class TapTwilioMetrics(Tap):
    """Twilio REST endpoints as per-period metrics."""

    name = "tap-twilio-metrics"
    dynamic_catalog = True
    config_jsonschema = CONFIG_SCHEMA

    @cached_property
    def run(self) -> Run:
        """The run's settings, compiled metrics and client (checked on first use)."""
        self._refuse_unknown_settings()
        return Run(load_settings(self.config))

    def account_sids(self) -> tuple[str, ...]:
        """The accounts every metric is synced for."""
        return self.run.account_sids

    @override
    def discover_streams(self) -> list[Stream]:
        """One stream per configured metric, plus ``metric_definitions``."""
        streams: list[Stream] = [
            MetricStream(self, metric) for metric in self.run.settings.metrics
        ]
        streams.append(MetricDefinitionsStream(self))
        return streams

    # The SDK marks sync_all final; the run summary and failure check need the end.
    @override  # type: ignore[misc]
    def sync_all(self) -> None:
        """Sync every selected stream, then report and raise on failed accounts."""
        self.run.selected = frozenset(
            name for name, stream in self.streams.items() if stream.selected
        )
        try:
            super().sync_all()
        finally:
            self.run.close()
        self.run.finish()

    def _refuse_unknown_settings(self) -> None:
        schema = copy.deepcopy(self.config_jsonschema)
        self.append_builtin_config(schema)
        check_known_settings(self.config, schema.get("properties", {}))


def main(argv: list[str] | None = None) -> Any:
    """Run the tap's command line; user errors end as one line and exit 1."""
    try:
        return TapTwilioMetrics.cli.main(args=argv, prog_name=TapTwilioMetrics.name)
    except ConfigValidationError as exc:
        details = "; ".join(str(error) for error in exc.errors) or str(exc)
        sys.stderr.write(f"{TapTwilioMetrics.name}: invalid config: {details}\n")
    except TwilioMetricsError as exc:
        sys.stderr.write(f"{TapTwilioMetrics.name}: {exc}\n")
    sys.exit(1)
