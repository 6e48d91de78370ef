"""End to end against the simulator: the values equal the simulator's truth."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from tap_twilio_metrics.simulator import MAIN_ACCOUNT_SID, Simulator
from tests.conftest import END_DATE, START_DATE, day_of, exact, run_tap, sim_config

RANGE_START = dt.datetime.fromisoformat(START_DATE)
RANGE_END = dt.datetime.fromisoformat(END_DATE)


def rfc2822(text: str) -> dt.datetime:
    return email.utils.parsedate_to_datetime(text).astimezone(dt.UTC)


def in_range(moment: dt.datetime) -> bool:
    return RANGE_START <= moment < RANGE_END


def truth_messages_by_status(simulator: Simulator) -> dict[Any, Decimal]:
    totals: dict[Any, Decimal] = defaultdict(Decimal)
    for message in simulator.records("messages"):
        sent = rfc2822(message["date_sent"])
        if in_range(sent):
            totals[MAIN_ACCOUNT_SID, day_of(sent), message["status"]] += 1
    return totals


def truth_sms_spend(simulator: Simulator) -> dict[Any, Decimal]:
    totals: dict[Any, Decimal] = defaultdict(Decimal)
    for message in simulator.records("messages"):
        sent = rfc2822(message["date_sent"])
        if in_range(sent) and message["price"] is not None:
            totals[MAIN_ACCOUNT_SID, day_of(sent), ""] -= Decimal(message["price"])
    return totals


def truth_call_minutes(simulator: Simulator) -> dict[Any, Decimal]:
    totals: dict[Any, Decimal] = defaultdict(Decimal)
    for call in simulator.records("calls"):
        started = rfc2822(call["start_time"])
        if in_range(started):
            totals[MAIN_ACCOUNT_SID, day_of(started), ""] += (
                Decimal(call["duration"]) / 60
            )
    return totals


@pytest.fixture(scope="module")
def library_run(simulator: Simulator) -> Any:
    config = sim_config(
        simulator,
        library_metrics=["messages_by_status", "sms_spend", "call_minutes"],
        page_size=25,
    )
    return run_tap(config)


def test_message_counts_by_status_equal_the_truth(
    simulator: Simulator, library_run: Any
) -> None:
    truth = exact(truth_messages_by_status(simulator))

    assert library_run.values("messages_by_status") == truth
    assert len({key[1] for key in truth}) == 10


def test_sms_spend_equals_the_truth_to_the_cent_fraction(
    simulator: Simulator, library_run: Any
) -> None:
    assert library_run.values("sms_spend") == exact(truth_sms_spend(simulator))


def test_call_minutes_equal_the_truth(simulator: Simulator, library_run: Any) -> None:
    truth = truth_call_minutes(simulator)

    values = library_run.values("call_minutes")

    assert values.keys() == truth.keys()
    for key, total in truth.items():
        # Minutes are seconds / 60, a repeating decimal: equal to 12 digits.
        assert values[key] == pytest.approx(float(total), rel=1e-12)


def test_datapoint_counts_add_up_to_the_records_in_range(
    simulator: Simulator, library_run: Any
) -> None:
    in_range_count = sum(
        1
        for message in simulator.records("messages")
        if in_range(rfc2822(message["date_sent"]))
    )

    rows = library_run.records["messages_by_status"]

    assert sum(row["datapoints"] for row in rows) == in_range_count


def test_every_record_follows_the_output_schema(library_run: Any) -> None:
    row = library_run.records["sms_spend"][0]

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


def test_metric_definitions_carry_the_expression_in_use(library_run: Any) -> None:
    definitions = {
        row["name"]: row for row in library_run.records["metric_definitions"]
    }

    assert definitions["sms_spend"]["expression"] == (
        '{"value": price ? -$number(price), "date": date_sent}'
    )
    assert definitions["sms_spend"]["trend"] == "down"
    assert definitions["messages_by_status"]["aggregation"] == "count"
