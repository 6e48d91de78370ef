"""The definitions of the pre-built metrics, keyed by name.

Each entry is a metric definition (see the README) without its ``name``; a
user enables one by name in ``library_metrics`` or starts a custom metric
from it with ``"library": "<name>"`` and overrides any field.
"""

from __future__ import annotations

from typing import Any, Final

_API: Final = "/2010-04-01/Accounts/{account_sid}"
_MESSAGES_BY_DAY: Final = {"DateSent>": "{start_date}", "DateSent<": "{end_date}"}
_CALLS_BY_DAY: Final = {"StartTime>": "{start_date}", "StartTime<": "{end_date}"}
_USAGE_BY_DAY: Final = {"StartDate": "{start_date}", "EndDate": "{end_date}"}

LIBRARY: Final[dict[str, dict[str, Any]]] = {
    "messages_by_status": {
        "description": "Messages sent or received, by delivery status.",
        "path": f"{_API}/Messages.json",
        "params": _MESSAGES_BY_DAY,
        "value": "1",
        "dimension": "status",
        "date": "date_sent",
        "aggregation": "count",
        "unit": "messages",
    },
    "sms_spend": {
        "description": "Money spent on messages (Twilio prices are negative).",
        "path": f"{_API}/Messages.json",
        "params": _MESSAGES_BY_DAY,
        "value": "price ? -$number(price)",
        "date": "date_sent",
        "trend": "down",
        "unit": "USD",
    },
    "call_minutes": {
        "description": "Minutes of calls, from each call's duration in seconds.",
        "path": f"{_API}/Calls.json",
        "params": _CALLS_BY_DAY,
        "value": "$number(duration) / 60",
        "date": "start_time",
        "unit": "minutes",
    },
    "usage_spend_by_category": {
        "description": "Daily spend by usage category, from Usage Records.",
        "path": f"{_API}/Usage/Records/Daily.json",
        "params": _USAGE_BY_DAY,
        "value": "$number(price)",
        "dimension": "category",
        "date": "start_date",
        "trend": "down",
        "unit": "USD",
    },
    "account_balance": {
        "description": "The account's balance when the sync ran.",
        "path": f"{_API}/Balance.json",
        "value": "$number(balance)",
        "aggregation": "latest",
        "unit": "USD",
    },
}

DEFAULT_METRICS: Final = (
    "messages_by_status",
    "sms_spend",
    "call_minutes",
    "usage_spend_by_category",
    "account_balance",
)
