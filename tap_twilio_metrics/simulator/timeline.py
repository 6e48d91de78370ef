"""Per-day record counts and index <-> timestamp mapping for generated streams."""

from __future__ import annotations

import bisect

from tap_twilio_metrics.simulator.formats import DAY_SECONDS, mix64

_JITTER_PERMILLE = 300  # per-day volume varies by +-30 %
_PERMILLE = 1000


class Timeline:
    """Monotonic timestamps for records 0..total-1 spread over whole UTC days.

    Only per-day counts and cumulative offsets are held in memory. The first
    record of every day is exactly at 00:00:00 UTC.
    """

    def __init__(self, *, key: int, first_day: int, days: int, rate: int) -> None:
        """Precompute per-day counts around rate (with +-30 % jitter from key)."""
        self.key = key
        self.first_day = first_day
        self.days = days
        counts: list[int] = []
        for day in range(days):
            if rate <= 0:
                counts.append(0)
                continue
            spread = 2 * _JITTER_PERMILLE + 1
            factor = _PERMILLE - _JITTER_PERMILLE + mix64(key ^ (day + 1)) % spread
            counts.append(max(1, (rate * factor + _PERMILLE // 2) // _PERMILLE))
        offsets = [0]
        for count in counts:
            offsets.append(offsets[-1] + count)
        self.counts = counts
        self.offsets = offsets
        self.total = offsets[-1]
        self.start_epoch = first_day * DAY_SECONDS
        self.end_epoch = (first_day + days) * DAY_SECONDS

    def __len__(self) -> int:
        """Return the number of records on the timeline."""
        return self.total

    def day_index(self, index: int) -> int:
        """Return the range-relative day (0-based) holding record index."""
        return bisect.bisect_right(self.offsets, index) - 1

    def epoch(self, index: int) -> int:
        """Return the timestamp (epoch seconds) of record index."""
        day = bisect.bisect_right(self.offsets, index) - 1
        pos = index - self.offsets[day]
        base = (self.first_day + day) * DAY_SECONDS
        if pos == 0:
            return base
        count = self.counts[day]
        low = pos * DAY_SECONDS // count
        width = (pos + 1) * DAY_SECONDS // count - low
        if width <= 1:
            return base + low
        return base + low + mix64(self.key + index) % width

    def bounds(self, lower: int | None, upper: int | None) -> tuple[int, int]:
        """Return [lo, hi) of indices whose timestamp lies in [lower, upper]."""
        lo = 0
        hi = self.total
        if lower is not None:
            lo = bisect.bisect_left(range(self.total), lower, key=self.epoch)
        if upper is not None:
            hi = bisect.bisect_right(range(self.total), upper, key=self.epoch)
        return lo, max(lo, hi)
