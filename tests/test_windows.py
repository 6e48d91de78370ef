"""Cutting a sync range into windows aligned to the metric's granularity."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from tap_twilio_metrics.aggregation import Groups
from tap_twilio_metrics.datapoints import MetricEvaluator, Tally
from tap_twilio_metrics.settings import Metric
from tap_twilio_metrics.windows import Window, plan_windows, window_unit

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def test_daily_windows_start_at_the_period_holding_the_start() -> None:
    windows = plan_windows(at(2024, 3, 5, 13), at(2024, 3, 7, 6), "day")

    assert windows == [
        Window(at(2024, 3, 5), at(2024, 3, 6)),
        Window(at(2024, 3, 6), at(2024, 3, 7)),
        Window(at(2024, 3, 7), at(2024, 3, 7, 6)),
    ]


def test_placeholders_give_the_last_day_inclusive() -> None:
    window = Window(at(2024, 3, 5), at(2024, 3, 6))

    assert window.placeholders() == {
        "start_date": "2024-03-05",
        "end_date": "2024-03-05",
        "start_datetime": "2024-03-05T00:00:00Z",
        "end_datetime": "2024-03-06T00:00:00Z",
    }


def test_hourly_metrics_with_date_only_params_use_daily_windows() -> None:
    assert window_unit("hour", date_only=True) == "day"
    assert window_unit("hour", date_only=False) == "hour"
    assert window_unit("month", date_only=True) == "month"


def test_a_one_day_window_cannot_split_into_whole_days() -> None:
    window = Window(at(2024, 3, 5), at(2024, 3, 6))

    assert window.halves(whole_days=True) is None
    assert window.halves(whole_days=False) == (
        Window(at(2024, 3, 5), at(2024, 3, 5, 12)),
        Window(at(2024, 3, 5, 12), at(2024, 3, 6)),
    )


def test_a_week_splits_at_a_day_boundary() -> None:
    window = Window(at(2024, 3, 4), at(2024, 3, 11))

    assert window.halves(whole_days=True) == (
        Window(at(2024, 3, 4), at(2024, 3, 7)),
        Window(at(2024, 3, 7), at(2024, 3, 11)),
    )


NAIVE_FIRST = dt.datetime(2023, 1, 1)  # noqa: DTZ001 - hypothesis bounds are naive
NAIVE_LAST = dt.datetime(2025, 12, 31)  # noqa: DTZ001
moments = st.datetimes(min_value=NAIVE_FIRST, max_value=NAIVE_LAST).map(
    lambda moment: moment.replace(tzinfo=UTC, microsecond=0)
)


@given(
    start=moments,
    length=st.timedeltas(
        min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(days=120)
    ),
    unit=st.sampled_from(["hour", "day", "week", "month"]),
    points=st.lists(moments, max_size=40),
)
def test_every_moment_of_the_range_is_in_exactly_one_window(
    start: dt.datetime, length: dt.timedelta, unit: str, points: list[dt.datetime]
) -> None:
    end = start + length
    windows = plan_windows(start, end, unit)

    for earlier, later in itertools.pairwise(windows):
        assert earlier.end == later.start
    assert windows[0].start <= start
    assert windows[-1].end == end
    for point in points:
        holders = [window for window in windows if point in window]
        expected = 1 if windows[0].start <= point < end else 0
        assert len(holders) == expected


@given(
    start=moments,
    length=st.timedeltas(
        min_value=dt.timedelta(hours=1), max_value=dt.timedelta(days=70)
    ),
    granularity=st.sampled_from(["hour", "day", "week", "month"]),
    datetime_params=st.booleans(),
    points=st.lists(
        st.tuples(moments, st.integers(min_value=-(10**6), max_value=10**6)),
        max_size=60,
    ),
)
def test_summing_every_window_gives_the_total_of_the_range(
    start: dt.datetime,
    length: dt.timedelta,
    granularity: str,
    datetime_params: bool,  # noqa: FBT001 - a hypothesis-drawn flag
    points: list[tuple[dt.datetime, int]],
) -> None:
    end = start + length
    placeholder = "{start_datetime}" if datetime_params else "{start_date}"
    metric = Metric(
        name="m",
        path="/x.json",
        value="amount",
        date="at",
        params={"From": placeholder},
        granularity=granularity,
    )
    evaluator = MetricEvaluator(metric)
    records = [
        {"sid": str(index), "at": moment.isoformat(), "amount": amount}
        for index, (moment, amount) in enumerate(points)
    ]
    windows = plan_windows(
        start, end, window_unit(granularity, date_only=not datetime_params)
    )

    total = Groups()
    for window in windows:
        # Twilio's inclusive bounds may hand a window records of its neighbours.
        evaluator.fold(records, total, Tally(), window, window.start)

    expected = sum(
        amount for moment, amount in points if windows[0].start <= moment < end
    )
    assert sum(group.total for group in total.by_key.values()) == expected
    assert all(windows[0].start <= period < end for period, _ in total.by_key)
