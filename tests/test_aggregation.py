"""Datapoints sharing a period and dimension combine by the metric's aggregation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tap_twilio_metrics.aggregation import Groups

DAY = dt.datetime(2024, 3, 5, tzinfo=dt.UTC)
POINTS = [
    (Decimal(3), DAY.replace(hour=9)),
    (Decimal(-1), DAY.replace(hour=23)),
    (Decimal("4.5"), DAY.replace(hour=12)),
]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("sum", Decimal("6.5")),
        ("average", Decimal("6.5") / 3),
        ("min", Decimal(-1)),
        ("max", Decimal("4.5")),
        ("count", Decimal(3)),
        ("latest", Decimal(-1)),
    ],
)
def test_each_aggregation(aggregation: str, expected: Decimal) -> None:
    groups = Groups()

    for value, date in POINTS:
        groups.add((DAY, ""), value, date)

    ((_, group),) = groups.sorted_items()
    assert group.result(aggregation) == expected
    assert group.count == 3


@pytest.mark.parametrize(
    "aggregation", ["sum", "average", "min", "max", "count", "latest"]
)
def test_merging_halves_equals_folding_everything(aggregation: str) -> None:
    whole, first, second = Groups(), Groups(), Groups()

    for index, (value, date) in enumerate(POINTS):
        whole.add((DAY, "x"), value, date)
        (first if index % 2 else second).add((DAY, "x"), value, date)
    first.merge(second)

    assert first.by_key[DAY, "x"].result(aggregation) == whole.by_key[DAY, "x"].result(
        aggregation
    )


def test_groups_come_out_by_period_then_dimension() -> None:
    groups = Groups()
    later = DAY + dt.timedelta(days=1)

    groups.add((later, "a"), Decimal(1), later)
    groups.add((DAY, "b"), Decimal(1), DAY)
    groups.add((DAY, "a"), Decimal(1), DAY)

    assert [key for key, _ in groups.sorted_items()] == [
        (DAY, "a"),
        (DAY, "b"),
        (later, "a"),
    ]
