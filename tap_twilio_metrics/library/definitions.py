"""The definitions of the pre-built metrics, keyed by name.

Each entry is a metric definition (see the README) without its ``name``; a
user enables one by name in ``library_metrics`` or starts a custom metric
from it with ``"library": "<name>"`` and overrides any field.

Conventions that hold for every entry:

- A metric is dated by the field its date params filter on (Messages:
  ``DateSent`` and ``date_sent``; Calls: ``StartTime`` and ``start_time``;
  Recordings and Conferences: ``DateCreated`` and ``date_created``; Usage
  Records: ``StartDate`` and ``start_date``; Monitor Alerts: ``StartDate`` and
  ``date_created``), because the tap assigns each datapoint to a window by
  its own date.
- Twilio sends numbers as strings and some of them (``price``, ``duration``,
  ``num_segments``) as null until known, so values read ``field ?
  $number(field)``: a null skips the datapoint instead of failing the sync.
- Twilio prices are negative; spend is ``-$number(price)``, trend ``down``.
- Counts of a subset ("messages that failed") are sums of 1 and 0 rather than
  counts of matching records, so a period without any still reports 0 and
  an upserting target overwrites an earlier, non-zero value.
- Metrics without date params (Balance, IncomingPhoneNumbers) have no
  ``date``: each sync reports the current value, dated at sync time.
"""

from __future__ import annotations

from typing import Any, Final

_API: Final = "/2010-04-01/Accounts/{account_sid}"
_MONITOR: Final = "https://monitor.twilio.com"
_MESSAGES_BY_DAY: Final = {"DateSent>": "{start_date}", "DateSent<": "{end_date}"}
_CALLS_BY_DAY: Final = {"StartTime>": "{start_date}", "StartTime<": "{end_date}"}
_CREATED_BY_DAY: Final = {
    "DateCreated>": "{start_date}",
    "DateCreated<": "{end_date}",
}
_USAGE_BY_DAY: Final = {"StartDate": "{start_date}", "EndDate": "{end_date}"}
_ALERTS_BY_TIME: Final = {"StartDate": "{start_datetime}", "EndDate": "{end_datetime}"}

#: The country of the other party of a message, from its calling code: the
#: recipient (``to``) of outbound messages, the sender (``from``) of inbound
#: ones. ``+1`` is the whole North American plan (US, Canada, Caribbean) and
#: is reported as ``US``; codes not listed are ``other``. Extend the chain by
#: overriding ``dimension`` in a custom metric started from this library entry.
COUNTRY_OF_OTHER_PARTY: Final = """(
  $party := direction = "inbound" ? from : to;
  $code := $substring($party, 0, 3);
  $substring($party, 0, 2) = "+1" ? "US"
  : $code = "+44" ? "GB"
  : $code = "+49" ? "DE"
  : $code = "+33" ? "FR"
  : $code = "+61" ? "AU"
  : "other"
)"""

_SPEND: Final = "price ? -$number(price)"
_MINUTES: Final = "duration ? $number(duration) / 60"


def _messages(description: str, **fields: object) -> dict[str, Any]:
    """A metric over Messages, windowed and dated by ``date_sent``."""
    return {
        "description": description,
        "path": f"{_API}/Messages.json",
        "params": _MESSAGES_BY_DAY,
        "date": "date_sent",
        "aggregation": "sum",
        "trend": "up",
        "unit": "messages",
        **fields,
    }


def _calls(description: str, **fields: object) -> dict[str, Any]:
    """A metric over Calls, windowed and dated by ``start_time``."""
    return {
        "description": description,
        "path": f"{_API}/Calls.json",
        "params": _CALLS_BY_DAY,
        "date": "start_time",
        "aggregation": "sum",
        "trend": "up",
        "unit": "calls",
        **fields,
    }


def _usage(description: str, **fields: object) -> dict[str, Any]:
    """A metric over daily Usage Records, dated by ``start_date``."""
    return {
        "description": description,
        "path": f"{_API}/Usage/Records/Daily.json",
        "params": _USAGE_BY_DAY,
        "date": "start_date",
        "aggregation": "sum",
        "trend": "up",
        **fields,
    }


LIBRARY: Final[dict[str, dict[str, Any]]] = {
    "messages_by_status": _messages(
        "Messages sent or received, by delivery status.",
        value="1",
        dimension="status",
        aggregation="count",
    ),
    "messages_by_direction": _messages(
        "Messages by direction (inbound, outbound-api, outbound-reply, ...).",
        value="1",
        dimension="direction",
        aggregation="count",
    ),
    "messages_by_country": _messages(
        "Messages by the other party's country, from its calling code "
        "(+1 US, +44 GB, +49 DE, +33 FR, +61 AU, else other).",
        value="1",
        dimension=COUNTRY_OF_OTHER_PARTY,
        aggregation="count",
    ),
    "messages_sent": _messages(
        "Messages sent (any outbound direction).",
        value='$contains(direction, "outbound") ? 1 : 0',
    ),
    "messages_received": _messages(
        "Messages received (direction inbound).",
        value='direction = "inbound" ? 1 : 0',
    ),
    "messages_delivered": _messages(
        "Messages confirmed delivered (status delivered or read).",
        value='status in ["delivered", "read"] ? 1 : 0',
    ),
    "messages_failed": _messages(
        "Messages that failed or were undelivered.",
        value='status in ["failed", "undelivered"] ? 1 : 0',
        trend="down",
    ),
    "message_segments": _messages(
        "Message segments (what SMS is billed by); unknown counts are skipped.",
        value="num_segments ? $number(num_segments)",
        unit="segments",
    ),
    "sms_spend": _messages(
        "Money spent on messages (Twilio prices are negative).",
        value=_SPEND,
        trend="down",
        unit="USD",
    ),
    "sms_spend_by_country": _messages(
        "Money spent on messages, by the other party's country (as "
        "messages_by_country).",
        value=_SPEND,
        dimension=COUNTRY_OF_OTHER_PARTY,
        trend="down",
        unit="USD",
    ),
    "calls_by_status": _calls(
        "Calls by status (completed, busy, no-answer, failed, ...).",
        value="1",
        dimension="status",
        aggregation="count",
    ),
    "calls_by_direction": _calls(
        "Calls by direction (inbound, outbound-api, outbound-dial).",
        value="1",
        dimension="direction",
        aggregation="count",
    ),
    "call_minutes": _calls(
        "Minutes of calls, from each call's duration in seconds.",
        value=_MINUTES,
        unit="minutes",
    ),
    "average_call_minutes": _calls(
        "Average call length in minutes, over the calls of each period.",
        value=_MINUTES,
        aggregation="average",
        unit="minutes",
    ),
    "voice_spend": _calls(
        "Money spent on calls (Twilio prices are negative).",
        value=_SPEND,
        trend="down",
        unit="USD",
    ),
    "recordings": {
        "description": "Recordings made.",
        "path": f"{_API}/Recordings.json",
        "params": _CREATED_BY_DAY,
        "value": "1",
        "date": "date_created",
        "aggregation": "count",
        "trend": "up",
        "unit": "recordings",
    },
    "recording_minutes": {
        "description": "Minutes recorded, from each recording's duration in seconds.",
        "path": f"{_API}/Recordings.json",
        "params": _CREATED_BY_DAY,
        "value": _MINUTES,
        "date": "date_created",
        "aggregation": "sum",
        "trend": "up",
        "unit": "minutes",
    },
    "conferences": {
        "description": "Conferences created.",
        "path": f"{_API}/Conferences.json",
        "params": _CREATED_BY_DAY,
        "value": "1",
        "date": "date_created",
        "aggregation": "count",
        "trend": "up",
        "unit": "conferences",
    },
    "usage_spend_by_category": _usage(
        "Daily spend by usage category, from Usage Records. Categories "
        "overlap (sms holds sms-inbound and sms-outbound, totalprice holds "
        "all): do not add them up; usage_total_spend is the total.",
        value="price ? $number(price)",
        dimension="category",
        trend="down",
        unit="USD",
    ),
    "usage_count_by_category": _usage(
        "Daily usage count by category (messages, calls, numbers, ...; the "
        "unit is the record's count_unit), from Usage Records.",
        value="count ? $number(count)",
        dimension="category",
        unit="count",
    ),
    "usage_total_spend": _usage(
        "Total daily spend on the account, from the totalprice usage category.",
        params={**_USAGE_BY_DAY, "Category": "totalprice"},
        value="price ? $number(price)",
        trend="down",
        unit="USD",
    ),
    "alerts_by_error_code": {
        "description": "Monitor alerts (errors and warnings) by Twilio error code.",
        "base_url": _MONITOR,
        "path": "/v1/Alerts",
        "params": _ALERTS_BY_TIME,
        "value": "1",
        "dimension": "error_code",
        "date": "date_created",
        "aggregation": "count",
        "trend": "down",
        "unit": "alerts",
    },
    "account_balance": {
        "description": "The account's balance when the sync ran.",
        "path": f"{_API}/Balance.json",
        "value": "$number(balance)",
        "aggregation": "latest",
        "trend": "up",
        "unit": "USD",
    },
    "phone_numbers": {
        "description": "Phone numbers the account holds when the sync ran.",
        "path": f"{_API}/IncomingPhoneNumbers.json",
        "value": "1",
        "aggregation": "count",
        "trend": "up",
        "unit": "numbers",
    },
}

#: The metrics a config without ``metrics`` or ``library_metrics`` runs: one
#: or two per product area, all on api.twilio.com, none counted twice.
DEFAULT_METRICS: Final = (
    "messages_by_status",
    "sms_spend",
    "calls_by_status",
    "call_minutes",
    "voice_spend",
    "usage_spend_by_category",
    "account_balance",
)
