"""Incremental syncing: windows, bookmarks, lookback, resumption and page caps."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tap_twilio_metrics.errors import SyncFailedError
from tap_twilio_metrics.simulator import (
    MAIN_ACCOUNT_SID,
    SUBACCOUNT_SIDS,
    Fault,
    Simulator,
)
from tests.conftest import (
    END_DATE,
    SIM_DAYS,
    SIM_END,
    START_DATE,
    TAP,
    parse_messages,
    run_tap,
    run_tap_until_error,
    sim_config,
)
from tests.definitions import MESSAGES_BY_STATUS, SPEND_BY_DATETIME, THREE_METRICS
from tests.truth import (
    as_floats,
    messages_by_status,
    read_date,
    sms_spend,
)

if TYPE_CHECKING:
    from pathlib import Path

UTC = dt.UTC
START = dt.datetime.fromisoformat(START_DATE)
END = dt.datetime.fromisoformat(END_DATE)
MIDWAY = "2024-03-26T00:00:00Z"


def upserted(*runs: Any) -> dict[str, dict[Any, float]]:
    """The table an upserting target holds after loading ``runs`` in order."""
    table: dict[str, dict[Any, float]] = {}
    for run in runs:
        for stream in run.records:
            if stream != "metric_definitions":
                table.setdefault(stream, {}).update(run.values(stream))
    return table


def requested_days(simulator: Simulator, path_part: str, key: str) -> set[str]:
    """The date bounds the tap asked the simulator for on one endpoint."""
    return {
        entry.query[key][0][:10]
        for entry in simulator.requests
        if path_part in entry.path and key in entry.query
    }


def test_two_runs_with_state_equal_one_run_over_the_whole_range(
    private_simulator: Simulator,
) -> None:
    whole = run_tap(sim_config(private_simulator, metrics=THREE_METRICS))
    first = run_tap(
        sim_config(private_simulator, metrics=THREE_METRICS, end_date=MIDWAY)
    )
    private_simulator.reset_requests()

    second = run_tap(
        sim_config(private_simulator, metrics=THREE_METRICS), state=first.final_state
    )

    assert upserted(first, second) == upserted(whole)
    assert requested_days(private_simulator, "Messages", "DateSent>") == {
        f"2024-03-{day}" for day in range(24, 31)
    }


def test_the_second_run_starts_at_the_bookmark_minus_the_lookback(
    private_simulator: Simulator,
) -> None:
    config = sim_config(
        private_simulator, metrics=[MESSAGES_BY_STATUS], end_date=MIDWAY
    )
    first = run_tap(config)
    private_simulator.reset_requests()

    run_tap({**config, "lookback": "1 day"}, state=first.final_state)

    assert requested_days(private_simulator, "Messages", "DateSent>") == {"2024-03-25"}


def test_state_is_written_after_every_window_and_never_moves_back(
    simulator: Simulator,
) -> None:
    run = run_tap(sim_config(simulator, metrics=[MESSAGES_BY_STATUS]))

    bookmarks = [
        partition["replication_key_value"]
        for state in run.states
        for partition in state["bookmarks"]
        .get("messages_by_status", {})
        .get("partitions", [])
        if "replication_key_value" in partition
    ]

    assert bookmarks[0] == "2024-03-22T00:00:00Z"
    assert bookmarks[-1] == END_DATE
    assert bookmarks == sorted(bookmarks)
    assert len(set(bookmarks)) == 10


def test_an_empty_window_still_moves_the_bookmark(simulator: Simulator) -> None:
    config = sim_config(
        simulator,
        metrics=[MESSAGES_BY_STATUS],
        start_date="2024-04-02T00:00:00Z",
        end_date="2024-04-04T00:00:00Z",
    )

    run = run_tap(config)

    assert run.records["messages_by_status"] == []
    partition = run.final_state["bookmarks"]["messages_by_status"]["partitions"][0]
    assert partition["replication_key_value"] == "2024-04-04T00:00:00Z"


def test_a_bookmark_older_state_never_moves_backwards(simulator: Simulator) -> None:
    later = {
        "bookmarks": {
            "messages_by_status": {
                "partitions": [
                    {
                        "context": {"account_sid": MAIN_ACCOUNT_SID},
                        "replication_key": "date",
                        "replication_key_value": "2024-03-31T00:00:00Z",
                    }
                ]
            }
        }
    }
    config = sim_config(simulator, metrics=[MESSAGES_BY_STATUS], end_date=MIDWAY)

    run = run_tap(config, state=later)

    partition = run.final_state["bookmarks"]["messages_by_status"]["partitions"][0]
    assert partition["replication_key_value"] == "2024-03-31T00:00:00Z"


def test_a_run_stopped_by_an_error_resumes_to_the_same_table(
    private_simulator: Simulator,
) -> None:
    config = sim_config(private_simulator, metrics=THREE_METRICS, page_size=20)
    whole = run_tap(config)
    private_simulator.add_fault(
        Fault(kind="status", status=404, path_contains="Calls.json", after=4)
    )

    interrupted, error = run_tap_until_error(config)
    resumed = run_tap(config, state=interrupted.final_state)

    assert isinstance(error, SyncFailedError)
    assert (
        0
        < len(interrupted.records["calls_by_status"])
        < len(whole.records["calls_by_status"])
    )
    assert upserted(interrupted, resumed) == upserted(whole)


def test_a_datapoint_on_a_window_boundary_is_counted_once(simulator: Simulator) -> None:
    midnight_messages = [
        message
        for message in simulator.records("messages")
        if read_date(message["date_sent"]).time() == dt.time(0, 0)
    ]

    run = run_tap(sim_config(simulator, metrics=[SPEND_BY_DATETIME]))

    assert len(midnight_messages) >= 10
    truth = sms_spend(simulator.records("messages"), START, END)
    assert run.values("sms_spend") == as_floats(truth)
    counted = sum(row["datapoints"] for row in run.records["sms_spend"])
    priced = sum(
        1
        for message in simulator.records("messages")
        if message["price"] is not None
        and START <= read_date(message["date_sent"]) < END
    )
    assert counted == priced


def test_a_late_change_inside_the_lookback_is_reflected_by_the_next_run(
    private_simulator: Simulator,
) -> None:
    config = sim_config(
        private_simulator, metrics=[MESSAGES_BY_STATUS, SPEND_BY_DATETIME]
    )
    first = run_tap(config)
    late = next(
        message
        for message in private_simulator.records("messages")
        if message["date_sent"].startswith("Fri, 29 Mar 2024")
        and message["price"] is None
    )
    private_simulator.update_record(
        "messages", late["sid"], price="-0.50000", status="undelivered"
    )

    second = run_tap(config, state=first.final_state)

    day = "2024-03-29T00:00:00Z"
    before, after = upserted(first), upserted(first, second)
    assert after["sms_spend"][MAIN_ACCOUNT_SID, day, ""] == pytest.approx(
        before["sms_spend"][MAIN_ACCOUNT_SID, day, ""] + 0.5
    )
    by_status = after["messages_by_status"]
    truth = messages_by_status(private_simulator.records("messages"), START, END)
    assert by_status == as_floats(truth)


def test_one_failing_subaccount_leaves_the_others_intact_and_resumes(
    private_simulator: Simulator,
) -> None:
    failing, healthy = SUBACCOUNT_SIDS
    config = sim_config(
        private_simulator,
        metrics=[MESSAGES_BY_STATUS],
        account_sids=[failing, healthy],
    )
    private_simulator.add_fault(
        Fault(kind="status", status=403, path_contains=failing, after=3, times=None)
    )

    broken, error = run_tap_until_error(config)
    private_simulator.clear_faults()
    fixed = run_tap(config, state=broken.final_state)

    assert isinstance(error, SyncFailedError)
    assert failing in str(error)
    partitions = {
        partition["context"]["account_sid"]: partition.get("replication_key_value")
        for partition in broken.final_state["bookmarks"]["messages_by_status"][
            "partitions"
        ]
    }
    assert partitions[healthy] == END_DATE
    assert START_DATE < partitions[failing] < END_DATE
    for account in (failing, healthy):
        truth = messages_by_status(
            private_simulator.records("messages", account), START, END, account
        )
        table = upserted(broken, fixed)["messages_by_status"]
        assert {key: value for key, value in table.items() if key[0] == account} == (
            as_floats(truth)
        )


def test_a_window_over_the_page_cap_is_split_and_still_exact(
    simulator: Simulator,
) -> None:
    config = sim_config(
        simulator, metrics=[SPEND_BY_DATETIME], page_size=5, max_pages=3
    )

    run = run_tap(config)

    truth = sms_spend(simulator.records("messages"), START, END)
    assert run.values("sms_spend") == as_floats(truth)


def test_a_date_only_window_over_the_cap_warns_that_values_may_be_incomplete(
    simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    config = sim_config(
        simulator, metrics=[MESSAGES_BY_STATUS], page_size=5, max_pages=2
    )

    run_tap(config)

    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelname == "WARNING"
    ]
    assert any(
        "cannot be split" in message and "2024-03-21" in message for message in warnings
    )
    assert any("values may be incomplete" in message for message in warnings)


def test_a_metric_without_placeholders_is_fetched_whole_and_grouped_by_date(
    simulator: Simulator,
) -> None:
    metric = {**MESSAGES_BY_STATUS, "params": {}, "max_pages": 1000}

    run = run_tap(sim_config(simulator, metrics=[metric], page_size=1000))

    truth = messages_by_status(simulator.records("messages"), START, END)
    assert run.values("messages_by_status") == as_floats(truth)


def test_a_metric_without_placeholders_resumed_mid_day_recomputes_whole_days(
    simulator: Simulator,
) -> None:
    metric = {**MESSAGES_BY_STATUS, "params": {}, "max_pages": 1000}
    config = sim_config(simulator, metrics=[metric], page_size=1000)
    whole = run_tap(config)
    first = run_tap({**config, "end_date": "2024-03-27T15:30:00Z"})

    second = run_tap({**config, "lookback": "36 hours"}, state=first.final_state)

    assert upserted(first, second) == upserted(whole)
    assert min(row["date"] for row in second.records["messages_by_status"]) == (
        "2024-03-26T00:00:00Z"
    )


def test_a_current_value_metric_is_dated_at_sync_time(simulator: Simulator) -> None:
    numbers = {
        "name": "phone_numbers",
        "path": "/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers.json",
        "value": "1",
        "aggregation": "count",
    }
    before = dt.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    run = run_tap(sim_config(simulator, metrics=[numbers], end_date=None))

    (row,) = run.records["phone_numbers"]
    assert row["value"] == len(list(simulator.records("incoming_phone_numbers")))
    assert row["date"] == before.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("granularity", ["hour", "day", "week", "month"])
def test_each_granularity_sums_to_the_truth(
    simulator: Simulator, granularity: str
) -> None:
    metric = {**SPEND_BY_DATETIME, "granularity": granularity}

    run = run_tap(sim_config(simulator, metrics=[metric]))

    # Weeks and months are cut at the range's start, so they cover only its days.
    truth = sms_spend(simulator.records("messages"), START, END, granularity)
    assert run.values("sms_spend") == as_floats(truth)
    assert {row["granularity"] for row in run.records["sms_spend"]} == {granularity}
    assert sum(Decimal(str(v)) for v in run.values("sms_spend").values()) > 0


def test_a_killed_process_resumed_from_its_last_state_equals_one_run(
    tmp_path: Path,
) -> None:
    with Simulator(seed=7, end=SIM_END, days=SIM_DAYS, latency=0.05).start() as slow:
        config = sim_config(slow, metrics=THREE_METRICS, max_workers=1)
        whole = run_tap(config)
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        process = subprocess.Popen(
            [str(TAP), "--config", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        printed: list[str] = []
        for line in process.stdout:
            printed.append(line)
            if sum('"type":"STATE"' in seen for seen in printed) == 12:
                break
        process.kill()
        process.wait(timeout=30)
        killed = parse_messages("".join(printed))

        resumed = run_tap(config, state=killed.final_state)

    assert process.returncode == -signal.SIGKILL
    assert (
        0
        < len(killed.records["messages_by_status"])
        < len(whole.records["messages_by_status"])
    )
    assert upserted(killed, resumed) == upserted(whole)
