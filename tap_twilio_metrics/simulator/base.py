"""Shared shapes: the collection protocol, phone-number plans and weighted tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

API_VERSION = "2010-04-01"
PERCENT = 100


class Collection(Protocol):
    """An indexable, date-ordered (oldest first) sequence of served records."""

    def __len__(self) -> int:
        """Return the number of records."""
        ...

    def get(self, index: int) -> dict[str, Any]:
        """Return record number index (0 = oldest)."""
        ...

    def bounds(self, lower: int | None, upper: int | None) -> tuple[int, int]:
        """Return [lo, hi) of indices dated within [lower, upper] epoch seconds."""
        ...


class StaticCollection:
    """A small in-memory list of records that ignores date bounds."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        """Wrap items, oldest first."""
        self.items = items

    def __len__(self) -> int:
        """Return the number of records."""
        return len(self.items)

    def get(self, index: int) -> dict[str, Any]:
        """Return record number index."""
        return self.items[index]

    def bounds(self, lower: int | None, upper: int | None) -> tuple[int, int]:
        """Return the whole list: static lists have no date filter."""
        del lower, upper
        return 0, len(self.items)


@dataclass(frozen=True)
class Country:
    """A destination country: dialling plan and per-unit prices (1/100000 USD)."""

    iso: str
    prefix: str
    digits: int
    sms_price: int
    call_price: int

    def number(self, bits: int) -> str:
        """Return a deterministic E.164 number in this country from random bits."""
        return f"{self.prefix}{bits % 10**self.digits:0{self.digits}d}"


US = Country("US", "+1", 10, 790, 1300)
COUNTRIES: tuple[Country, ...] = (
    US,
    Country("GB", "+447", 9, 4130, 1500),
    Country("DE", "+4915", 9, 8450, 2100),
    Country("FR", "+336", 8, 7700, 1800),
    Country("AU", "+614", 8, 5150, 2400),
    Country("BR", "+55119", 8, 6250, 3100),
)
COUNTRY_BY_ISO = {country.iso: country for country in COUNTRIES}


class OwnNumber(NamedTuple):
    """A phone number owned by an account (an IncomingPhoneNumber)."""

    number: str
    sid: str


def weighted(*pairs: tuple[str, int]) -> tuple[str, ...]:
    """Expand (value, weight) pairs into a lookup table indexed by a random int."""
    return tuple(value for value, weight in pairs for _ in range(weight))


def us_formatted(number: str) -> str:
    """Return '(305) 141-6799' for US numbers and the E.164 form otherwise."""
    if number.startswith("+1") and len(number) == len("+13051416799"):
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number
