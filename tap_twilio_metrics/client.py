"""HTTP to Twilio: Basic auth, retries that honour Retry-After, clear errors."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit, urlunsplit

import requests

from tap_twilio_metrics.errors import (
    PaginationError,
    RetriesExhaustedError,
    TwilioAPIError,
)
from tap_twilio_metrics.pagination import LinkPolicy, next_link, records_of

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

RETRIED_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
_BACKOFF_BASE: Final = 0.5
_USER_AGENT: Final = "tap-twilio-metrics"

_HINTS: Final = {
    400: "check the metric's params (names and date formats) against Twilio's docs",
    401: "check account_sid and the API key pair (or auth_token)",
    403: (
        "the credentials may not reach this resource: account-wide resources "
        "need a Main API key, and subaccounts need the parent's credentials"
    ),
    404: "check the metric's base_url and path, and that the account SID exists",
}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    """One page of records; ``capped`` when more pages exist beyond the cap."""

    records: list[dict[str, Any]]
    capped: bool = False


@dataclass(frozen=True)
class ListRequest:
    """One paginated GET: where, with which query, and how far to follow it."""

    base_url: str
    path: str
    params: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...] = ()
    records_key: str | None = None
    max_pages: int = 100
    label: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry transient failures.

    ``max_wait`` caps each wait, ``max_total`` the time one request may take
    from its first try to giving up, waits and tries included.
    """

    max_tries: int = 6
    timeout: float = 60.0
    max_wait: float = 120.0
    max_total: float = 600.0


class _Transient(Exception):  # noqa: N818 - a signal, not an error users see
    """A failure worth retrying, with the wait the server asked for (if any)."""

    def __init__(
        self, reason: str, retry_after: float | None = None, status: int = 0
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.status = status


def without_secrets(url: str) -> str:
    """Drop any user-info from a URL before it goes into a message."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Read ``Retry-After`` as seconds, from a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000": HTTP dates are always UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return max(moment.timestamp() - (time.time() if now is None else now), 0.0)


class TwilioClient:
    """Fetches pages from Twilio (or the override) with one session per thread."""

    def __init__(
        self,
        username: str,
        password: str,
        policy: RetryPolicy,
        override: str | None = None,
    ) -> None:
        """Keep the credentials; they are only sent with our own requests."""
        self._auth = (username, password)
        self.policy = policy
        self.override = override
        self._local = threading.local()
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self.requests_made = 0

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.auth = self._auth
            session.headers["User-Agent"] = _USER_AGENT
            session.headers["Accept"] = "application/json"
            self._local.session = session
        return session

    def pages(self, request: ListRequest) -> Iterator[Page]:
        """Yield pages of a list, following next-page links up to ``max_pages``.

        The last page yielded has ``capped`` set when Twilio offered another
        page beyond the cap.

        Raises:
            PaginationError: a page has no record list, or a next-page link is
                unsafe or repeats.
        """
        links = LinkPolicy(request.base_url, self.override)
        url = links.first(request.path)
        query: Mapping[str, str] | None = dict(request.params)
        seen = {url}
        label = request.label
        for number in range(1, request.max_pages + 1):
            body = self.get_json(url, query, dict(request.headers), label)
            try:
                records = records_of(body, request.records_key)
                link = next_link(body)
                follow = None if link is None else links.follow(link)
            except PaginationError as exc:
                msg = f"{label}: GET {without_secrets(url)}: {exc}"
                raise PaginationError(msg) from None
            capped = follow is not None and number == request.max_pages
            yield Page(records, capped=capped)
            if follow is None:
                return
            url = follow
            query = None  # the link carries the query, exactly as Twilio gave it
            if url in seen:
                msg = (
                    f"{label}: next-page link {without_secrets(url)} repeats a page "
                    "already read: Twilio's paging looped, stopped to avoid counting "
                    "records twice"
                )
                raise PaginationError(msg)
            seen.add(url)

    def get_json(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        label: str,
    ) -> Any:
        """GET one URL and parse its JSON, retrying transient failures.

        Raises:
            TwilioAPIError: Twilio refused the request (4xx other than 429).
            RetriesExhaustedError: transient failures outlasted the tries or
                the time budget.
        """
        started = time.monotonic()
        for attempt in range(1, self.policy.max_tries + 1):
            self._wait_for_pause()
            try:
                return self._attempt(url, params, headers, label)
            except _Transient as failure:
                wait = self._wait_for(attempt, failure)
                spent = time.monotonic() - started
                if attempt == self.policy.max_tries or (
                    spent + wait > self.policy.max_total
                ):
                    raise RetriesExhaustedError(
                        self._exhausted(label, url, attempt, spent, failure)
                    ) from None
                if failure.status == 429:  # noqa: PLR2004 - rate limited
                    self._pause(wait)
                logger.info(
                    "%s: %s; retrying in %.2f s (try %d of %d)",
                    label,
                    failure.reason,
                    wait,
                    attempt + 1,
                    self.policy.max_tries,
                )
                time.sleep(wait)
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _exhausted(
        self, label: str, url: str, tries: int, spent: float, failure: _Transient
    ) -> str:
        """Say that a request kept failing, why, and what to do about it."""
        budget = (
            f"max_tries={self.policy.max_tries}"
            if tries == self.policy.max_tries
            else f"the retry budget of {self.policy.max_total:g} s"
        )
        return (
            f"{label}: GET {without_secrets(url)} still failing after {tries} "
            f"tries in {spent:.1f} s, which used up {budget} (last: "
            f"{failure.reason}); Twilio may be degraded or rate-limiting this "
            "account: run again later, or raise max_tries / max_retry_wait"
        )

    def _attempt(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        label: str,
    ) -> Any:
        with self._lock:
            self.requests_made += 1
        try:
            response = self._session().get(
                url,
                params=params,
                headers=dict(headers),
                timeout=self.policy.timeout,
                allow_redirects=False,  # credentials must not follow a redirect
            )
            logger.debug(
                "GET %s -> %s", without_secrets(response.url), response.status_code
            )
            if response.status_code in RETRIED_STATUSES:
                raise _Transient(
                    _status_reason(response),
                    parse_retry_after(response.headers.get("Retry-After")),
                    response.status_code,
                )
            if response.status_code >= 300:  # noqa: PLR2004
                raise TwilioAPIError(
                    _describe_refusal(label, response), response.status_code
                )
            # JSON is UTF-8: parse the bytes, skipping requests' text decoding.
            return json.loads(response.content)
        except requests.Timeout:
            msg = f"no answer within request_timeout ({self.policy.timeout:g} s)"
            raise _Transient(msg) from None
        except requests.ConnectionError:
            msg = "connection failed or dropped"
            raise _Transient(msg) from None
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ):
            msg = "response cut off"
            raise _Transient(msg) from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            msg = "response body is not complete JSON"
            raise _Transient(msg) from None
        except requests.RequestException as exc:
            msg = (
                f"{label}: GET {without_secrets(url)} could not be sent "
                f"({type(exc).__name__}); check the metric's path, params and headers"
            )
            raise TwilioAPIError(msg) from None

    def _pause(self, seconds: float) -> None:
        """Hold every worker back after a 429, so the pool slows down together."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def _wait_for_pause(self) -> None:
        delay = self._paused_until - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def _wait_for(self, attempt: int, failure: _Transient) -> float:
        """Wait what ``Retry-After`` asks, else backoff with full jitter; capped."""
        if failure.retry_after is not None:
            return min(failure.retry_after, self.policy.max_wait)
        ceiling = min(self.policy.max_wait, _BACKOFF_BASE * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not security


def _status_reason(response: requests.Response) -> str:
    """Name a retried status with Twilio's code and message and any Retry-After."""
    reason = f"HTTP {response.status_code} ({_twilio_reason(response)})"
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        reason += f", Retry-After {retry_after.strip()[:40]!r}"
    return reason


def _twilio_reason(response: requests.Response) -> str:
    """Return Twilio's error code and message, or the HTTP reason phrase."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("code")
    message = str(body.get("message") or response.reason or "no message")[:300]
    return f"Twilio error {code}: {message}" if code else message


def _describe_refusal(label: str, response: requests.Response) -> str:
    """One line saying which request failed, Twilio's reason and what to check."""
    status = response.status_code
    if status < 400:  # noqa: PLR2004 - a redirect
        location = without_secrets(response.headers.get("Location", "nowhere"))
        return (
            f"{label}: GET {without_secrets(response.url)} answered HTTP {status}, "
            f"a redirect to {location}: not followed, so credentials stay with "
            "Twilio; check the metric's base_url and path"
        )
    hint = _HINTS.get(status, "check the metric's definition")
    return (
        f"{label}: GET {without_secrets(response.url)} answered HTTP "
        f"{status} ({_twilio_reason(response)}); {hint}"
    )


__all__ = [
    "ListRequest",
    "Page",
    "RetryPolicy",
    "TwilioClient",
    "parse_retry_after",
    "without_secrets",
]
