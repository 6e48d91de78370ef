"""End to end against the simulator: the values equal the simulator's truth."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import END_DATE, START_DATE, SyncOutput, run_tap, sim_config
from tests.truth import (
    as_floats,
    messages_by_status,
    read_date,
    sms_spend,
    totals,
)

if TYPE_CHECKING:
    from tap_twilio_metrics.simulator import Simulator

START = dt.datetime.fromisoformat(START_DATE)
END = dt.datetime.fromisoformat(END_DATE)


@pytest.fixture(scope="module")
def library_run(simulator: Simulator) -> SyncOutput:
    config = sim_config(
        simulator,
        library_metrics=["messages_by_status", "sms_spend", "call_minutes"],
        page_size=25,
    )
    return run_tap(config)


def test_message_counts_by_status_equal_the_truth(
    simulator: Simulator, library_run: SyncOutput
) -> None:
    truth = messages_by_status(simulator.records("messages"), START, END)

    assert library_run.values("messages_by_status") == as_floats(truth)
    assert len({key[1] for key in truth}) == 10


def test_sms_spend_equals_the_truth(
    simulator: Simulator, library_run: SyncOutput
) -> None:
    truth = sms_spend(simulator.records("messages"), START, END)

    assert library_run.values("sms_spend") == as_floats(truth)


def test_call_minutes_equal_the_truth(
    simulator: Simulator, library_run: SyncOutput
) -> None:
    truth = totals(
        simulator.records("calls"),
        date_field="start_time",
        value=lambda call: Decimal(call["duration"]) / 60,
        start=START,
        end=END,
    )

    values = library_run.values("call_minutes")

    assert values.keys() == truth.keys()
    for key, total in truth.items():
        # Minutes are seconds / 60, a repeating decimal: equal to 12 digits.
        assert values[key] == pytest.approx(float(total), rel=1e-12)


def test_datapoint_counts_add_up_to_the_records_in_range(
    simulator: Simulator, library_run: SyncOutput
) -> None:
    in_range = sum(
        1
        for message in simulator.records("messages")
        if START <= read_date(message["date_sent"]) < END
    )

    rows = library_run.records["messages_by_status"]

    assert sum(row["datapoints"] for row in rows) == in_range


def test_every_record_follows_the_output_schema(library_run: SyncOutput) -> None:
    row: dict[str, Any] = library_run.records["sms_spend"][0]

    assert set(row) == {
        "account_sid",
        "date",
        "granularity",
        "dimension",
        "value",
        "datapoints",
        "metric",
        "synced_at",
    }
    assert row["metric"] == "sms_spend"
    assert row["granularity"] == "day"
    assert row["dimension"] == ""
    assert library_run.schemas["sms_spend"]["key_properties"] == [
        "account_sid",
        "date",
        "dimension",
    ]


def test_metric_definitions_carry_the_expression_in_use(
    library_run: SyncOutput,
) -> None:
    definitions = {
        row["name"]: row for row in library_run.records["metric_definitions"]
    }

    assert definitions["sms_spend"]["expression"] == (
        '{"value": price ? -$number(price), "date": date_sent}'
    )
    assert definitions["sms_spend"]["trend"] == "down"
    assert definitions["messages_by_status"]["aggregation"] == "count"
