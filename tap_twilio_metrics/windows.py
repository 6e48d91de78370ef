"""Date windows: the time range one request covers, and how a range is cut."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tap_twilio_metrics.dates import isoformat, next_period, period_start


@dataclass(frozen=True, order=True)
class Window:
    """A half-open UTC range ``[start, end)`` fetched with one paginated request."""

    start: dt.datetime
    end: dt.datetime

    def __contains__(self, moment: object) -> bool:
        """Whether a datetime falls inside the window."""
        return isinstance(moment, dt.datetime) and self.start <= moment < self.end

    def placeholders(self) -> dict[str, str]:
        """Values of the date placeholders for this window.

        Twilio's date bounds are inclusive, so ``end_date`` is the window's last
        day, not the day after it.
        """
        last_moment = self.end - dt.timedelta(microseconds=1)
        return {
            "start_date": self.start.strftime("%Y-%m-%d"),
            "end_date": last_moment.strftime("%Y-%m-%d"),
            "start_datetime": isoformat(self.start),
            "end_datetime": isoformat(self.end),
        }

    def halves(self, *, whole_days: bool) -> tuple[Window, Window] | None:
        """Split in two at the middle (at a day boundary when ``whole_days``).

        Returns ``None`` when the window cannot be split any further.
        """
        if whole_days:
            first_day = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
            days = (self.end - first_day).days
            if days < 2:  # noqa: PLR2004
                return None
            middle = first_day + dt.timedelta(days=days // 2)
        else:
            seconds = int((self.end - self.start).total_seconds())
            if seconds < 2:  # noqa: PLR2004
                return None
            middle = self.start + dt.timedelta(seconds=seconds // 2)
        return Window(self.start, middle), Window(middle, self.end)

    def __str__(self) -> str:
        """Show the window as ``start .. end``."""
        return f"{isoformat(self.start)} .. {isoformat(self.end)}"


def window_unit(granularity: str, *, date_only: bool) -> str:
    """Return the unit windows are cut in: the granularity, at least a day.

    Params that only bound whole days cannot ask for one hour.
    """
    if granularity == "hour" and date_only:
        return "day"
    return granularity


def plan_windows(start: dt.datetime, end: dt.datetime, unit: str) -> list[Window]:
    """Cut ``[start, end)`` into windows aligned to ``unit``, oldest first.

    The first window starts at the period holding ``start``, so periods are
    always recomputed whole; the last one ends at ``end``.
    """
    windows: list[Window] = []
    cursor = period_start(start, unit)
    while cursor < end:
        following = next_period(cursor, unit)
        windows.append(Window(cursor, min(following, end)))
        cursor = following
    return windows
