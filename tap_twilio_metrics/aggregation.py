"""Combining datapoints that share a period and dimension."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

AGGREGATIONS: Final = ("sum", "average", "min", "max", "count", "latest")


@dataclass(slots=True)
class Group:
    """The running aggregate of one (period, dimension)."""

    total: Decimal
    count: int
    low: Decimal
    high: Decimal
    latest: Decimal
    latest_at: dt.datetime

    @classmethod
    def first(cls, value: Decimal, date: dt.datetime) -> Group:
        """Start a group from its first datapoint."""
        return cls(value, 1, value, value, value, date)

    def add(self, value: Decimal, date: dt.datetime) -> None:
        """Fold one more datapoint into the group."""
        self.total += value
        self.count += 1
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        if date > self.latest_at:
            self.latest = value
            self.latest_at = date

    def merge(self, other: Group) -> None:
        """Fold another group of the same key into this one."""
        self.total += other.total
        self.count += other.count
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)
        if other.latest_at > self.latest_at:
            self.latest = other.latest
            self.latest_at = other.latest_at

    def result(self, aggregation: str) -> Decimal:
        """Return the group's value under ``aggregation``."""
        if aggregation == "sum":
            return self.total
        if aggregation == "average":
            return self.total / self.count
        if aggregation == "min":
            return self.low
        if aggregation == "max":
            return self.high
        if aggregation == "count":
            return Decimal(self.count)
        return self.latest


GroupKey = tuple[dt.datetime, str]


class Groups:
    """All groups of one window, keyed by (period start, dimension)."""

    def __init__(self) -> None:
        """Start empty."""
        self.by_key: dict[GroupKey, Group] = {}

    def add(self, key: GroupKey, value: Decimal, date: dt.datetime) -> None:
        """Add one datapoint to its group."""
        group = self.by_key.get(key)
        if group is None:
            self.by_key[key] = Group.first(value, date)
        else:
            group.add(value, date)

    def merge(self, other: Groups) -> None:
        """Fold every group of ``other`` into this one."""
        for key, group in other.by_key.items():
            mine = self.by_key.get(key)
            if mine is None:
                self.by_key[key] = group
            else:
                mine.merge(group)

    def sorted_items(self) -> list[tuple[GroupKey, Group]]:
        """Return the groups ordered by period, then dimension."""
        return sorted(self.by_key.items(), key=lambda item: item[0])

    def __len__(self) -> int:
        """Return how many groups there are."""
        return len(self.by_key)
