"""The simulator and the tap as child processes: start, wait, time, measure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

import requests

if TYPE_CHECKING:
    import datetime as dt
    from types import TracebackType

_READY_TIMEOUT = 30.0
_STOP_TIMEOUT = 5.0
_ADMIN_TIMEOUT = 10.0
_BYTES_PER_MB = 1024 * 1024


@dataclass(frozen=True)
class SimulatorOptions:
    """The data set and latency one simulator serves."""

    end: dt.date
    days: int
    messages_per_day: int
    calls_per_day: int = 15
    latency: float = 0.0
    seed: int = 1


class SimulatorProcess:
    """A Twilio simulator in a child process on a free loopback port."""

    def __init__(self, options: SimulatorOptions, log: Path) -> None:
        """Prepare the command; nothing runs until the context is entered."""
        self.options = options
        self.log = log
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._log_file: IO[str] | None = None

    def __enter__(self) -> Self:
        """Start the simulator and wait until it answers."""
        options = self.options
        command = [
            sys.executable,
            "-m",
            "tap_twilio_metrics.simulator",
            "--port",
            "0",
            "--seed",
            str(options.seed),
            "--end",
            options.end.isoformat(),
            "--days",
            str(options.days),
            "--messages-per-day",
            str(options.messages_per_day),
            "--calls-per-day",
            str(options.calls_per_day),
            "--latency",
            str(options.latency),
        ]
        self._log_file = self.log.open("w")
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._log_file, text=True
        )
        try:
            self.url = self._read_url()
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the simulator."""
        self.stop()

    def _read_url(self) -> str:
        """Read the URL the simulator prints once it listens."""
        assert self._process is not None  # noqa: S101 - set by __enter__
        assert self._process.stdout is not None  # noqa: S101 - a pipe
        line = self._process.stdout.readline()
        for word in line.split():
            if word.startswith("http://"):
                return word
        msg = f"simulator did not start (see {self.log}): {line.strip()!r}"
        raise RuntimeError(msg)

    def _wait_until_answering(self) -> None:
        """Poll the admin interface until it answers."""
        deadline = time.monotonic() + _READY_TIMEOUT
        while True:
            try:
                self.request_count()
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            else:
                return

    def request_count(self) -> int:
        """How many API requests the simulator has answered since the last reset."""
        response = requests.get(f"{self.url}/_sim/requests", timeout=_ADMIN_TIMEOUT)
        response.raise_for_status()
        return int(response.json()["count"])

    def reset(self) -> None:
        """Clear the simulator's request count."""
        response = requests.post(f"{self.url}/_sim/reset", timeout=_ADMIN_TIMEOUT)
        response.raise_for_status()

    def stop(self) -> None:
        """Terminate the child (kill it if it lingers) and close its log."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


@dataclass(frozen=True)
class TapRun:
    """What one tap process cost and where its output went."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    output: Path

    def records(self) -> list[dict[str, Any]]:
        """The RECORD messages' records without ``synced_at``, in a stable order."""
        found: list[dict[str, Any]] = []
        with self.output.open() as lines:
            for line in lines:
                message = json.loads(line)
                if message.get("type") == "RECORD":
                    record = dict(message["record"])
                    record.pop("synced_at", None)
                    found.append({"stream": message["stream"], **record})
        return sorted(found, key=lambda record: json.dumps(record, sort_keys=True))

    def datapoints(self, stream: str) -> int:
        """How many source records went into ``stream``'s values."""
        return sum(
            int(record["datapoints"])
            for record in self.records()
            if record["stream"] == stream
        )


def tap_executable() -> str:
    """The tap's console script next to this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "tap-twilio-metrics"
    if beside.exists():
        return str(beside)
    found = shutil.which("tap-twilio-metrics")
    if found is None:
        msg = "tap-twilio-metrics is not installed (pip install -e .)"
        raise RuntimeError(msg)
    return found


def run_tap(config: dict[str, Any], workdir: Path, name: str) -> TapRun:
    """Run one sync as a child process; time it and read its peak memory.

    Raises:
        RuntimeError: the tap exited non-zero (its stderr is kept in ``workdir``).
    """
    config_path = workdir / f"{name}.config.json"
    config_path.write_text(json.dumps(config))
    output = workdir / f"{name}.singer.jsonl"
    errors = workdir / f"{name}.stderr.log"
    command = [tap_executable(), "--config", str(config_path)]
    with output.open("wb") as stdout, errors.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = errors.read_text().strip().splitlines()[-5:]
        msg = f"tap run '{name}' exited {process.returncode}: " + " | ".join(tail)
        raise RuntimeError(msg)
    cpu = usage.ru_utime + usage.ru_stime
    return TapRun(wall, cpu, _rss_mb(usage.ru_maxrss), output)


def startup_seconds() -> float:
    """Wall time of ``tap-twilio-metrics --about``: interpreter and imports."""
    started = time.perf_counter()
    subprocess.run([tap_executable(), "--about"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _rss_mb(maxrss: int) -> float:
    """Convert ``ru_maxrss`` (KiB on Linux, bytes on macOS) to MiB."""
    scale = 1 if sys.platform == "darwin" else 1024
    return maxrss * scale / _BYTES_PER_MB
