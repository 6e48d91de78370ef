"""Metric definitions shared by the incremental and concurrency tests."""

from __future__ import annotations

from typing import Any

MESSAGES_BY_STATUS: dict[str, Any] = {
    "name": "messages_by_status",
    "path": "/2010-04-01/Accounts/{account_sid}/Messages.json",
    "params": {"DateSent>": "{start_date}", "DateSent<": "{end_date}"},
    "value": "1",
    "dimension": "status",
    "date": "date_sent",
    "aggregation": "count",
}
SPEND_BY_DATETIME: dict[str, Any] = {
    "name": "sms_spend",
    "path": "/2010-04-01/Accounts/{account_sid}/Messages.json",
    "params": {"DateSent>": "{start_datetime}", "DateSent<": "{end_datetime}"},
    "value": "price ? -$number(price)",
    "date": "date_sent",
}
CALLS_BY_STATUS: dict[str, Any] = {
    "name": "calls_by_status",
    "path": "/2010-04-01/Accounts/{account_sid}/Calls.json",
    "params": {"StartTime>": "{start_date}", "StartTime<": "{end_date}"},
    "value": "1",
    "dimension": "status",
    "date": "start_time",
}
USAGE_BY_CATEGORY: dict[str, Any] = {
    "name": "usage_count",
    "path": "/2010-04-01/Accounts/{account_sid}/Usage/Records/Daily.json",
    "params": {"StartDate": "{start_date}", "EndDate": "{end_date}"},
    "value": "$number(count)",
    "dimension": "category",
    "date": "start_date",
}
THREE_METRICS = [MESSAGES_BY_STATUS, CALLS_BY_STATUS, USAGE_BY_CATEGORY]
