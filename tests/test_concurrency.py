"""Shared fetches and parallel windows: fewer requests, the same numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.conftest import SyncOutput, run_tap, sim_config
from tests.definitions import CALLS_BY_STATUS, MESSAGES_BY_STATUS

if TYPE_CHECKING:
    from tap_twilio_metrics.simulator import Simulator

SPEND: dict[str, Any] = {
    **MESSAGES_BY_STATUS,
    "name": "sms_spend",
    "value": "price ? -$number(price)",
    "dimension": None,
    "aggregation": "sum",
}
SEGMENTS: dict[str, Any] = {
    **MESSAGES_BY_STATUS,
    "name": "segments",
    "value": "$number(num_segments)",
    "aggregation": "sum",
}
ON_MESSAGES = [MESSAGES_BY_STATUS, SPEND, SEGMENTS]


def metric_rows(run: SyncOutput) -> dict[str, list[dict[str, Any]]]:
    """Every metric's records without the run-dependent ``synced_at``."""
    return {
        stream: sorted(
            ({k: v for k, v in row.items() if k != "synced_at"} for row in rows),
            key=lambda row: (row["account_sid"], row["date"], row["dimension"]),
        )
        for stream, rows in run.records.items()
        if stream != "metric_definitions"
    }


def test_three_metrics_on_one_endpoint_make_the_requests_of_one(
    private_simulator: Simulator,
) -> None:
    run_tap(sim_config(private_simulator, metrics=[MESSAGES_BY_STATUS], page_size=20))
    one_metric = len(private_simulator.requests)
    private_simulator.reset_requests()

    run_tap(sim_config(private_simulator, metrics=ON_MESSAGES, page_size=20))

    assert len(private_simulator.requests) == one_metric
    assert one_metric > 10


def test_shared_fetches_give_the_values_of_separate_runs(simulator: Simulator) -> None:
    together = run_tap(sim_config(simulator, metrics=ON_MESSAGES, page_size=20))

    for metric in ON_MESSAGES:
        alone = run_tap(sim_config(simulator, metrics=[metric], page_size=20))
        assert (
            metric_rows(together)[metric["name"]] == metric_rows(alone)[metric["name"]]
        )


def test_metrics_with_different_requests_are_fetched_separately(
    private_simulator: Simulator,
) -> None:
    run_tap(sim_config(private_simulator, metrics=[MESSAGES_BY_STATUS]))
    messages = len(private_simulator.requests)
    private_simulator.reset_requests()
    run_tap(sim_config(private_simulator, metrics=[CALLS_BY_STATUS]))
    calls = len(private_simulator.requests)
    private_simulator.reset_requests()

    run_tap(
        sim_config(private_simulator, metrics=[MESSAGES_BY_STATUS, CALLS_BY_STATUS])
    )

    assert len(private_simulator.requests) == messages + calls


def test_parallel_windows_give_the_output_of_sequential_ones(
    simulator: Simulator,
) -> None:
    metrics = [*ON_MESSAGES, CALLS_BY_STATUS]

    sequential = run_tap(sim_config(simulator, metrics=metrics, max_workers=1))
    parallel = run_tap(sim_config(simulator, metrics=metrics, max_workers=8))

    assert metric_rows(parallel) == metric_rows(sequential)
    assert [kind for kind, _ in parallel.order] == [
        kind for kind, _ in sequential.order
    ]
