"""Fast deterministic hashing and Twilio-style value formatting."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

DAY_SECONDS = 86_400
MASK64 = (1 << 64) - 1
PRICE_SCALE = 100_000  # prices are handled as integer 1/100000 USD
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
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
)


def mix64(value: int) -> int:
    """Return the splitmix64 finalizer of value (a bijection on 64-bit ints)."""
    x = (value + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def stream_key(*parts: object) -> int:
    """Return a stable 64-bit key for a tuple of identifying parts."""
    text = ":".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())


def make_sid(prefix: str, key: int, index: int) -> str:
    """Return a stable, unique-per-index 34-character Twilio SID."""
    high = mix64((key + index) & MASK64)
    low = mix64((key ^ 0x5DEECE66D) + index * 0x2545F4914F6CDD1D & MASK64)
    return f"{prefix}{high:016x}{low:016x}"


def day_to_date(day: int) -> dt.date:
    """Return the date of a day number counted from the Unix epoch."""
    return dt.date.fromordinal(_EPOCH_ORDINAL + day)


def date_to_day(value: dt.date) -> int:
    """Return the day number (days since the Unix epoch) of a date."""
    return value.toordinal() - _EPOCH_ORDINAL


@functools.lru_cache(maxsize=8192)
def _rfc_day(day: int) -> str:
    """Return the RFC 2822 date prefix, e.g. 'Thu, 30 Jul 2015 '."""
    d = day_to_date(day)
    return f"{_WEEKDAYS[d.weekday()]}, {d.day:02d} {_MONTHS[d.month - 1]} {d.year} "


@functools.lru_cache(maxsize=8192)
def _iso_day(day: int) -> str:
    """Return the ISO 8601 date prefix, e.g. '2015-07-30T'."""
    return f"{day_to_date(day).isoformat()}T"


def rfc2822(epoch: int) -> str:
    """Format epoch seconds as 'Thu, 30 Jul 2015 20:12:31 +0000'."""
    day, sec = divmod(epoch, DAY_SECONDS)
    return f"{_rfc_day(day)}{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d} +0000"


def iso8601(epoch: int) -> str:
    """Format epoch seconds as '2015-07-30T20:12:31Z'."""
    day, sec = divmod(epoch, DAY_SECONDS)
    return f"{_iso_day(day)}{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}Z"


def iso_date(day: int) -> str:
    """Format a day number as 'YYYY-MM-DD'."""
    return day_to_date(day).isoformat()


def price(units: int, *, negative: bool = True) -> str:
    """Format integer 1/100000 USD as a 5-decimal Twilio price like '-0.00790'."""
    whole, frac = divmod(units, PRICE_SCALE)
    sign = "-" if negative and units else ""
    return f"{sign}{whole}.{frac:05d}"
