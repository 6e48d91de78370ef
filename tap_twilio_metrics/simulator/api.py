"""Request -> response logic of the simulated Twilio REST API (no sockets here)."""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from tap_twilio_metrics.simulator.base import StaticCollection
from tap_twilio_metrics.simulator.constants import (
    ALL_ACCOUNT_SIDS,
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    MAIN_ACCOUNT_SID,
    SUBACCOUNT_AUTH_TOKENS,
)
from tap_twilio_metrics.simulator.formats import DAY_SECONDS
from tap_twilio_metrics.simulator.paging import (
    MONITOR_HOST,
    InvalidParameterError,
    PageRequest,
    Query,
    comparison_bounds,
    page_links,
    range_bounds,
    select,
    v1_envelope,
    v2010_envelope,
)

if TYPE_CHECKING:
    from tap_twilio_metrics.simulator.base import Collection
    from tap_twilio_metrics.simulator.data import Dataset

_CREDENTIALS: dict[tuple[str, str], str] = {
    (API_KEY_SID, API_KEY_SECRET): MAIN_ACCOUNT_SID,
    (MAIN_ACCOUNT_SID, AUTH_TOKEN): MAIN_ACCOUNT_SID,
    **{(sid, token): sid for sid, token in SUBACCOUNT_AUTH_TOKENS.items()},
}
_ACCOUNT_ITEM = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)(?P<rest>/.+)?\.json$")
_CACHE_SIZE = 32


@dataclass(frozen=True)
class ListSpec:
    """How a list endpoint maps to data: envelope key, filters, paging style."""

    resource: str
    key: str
    date_param: str | None = None  # 'DateSent' -> DateSent, DateSent<, DateSent>
    start_end: bool = False  # StartDate / EndDate bounds
    equals: tuple[tuple[str, str], ...] = ()  # (query param, record field)


_ACCOUNT_LISTS: dict[str, ListSpec] = {
    "/Messages": ListSpec(
        "messages",
        "messages",
        date_param="DateSent",
        equals=(("To", "to"), ("From", "from")),
    ),
    "/Calls": ListSpec(
        "calls",
        "calls",
        date_param="StartTime",
        equals=(("To", "to"), ("From", "from"), ("Status", "status")),
    ),
    "/Recordings": ListSpec(
        "recordings",
        "recordings",
        date_param="DateCreated",
        equals=(("CallSid", "call_sid"),),
    ),
    "/Conferences": ListSpec(
        "conferences",
        "conferences",
        date_param="DateCreated",
        equals=(("Status", "status"), ("FriendlyName", "friendly_name")),
    ),
    "/Usage/Records/Daily": ListSpec(
        "usage_daily",
        "usage_records",
        start_end=True,
        equals=(("Category", "category"),),
    ),
    "/Usage/Records": ListSpec(
        "usage", "usage_records", start_end=True, equals=(("Category", "category"),)
    ),
    "/IncomingPhoneNumbers": ListSpec(
        "incoming_phone_numbers",
        "incoming_phone_numbers",
        equals=(("PhoneNumber", "phone_number"), ("FriendlyName", "friendly_name")),
    ),
}
_ACCOUNTS = ListSpec(
    "accounts",
    "accounts",
    equals=(("FriendlyName", "friendly_name"), ("Status", "status")),
)
_ALERTS = ListSpec(
    "alerts", "alerts", start_end=True, equals=(("LogLevel", "log_level"),)
)


@dataclass(frozen=True)
class Response:
    """A complete HTTP answer."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def dump(payload: object) -> bytes:
    """Serialize compact JSON."""
    return json.dumps(payload, separators=(",", ":")).encode()


def error(status: int, code: int, message: str, *headers: tuple[str, str]) -> Response:
    """Return a Twilio-style JSON error response."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(status, dump(body), headers)


def status_error(status: int, retry_after: str | None = None) -> Response:
    """Return the error a 'status' fault answers with (code 20000 + status)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    headers = () if retry_after is None else (("Retry-After", retry_after),)
    return error(status, 20000 + status, phrase, *headers)


def principal(authorization: str | None) -> str | None:
    """Return the account the Basic credentials authenticate, or None."""
    if not authorization or not authorization.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return _CREDENTIALS.get((user, password))


class Api:
    """Routes GET requests to the dataset and renders Twilio responses."""

    def __init__(self, dataset: Dataset) -> None:
        """Serve dataset."""
        self.dataset = dataset
        self._cache: OrderedDict[tuple[object, ...], Response] = OrderedDict()
        self._lock = threading.Lock()

    def handle(
        self,
        path: str,
        query: Query,
        authorization: str | None,
        *,
        foreign: bool = False,
    ) -> Response:
        """Answer one authenticated GET (query: last value of each parameter)."""
        who = principal(authorization)
        if who is None:
            return error(
                401,
                20003,
                "Authenticate",
                ("WWW-Authenticate", 'Basic realm="Twilio API"'),
            )
        key = (who, path, tuple(query.items()), self.dataset.version)
        if not foreign:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
                    return cached
        try:
            response = self._route(path, query, who, foreign=foreign)
        except InvalidParameterError as exc:
            return error(400, 20001, str(exc))
        if response.status == HTTPStatus.OK and not foreign:
            with self._lock:
                self._cache[key] = response
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return response

    def _route(self, path: str, query: Query, who: str, *, foreign: bool) -> Response:
        """Dispatch on the path."""
        if path in {"/v1/Alerts", "/v1/Alerts/"}:
            return self._list(_ALERTS, "/v1/Alerts", query, who, foreign=foreign)
        if path == "/2010-04-01/Accounts.json":
            return self._list(_ACCOUNTS, path, query, who, foreign=foreign)
        match = _ACCOUNT_ITEM.match(path)
        if match is None or match["sid"] not in ALL_ACCOUNT_SIDS:
            return not_found(path)
        sid = match["sid"]
        if who not in {sid, MAIN_ACCOUNT_SID}:
            return error(403, 20003, f"Account {who} is not authorized to access {sid}")
        return self._account_item(
            path, sid, match["rest"] or "", query, foreign=foreign
        )

    def _account_item(
        self, path: str, sid: str, rest: str, query: Query, *, foreign: bool
    ) -> Response:
        """Answer a path under /2010-04-01/Accounts/{sid} for an allowed caller."""
        spec = _ACCOUNT_LISTS.get(rest)
        if spec is not None:
            return self._list(spec, path, query, sid, foreign=foreign)
        if rest == "":
            return Response(200, dump(self.dataset.collection("accounts", sid).get(0)))
        if rest == "/Balance":
            return Response(200, dump(self.dataset.balance(sid)))
        return not_found(path)

    def _list(
        self,
        spec: ListSpec,
        path: str,
        query: Query,
        account: str,
        *,
        foreign: bool,
    ) -> Response:
        """Render one page of a list endpoint."""
        request = PageRequest.parse(query)
        lower, upper = (None, None)
        if spec.date_param is not None:
            lower, upper = comparison_bounds(query, spec.date_param)
        elif spec.start_end:
            lower, upper = range_bounds(query)
        collection: Collection
        if spec.resource == "usage":
            collection = self._usage_summary(account, lower, upper)
        else:
            collection = self.dataset.collection(spec.resource, account)
        lo, hi = collection.bounds(lower, upper)
        predicates = [
            (field, query[name]) for name, field in spec.equals if name in query
        ]
        resource = spec.resource

        def get(index: int) -> dict[str, Any]:
            return self.dataset.apply(resource, collection.get(index))

        selection = select(get, lo, hi, predicates, request)
        pairs = list(query.items())
        if spec.resource == "alerts":
            links = page_links(
                path,
                pairs,
                request,
                selection.next_position,
                foreign=foreign,
                host=MONITOR_HOST,
            )
            return Response(
                200, dump(v1_envelope(spec.key, selection.items, request, links))
            )
        links = page_links(
            path, pairs, request, selection.next_position, foreign=foreign
        )
        return Response(
            200, dump(v2010_envelope(spec.key, selection.items, request, links))
        )

    def _usage_summary(
        self, account: str, lower: int | None, upper: int | None
    ) -> StaticCollection:
        """Return Usage/Records for the requested (default: whole) date range."""
        first = self.dataset.first_day
        last = first + self.dataset.days - 1
        start = first if lower is None else lower // DAY_SECONDS
        end = last if upper is None else upper // DAY_SECONDS
        if end < start:
            return StaticCollection([])
        return StaticCollection(self.dataset.usage_summary(account, start, end))


def not_found(path: str) -> Response:
    """Return Twilio's 404 body."""
    return error(404, 20404, f"The requested resource {path} was not found")
