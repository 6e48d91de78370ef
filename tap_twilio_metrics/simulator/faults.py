"""Fault injection: declarative faults and a thread-safe matcher."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["status", "drop", "truncate", "slow", "foreign_next_page"]
FAULT_KINDS: frozenset[str] = frozenset(
    {"status", "drop", "truncate", "slow", "foreign_next_page"}
)


@dataclass
class Fault:
    """A misbehaviour applied to matching API requests.

    kind: "status" answers ``status`` with a Twilio error body (and Retry-After
    if given); "drop" closes the connection without answering; "truncate" sends
    the full Content-Length but only half the body; "slow" sleeps ``delay``
    seconds, then answers normally; "foreign_next_page" serves the real page
    with its next-page link pointing at host evil.example.com.
    Matching: the request path contains ``path_contains``; the first ``after``
    matching requests are let through; then it applies ``times`` times
    (None = forever).
    """

    kind: FaultKind
    status: int = 503
    retry_after: str | None = None
    path_contains: str = ""
    after: int = 0
    times: int | None = 1
    delay: float = 0.0
    seen: int = field(default=0, compare=False)
    applied: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        """Validate the fault kind."""
        if self.kind not in FAULT_KINDS:
            msg = f"unknown fault kind {self.kind!r}"
            raise ValueError(msg)


class FaultSet:
    """The active faults; picks at most one fault per request."""

    def __init__(self) -> None:
        """Start with no faults."""
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Activate a fault (its counters restart at zero)."""
        with self._lock:
            fault.seen = 0
            fault.applied = 0
            self._faults.append(fault)

    def clear(self) -> None:
        """Deactivate all faults."""
        with self._lock:
            self._faults.clear()

    def match(self, path: str) -> Fault | None:
        """Count the request against every matching fault; return the one to apply.

        Every fault whose ``path_contains`` matches counts the request; the
        first (in insertion order) that is past ``after`` and still has
        ``times`` left is applied.
        """
        chosen: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if fault.path_contains not in path:
                    continue
                fault.seen += 1
                if chosen is not None or fault.seen <= fault.after:
                    continue
                if fault.times is None or fault.applied < fault.times:
                    fault.applied += 1
                    chosen = fault
        return chosen
