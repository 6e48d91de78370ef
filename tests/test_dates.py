"""Reading Twilio's date formats and cutting periods."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_twilio_metrics.dates import (
    next_period,
    parse_datetime,
    parse_lookback,
    period_start,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Thu, 30 Jul 2015 20:12:31 +0000",
            dt.datetime(2015, 7, 30, 20, 12, 31, tzinfo=UTC),
        ),
        (
            "Thu, 30 Jul 2015 22:12:31 +0200",
            dt.datetime(2015, 7, 30, 20, 12, 31, tzinfo=UTC),
        ),
        (
            "Thu, 2 Jul 2015 20:12:31 GMT",
            dt.datetime(2015, 7, 2, 20, 12, 31, tzinfo=UTC),
        ),
        ("2015-07-30T20:12:31Z", dt.datetime(2015, 7, 30, 20, 12, 31, tzinfo=UTC)),
        ("2015-07-30T22:12:31+02:00", dt.datetime(2015, 7, 30, 20, 12, 31, tzinfo=UTC)),
        ("2015-07-30T20:12:31", dt.datetime(2015, 7, 30, 20, 12, 31, tzinfo=UTC)),
        ("2015-07-30", dt.datetime(2015, 7, 30, tzinfo=UTC)),
    ],
)
def test_every_twilio_date_format_reads_as_utc(
    text: str, expected: dt.datetime
) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "", "Thu, 99 Foo 2015", "30/07/2015"])
def test_unreadable_dates_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"date|Invalid|month|day"):
        parse_datetime(text)


@pytest.mark.parametrize(
    ("granularity", "start", "following"),
    [
        (
            "hour",
            dt.datetime(2024, 3, 5, 14, tzinfo=UTC),
            dt.datetime(2024, 3, 5, 15, tzinfo=UTC),
        ),
        (
            "day",
            dt.datetime(2024, 3, 5, tzinfo=UTC),
            dt.datetime(2024, 3, 6, tzinfo=UTC),
        ),
        (
            "week",
            dt.datetime(2024, 3, 4, tzinfo=UTC),
            dt.datetime(2024, 3, 11, tzinfo=UTC),
        ),
        (
            "month",
            dt.datetime(2024, 3, 1, tzinfo=UTC),
            dt.datetime(2024, 4, 1, tzinfo=UTC),
        ),
    ],
)
def test_periods_start_and_follow_on_their_boundaries(
    granularity: str, start: dt.datetime, following: dt.datetime
) -> None:
    moment = dt.datetime(2024, 3, 5, 14, 37, 12, tzinfo=UTC)

    assert period_start(moment, granularity) == start
    assert next_period(start, granularity) == following


def test_december_is_followed_by_january() -> None:
    december = dt.datetime(2024, 12, 1, tzinfo=UTC)

    assert next_period(december, "month") == dt.datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, dt.timedelta(days=2)),
        ("2 days", dt.timedelta(days=2)),
        ("36h", dt.timedelta(hours=36)),
        ("1 week", dt.timedelta(weeks=1)),
        (0, dt.timedelta(0)),
    ],
)
def test_lookback_accepts_days_hours_and_weeks(
    value: object, expected: dt.timedelta
) -> None:
    assert parse_lookback(value) == expected


@pytest.mark.parametrize("value", ["soon", -1, "2 fortnights", True])
def test_lookback_refuses_other_values(value: object) -> None:
    with pytest.raises(ValueError, match=r"duration|negative"):
        parse_lookback(value)
