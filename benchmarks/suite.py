"""The benchmarks: CPU throughput, latency-bound concurrency, memory at scale."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from benchmarks.floor import one_pass
from benchmarks.processes import (
    SimulatorOptions,
    SimulatorProcess,
    TapRun,
    run_tap,
    startup_seconds,
)
from tap_twilio_metrics.simulator.constants import (
    API_KEY_SECRET,
    API_KEY_SID,
    MAIN_ACCOUNT_SID,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

#: The simulator's data covers the days before this date.
SIM_END = dt.date(2024, 3, 31)
#: The tap's default number of windows in flight (its ``max_workers``).
DEFAULT_WORKERS = 8
PAGE_SIZE = 1000
MAX_PAGES = 1000
COUNT_STREAM = "bench_messages_by_status"

_MESSAGES_BY_DAY = {"DateSent>": "{start_date}", "DateSent<": "{end_date}"}
_CALLS_BY_DAY = {"StartTime>": "{start_date}", "StartTime<": "{end_date}"}
_MESSAGES_PATH = "/2010-04-01/Accounts/{account_sid}/Messages.json"
_CALLS_PATH = "/2010-04-01/Accounts/{account_sid}/Calls.json"

Value = float | int | str | bool


@dataclass(frozen=True)
class Figure:
    """One reported number."""

    benchmark: str
    figure: str
    value: Value
    unit: str = ""


@dataclass(frozen=True)
class Sizes:
    """How much data each benchmark uses."""

    cpu_days: int
    cpu_per_day: int
    latency_days: int
    latency_per_day: int
    latency_seconds: float
    memory_days: int
    memory_large_per_day: int
    memory_small_per_day: int


FULL = Sizes(
    cpu_days=10,
    cpu_per_day=10_000,
    latency_days=30,
    latency_per_day=40,
    latency_seconds=0.2,
    memory_days=20,
    memory_large_per_day=50_000,
    memory_small_per_day=12_500,
)
QUICK = Sizes(
    cpu_days=2,
    cpu_per_day=2_000,
    latency_days=5,
    latency_per_day=10,
    latency_seconds=0.05,
    memory_days=2,
    memory_large_per_day=5_000,
    memory_small_per_day=1_250,
)


@dataclass(frozen=True)
class Context:
    """What every benchmark is given: sizes, repeats and a scratch folder."""

    sizes: Sizes
    repeat: int
    workdir: Path


def _metric(
    name: str, path: str, params: dict[str, str], date: str, **fields: str
) -> dict[str, Any]:
    return {"name": name, "path": path, "params": params, "date": date, **fields}


def message_metrics() -> list[dict[str, Any]]:
    """Messages by status, SMS spend and segments, one day per window."""
    return [
        _metric(
            COUNT_STREAM,
            _MESSAGES_PATH,
            _MESSAGES_BY_DAY,
            "date_sent",
            value="1",
            dimension="status",
            aggregation="count",
        ),
        _metric(
            "bench_sms_spend",
            _MESSAGES_PATH,
            _MESSAGES_BY_DAY,
            "date_sent",
            value="price ? -$number(price)",
        ),
        _metric(
            "bench_segments",
            _MESSAGES_PATH,
            _MESSAGES_BY_DAY,
            "date_sent",
            value="$number(num_segments)",
        ),
    ]


def call_metrics() -> list[dict[str, Any]]:
    """Calls by status and call minutes, one day per window."""
    return [
        _metric(
            "bench_calls_by_status",
            _CALLS_PATH,
            _CALLS_BY_DAY,
            "start_time",
            value="1",
            dimension="status",
            aggregation="count",
        ),
        _metric(
            "bench_call_minutes",
            _CALLS_PATH,
            _CALLS_BY_DAY,
            "start_time",
            value="duration ? $number(duration) / 60",
        ),
    ]


def tap_config(url: str, days: int, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """A tap config reading ``url`` over exactly the simulator's ``days``."""
    start = SIM_END - dt.timedelta(days=days)
    return {
        "account_sid": MAIN_ACCOUNT_SID,
        "api_key_sid": API_KEY_SID,
        "api_key_secret": API_KEY_SECRET,
        "base_url_override": url,
        "start_date": f"{start.isoformat()}T00:00:00Z",
        "end_date": f"{SIM_END.isoformat()}T00:00:00Z",
        "page_size": PAGE_SIZE,
        "max_pages": MAX_PAGES,
        "metrics": metrics,
    }


def daily_windows(days: int) -> list[dict[str, str]]:
    """The query of each daily Messages window, as the tap sends it."""
    windows: list[dict[str, str]] = []
    for offset in range(days, 0, -1):
        day = (SIM_END - dt.timedelta(days=offset)).isoformat()
        windows.append({"DateSent>": day, "DateSent<": day, "PageSize": str(PAGE_SIZE)})
    return windows


def median(values: Sequence[float]) -> float:
    """The median of the repeats."""
    return float(statistics.median(values))


def cpu_throughput(context: Context) -> list[Figure]:
    """Three Messages metrics over the CPU data set, against plain requests."""
    sizes = context.sizes
    options = SimulatorOptions(SIM_END, sizes.cpu_days, sizes.cpu_per_day)
    windows = daily_windows(sizes.cpu_days)
    taps: list[TapRun] = []
    tap_requests: list[int] = []
    floor_seconds: list[float] = []
    parallel_seconds: list[float] = []
    startup = median([startup_seconds() for _ in range(context.repeat)])
    with SimulatorProcess(options, context.workdir / "sim-cpu.log") as simulator:
        warm_up = one_pass(simulator.url, windows)
        for index in range(context.repeat):
            simulator.reset()
            taps.append(
                run_tap(
                    tap_config(simulator.url, sizes.cpu_days, message_metrics()),
                    context.workdir,
                    f"cpu-{index}",
                )
            )
            tap_requests.append(simulator.request_count())
            floor_seconds.append(one_pass(simulator.url, windows).wall_seconds)
            parallel_seconds.append(
                one_pass(simulator.url, windows, workers=DEFAULT_WORKERS).wall_seconds
            )
    records = warm_up.records
    counted = taps[-1].datapoints(COUNT_STREAM)
    tap_seconds = median([run.wall_seconds for run in taps])
    tap_cpu = median([run.cpu_seconds for run in taps])
    floor = median(floor_seconds)
    parallel = median(parallel_seconds)
    name = f"cpu_throughput ({_thousands(records)} msgs)"
    return [
        Figure(name, "source records (floor pass)", records),
        Figure(name, "records counted by the tap", counted),
        Figure(name, "tap wall time", tap_seconds, "s"),
        Figure(name, "tap records/s", records / tap_seconds, "rec/s"),
        Figure(name, "tap start-up (--about)", startup, "s"),
        Figure(
            name,
            "tap records/s after start-up",
            records / max(tap_seconds - startup, 1e-9),
            "rec/s",
        ),
        Figure(name, "tap CPU time (user+sys)", tap_cpu, "s"),
        Figure(name, "tap records per CPU second", records / tap_cpu, "rec/s"),
        Figure(name, "floor wall time, 1 connection", floor, "s"),
        Figure(name, f"floor wall time, {DEFAULT_WORKERS} threads", parallel, "s"),
        Figure(name, "tap / floor (1 connection)", tap_seconds / floor, "x"),
        Figure(
            name,
            f"tap / floor ({DEFAULT_WORKERS} threads)",
            tap_seconds / parallel,
            "x",
        ),
        Figure(name, "tap requests", max(tap_requests)),
        Figure(name, "floor requests (one pass)", warm_up.requests),
        Figure(name, "passes over the pages", max(tap_requests) / warm_up.requests),
        Figure(name, "tap peak RSS", median([run.peak_rss_mb for run in taps]), "MB"),
    ]


def latency_bound(context: Context) -> list[Figure]:
    """Five metrics on two endpoints with added latency: 1 worker against 8."""
    sizes = context.sizes
    options = SimulatorOptions(
        SIM_END,
        sizes.latency_days,
        sizes.latency_per_day,
        calls_per_day=sizes.latency_per_day,
        latency=sizes.latency_seconds,
    )
    metrics = message_metrics() + call_metrics()
    sequential: list[TapRun] = []
    concurrent: list[TapRun] = []
    requests: list[int] = []
    with SimulatorProcess(options, context.workdir / "sim-latency.log") as simulator:
        config = tap_config(simulator.url, sizes.latency_days, metrics)
        for index in range(context.repeat):
            simulator.reset()
            sequential.append(
                run_tap({**config, "max_workers": 1}, context.workdir, f"seq-{index}")
            )
            requests.append(simulator.request_count())
            simulator.reset()
            concurrent.append(run_tap(config, context.workdir, f"conc-{index}"))
            requests.append(simulator.request_count())
    expected = sequential[0].records()
    identical = all(run.records() == expected for run in sequential + concurrent)
    one = median([run.wall_seconds for run in sequential])
    many = median([run.wall_seconds for run in concurrent])
    name = (
        f"latency_bound ({len(metrics)} metrics, {sizes.latency_days} windows, "
        f"{sizes.latency_seconds * 1000:.0f} ms)"
    )
    return [
        Figure(name, "wall time, max_workers 1", one, "s"),
        Figure(name, "wall time, default max_workers", many, "s"),
        Figure(name, "sequential / concurrent", one / many, "x"),
        Figure(name, "RECORD outputs identical", identical),
        Figure(name, "records per run", len(expected)),
        Figure(name, "requests per run", max(requests)),
    ]


def memory_at_scale(context: Context) -> list[Figure]:
    """Requests and peak memory for a large and a four times smaller data set."""
    sizes = context.sizes
    figures: list[Figure] = []
    peaks: list[float] = []
    for per_day in (sizes.memory_small_per_day, sizes.memory_large_per_day):
        options = SimulatorOptions(SIM_END, sizes.memory_days, per_day)
        log = context.workdir / f"sim-memory-{per_day}.log"
        runs: list[TapRun] = []
        requests: list[int] = []
        with SimulatorProcess(options, log) as simulator:
            config = tap_config(simulator.url, sizes.memory_days, message_metrics())
            for index in range(context.repeat):
                simulator.reset()
                runs.append(
                    run_tap(config, context.workdir, f"memory-{per_day}-{index}")
                )
                requests.append(simulator.request_count())
        records = runs[-1].datapoints(COUNT_STREAM)
        name = f"memory ({_thousands(records)} msgs, 3 metrics)"
        wall = median([run.wall_seconds for run in runs])
        peaks.append(median([run.peak_rss_mb for run in runs]))
        figures += [
            Figure(name, "source records", records),
            Figure(name, "tap requests", max(requests)),
            Figure(name, "tap peak RSS", peaks[-1], "MB"),
            Figure(name, "tap wall time", wall, "s"),
            Figure(name, "tap records/s", records / wall, "rec/s"),
        ]
    ratio = sizes.memory_large_per_day / sizes.memory_small_per_day
    figures.append(
        Figure(
            f"memory ({ratio:.0f}x the records)",
            "peak RSS, large / small",
            peaks[1] / peaks[0],
            "x",
        )
    )
    return figures


def _thousands(count: int) -> str:
    """``123456`` as ``123k``."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.2f}M"
    return f"{count / 1000:.0f}k"


BENCHMARKS: dict[str, Callable[[Context], list[Figure]]] = {
    "cpu_throughput": cpu_throughput,
    "latency_bound": latency_bound,
    "memory": memory_at_scale,
}
