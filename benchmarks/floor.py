"""The floor: the tap's pages fetched and parsed with plain requests, no metrics."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from tap_twilio_metrics.simulator.constants import (
    API_KEY_SECRET,
    API_KEY_SID,
    MAIN_ACCOUNT_SID,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

MESSAGES_PATH = f"/2010-04-01/Accounts/{MAIN_ACCOUNT_SID}/Messages.json"
_TIMEOUT = 60.0


@dataclass(frozen=True)
class FloorRun:
    """One pass over the pages: how long, how many requests and records."""

    wall_seconds: float
    requests: int
    records: int


class _Fetcher:
    """Follows next-page links with one session per thread."""

    def __init__(self, base_url: str, path: str, records_key: str) -> None:
        self.base_url = base_url
        self.path = path
        self.records_key = records_key
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.auth = (API_KEY_SID, API_KEY_SECRET)
            session.headers["Accept"] = "application/json"
            self._local.session = session
        return session

    def window(self, params: Mapping[str, str]) -> tuple[int, int]:
        """Fetch every page of one window; return (requests, records)."""
        session = self._session()
        url = self.base_url + self.path
        query: Mapping[str, str] | None = params
        requests_made = records = 0
        while True:
            response = session.get(url, params=query, timeout=_TIMEOUT)
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            requests_made += 1
            records += len(body[self.records_key])
            link = body.get("next_page_uri")
            if not link:
                return requests_made, records
            url = self.base_url + str(link)
            query = None


def one_pass(
    base_url: str,
    windows: Sequence[Mapping[str, str]],
    *,
    workers: int = 1,
    path: str = MESSAGES_PATH,
    records_key: str = "messages",
) -> FloorRun:
    """Fetch and parse every page of ``windows`` once, ``workers`` at a time."""
    fetcher = _Fetcher(base_url, path, records_key)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        counts = list(pool.map(fetcher.window, windows))
    wall = time.perf_counter() - started
    return FloorRun(
        wall,
        sum(made for made, _ in counts),
        sum(records for _, records in counts),
    )
