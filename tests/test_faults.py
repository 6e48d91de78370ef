"""Transient failures are waited out and retried; lasting ones end clearly."""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from typing import Any

import pytest

from tap_twilio_metrics.client import (
    ListRequest,
    RetryPolicy,
    TwilioClient,
    parse_retry_after,
)
from tap_twilio_metrics.errors import RetriesExhaustedError, SyncFailedError
from tap_twilio_metrics.simulator import (
    API_KEY_SECRET,
    API_KEY_SID,
    MAIN_ACCOUNT_SID,
    Fault,
    Simulator,
)
from tests.conftest import run_tap, sim_config

TWILIO = "https://api.twilio.com"
ACCOUNT = f"/2010-04-01/Accounts/{MAIN_ACCOUNT_SID}"
BALANCE = f"{ACCOUNT}/Balance.json"
CLIENT_LOG = "tap_twilio_metrics.client"


def balance_config(simulator: Simulator, **overrides: Any) -> dict[str, Any]:
    return sim_config(simulator, library_metrics=["account_balance"], **overrides)


def busy_config(simulator: Simulator) -> dict[str, Any]:
    """Several metrics over ten daily windows of several pages each."""
    return sim_config(
        simulator,
        library_metrics=["messages_by_status", "sms_spend", "call_minutes"],
        page_size=20,
        max_tries=4,
    )


def balance_value(simulator: Simulator, config: dict[str, Any]) -> float:
    (row,) = run_tap(config).records["account_balance"]
    assert row["value"] == float(simulator.balance()["balance"])
    return float(row["value"])


def requests_to(simulator: Simulator, fragment: str) -> int:
    return sum(1 for entry in simulator.requests if fragment in entry.path)


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == CLIENT_LOG and "retrying in" in record.getMessage()
    ]


def timed(config: dict[str, Any]) -> float:
    started = time.monotonic()
    run_tap(config)
    return time.monotonic() - started


# -- Retry-After ------------------------------------------------------------------


def test_retry_after_in_seconds_is_waited_out(private_simulator: Simulator) -> None:
    private_simulator.add_fault(
        Fault("status", 429, retry_after="1", path_contains=BALANCE)
    )
    config = balance_config(private_simulator, max_retry_wait=5)

    elapsed = timed(config)

    assert 1.0 <= elapsed < 6.0  # generous: CI machines are shared
    assert requests_to(private_simulator, BALANCE) == 2


def test_retry_after_as_an_http_date_is_waited_out(
    private_simulator: Simulator,
) -> None:
    asked = email.utils.formatdate(time.time() + 2.5, usegmt=True)
    private_simulator.add_fault(
        Fault("status", 429, retry_after=asked, path_contains=BALANCE)
    )
    config = balance_config(private_simulator, max_retry_wait=5)

    elapsed = timed(config)

    assert 1.4 <= elapsed < 6.5
    assert requests_to(private_simulator, BALANCE) == 2


def test_retry_after_longer_than_max_retry_wait_is_capped(
    private_simulator: Simulator,
) -> None:
    private_simulator.add_fault(
        Fault("status", 429, retry_after="30", path_contains=BALANCE)
    )
    config = balance_config(private_simulator, max_retry_wait=0.2)

    elapsed = timed(config)

    assert elapsed < 10.0  # far below the 30 s asked for
    assert requests_to(private_simulator, BALANCE) == 2


def test_a_429_without_retry_after_backs_off_and_succeeds(
    private_simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    private_simulator.add_fault(Fault("status", 429, times=2, path_contains=BALANCE))
    caplog.set_level(logging.INFO, logger=CLIENT_LOG)

    balance_value(private_simulator, balance_config(private_simulator))

    lines = retry_lines(caplog)
    assert len(lines) == 2
    assert all(
        "HTTP 429 (Twilio error 20429: Too Many Requests)" in line for line in lines
    )
    assert requests_to(private_simulator, BALANCE) == 3


def test_each_wait_is_logged_once_with_its_reason(
    private_simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    private_simulator.add_fault(
        Fault("status", 503, retry_after="0", path_contains=BALANCE)
    )
    caplog.set_level(logging.INFO, logger=CLIENT_LOG)

    balance_value(private_simulator, balance_config(private_simulator))

    (line,) = retry_lines(caplog)
    assert "metric 'account_balance'" in line
    assert "HTTP 503" in line
    assert "Retry-After '0'" in line
    assert "(try 2 of 3)" in line


def test_a_429_holds_back_every_worker_of_the_pool(
    private_simulator: Simulator,
) -> None:
    private_simulator.add_fault(
        Fault("status", 429, retry_after="1", path_contains=BALANCE)
    )
    client = TwilioClient(
        API_KEY_SID,
        API_KEY_SECRET,
        RetryPolicy(max_tries=3, timeout=5, max_wait=5),
        override=private_simulator.url,
    )
    limited = threading.Thread(
        target=client.get_json,
        args=(private_simulator.url + BALANCE, None, {}, "rate-limited"),
    )
    limited.start()
    while requests_to(private_simulator, BALANCE) == 0:
        time.sleep(0.01)
    time.sleep(0.05)

    started = time.monotonic()
    client.get_json(private_simulator.url + ACCOUNT + ".json", None, {}, "other")
    held = time.monotonic() - started
    limited.join()

    assert held >= 0.8


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:28:10 -0000", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, seconds: float | None
) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT

    assert parse_retry_after(header, now=now) == seconds


# -- transient faults mid-run: the values still equal the truth -----------------


@pytest.mark.parametrize(
    ("faults", "reason"),
    [
        pytest.param(
            [
                Fault("status", 500, after=3, path_contains="Messages"),
                Fault("status", 502, after=9, path_contains="Messages"),
                Fault("status", 503, after=4, path_contains="Calls"),
                Fault("status", 504, after=8, path_contains="Calls"),
            ],
            "HTTP 50",
            id="intermittent-5xx",
        ),
        pytest.param(
            [
                Fault("drop", after=5, path_contains="Messages"),
                Fault("drop", after=3, path_contains="Calls"),
            ],
            "connection failed or dropped",
            id="dropped-connection",
        ),
        pytest.param(
            [
                Fault("truncate", after=6, path_contains="Messages"),
                Fault("truncate", after=2, path_contains="Calls"),
            ],
            "response cut off",
            id="cut-off-body",
        ),
        pytest.param(
            [Fault("slow", delay=0.6, after=4, path_contains="Messages")],
            "no answer within request_timeout (0.3 s)",
            id="read-time-out",
        ),
        pytest.param(
            [Fault("status", 429, times=3, after=5, path_contains="Messages")],
            "HTTP 429",
            id="rate-limited",
        ),
    ],
)
def test_a_run_survives_transient_faults_with_the_true_values(
    private_simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    faults: list[Fault],
    reason: str,
) -> None:
    config = busy_config(private_simulator) | {"request_timeout": 0.3}
    truth = run_tap(config)
    for fault in faults:
        private_simulator.add_fault(fault)
    caplog.set_level(logging.INFO, logger=CLIENT_LOG)

    faulted = run_tap(config)

    injected = sum(fault.applied for fault in faults)
    assert injected == sum(fault.times or 0 for fault in faults)
    assert len(retry_lines(caplog)) == injected
    assert all(reason in line for line in retry_lines(caplog))
    for metric in ("messages_by_status", "sms_spend", "call_minutes"):
        assert faulted.values(metric) == truth.values(metric)
    assert faulted.final_state == truth.final_state


# -- lasting faults: a clear error after the configured tries -------------------


def test_a_permanent_503_fails_after_max_tries_requests(
    private_simulator: Simulator,
) -> None:
    private_simulator.add_fault(Fault("status", 503, times=None, path_contains=BALANCE))
    config = balance_config(private_simulator, max_tries=3)

    with pytest.raises(SyncFailedError) as failed:
        run_tap(config)

    message = str(failed.value)
    assert requests_to(private_simulator, BALANCE) == 3
    assert "metric 'account_balance'" in message
    assert f"{BALANCE} still failing after 3 tries" in message
    assert "HTTP 503 (Twilio error 20503: Service Unavailable)" in message
    assert "raise max_tries" in message
    assert "\n" not in message


def test_a_permanent_503_is_a_retries_exhausted_error(
    private_simulator: Simulator,
) -> None:
    private_simulator.add_fault(Fault("status", 503, times=None, path_contains=BALANCE))
    client = TwilioClient(
        API_KEY_SID,
        API_KEY_SECRET,
        RetryPolicy(max_tries=4, timeout=5, max_wait=0.01),
        override=private_simulator.url,
    )
    request = ListRequest(TWILIO, BALANCE, (), label="metric 'balance'")

    with pytest.raises(RetriesExhaustedError, match="after 4 tries"):
        list(client.pages(request))

    assert requests_to(private_simulator, BALANCE) == 4


def test_the_total_retry_budget_ends_retries_before_max_tries(
    private_simulator: Simulator,
) -> None:
    private_simulator.add_fault(
        Fault("status", 503, retry_after="1", times=None, path_contains=BALANCE)
    )
    client = TwilioClient(
        API_KEY_SID,
        API_KEY_SECRET,
        RetryPolicy(max_tries=10, timeout=5, max_wait=0.3, max_total=0.5),
        override=private_simulator.url,
    )
    request = ListRequest(TWILIO, BALANCE, (), label="metric 'balance'")
    started = time.monotonic()

    with pytest.raises(RetriesExhaustedError, match=r"retry budget of 0\.5 s"):
        list(client.pages(request))

    assert time.monotonic() - started < 2.0
    assert requests_to(private_simulator, BALANCE) == 2


def test_a_failing_account_does_not_stop_the_others(
    private_simulator: Simulator,
) -> None:
    private_simulator.add_fault(Fault("status", 503, times=None, path_contains=BALANCE))
    config = sim_config(
        private_simulator, library_metrics=["account_balance", "messages_by_status"]
    )

    with pytest.raises(SyncFailedError, match=r"^1 sync\(s\) failed: metric 'acc"):
        run_tap(config)

    assert requests_to(private_simulator, "Messages") >= 10
