"""Twilio's list envelopes: where the records are and where the next page is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from tap_twilio_metrics.errors import PaginationError

#: Envelope keys that are paging metadata, never the record list.
_PAGING_KEYS = frozenset(
    {
        "end",
        "first_page_uri",
        "next_page_uri",
        "page",
        "page_size",
        "previous_page_uri",
        "start",
        "uri",
        "meta",
    }
)


def records_of(body: Any, records_key: str | None) -> list[dict[str, Any]]:
    """Return the records of one response body.

    With ``records_key`` (a dotted path) the list is taken from there. Without
    it: v1+ envelopes name their list in ``meta.key``; 2010-04-01 envelopes
    hold exactly one list besides the paging keys; any other object is a single
    record (``Balance.json``).

    Raises:
        PaginationError: the body has no record list where one was expected.
    """
    if records_key:
        found: Any = body
        for key in records_key.split("."):
            found = found.get(key) if isinstance(found, Mapping) else None
        if not isinstance(found, list):
            msg = f"records path '{records_key}' does not lead to a list"
            raise PaginationError(msg)
        return found
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        msg = f"expected a JSON object, got {type(body).__name__}"
        raise PaginationError(msg)
    meta = body.get("meta")
    if isinstance(meta, Mapping) and isinstance(body.get(str(meta.get("key"))), list):
        return list(body[str(meta["key"])])
    lists = [
        value
        for key, value in body.items()
        if key not in _PAGING_KEYS and isinstance(value, list)
    ]
    if len(lists) == 1 and ("next_page_uri" in body or "meta" in body):
        return lists[0]
    if "next_page_uri" in body or isinstance(meta, Mapping):
        msg = "list envelope without a single record list: set the metric's records"
        raise PaginationError(msg)
    return [body]


def next_link(body: Any) -> str | None:
    """Return the next-page link exactly as Twilio gave it, if any."""
    if not isinstance(body, dict):
        return None
    link = body.get("next_page_uri")
    if not link:
        meta = body.get("meta")
        link = meta.get("next_page_url") if isinstance(meta, Mapping) else None
    return str(link) if link else None


class LinkPolicy:
    """Decides where a next-page link may be followed, keeping credentials home.

    A relative link (2010-04-01 ``next_page_uri``) is resolved against the
    origin requests go to. An absolute link (v1+ ``next_page_url``) must name
    the metric's own Twilio host, which is swapped for the override when one
    is set, or the override itself; any other host is refused.
    """

    def __init__(self, twilio_origin: str, override: str | None) -> None:
        """Remember the metric's Twilio origin and the optional override."""
        self.twilio = urlsplit(twilio_origin)
        self.override = urlsplit(override) if override else None
        self.origin = override or twilio_origin

    def first(self, path: str) -> str:
        """Return the URL of the first page of ``path``."""
        return self.origin + path

    def follow(self, link: str) -> str:
        """Return the URL to fetch for ``link``.

        Raises:
            PaginationError: the link names a host credentials must not go to.
        """
        parts = urlsplit(urljoin(self.origin + "/", link))
        same_twilio = (parts.scheme, parts.netloc) == (
            self.twilio.scheme,
            self.twilio.netloc,
        )
        if same_twilio and self.override is not None:
            parts = parts._replace(
                scheme=self.override.scheme, netloc=self.override.netloc
            )
        elif not same_twilio and not (
            self.override is not None
            and (parts.scheme, parts.netloc)
            == (self.override.scheme, self.override.netloc)
        ):
            msg = (
                f"next-page link points at {parts.scheme}://{parts.netloc}, not at "
                f"{self.origin}: refused so credentials stay with Twilio"
            )
            raise PaginationError(msg)
        return urlunsplit(parts)
