"""Shared fixtures: a running simulator, an in-process tap runner, a CLI runner."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tap_twilio_metrics.simulator import (
    API_KEY_SECRET,
    API_KEY_SID,
    MAIN_ACCOUNT_SID,
    Simulator,
)
from tap_twilio_metrics.tap import TapTwilioMetrics

if TYPE_CHECKING:
    from collections.abc import Iterator
    from decimal import Decimal

#: The simulator's data covers the ten days before this date.
SIM_END = dt.date(2024, 3, 31)
SIM_DAYS = 10
START_DATE = "2024-03-21T00:00:00Z"
END_DATE = "2024-03-31T00:00:00Z"
TAP = Path(sys.executable).parent / "tap-twilio-metrics"


@dataclass
class SyncOutput:
    """The Singer messages of one tap run, sorted by kind."""

    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    states: list[dict[str, Any]] = field(default_factory=list)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[tuple[str, str]] = field(default_factory=list)

    @property
    def final_state(self) -> dict[str, Any]:
        """The last STATE message's value."""
        return self.states[-1] if self.states else {}

    def values(self, stream: str) -> dict[tuple[str, str, str], float]:
        """Map (account, date, dimension) to value, last record winning (upsert)."""
        return {
            (row["account_sid"], row["date"], row["dimension"]): row["value"]
            for row in self.records[stream]
        }


def parse_messages(text: str) -> SyncOutput:
    """Sort Singer messages printed by the tap."""
    output = SyncOutput()
    for line in text.splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        kind = message["type"]
        if kind == "RECORD":
            output.records[message["stream"]].append(message["record"])
            output.order.append(("RECORD", message["stream"]))
        elif kind == "STATE":
            output.states.append(message["value"])
            output.order.append(("STATE", ""))
        elif kind == "SCHEMA":
            output.schemas[message["stream"]] = message
    return output


def run_tap(
    config: dict[str, Any],
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
) -> SyncOutput:
    """Run a full sync in this process and return its messages."""
    output, error = run_tap_until_error(config, state, catalog)
    if error is not None:
        raise error
    return output


def run_tap_until_error(
    config: dict[str, Any],
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
) -> tuple[SyncOutput, Exception | None]:
    """Run a sync; return what it printed and the error that ended it, if any."""
    buffer = io.StringIO()
    error: Exception | None = None
    with contextlib.redirect_stdout(buffer):
        try:
            # The SDK keeps (and changes) the state dict it is given: pass a copy.
            tap = TapTwilioMetrics(
                config=config, state=copy.deepcopy(state), catalog=catalog
            )
            tap.sync_all()
        except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
            error = exc
    return parse_messages(buffer.getvalue()), error


def sim_config(simulator: Simulator, **overrides: Any) -> dict[str, Any]:
    """A tap config pointing at ``simulator`` over the whole data range."""
    config: dict[str, Any] = {
        "account_sid": MAIN_ACCOUNT_SID,
        "api_key_sid": API_KEY_SID,
        "api_key_secret": API_KEY_SECRET,
        "base_url_override": simulator.url,
        "start_date": START_DATE,
        "end_date": END_DATE,
        "max_tries": 3,
        "max_retry_wait": 0.05,
    }
    config.update(overrides)
    return config


def day_of(value: dt.datetime) -> str:
    """The ``date`` a daily record of ``value``'s period carries."""
    return value.strftime("%Y-%m-%dT00:00:00Z")


def exact(values: dict[Any, Decimal]) -> dict[Any, float]:
    """Truth as the tap reports it: exact decimal sums rounded once to float."""
    return {key: float(total) for key, total in values.items()}


@dataclass(frozen=True)
class CliRun:
    """What one run of the tap's command line printed, and how it ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def last_line(self) -> str:
        """The last line on stderr: where the tap reports a failure."""
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""


def run_cli(
    config: dict[str, Any], folder: Path, *args: str, debug: bool = False
) -> CliRun:
    """Run ``tap-twilio-metrics --config FILE *args`` as a separate process."""
    path = folder / "config.json"
    path.write_text(json.dumps(config))
    env = {key: value for key, value in os.environ.items() if "LOGLEVEL" not in key}
    if debug:
        env["TAP_TWILIO_METRICS_LOGLEVEL"] = "DEBUG"
    completed = subprocess.run(
        [str(TAP), "--config", str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    return CliRun(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    """A simulator shared by tests that do not change its data or faults."""
    with Simulator(seed=7, end=SIM_END, days=SIM_DAYS).start() as running:
        yield running


@pytest.fixture
def private_simulator() -> Iterator[Simulator]:
    """A simulator of the test's own, free to change data and inject faults."""
    with Simulator(seed=7, end=SIM_END, days=SIM_DAYS).start() as running:
        yield running
