"""Profile the CPU benchmark's sync, worker threads included.

``python -m cProfile`` only sees the main thread, and the tap fetches and
folds pages in worker threads; this runs the same sync in-process with one
profiler per thread and merges them. Run ``python -m benchmarks.hotspots``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.processes import SimulatorOptions, SimulatorProcess
from benchmarks.suite import FULL, QUICK, SIM_END, message_metrics, tap_config
from tap_twilio_metrics.tap import TapTwilioMetrics

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_TIMERS: dict[str, Callable[[], float]] = {
    "cpu": time.thread_time,
    "wall": time.perf_counter,
}
_NAME_WIDTH = 72

# pstats' table: (file, line, function) -> (primitive calls, calls, own, cumulative)
Key = tuple[str, int, str]


class ThreadProfiles:
    """One profiler per thread started while active, plus the calling thread's."""

    def __init__(self, timer: Callable[[], float]) -> None:
        """Profile with ``timer`` (per-thread CPU time or wall time)."""
        self.timer = timer
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def new(self) -> cProfile.Profile:
        """A profiler that is kept for the report."""
        profile = cProfile.Profile(self.timer)
        with self._lock:
            self.profiles.append(profile)
        return profile

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Profile this thread and every thread started meanwhile."""
        original = threading.Thread.run
        new = self.new

        def profiled_run(thread: threading.Thread) -> None:
            profile = new()
            profile.enable()
            try:
                original(thread)
            finally:
                profile.disable()

        threading.Thread.run = profiled_run  # type: ignore[method-assign,assignment]
        main = self.new()
        main.enable()
        try:
            yield
        finally:
            main.disable()
            threading.Thread.run = original  # type: ignore[method-assign]

    def stats(self) -> pstats.Stats:
        """Every thread's profile merged."""
        merged = pstats.Stats(self.profiles[0])
        for profile in self.profiles[1:]:
            merged.add(profile)
        return merged


def sync(config: dict[str, Any]) -> None:
    """Run one sync in this process, its Singer output thrown away."""
    with Path(os.devnull).open("w") as devnull, contextlib.redirect_stdout(devnull):
        TapTwilioMetrics(config=config).sync_all()
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(timeout=10)


def top(stats: pstats.Stats, column: int, count: int) -> list[tuple[Key, Any]]:
    """The ``count`` functions with the most time in ``column`` (2 own, 3 cum)."""
    table: dict[Key, Any] = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(table.items(), key=lambda item: item[1][column], reverse=True)
    return ranked[:count]


def describe(key: Key) -> str:
    """``package/module.py:line(function)``, without the site-packages prefix."""
    filename, line, function = key
    if filename == "~":
        return function
    parts = Path(filename).parts
    for anchor in ("site-packages", "main", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
            break
    short = "/".join(parts[-3:])
    text = f"{short}:{line}({function})"
    return text if len(text) <= _NAME_WIDTH else "..." + text[-_NAME_WIDTH + 3 :]


def print_top(title: str, rows: list[tuple[Key, Any]]) -> None:
    """Print one ranking."""
    print(f"\n{title}")
    print(f"{'ncalls':>10} {'own s':>8} {'cum s':>8}  function")
    for key, (_, calls, own, cumulative, _) in rows:
        print(f"{calls:>10} {own:>8.3f} {cumulative:>8.3f}  {describe(key)}")


def main(argv: list[str] | None = None) -> int:
    """Profile one sync of the CPU benchmark and print its hot spots."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotspots")
    parser.add_argument("--quick", action="store_true", help="the quick data set")
    parser.add_argument("--top", type=int, default=15, help="functions per ranking")
    parser.add_argument(
        "--timer",
        choices=sorted(_TIMERS),
        default="cpu",
        help="cpu: per-thread CPU time (waits excluded); wall: elapsed time",
    )
    parser.add_argument("--save", type=Path, help="also write the merged .prof here")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    options = SimulatorOptions(SIM_END, sizes.cpu_days, sizes.cpu_per_day)
    profiles = ThreadProfiles(_TIMERS[args.timer])
    with (
        tempfile.TemporaryDirectory(prefix="tap-twilio-hotspots-") as scratch,
        SimulatorProcess(options, Path(scratch) / "simulator.log") as simulator,
    ):
        config = tap_config(simulator.url, sizes.cpu_days, message_metrics())
        started = time.perf_counter()
        with profiles.active():
            sync(config)
        wall = time.perf_counter() - started
    stats = profiles.stats()
    if args.save:
        stats.dump_stats(args.save)
    print(
        f"profiled sync: {wall:.2f} s wall under the profiler, "
        f"{len(profiles.profiles)} thread(s), timer: {args.timer}"
    )
    print_top("by cumulative time", top(stats, 3, args.top))
    print_top("by own time", top(stats, 2, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
