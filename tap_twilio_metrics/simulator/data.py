"""Deterministic, lazily generated data set of one simulated Twilio customer."""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

from tap_twilio_metrics.simulator.base import Collection, StaticCollection
from tap_twilio_metrics.simulator.constants import (
    ALL_ACCOUNT_SIDS,
    MAIN_ACCOUNT_SID,
    RESOURCES,
)
from tap_twilio_metrics.simulator.formats import (
    DAY_SECONDS,
    date_to_day,
    stream_key,
)
from tap_twilio_metrics.simulator.generators import STREAMS
from tap_twilio_metrics.simulator.static import (
    account_record,
    balance_record,
    own_numbers,
    phone_numbers,
)
from tap_twilio_metrics.simulator.timeline import Timeline
from tap_twilio_metrics.simulator.usage import DailyUsage, Usage

if TYPE_CHECKING:
    from collections.abc import Iterator

_ALERTS_PER_DAY = 5
_RECORDINGS_PER_CALL_PERCENT = 40
_CONFERENCES_PER_CALL_PERCENT = 20
_PERCENT = 100


def _key(resource: str, record: dict[str, Any]) -> str:
    """Return the identity used by update_record: the sid, or category:start_date."""
    sid = record.get("sid") or record.get("account_sid")
    if resource in {"usage", "usage_daily"}:
        return f"{record['category']}:{record['start_date']}"
    return str(sid)


class Dataset:
    """All accounts' records, generated on demand from (seed, account, index)."""

    def __init__(
        self,
        *,
        seed: int,
        end: dt.date,
        days: int,
        messages_per_day: int,
        calls_per_day: int,
    ) -> None:
        """Precompute only per-day counts; records are built when requested."""
        self.seed = seed
        self.days = days
        self.first_day = date_to_day(end) - days
        self.start_epoch = self.first_day * DAY_SECONDS
        self.end_epoch = date_to_day(end) * DAY_SECONDS
        self.as_of = dt.datetime.fromtimestamp(self.end_epoch, dt.UTC).isoformat()
        self._rates = {
            "messages": messages_per_day,
            "calls": calls_per_day,
            "recordings": _share(calls_per_day, _RECORDINGS_PER_CALL_PERCENT),
            "conferences": _share(calls_per_day, _CONFERENCES_PER_CALL_PERCENT),
            "alerts": _ALERTS_PER_DAY,
        }
        self._lock = threading.Lock()
        self._timelines: dict[tuple[str, str], Timeline] = {}
        self._collections: dict[tuple[str, str], Collection] = {}
        self._usages: dict[str, Usage] = {}
        self._overrides: dict[str, dict[str, dict[str, Any]]] = {}
        self.version = 0

    # -- building blocks (built lazily, once) ----------------------------
    def timeline(self, resource: str, account: str) -> Timeline:
        """Return the per-day volume timeline of a generated resource."""
        found = self._timelines.get((resource, account))
        if found is not None:
            return found
        rate = self._rates[resource]
        if account != MAIN_ACCOUNT_SID:
            rate = _share(rate, _PERCENT // 2)
        built = Timeline(
            key=stream_key(self.seed, account, resource, "timeline"),
            first_day=self.first_day,
            days=self.days,
            rate=rate,
        )
        with self._lock:
            return self._timelines.setdefault((resource, account), built)

    def collection(self, resource: str, account: str) -> Collection:
        """Return the indexable records of a list resource (not 'usage')."""
        if resource == "usage_daily":
            return DailyUsage(self.usage(account))
        found = self._collections.get((resource, account))
        if found is not None:
            return found
        built = self._build(resource, account)
        with self._lock:
            return self._collections.setdefault((resource, account), built)

    def usage(self, account: str) -> Usage:
        """Return the usage model of an account."""
        found = self._usages.get(account)
        if found is not None:
            return found
        built = Usage(
            account=account,
            messages=self.timeline("messages", account),
            calls=self.timeline("calls", account),
            recordings=self.timeline("recordings", account),
            numbers=len(self.collection("incoming_phone_numbers", account)),
            as_of=self.as_of,
        )
        with self._lock:
            return self._usages.setdefault(account, built)

    def _numbers(self, account: str) -> StaticCollection:
        """Return the account's IncomingPhoneNumbers list."""
        return StaticCollection(
            phone_numbers(
                seed=self.seed,
                account=account,
                first_day=self.first_day,
                days=self.days,
            )
        )

    def _build(self, resource: str, account: str) -> Collection:
        """Build the generator or list of (resource, account)."""
        if resource == "incoming_phone_numbers":
            return self._numbers(account)
        if resource == "accounts":
            visible = ALL_ACCOUNT_SIDS if account == MAIN_ACCOUNT_SID else (account,)
            return StaticCollection(
                [account_record(sid, self.first_day) for sid in visible]
            )
        if resource not in STREAMS:
            msg = f"{resource!r} is not an indexable list resource"
            raise ValueError(msg)
        return STREAMS[resource](
            seed=self.seed,
            account=account,
            timeline=self.timeline(resource, account),
            own_numbers=own_numbers(self._numbers(account).items),
        )

    # -- records with overrides ------------------------------------------
    def apply(self, resource: str, record: dict[str, Any]) -> dict[str, Any]:
        """Return record with any update_record overrides merged in."""
        overrides = self._overrides.get(resource)
        if not overrides:
            return record
        fields = overrides.get(_key(resource, record))
        return {**record, **fields} if fields else record

    def get(self, resource: str, account: str, index: int) -> dict[str, Any]:
        """Return record index of a list resource with overrides applied."""
        return self.apply(resource, self.collection(resource, account).get(index))

    def usage_summary(self, account: str, start: int, end: int) -> list[dict[str, Any]]:
        """Return Usage/Records for absolute days [start, end], with overrides."""
        return [self.apply("usage", r) for r in self.usage(account).summary(start, end)]

    def records(self, resource: str, account: str) -> Iterator[dict[str, Any]]:
        """Yield every served record of resource for account, oldest first."""
        if resource not in RESOURCES:
            msg = f"unknown resource {resource!r}"
            raise ValueError(msg)
        if account not in ALL_ACCOUNT_SIDS:
            msg = f"unknown account {account!r}"
            raise ValueError(msg)
        if resource == "usage":
            last = self.first_day + self.days - 1
            yield from self.usage_summary(account, self.first_day, last)
            return
        collection = self.collection(resource, account)
        for index in range(len(collection)):
            yield self.apply(resource, collection.get(index))

    def balance(self, account: str) -> dict[str, Any]:
        """Return the Balance object of an account, with overrides."""
        return self.apply("balance", balance_record(seed=self.seed, account=account))

    def update(self, resource: str, sid: str, fields: dict[str, Any]) -> None:
        """Record overrides for the record identified by sid."""
        with self._lock:
            per_resource = dict(self._overrides.get(resource, {}))
            per_resource[sid] = {**per_resource.get(sid, {}), **fields}
            self._overrides = {**self._overrides, resource: per_resource}
            self.version += 1


def _share(rate: int, percent: int) -> int:
    """Return percent of a daily rate, at least 1 when the rate is positive."""
    if rate <= 0:
        return 0
    return max(1, rate * percent // _PERCENT)
