"""Catalog selection: only selected metrics are synced and fetched."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from tap_twilio_metrics.tap import TapTwilioMetrics
from tests.conftest import run_tap, sim_config
from tests.definitions import CALLS_BY_STATUS, MESSAGES_BY_STATUS

if TYPE_CHECKING:
    from tap_twilio_metrics.simulator import Simulator


def selecting(catalog: dict[str, Any], chosen: set[str]) -> dict[str, Any]:
    """A copy of ``catalog`` with only the ``chosen`` streams selected."""
    result = copy.deepcopy(catalog)
    for stream in result["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] in chosen
    return result


def test_discovery_lists_one_stream_per_metric_and_the_definitions(
    simulator: Simulator,
) -> None:
    config = sim_config(simulator, metrics=[MESSAGES_BY_STATUS, CALLS_BY_STATUS])

    catalog = TapTwilioMetrics(config=config).catalog_dict

    streams = {stream["tap_stream_id"]: stream for stream in catalog["streams"]}
    assert set(streams) == {
        "messages_by_status",
        "calls_by_status",
        "metric_definitions",
    }
    assert streams["calls_by_status"]["key_properties"] == [
        "account_sid",
        "date",
        "dimension",
    ]
    assert streams["calls_by_status"]["replication_key"] == "date"


def test_a_deselected_metric_is_neither_emitted_nor_fetched(
    private_simulator: Simulator,
) -> None:
    config = sim_config(
        private_simulator, metrics=[MESSAGES_BY_STATUS, CALLS_BY_STATUS]
    )
    catalog = selecting(
        TapTwilioMetrics(config=config).catalog_dict, {"calls_by_status"}
    )

    run = run_tap(config, catalog=catalog)

    assert set(run.records) == {"calls_by_status"}
    assert run.records["calls_by_status"]
    assert not any("Messages" in entry.path for entry in private_simulator.requests)
