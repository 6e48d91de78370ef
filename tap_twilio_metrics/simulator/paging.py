"""Twilio list semantics: filter parsing, newest-first selection and envelopes."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from tap_twilio_metrics.simulator.formats import DAY_SECONDS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MONITOR_HOST = "https://monitor.twilio.com"
FOREIGN_HOST = "https://evil.example.com"
_PAGE_SIZE, _PAGE, _PAGE_TOKEN = "PageSize", "Page", "PageToken"
_PAGING_PARAMS = frozenset({_PAGE_SIZE, _PAGE, _PAGE_TOKEN})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"
)

Query = dict[str, str]
Predicate = tuple[str, str]  # (field, required value)


class InvalidParameterError(ValueError):
    """A query parameter Twilio would reject with HTTP 400 / code 20001."""

    def __init__(self, name: str, value: str) -> None:
        """Remember the offending parameter."""
        super().__init__(f"Invalid {name} value: {value!r}")
        self.name = name
        self.value = value


def parse_instant(name: str, value: str) -> tuple[int, int]:
    """Return the inclusive (first, last) epoch seconds a filter value denotes.

    'YYYY-MM-DD' is the whole UTC day; a date-time is that second.
    """
    text = value.strip()
    if _DATE.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidParameterError(name, value) from None
        start = int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())
        return start, start + DAY_SECONDS - 1
    try:
        if _DATE_TIME.match(text):
            moment = dt.datetime.fromisoformat(text)
        else:
            moment = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError):
        raise InvalidParameterError(name, value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    second = int(moment.timestamp())
    return second, second


def _tighten(
    current: tuple[int | None, int | None], lower: int | None, upper: int | None
) -> tuple[int | None, int | None]:
    """Intersect inclusive bounds."""
    low, high = current
    if lower is not None:
        low = lower if low is None else max(low, lower)
    if upper is not None:
        high = upper if high is None else min(high, upper)
    return low, high


def comparison_bounds(query: Query, param: str) -> tuple[int | None, int | None]:
    """Return inclusive bounds from 'X', 'X>' (>=) and 'X<' (<=) parameters."""
    bounds: tuple[int | None, int | None] = (None, None)
    if param in query:
        bounds = _tighten(bounds, *parse_instant(param, query[param]))
    if f"{param}>" in query:
        bounds = _tighten(
            bounds, parse_instant(f"{param}>", query[f"{param}>"])[0], None
        )
    if f"{param}<" in query:
        bounds = _tighten(
            bounds, None, parse_instant(f"{param}<", query[f"{param}<"])[1]
        )
    return bounds


def range_bounds(query: Query) -> tuple[int | None, int | None]:
    """Return inclusive bounds from StartDate / EndDate parameters."""
    lower = upper = None
    if "StartDate" in query:
        lower = parse_instant("StartDate", query["StartDate"])[0]
    if "EndDate" in query:
        upper = parse_instant("EndDate", query["EndDate"])[1]
    return lower, upper


@dataclass(frozen=True)
class PageRequest:
    """Validated paging parameters."""

    size: int
    page: int
    position: int | None  # exclusive upper index to continue from (PageToken)

    @classmethod
    def parse(cls, query: Query) -> PageRequest:
        """Validate PageSize (1..1000, default 50), Page (>= 0) and PageToken."""
        size = _int_param(query, "PageSize", DEFAULT_PAGE_SIZE)
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InvalidParameterError(_PAGE_SIZE, str(size))
        page = _int_param(query, "Page", 0)
        if page < 0:
            raise InvalidParameterError(_PAGE, str(page))
        token = query.get("PageToken")
        return cls(size, page, None if token is None else decode_token(token))


def _int_param(query: Query, name: str, default: int) -> int:
    """Return an integer query parameter."""
    if name not in query:
        return default
    try:
        return int(query[name])
    except ValueError:
        raise InvalidParameterError(name, query[name]) from None


def encode_token(position: int) -> str:
    """Return the opaque PageToken for continuing below index position."""
    raw = base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")
    return f"PA{raw}"


def decode_token(token: str) -> int:
    """Return the position encoded by encode_token."""
    raw = token.removeprefix("PA")
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (ValueError, binascii.Error):
        text = ""
    digits = text.removeprefix("p")
    if not token.startswith("PA") or not text.startswith("p") or not digits.isdigit():
        raise InvalidParameterError(_PAGE_TOKEN, token)
    return int(digits)


@dataclass(frozen=True)
class Selection:
    """One page of records, newest first, and where the next page starts."""

    items: list[dict[str, Any]]
    next_position: int | None


def select(  # noqa: PLR0913 - the page window is described by six values
    get: Callable[[int], dict[str, Any]],
    lo: int,
    hi: int,
    predicates: Sequence[Predicate],
    request: PageRequest,
    *,
    lookahead: bool = True,
) -> Selection:
    """Walk indices [lo, hi) downwards (newest first) and return one page.

    Cost is O(page) without field predicates; with predicates it is the
    number of records scanned, like a server-side filter.
    """
    if request.position is not None:
        pos = min(max(request.position, lo), hi)
    elif not predicates:
        pos = max(lo, hi - request.page * request.size)
    else:
        pos = _skip(get, lo, hi, predicates, request.page * request.size)
    items: list[dict[str, Any]] = []
    index = pos - 1
    while index >= lo and len(items) < request.size:
        record = get(index)
        if _matches(record, predicates):
            items.append(record)
        index -= 1
    if index < lo:
        return Selection(items, None)
    if not predicates or not lookahead:
        return Selection(items, index + 1)
    while index >= lo:
        if _matches(get(index), predicates):
            return Selection(items, index + 1)
        index -= 1
    return Selection(items, None)


def _matches(record: dict[str, Any], predicates: Sequence[Predicate]) -> bool:
    """Return True when every (field, value) predicate holds."""
    return all(str(record.get(name)) == value for name, value in predicates)


def _skip(
    get: Callable[[int], dict[str, Any]],
    lo: int,
    hi: int,
    predicates: Sequence[Predicate],
    count: int,
) -> int:
    """Return the exclusive upper index after skipping count matching records."""
    index = hi
    while count > 0 and index > lo:
        index -= 1
        if _matches(get(index), predicates):
            count -= 1
    return index


def _uri(base: str, pairs: Sequence[tuple[str, str]]) -> str:
    """Return base?query with Twilio-like encoding ('>' as %3E, '+' as %2B)."""
    return f"{base}?{urlencode(pairs, quote_via=quote, safe=':')}"


@dataclass(frozen=True)
class Links:
    """The uri / first / next / previous links of a page."""

    uri: str
    first: str
    next: str | None
    previous: str | None


def page_links(  # noqa: PLR0913 - the links depend on six independent values
    base: str,
    pairs: Sequence[tuple[str, str]],
    request: PageRequest,
    next_position: int | None,
    *,
    foreign: bool = False,
    host: str = "",
) -> Links:
    """Build the links, carrying the original filters and the page token."""
    filters = [(k, v) for k, v in pairs if k not in _PAGING_PARAMS]
    size = ("PageSize", str(request.size))

    def link(page: int, token: int | None = None, at: str = host) -> str:
        extra = [] if token is None else [("PageToken", encode_token(token))]
        return at + _uri(base, [*filters, size, ("Page", str(page)), *extra])

    nxt = None if next_position is None else link(request.page + 1, next_position)
    if foreign:
        nxt = link(request.page + 1, next_position or 0, at=FOREIGN_HOST)
    current = [*filters, size, ("Page", str(request.page))]
    if request.position is not None:
        current.append(("PageToken", encode_token(request.position)))
    return Links(
        uri=host + _uri(base, current),
        first=link(0),
        next=nxt,
        previous=link(request.page - 1) if request.page > 0 else None,
    )


def v2010_envelope(
    key: str, items: list[dict[str, Any]], request: PageRequest, links: Links
) -> dict[str, Any]:
    """Return the 2010-04-01 list envelope (relative *_page_uri links)."""
    start = request.page * request.size
    return {
        key: items,
        "end": start + max(len(items) - 1, 0),
        "first_page_uri": links.first,
        "next_page_uri": links.next,
        "page": request.page,
        "page_size": request.size,
        "previous_page_uri": links.previous,
        "start": start,
        "uri": links.uri,
    }


def v1_envelope(
    key: str, items: list[dict[str, Any]], request: PageRequest, links: Links
) -> dict[str, Any]:
    """Return the v1 list envelope with absolute meta.*_url links."""
    return {
        key: items,
        "meta": {
            "first_page_url": links.first,
            "key": key,
            "next_page_url": links.next,
            "page": request.page,
            "page_size": request.size,
            "previous_page_url": links.previous,
            "url": links.uri,
        },
    }
