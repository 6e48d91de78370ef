"""Windows are computed ahead in plan order, across accounts, a bounded number."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

import pytest

from tap_twilio_metrics.runner import WindowResult
from tap_twilio_metrics.schedule import WindowQueue
from tap_twilio_metrics.windows import Window

if TYPE_CHECKING:
    from collections.abc import Callable

DAY_1 = Window(
    dt.datetime(2024, 3, 1, tzinfo=dt.UTC), dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
)
DAY_2 = Window(DAY_1.end, dt.datetime(2024, 3, 3, tzinfo=dt.UTC))
PLAN = [("A", DAY_1), ("A", DAY_2), ("B", DAY_1), ("B", DAY_2)]


class RightAway(Executor):
    """Runs each submitted call at once, so tests see exactly what was started."""

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        """Run ``fn`` now and return its finished future."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed over through the future
            future.set_exception(exc)
        return future


class Recorder:
    """A compute function that remembers its calls and can fail for one step."""

    def __init__(self, failing: tuple[str, Window] | None = None) -> None:
        """Fail for ``failing``, if given."""
        self.calls: list[tuple[str, Window]] = []
        self.failing = failing

    def __call__(self, account_sid: str, window: Window) -> WindowResult:
        """Record the call and return an empty result."""
        self.calls.append((account_sid, window))
        if (account_sid, window) == self.failing:
            msg = "refused"
            raise RuntimeError(msg)
        return WindowResult(window)


def test_the_workers_run_on_into_the_next_account() -> None:
    compute = Recorder()
    queue = WindowQueue(RightAway(), compute, PLAN, ahead=4)

    first = next(queue.results("A", [DAY_1, DAY_2]))

    assert first.window == DAY_1
    assert compute.calls == PLAN


def test_no_more_than_ahead_steps_are_started() -> None:
    compute = Recorder()
    queue = WindowQueue(RightAway(), compute, PLAN, ahead=2)

    next(queue.results("A", [DAY_1, DAY_2]))

    assert compute.calls == PLAN[:2]


def test_results_come_out_in_window_order_for_each_account() -> None:
    queue = WindowQueue(RightAway(), Recorder(), PLAN, ahead=3)

    a = [result.window for result in queue.results("A", [DAY_1, DAY_2])]
    b = [result.window for result in queue.results("B", [DAY_1, DAY_2])]

    assert a == b == [DAY_1, DAY_2]


def test_a_failed_account_drops_its_steps_and_the_next_account_goes_on() -> None:
    compute = Recorder(failing=("A", DAY_1))
    queue = WindowQueue(RightAway(), compute, PLAN, ahead=2)

    with pytest.raises(RuntimeError, match="refused"):
        list(queue.results("A", [DAY_1, DAY_2]))
    b = [result.window for result in queue.results("B", [DAY_1, DAY_2])]

    assert b == [DAY_1, DAY_2]
    assert compute.calls.count(("B", DAY_1)) == 1
