"""Reading Twilio's date formats and cutting time into periods, all in UTC."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from typing import Final

UTC: Final = dt.UTC
GRANULARITIES: Final = ("hour", "day", "week", "month")

_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        [
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
        ],
        start=1,
    )
}
_RFC2822_LENGTH: Final = len("Thu, 30 Jul 2015 20:12:31 +0000")
_LOOKBACK: Final = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(h|hours?|d|days?|w|weeks?)\s*$", re.IGNORECASE
)
_LOOKBACK_UNITS: Final = {"h": "hours", "d": "days", "w": "weeks"}


def parse_datetime(value: str) -> dt.datetime:
    """Read an RFC 2822, ISO 8601 or plain date string as an aware UTC datetime.

    Raises:
        ValueError: the string is in none of the three formats.
    """
    if (
        len(value) == _RFC2822_LENGTH
        and value[3:5] == ", "
        and value.endswith(" +0000")
    ):
        month = _MONTHS.get(value[8:11])
        if month is not None:
            return dt.datetime(
                int(value[12:16]),
                month,
                int(value[5:7]),
                int(value[17:19]),
                int(value[20:22]),
                int(value[23:25]),
                tzinfo=UTC,
            )
    if value[:1].isdigit():
        parsed = dt.datetime.fromisoformat(value)
    else:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError) as exc:
            msg = f"not an RFC 2822, ISO 8601 or YYYY-MM-DD date: {value!r}"
            raise ValueError(msg) from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_utc(value: dt.datetime | dt.date) -> dt.datetime:
    """Turn a date or datetime into an aware UTC datetime (naive means UTC)."""
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def period_start(moment: dt.datetime, granularity: str) -> dt.datetime:
    """Return the start of the period of ``granularity`` that holds ``moment``."""
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "day":
        return day
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(start: dt.datetime, granularity: str) -> dt.datetime:
    """Return the start of the period after the one starting at ``start``."""
    if granularity == "hour":
        return start + dt.timedelta(hours=1)
    if granularity == "day":
        return start + dt.timedelta(days=1)
    if granularity == "week":
        return start + dt.timedelta(weeks=1)
    if start.month == 12:  # noqa: PLR2004
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def parse_lookback(value: object) -> dt.timedelta:
    """Read a lookback such as ``2``, ``"2 days"``, ``"36h"`` or ``"1 week"``.

    A bare number is a count of days.

    Raises:
        ValueError: the value is negative or not in a known form.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            msg = f"must not be negative: {value!r}"
            raise ValueError(msg)
        return dt.timedelta(days=value)
    match = _LOOKBACK.match(str(value))
    if match is None:
        msg = f"expected a duration such as '2 days', '36 hours' or '1 week': {value!r}"
        raise ValueError(msg)
    unit = _LOOKBACK_UNITS[match.group(2)[0].lower()]
    return dt.timedelta(**{unit: float(match.group(1))})


def isoformat(moment: dt.datetime) -> str:
    """Format an aware UTC datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (no fraction)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
