"""Fetching windows ahead: a bounded number in flight, results in plan order.

A metric's plan lists every (account, window) of the run, accounts in the
order the streams emit them. Up to ``ahead`` of them are computed at once, so
the workers run on into the next account while the current one is emitted.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Executor, Future

    from tap_twilio_metrics.runner import WindowResult
    from tap_twilio_metrics.windows import Window

Step = tuple[str, "Window"]


class WindowQueue:
    """Computes a plan's steps ahead of the one being emitted."""

    def __init__(
        self,
        pool: Executor,
        compute: Callable[[str, Window], WindowResult],
        plan: list[Step],
        ahead: int,
    ) -> None:
        """Take the plan; nothing starts until results are asked for."""
        self._pool = pool
        self._compute = compute
        self._plan = deque(plan)
        self._ahead = ahead
        self._pending: dict[Step, Future[WindowResult]] = {}

    def results(
        self, account_sid: str, windows: list[Window]
    ) -> Iterator[WindowResult]:
        """Yield the account's window results, oldest first.

        If the caller stops early (an error), the account's remaining steps
        are dropped; other accounts' steps go on.
        """
        try:
            for window in windows:
                self._fill()
                future = self._pending.pop((account_sid, window), None)
                if future is None:  # not in the plan (or already dropped)
                    future = self._pool.submit(self._compute, account_sid, window)
                yield future.result()
        finally:
            self.drop(account_sid)

    def drop(self, account_sid: str) -> None:
        """Cancel and forget every step of ``account_sid`` still pending."""
        self._plan = deque(step for step in self._plan if step[0] != account_sid)
        for step in [step for step in self._pending if step[0] == account_sid]:
            self._pending.pop(step).cancel()

    def _fill(self) -> None:
        while self._plan and len(self._pending) < self._ahead:
            step = self._plan.popleft()
            self._pending[step] = self._pool.submit(self._compute, *step)
