"""``twilio-metrics check``: a config's metrics checked offline, then against Twilio.

Offline, each metric is read on its own with the tap's own checks (fields,
placeholders, JSONata compiled), so every bad metric is reported, not only
the first. Online, one request shows the credentials are accepted, then each
metric fetches the first page of its most recent window and evaluates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tap_twilio_metrics.aggregation import Groups
from tap_twilio_metrics.client import RetryPolicy, TwilioClient
from tap_twilio_metrics.configfile import (
    definition_name,
    load_metric,
    metric_definitions,
)
from tap_twilio_metrics.datapoints import MetricEvaluator, Tally
from tap_twilio_metrics.errors import (
    ConfigError,
    ExpressionError,
    PaginationError,
    TwilioAPIError,
)
from tap_twilio_metrics.library import DEFAULT_METRICS
from tap_twilio_metrics.pagination import LinkPolicy
from tap_twilio_metrics.runner import build_request
from tap_twilio_metrics.settings import DEFAULT_BASE_URL, load_settings
from tap_twilio_metrics.windows import Window, plan_windows, window_unit

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tap_twilio_metrics.client import ListRequest
    from tap_twilio_metrics.settings import Metric, Settings

#: ``check`` is interactive: fewer and shorter retries than a sync.
CHECK_MAX_TRIES: Final = 3
CHECK_MAX_WAIT: Final = 5.0
_HTTP_UNAUTHORIZED: Final = 401
_HTTP_FORBIDDEN: Final = 403
_HTTP_NOT_FOUND: Final = 404


@dataclass(frozen=True)
class Line:
    """One checked subject (a metric, the config, the credentials) and its verdict."""

    subject: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class _Ready:
    """A metric that passed the offline checks."""

    settings: Settings
    metric: Metric
    evaluator: MetricEvaluator


def check_config(config: Mapping[str, Any], *, online: bool = True) -> list[Line]:
    """Check ``config`` and return one line per metric (and per global problem)."""
    general = _general_problem(config)
    if general is not None:
        return [Line("config", ok=False, detail=general)]
    checked = [
        _check_offline(config, definition, index)
        for index, definition in enumerate(metric_definitions(config))
    ]
    ready = [item for item in checked if isinstance(item, _Ready)]

    lines: list[Line] = []
    whole = _whole_config_problem(config)
    if whole is not None and len(ready) == len(checked):
        lines.append(Line("config", ok=False, detail=whole))
    credentials = check_credentials(ready[0].settings) if online and ready else None
    if credentials is not None:
        lines.append(credentials)
    for item in checked:
        if isinstance(item, Line):
            lines.append(item)
        elif credentials is None:
            lines.append(Line(item.metric.name, ok=True, detail="valid (offline)"))
        elif credentials.ok:
            lines.append(
                check_first_request(item.settings, item.metric, item.evaluator)
            )
        else:
            detail = "not requested: the credentials were refused"
            lines.append(Line(item.metric.name, ok=False, detail=detail))
    return lines


def _general_problem(config: Mapping[str, Any]) -> str | None:
    """Return what is wrong with the settings outside the metrics, if anything."""
    try:
        load_settings(
            {**config, "library_metrics": [DEFAULT_METRICS[0]], "metrics": []}
        )
    except ConfigError as exc:
        return str(exc)
    return None


def _whole_config_problem(config: Mapping[str, Any]) -> str | None:
    """Return what is wrong with the metrics together (a name used twice)."""
    try:
        load_settings(config)
    except ConfigError as exc:
        return str(exc)
    return None


def _check_offline(
    config: Mapping[str, Any], definition: object, index: int
) -> Line | _Ready:
    """Read and compile one metric on its own; a problem becomes its line."""
    try:
        settings, metric = load_metric(config, definition)
        return _Ready(settings, metric, MetricEvaluator(metric))
    except ConfigError as exc:
        return Line(definition_name(definition, index), ok=False, detail=str(exc))


def client_for(settings: Settings) -> TwilioClient:
    """Return a client with the config's credentials and target, quick to give up."""
    policy = RetryPolicy(
        min(settings.max_tries, CHECK_MAX_TRIES),
        settings.request_timeout,
        min(settings.max_wait, CHECK_MAX_WAIT),
    )
    return TwilioClient(
        settings.username, settings.password, policy, settings.base_url_override
    )


def check_credentials(settings: Settings) -> Line:
    """Ask for the account itself: 401 means Twilio refused the credentials."""
    path = f"/2010-04-01/Accounts/{settings.account_sid}.json"
    url = LinkPolicy(DEFAULT_BASE_URL, settings.base_url_override).first(path)
    try:
        client_for(settings).get_json(url, None, {}, "credentials")
    except TwilioAPIError as exc:
        if exc.status == _HTTP_UNAUTHORIZED:
            detail = (
                f"refused by {url} (HTTP 401): check account_sid and the API key "
                "pair (or auth_token)"
            )
            return Line("credentials", ok=False, detail=detail)
        if exc.status == _HTTP_FORBIDDEN:
            detail = (
                f"accepted for {settings.account_sid}, but this key may not read "
                "the account itself (a Standard key?): account-wide metrics may be "
                "refused"
            )
            return Line("credentials", ok=True, detail=detail)
        if exc.status == _HTTP_NOT_FOUND:
            detail = f"account {settings.account_sid} not found at {url} (HTTP 404)"
            return Line("credentials", ok=False, detail=detail)
        return Line("credentials", ok=False, detail=str(exc))
    return Line("credentials", ok=True, detail=f"accepted for {settings.account_sid}")


def latest_window(metric: Metric, settings: Settings) -> Window:
    """Return the most recent window the tap would fetch for ``metric``."""
    if not metric.windowed:
        return Window(settings.start, settings.end)
    unit = window_unit(metric.granularity, date_only=not metric.splittable_below_a_day)
    return plan_windows(settings.start, settings.end, unit)[-1]


def first_page_request(
    metric: Metric, account_sid: str, window: Window, page_size: int | None = None
) -> ListRequest:
    """Return the request for one page of ``metric`` in ``window``."""
    return build_request(
        metric,
        account_sid,
        window,
        label="first request",
        page_size=page_size,
        max_pages=1,
    )


def check_first_request(
    settings: Settings, metric: Metric, evaluator: MetricEvaluator
) -> Line:
    """Fetch and evaluate the first page of the metric's most recent window."""
    window = latest_window(metric, settings)
    request = first_page_request(metric, settings.account_sid, window)
    undated_at = window.start if metric.windowed else settings.end
    tally = Tally()
    try:
        for page in client_for(settings).pages(request):
            evaluator.fold(page.records, Groups(), tally, window, undated_at)
    except (TwilioAPIError, PaginationError, ExpressionError) as exc:
        return Line(metric.name, ok=False, detail=str(exc))
    detail = (
        f"{window}: first page has {tally.records} record(s), "
        f"{tally.datapoints} datapoint(s)"
    )
    return Line(metric.name, ok=True, detail=detail)


def report(lines: list[Line]) -> str:
    """Return one line per subject, aligned, then a one-line summary."""
    width = max(len(line.subject) for line in lines)
    text = ""
    for line in lines:
        status = "OK  " if line.ok else "FAIL"
        detail = line.detail.replace("\n", "\n" + " " * (width + 8))
        text += f"{line.subject.ljust(width)}  {status}  {detail}".rstrip() + "\n"
    failed = sum(not line.ok for line in lines)
    summary = "all OK" if not failed else f"{failed} problem(s) found"
    return f"{text}\n{len(lines)} checked: {summary}\n"
