"""Reading and checking the tap's config: settings and metric definitions.

Everything here runs before the first request, and every refusal names the
setting or the metric field at fault.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit

from tap_twilio_metrics.aggregation import AGGREGATIONS
from tap_twilio_metrics.dates import (
    GRANULARITIES,
    parse_datetime,
    parse_lookback,
    to_utc,
)
from tap_twilio_metrics.errors import ConfigError
from tap_twilio_metrics.library import DEFAULT_METRICS, LIBRARY

DEFAULT_BASE_URL: Final = "https://api.twilio.com"
DATE_PLACEHOLDERS: Final = frozenset(
    {"start_date", "end_date", "start_datetime", "end_datetime"}
)
DATETIME_PLACEHOLDERS: Final = frozenset({"start_datetime", "end_datetime"})
PATH_PLACEHOLDERS: Final = frozenset({"account_sid"})
_PLACEHOLDER: Final = re.compile(r"\{([^{}]*)\}")
_ACCOUNT_SID: Final = re.compile(r"^AC[0-9a-f]{32}$")
_KEY_SID: Final = re.compile(r"^SK[0-9a-f]{32}$")
_METRIC_NAME: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_RESERVED_NAMES: Final = frozenset({"metric_definitions"})
_HEADER_NAME: Final = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_RESERVED_HEADERS: Final = frozenset(
    {"authorization", "host", "cookie", "proxy-authorization"}
)

METRIC_FIELDS: Final = (
    "name",
    "library",
    "description",
    "method",
    "base_url",
    "path",
    "params",
    "headers",
    "records",
    "value",
    "dimension",
    "date",
    "expression",
    "aggregation",
    "trend",
    "unit",
    "granularity",
    "page_size",
    "max_pages",
    "skip_non_numeric",
)


@dataclass(frozen=True)
class Metric:
    """One metric definition, complete and checked."""

    name: str
    path: str
    value: str | None = None
    dimension: str | None = None
    date: str | None = None
    expression: str | None = None
    description: str = ""
    base_url: str = DEFAULT_BASE_URL
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    records: str | None = None
    aggregation: str = "sum"
    trend: str = "up"
    unit: str = ""
    granularity: str = "day"
    page_size: int = 100
    max_pages: int = 100
    skip_non_numeric: bool = False
    library: str | None = None

    @property
    def placeholders(self) -> frozenset[str]:
        """The date placeholders this metric's params use."""
        found: set[str] = set()
        for text in self.params.values():
            found.update(_PLACEHOLDER.findall(text))
        return frozenset(found & DATE_PLACEHOLDERS)

    @property
    def windowed(self) -> bool:
        """Whether each request covers one date window."""
        return bool(self.placeholders)

    @property
    def splittable_below_a_day(self) -> bool:
        """Whether the params bound requests to the second, not the day."""
        return bool(self.placeholders) and self.placeholders <= DATETIME_PLACEHOLDERS

    @property
    def endpoint(self) -> str:
        """The URL template the metric reads."""
        return self.base_url + self.path


@dataclass(frozen=True)
class Settings:
    """The tap's settings, checked and with defaults filled in."""

    account_sid: str
    username: str
    password: str
    start: dt.datetime
    end: dt.datetime
    lookback: dt.timedelta
    metrics: tuple[Metric, ...]
    account_sids: tuple[str, ...]
    include_subaccounts: bool = False
    base_url_override: str | None = None
    max_workers: int = 8
    max_tries: int = 6
    request_timeout: float = 60.0
    max_wait: float = 120.0
    max_total: float = 600.0


def load_settings(
    config: Mapping[str, Any], now: dt.datetime | None = None
) -> Settings:
    """Check ``config`` and return the settings it describes.

    Raises:
        ConfigError: a setting or metric field is missing, unknown or invalid.
    """
    now = now or dt.datetime.now(dt.UTC)
    account_sid = _account_sid(config.get("account_sid"), "account_sid")
    username, password = _credentials(config, account_sid)
    start, end = _range(config, now)
    defaults = {
        "page_size": _int_setting(config, "page_size", 100, 1, 1000),
        "max_pages": _int_setting(config, "max_pages", 100, 1, 100_000),
    }
    metrics = _metrics(config, defaults)
    account_sids = tuple(
        _account_sid(sid, f"account_sids[{index}]")
        for index, sid in enumerate(config.get("account_sids") or ())
    )
    return Settings(
        account_sid=account_sid,
        username=username,
        password=password,
        start=start,
        end=end,
        lookback=_lookback(config.get("lookback", "2 days")),
        metrics=metrics,
        account_sids=account_sids or (account_sid,),
        include_subaccounts=bool(config.get("include_subaccounts", False)),
        base_url_override=_override(config.get("base_url_override")),
        max_workers=_int_setting(config, "max_workers", 8, 1, 32),
        max_tries=_int_setting(config, "max_tries", 6, 1, 50),
        request_timeout=_number_setting(config, "request_timeout", 60.0, 3600.0),
        max_wait=_number_setting(config, "max_retry_wait", 120.0, 3600.0),
        max_total=_number_setting(config, "max_retry_time", 600.0, 86_400.0),
    )


def check_known_settings(config: Mapping[str, Any], known: Iterable[str]) -> None:
    """Refuse a top-level setting the tap does not know, suggesting a close one.

    Raises:
        ConfigError: a setting is unknown (often misspelt).
    """
    names = sorted(known)
    for key in config:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            msg = f"unknown setting '{key}'{hint}"
            raise ConfigError(msg)


def _account_sid(value: object, setting: str) -> str:
    if not isinstance(value, str) or not _ACCOUNT_SID.match(value):
        msg = (
            f"{setting}: expected an account SID ('AC' and 32 lower-case hex "
            f"digits), got {_described(value)}"
        )
        raise ConfigError(msg)
    return value


def _described(value: object) -> str:
    """Describe a value that may be a secret without showing it."""
    if not isinstance(value, str):
        return "nothing" if value is None else f"a {type(value).__name__}"
    return f"{len(value)} characters starting with {value[:2]!r}"


def _credentials(config: Mapping[str, Any], account_sid: str) -> tuple[str, str]:
    key_sid = config.get("api_key_sid")
    key_secret = config.get("api_key_secret")
    auth_token = config.get("auth_token")
    for name, value in (("api_key_secret", key_secret), ("auth_token", auth_token)):
        if value is not None and not isinstance(value, str):
            msg = f"{name}: expected a string, got {type(value).__name__}"
            raise ConfigError(msg)
    if key_sid or key_secret:
        if not isinstance(key_sid, str) or not _KEY_SID.match(key_sid):
            # Not echoed: a key pair entered the wrong way round puts the
            # secret here.
            msg = (
                "api_key_sid: expected an API key SID ('SK' and 32 lower-case hex "
                f"digits), got {_described(key_sid)}"
            )
            raise ConfigError(msg)
        if not key_secret:
            msg = "api_key_secret: required with api_key_sid"
            raise ConfigError(msg)
        return key_sid, str(key_secret)
    if auth_token:
        return account_sid, str(auth_token)
    msg = (
        "credentials: set api_key_sid and api_key_secret (an API key), "
        "or auth_token (the account's auth token)"
    )
    raise ConfigError(msg)


def _moment(config: Mapping[str, Any], setting: str) -> dt.datetime | None:
    value = config.get(setting)
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return to_utc(value)
    try:
        return parse_datetime(str(value))
    except ValueError as exc:
        msg = (
            f"{setting}: expected a date or date-time such as 2024-01-31, got {value!r}"
        )
        raise ConfigError(msg) from exc


def _range(
    config: Mapping[str, Any], now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    end = _moment(config, "end_date") or now.replace(microsecond=0)
    start = _moment(config, "start_date") or (end - dt.timedelta(days=30)).replace(
        hour=0, minute=0, second=0
    )
    if start >= end:
        msg = f"start_date: must be before end_date ({start:%Y-%m-%d %H:%M:%S})"
        raise ConfigError(msg)
    return start, end


def _lookback(value: object) -> dt.timedelta:
    try:
        return parse_lookback(value)
    except ValueError as exc:
        msg = f"lookback: {exc}"
        raise ConfigError(msg) from exc


def _int_setting(
    config: Mapping[str, Any], name: str, default: int, low: int, high: int
) -> int:
    value = config.get(name, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        msg = f"{name}: expected a whole number from {low} to {high}, got {value!r}"
        raise ConfigError(msg)
    return value


def _number_setting(
    config: Mapping[str, Any], name: str, default: float, high: float
) -> float:
    value = config.get(name, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | Decimal)
        or not 0 < value <= high
    ):
        msg = f"{name}: expected a number of seconds above 0, up to {high:g}, got "
        raise ConfigError(msg + repr(value))
    return float(value)


def _override(value: object) -> str | None:
    if not value:
        return None
    parts = urlsplit(str(value))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = f"base_url_override: expected http(s)://host[:port], got {value!r}"
        raise ConfigError(msg)
    if parts.path not in {"", "/"} or parts.query or parts.username:
        msg = "base_url_override: give only scheme, host and port (no path or query)"
        raise ConfigError(msg)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        msg = (
            "base_url_override: plain http is only allowed to loopback "
            f"(127.0.0.1, ::1, localhost), not {parts.hostname}"
        )
        raise ConfigError(msg)
    return f"{parts.scheme}://{parts.netloc}"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine's loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _metrics(
    config: Mapping[str, Any], defaults: Mapping[str, int]
) -> tuple[Metric, ...]:
    custom = config.get("metrics") or []
    if not isinstance(custom, list):
        msg = "metrics: expected a list of metric definitions"
        raise ConfigError(msg)
    names = config.get("library_metrics")
    if names is None:
        names = [] if custom else list(DEFAULT_METRICS)
    if not isinstance(names, list):
        msg = "library_metrics: expected a list of pre-built metric names"
        raise ConfigError(msg)
    for name in names:
        if name not in LIBRARY:
            msg = f"library_metrics: {_unknown_library(name)}"
            raise ConfigError(msg)
    definitions = [{"name": name, "library": name} for name in names]
    definitions += custom

    metrics: list[Metric] = []
    seen: set[str] = set()
    for index, definition in enumerate(definitions):
        metric = _metric(definition, index, defaults)
        if metric.name in seen:
            msg = f"metrics: the name '{metric.name}' is used by two metrics"
            raise ConfigError(msg)
        seen.add(metric.name)
        metrics.append(metric)
    if not metrics:
        msg = "metrics: no metric is configured (library_metrics is empty, metrics too)"
        raise ConfigError(msg)
    return tuple(metrics)


def _metric(definition: object, index: int, defaults: Mapping[str, int]) -> Metric:
    if not isinstance(definition, Mapping):
        msg = f"metrics[{index}]: expected an object, got {type(definition).__name__}"
        raise ConfigError(msg)
    label = f"metric '{definition.get('name') or f'#{index}'}'"
    _refuse_unknown(label, definition, METRIC_FIELDS)
    definition = {key: value for key, value in definition.items() if value is not None}

    merged = dict(_library_base(label, definition.get("library")))
    merged.update(definition)
    name = merged.get("name")
    if not isinstance(name, str) or not _METRIC_NAME.match(name):
        msg = f"{label}: name must be lower snake case (a-z, 0-9, _), got {name!r}"
        raise ConfigError(msg)
    if name in _RESERVED_NAMES:
        msg = f"{label}: the name '{name}' is taken by the tap's own stream"
        raise ConfigError(msg)

    method = str(merged.pop("method", "GET"))
    if method.upper() != "GET":
        msg = f"{label}: method {method!r} refused: the tap only reads (GET)"
        raise ConfigError(msg)

    _check_choice(label, "aggregation", merged.get("aggregation", "sum"), AGGREGATIONS)
    _check_choice(label, "trend", merged.get("trend", "up"), ("up", "down"))
    _check_choice(label, "granularity", merged.get("granularity", "day"), GRANULARITIES)
    _check_expressions(label, merged)
    merged["base_url"] = _base_url(label, merged.get("base_url", DEFAULT_BASE_URL))
    _check_path(label, merged.get("path"))
    merged["params"] = _string_map(label, "params", merged.get("params"))
    merged["headers"] = _string_map(label, "headers", merged.get("headers"))
    _check_headers(label, merged["headers"])
    _check_placeholders(label, merged["params"])
    for setting, high in (("page_size", 1000), ("max_pages", 100_000)):
        value = merged.get(setting, defaults[setting])
        try:
            merged[setting] = _int_setting({setting: value}, setting, 0, 1, high)
        except ConfigError as exc:
            msg_0 = f"{label}: {exc}"
            raise ConfigError(msg_0) from exc
    try:
        return Metric(**merged)
    except TypeError as exc:  # pragma: no cover - fields are checked above
        msg_0 = f"{label}: {exc}"
        raise ConfigError(msg_0) from exc


def _refuse_unknown(
    label: str, given: Mapping[str, Any], known: tuple[str, ...]
) -> None:
    for key in given:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            msg = f"{label}: unknown field '{key}'{hint}"
            raise ConfigError(msg)


def _library_base(label: str, name: object) -> Mapping[str, Any]:
    if name is None:
        return {}
    if name not in LIBRARY:
        msg = f"{label}: library: {_unknown_library(name)}"
        raise ConfigError(msg)
    return LIBRARY[str(name)]


def _unknown_library(name: object) -> str:
    """Say that ``name`` is no pre-built metric, suggesting a close one."""
    close = difflib.get_close_matches(str(name), list(LIBRARY), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"pre-built metric {str(name)!r} does not exist{hint}"


def _check_choice(
    label: str, name: str, value: object, allowed: tuple[str, ...]
) -> None:
    if value not in allowed:
        msg = f"{label}: {name} must be one of {', '.join(allowed)}; got {value!r}"
        raise ConfigError(msg)


def _check_expressions(label: str, merged: Mapping[str, Any]) -> None:
    if merged.get("expression") and merged.get("value"):
        msg = f"{label}: give either expression or value/dimension/date, not both"
        raise ConfigError(msg)
    if not merged.get("expression") and not merged.get("value"):
        msg = f"{label}: value is required (or a full expression)"
        raise ConfigError(msg)
    for name in ("value", "dimension", "date", "expression", "records"):
        value = merged.get(name)
        if value is not None and not isinstance(value, str):
            msg = f"{label}: {name} must be a string, got {type(value).__name__}"
            raise ConfigError(msg)


def _base_url(label: str, value: object) -> str:
    parts = urlsplit(str(value))
    host = parts.hostname or ""
    if parts.scheme != "https" or not (
        host == "twilio.com" or host.endswith(".twilio.com")
    ):
        msg = f"{label}: base_url must be an https Twilio host, got {value!r}"
        raise ConfigError(msg)
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        msg = f"{label}: base_url takes no path or query (put them in path, params)"
        raise ConfigError(msg)
    if "@" in parts.netloc:
        msg = f"{label}: base_url takes no user name or password (set credentials)"
        raise ConfigError(msg)
    return f"https://{parts.netloc}"


def _check_path(label: str, path: object) -> None:
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or path.startswith("//")
        or "://" in path
    ):
        msg = f"{label}: path must start with '/' and name no host, got {path!r}"
        raise ConfigError(msg)
    if "?" in path or "#" in path:
        msg = f"{label}: path takes no query string: put query parameters in params"
        raise ConfigError(msg)
    if any(character.isspace() for character in path):
        msg = f"{label}: path must not contain spaces or line breaks, got {path!r}"
        raise ConfigError(msg)
    unknown = set(_PLACEHOLDER.findall(path)) - PATH_PLACEHOLDERS
    if unknown:
        msg = f"{label}: path has unknown placeholder {{{min(unknown)}}}"
        raise ConfigError(msg)


def _string_map(label: str, name: str, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        msg = f"{label}: {name} must be an object of names to values"
        raise ConfigError(msg)
    result: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, dict | list) or item is None:
            msg = f"{label}: {name}['{key}'] must be a string or number"
            raise ConfigError(msg)
        result[str(key)] = str(item).lower() if isinstance(item, bool) else str(item)
    return result


def _check_headers(label: str, headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        if not _HEADER_NAME.match(name) or "\r" in value or "\n" in value:
            msg = f"{label}: headers['{name}'] is not a valid HTTP header"
            raise ConfigError(msg)
        if name.lower() in _RESERVED_HEADERS:
            msg = (
                f"{label}: headers['{name}'] is set by the tap (credentials go in "
                "api_key_sid/api_key_secret or auth_token)"
            )
            raise ConfigError(msg)


def _check_placeholders(label: str, params: Mapping[str, str]) -> None:
    known = DATE_PLACEHOLDERS | PATH_PLACEHOLDERS
    for key, text in params.items():
        for placeholder in _PLACEHOLDER.findall(text):
            if placeholder not in known:
                close = difflib.get_close_matches(placeholder, sorted(known), n=1)
                hint = f" (did you mean {{{close[0]}}}?)" if close else ""
                msg = (
                    f"{label}: params['{key}'] has unknown placeholder "
                    f"{{{placeholder}}}{hint}"
                )
                raise ConfigError(msg)
