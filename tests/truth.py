"""The simulator's true totals, computed independently of the tap's code."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tap_twilio_metrics.simulator import MAIN_ACCOUNT_SID

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

Key = tuple[str, str, str]
Record = dict[str, Any]


def read_date(text: str) -> dt.datetime:
    """Read a simulator date: RFC 2822 in 2010-04-01 records, ISO in v1."""
    if text[:1].isdigit():
        moment = dt.datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return email.utils.parsedate_to_datetime(text).astimezone(dt.UTC)


def period_of(moment: dt.datetime, granularity: str) -> str:
    """The ``date`` column of the period holding ``moment``."""
    if granularity == "hour":
        start = moment.replace(minute=0, second=0)
    elif granularity == "day":
        start = moment.replace(hour=0, minute=0, second=0)
    elif granularity == "week":
        monday = moment.date() - dt.timedelta(days=moment.weekday())
        start = dt.datetime(monday.year, monday.month, monday.day, tzinfo=dt.UTC)
    else:
        start = dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def totals(  # noqa: PLR0913 - each argument is one part of a metric definition
    records: Iterable[Record],
    *,
    date_field: str,
    value: Callable[[Record], Decimal | None],
    start: dt.datetime,
    end: dt.datetime,
    dimension: Callable[[Record], str] = lambda _record: "",
    granularity: str = "day",
    account_sid: str = MAIN_ACCOUNT_SID,
) -> dict[Key, Decimal]:
    """Sum ``value`` per (account, period, dimension) over ``[start, end)``."""
    sums: dict[Key, Decimal] = defaultdict(Decimal)
    for record in records:
        moment = read_date(record[date_field])
        amount = value(record)
        if start <= moment < end and amount is not None:
            sums[account_sid, period_of(moment, granularity), dimension(record)] += (
                amount
            )
    return dict(sums)


def messages_by_status(
    messages: Iterable[Record],
    start: dt.datetime,
    end: dt.datetime,
    account_sid: str = MAIN_ACCOUNT_SID,
) -> dict[Key, Decimal]:
    """Messages sent per day and status: the truth of ``messages_by_status``."""
    return totals(
        messages,
        date_field="date_sent",
        value=one,
        dimension=lambda message: message["status"],
        start=start,
        end=end,
        account_sid=account_sid,
    )


def sms_spend(
    messages: Iterable[Record],
    start: dt.datetime,
    end: dt.datetime,
    granularity: str = "day",
) -> dict[Key, Decimal]:
    """Money spent on priced messages per period: the truth of ``sms_spend``."""
    return totals(
        messages,
        date_field="date_sent",
        value=spend,
        start=start,
        end=end,
        granularity=granularity,
    )


def one(_record: Record) -> Decimal:
    """Count a record."""
    return Decimal(1)


def spend(record: Record) -> Decimal | None:
    """A record's spend: its negated price, or nothing while unpriced."""
    price = record.get("price")
    return None if price is None else -Decimal(price)


def as_floats(values: dict[Key, Decimal]) -> dict[Key, float]:
    """Truth as the tap reports it: exact decimal sums rounded once to float."""
    return {key: float(total) for key, total in values.items()}
