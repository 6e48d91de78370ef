"""Usage records: daily per-category records and range summaries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tap_twilio_metrics.simulator.base import API_VERSION, PERCENT
from tap_twilio_metrics.simulator.formats import DAY_SECONDS, iso_date, price

if TYPE_CHECKING:
    from tap_twilio_metrics.simulator.timeline import Timeline

_OUTBOUND_SMS_PERCENT = 85
_OUTBOUND_CALL_PERCENT = 70
_SEGMENTS_PER_TEN = 13
_MINUTES_PER_CALL = 3
_MINUTES_PER_RECORDING = 2
_SMS_OUT_PRICE, _SMS_IN_PRICE = 950, 790
_CALL_OUT_PRICE, _CALL_IN_PRICE = 1300, 850
_RECORDING_PRICE = 250
_NUMBER_DAILY_PRICE = 115_000 // 30


@dataclass(frozen=True)
class Category:
    """A usage category and its units."""

    name: str
    description: str
    count_unit: str
    usage_unit: str


CATEGORIES: tuple[Category, ...] = (
    Category("calls", "Voice Minutes", "calls", "minutes"),
    Category("calls-inbound", "Inbound Voice Minutes", "calls", "minutes"),
    Category("calls-outbound", "Outbound Voice Minutes", "calls", "minutes"),
    Category("phonenumbers", "Phone Numbers", "phonenumbers", "phonenumbers"),
    Category("recordings", "Voice Recordings", "recordings", "minutes"),
    Category("sms", "SMS", "messages", "messages"),
    Category("sms-inbound", "Inbound SMS", "messages", "messages"),
    Category("sms-outbound", "Outbound SMS", "messages", "messages"),
    Category("totalprice", "Total Price", "", "usd"),
)
_SUBRESOURCES = (
    ("all_time", "AllTime"),
    ("daily", "Daily"),
    ("last_month", "LastMonth"),
    ("monthly", "Monthly"),
    ("this_month", "ThisMonth"),
    ("today", "Today"),
    ("yearly", "Yearly"),
    ("yesterday", "Yesterday"),
)

Amounts = dict[str, tuple[int, int, int]]  # category -> (count, usage, price units)


def _add(
    left: tuple[int, int, int], right: tuple[int, int, int]
) -> tuple[int, int, int]:
    """Return the element-wise sum of two (count, usage, price) triples."""
    return left[0] + right[0], left[1] + right[1], left[2] + right[2]


class Usage:
    """Daily usage of one account, derived from its generated volumes."""

    def __init__(  # noqa: PLR0913 - one timeline per derived volume
        self,
        *,
        account: str,
        messages: Timeline,
        calls: Timeline,
        recordings: Timeline,
        numbers: int,
        as_of: str,
    ) -> None:
        """Bind the account's timelines (all share first_day and days)."""
        self.account = account
        self.messages = messages
        self.calls = calls
        self.recordings = recordings
        self.numbers = numbers
        self.as_of = as_of
        self.first_day = messages.first_day
        self.days = messages.days
        self.base = f"/2010-04-01/Accounts/{account}/Usage/Records"

    def amounts(self, day: int) -> Amounts:
        """Return per-category (count, usage, price) of a range-relative day."""
        sms = self.messages.counts[day]
        sms_out = sms * _OUTBOUND_SMS_PERCENT // PERCENT
        calls = self.calls.counts[day]
        calls_out = calls * _OUTBOUND_CALL_PERCENT // PERCENT
        rec = self.recordings.counts[day]
        seg_out = sms_out * _SEGMENTS_PER_TEN // 10
        seg_in = (sms - sms_out) * _SEGMENTS_PER_TEN // 10
        min_out = calls_out * _MINUTES_PER_CALL
        min_in = (calls - calls_out) * _MINUTES_PER_CALL
        rec_min = rec * _MINUTES_PER_RECORDING
        out: Amounts = {
            "sms-outbound": (sms_out, seg_out, seg_out * _SMS_OUT_PRICE),
            "sms-inbound": (sms - sms_out, seg_in, seg_in * _SMS_IN_PRICE),
            "calls-outbound": (calls_out, min_out, min_out * _CALL_OUT_PRICE),
            "calls-inbound": (calls - calls_out, min_in, min_in * _CALL_IN_PRICE),
            "recordings": (rec, rec_min, rec_min * _RECORDING_PRICE),
            "phonenumbers": (
                self.numbers,
                self.numbers,
                self.numbers * _NUMBER_DAILY_PRICE,
            ),
        }
        out["sms"] = _add(out["sms-outbound"], out["sms-inbound"])
        out["calls"] = _add(out["calls-outbound"], out["calls-inbound"])
        total_price = sum(out[name][2] for name in ("sms", "calls", "recordings"))
        total_price += out["phonenumbers"][2]
        out["totalprice"] = (0, total_price, total_price)
        return out

    def record(
        self,
        category: Category,
        days: tuple[int, int],
        amounts: Amounts,
        *,
        daily: bool,
    ) -> dict[str, Any]:
        """Return one usage record for days [start, end] (absolute day numbers)."""
        count, usage, cost = amounts[category.name]
        start_date, end_date = iso_date(days[0]), iso_date(days[1])
        path = "Records/Daily.json" if daily else "Records.json"
        query = f"Category={category.name}&StartDate={start_date}&EndDate={end_date}"
        usage_text = (
            price(usage, negative=False) if category.usage_unit == "usd" else str(usage)
        )
        return {
            "account_sid": self.account,
            "api_version": API_VERSION,
            "as_of": self.as_of,
            "category": category.name,
            "count": str(count),
            "count_unit": category.count_unit,
            "description": category.description,
            "end_date": end_date,
            "price": price(cost, negative=False),
            "price_unit": "usd",
            "start_date": start_date,
            "subresource_uris": {
                key: f"{self.base}/{segment}.json?Category={category.name}"
                for key, segment in _SUBRESOURCES
            },
            "uri": f"{self.base.removesuffix('/Records')}/{path}?{query}",
            "usage": usage_text,
            "usage_unit": category.usage_unit,
        }

    def summary(self, start: int, end: int) -> list[dict[str, Any]]:
        """Return one record per category summing days [start, end] (absolute)."""
        totals: dict[str, list[int]] = {c.name: [0, 0, 0] for c in CATEGORIES}
        for day in range(max(start, self.first_day), min(end, self.last_day) + 1):
            for name, values in self.amounts(day - self.first_day).items():
                acc = totals[name]
                for pos, value in enumerate(values):
                    acc[pos] += value
        amounts: Amounts = {name: (v[0], v[1], v[2]) for name, v in totals.items()}
        amounts["phonenumbers"] = (
            self.numbers,
            self.numbers,
            amounts["phonenumbers"][2],
        )
        return [self.record(c, (start, end), amounts, daily=False) for c in CATEGORIES]

    @property
    def last_day(self) -> int:
        """Return the absolute day number of the last day of the range."""
        return self.first_day + self.days - 1


class DailyUsage:
    """Usage/Records/Daily: one record per (day, category); index = day * n + k."""

    def __init__(self, usage: Usage) -> None:
        """Wrap the account's usage model."""
        self.usage = usage

    def __len__(self) -> int:
        """Return the number of daily records."""
        return self.usage.days * len(CATEGORIES)

    def get(self, index: int) -> dict[str, Any]:
        """Return daily record number index."""
        day, pos = divmod(index, len(CATEGORIES))
        absolute = self.usage.first_day + day
        return self.usage.record(
            CATEGORIES[pos], (absolute, absolute), self.usage.amounts(day), daily=True
        )

    def bounds(self, lower: int | None, upper: int | None) -> tuple[int, int]:
        """Return [lo, hi) of records whose day start lies in [lower, upper]."""
        first = self.usage.first_day
        lo_day, hi_day = 0, self.usage.days
        if lower is not None:
            lo_day = min(max(-(-lower // DAY_SECONDS) - first, 0), hi_day)
        if upper is not None:
            hi_day = min(max(upper // DAY_SECONDS - first + 1, 0), hi_day)
        n = len(CATEGORIES)
        return lo_day * n, max(lo_day, hi_day) * n
