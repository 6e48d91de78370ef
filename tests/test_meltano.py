"""`meltano run` of the tap into the embedded SQLite target, twice, with state."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import END_DATE, START_DATE
from tests.truth import as_floats, messages_by_status, sms_spend

if TYPE_CHECKING:
    from tap_twilio_metrics.simulator import Simulator

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
TIMEOUT = 600


def meltano(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MELTANO), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def meltano_env(
    simulator: Simulator, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    assert MELTANO.exists(), "Meltano is missing: run `bash scripts/setup` first"
    database = tmp_path_factory.mktemp("meltano") / "metrics.db"
    env = {
        **os.environ,
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TAP_TWILIO_METRICS_BASE_URL_OVERRIDE": simulator.url,
        "TAP_TWILIO_METRICS_START_DATE": START_DATE,
        "TAP_TWILIO_METRICS_END_DATE": END_DATE,
        "TAP_TWILIO_METRICS_LIBRARY_METRICS": json.dumps(
            ["messages_by_status", "sms_spend"]
        ),
        "TARGET_SQLITE_UPSERT_DATABASE": str(database),
    }
    installed = meltano("install", env=env)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return env


def run_job(env: dict[str, str], suffix: str) -> subprocess.CompletedProcess[str]:
    return meltano(
        "--environment=demo",
        "run",
        f"--state-id-suffix={suffix}",
        "tap-twilio-metrics",
        "target-sqlite-upsert",
        env=env,
    )


def table(env: dict[str, str], name: str) -> dict[tuple[str, str, str], float]:
    with sqlite3.connect(env["TARGET_SQLITE_UPSERT_DATABASE"]) as connection:
        rows = connection.execute(
            f'select account_sid, date, dimension, value from "{name}"'  # noqa: S608
        ).fetchall()
    values = {
        (account, date, dimension): value for account, date, dimension, value in rows
    }
    assert len(values) == len(rows)
    return values


def test_meltano_run_loads_the_true_values_and_a_second_run_upserts(
    simulator: Simulator, meltano_env: dict[str, str]
) -> None:
    suffix = uuid.uuid4().hex
    start = dt.datetime.fromisoformat(START_DATE)
    end = dt.datetime.fromisoformat(END_DATE)

    first = run_job(meltano_env, suffix)
    second = run_job(meltano_env, suffix)

    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    assert "No state was found" in first.stderr
    assert f"'sms_spend' with bookmark value: {END_DATE}" in second.stderr
    assert "2 window(s) to compute from 2024-03-29" in second.stderr
    statuses = messages_by_status(simulator.records("messages"), start, end)
    assert table(meltano_env, "messages_by_status") == as_floats(statuses)
    money = sms_spend(simulator.records("messages"), start, end)
    assert table(meltano_env, "sms_spend") == as_floats(money)
