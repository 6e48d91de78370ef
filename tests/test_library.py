"""The pre-built metrics: complete, true to Twilio's OpenAPI, equal to the truth."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tap_twilio_metrics.datapoints import MetricEvaluator
from tap_twilio_metrics.library import DEFAULT_METRICS, LIBRARY
from tap_twilio_metrics.library.openapi import spec_key, spec_problems
from tap_twilio_metrics.record_fields import fields_read
from tap_twilio_metrics.settings import load_settings
from tap_twilio_metrics.simulator import MAIN_ACCOUNT_SID, Simulator
from tests.conftest import END_DATE, START_DATE, SyncOutput, run_tap, sim_config

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SUBSET = Path(__file__).parent / "data" / "oai" / "twilio_subset.json"
RANGE_START = dt.datetime.fromisoformat(START_DATE)
RANGE_END = dt.datetime.fromisoformat(END_DATE)
MESSAGES = "https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json"

#: The record field each endpoint's date params filter on.
FILTERED_FIELD = {
    "/Messages.json": "date_sent",
    "/Calls.json": "start_time",
    "/Recordings.json": "date_created",
    "/Conferences.json": "date_created",
    "/Usage/Records/Daily.json": "start_date",
    "/v1/Alerts": "date_created",
}

Row = dict[str, Any]
Key = tuple[str, str, str]


@pytest.fixture(scope="module")
def endpoints() -> dict[str, Any]:
    subset = json.loads(SUBSET.read_text(encoding="utf-8"))
    endpoints: dict[str, Any] = subset["endpoints"]
    return endpoints


# -- the definitions -----------------------------------------------------------


def test_the_library_holds_at_least_twenty_metrics() -> None:
    assert len(LIBRARY) >= 20


def test_the_first_five_library_names_are_kept() -> None:
    kept = {
        "messages_by_status",
        "sms_spend",
        "call_minutes",
        "usage_spend_by_category",
        "account_balance",
    }

    assert kept <= set(LIBRARY)


def test_every_default_metric_is_in_the_library() -> None:
    assert DEFAULT_METRICS
    assert set(DEFAULT_METRICS) <= set(LIBRARY)


def test_every_library_metric_loads_and_compiles(simulator: Simulator) -> None:
    config = sim_config(simulator, library_metrics=list(LIBRARY))

    settings = load_settings(config)

    assert [metric.name for metric in settings.metrics] == list(LIBRARY)
    for metric in settings.metrics:
        assert MetricEvaluator(metric).expression


@pytest.mark.parametrize("name", list(LIBRARY))
def test_every_library_metric_describes_itself(name: str) -> None:
    definition = LIBRARY[name]

    described = {
        field: definition.get(field)
        for field in ("description", "aggregation", "trend", "unit")
    }

    assert all(described.values()), described


@pytest.mark.parametrize(
    "name", [name for name in LIBRARY if "spend" in name or "failed" in name]
)
def test_spend_and_failures_trend_down(name: str) -> None:
    assert LIBRARY[name]["trend"] == "down"


@pytest.mark.parametrize(
    "name", [name for name, item in LIBRARY.items() if item.get("params")]
)
def test_a_windowed_metric_is_dated_by_the_field_its_params_filter_on(
    name: str,
) -> None:
    definition = LIBRARY[name]

    suffix = next(end for end in FILTERED_FIELD if definition["path"].endswith(end))

    assert definition["date"] == FILTERED_FIELD[suffix]


@pytest.mark.parametrize(
    "name", [name for name, item in LIBRARY.items() if not item.get("params")]
)
def test_a_metric_without_date_params_is_a_current_value(name: str) -> None:
    definition = LIBRARY[name]

    assert "date" not in definition
    assert definition["aggregation"] in {"count", "latest"}


# -- the OpenAPI check -----------------------------------------------------------


@pytest.mark.parametrize("name", list(LIBRARY))
def test_every_library_metric_agrees_with_twilio_openapi(
    name: str, endpoints: dict[str, Any]
) -> None:
    problems = spec_problems(name, LIBRARY[name], endpoints)

    assert problems == []


def test_the_check_reports_an_unknown_field_and_an_unknown_param(
    endpoints: dict[str, Any],
) -> None:
    broken = {
        **LIBRARY["sms_spend"],
        "params": {"DateSent>": "{start_date}", "SentAfter": "{start_date}"},
        "value": "price_in_cents ? $number(price_in_cents)",
    }

    problems = spec_problems("broken", broken, endpoints)

    assert problems == [
        f"broken: params['SentAfter'] is not a query parameter of GET {MESSAGES}",
        f"broken: value reads 'price_in_cents', not a property of a {MESSAGES} record",
    ]


def test_the_check_reports_a_path_the_description_lacks(
    endpoints: dict[str, Any],
) -> None:
    broken = {"path": "/2010-04-01/Accounts/{account_sid}/Texts.json", "value": "1"}

    problems = spec_problems("broken", broken, endpoints)

    texts = MESSAGES.replace("Messages", "Texts")
    assert problems == [f"broken: {texts} is not a path of the OpenAPI description"]


def test_the_check_reports_a_records_key_the_envelope_lacks(
    endpoints: dict[str, Any],
) -> None:
    broken = {**LIBRARY["calls_by_status"], "records": "call_list"}

    problems = spec_problems("broken", broken, endpoints)

    assert len(problems) == 1
    assert "records 'call_list' is not the list key 'calls'" in problems[0]


def test_spec_keys_use_the_spec_account_placeholder_and_host() -> None:
    key = spec_key(LIBRARY["alerts_by_error_code"])

    assert key == "https://monitor.twilio.com/v1/Alerts"
    assert spec_key(LIBRARY["sms_spend"]).endswith(
        "/Accounts/{AccountSid}/Messages.json"
    )


def test_fields_read_skips_functions_variables_strings_and_keywords() -> None:
    source = '($p := direction = "inbound" ? from : to; $substring($p, 0, 2) and true)'

    assert fields_read(source) == ["direction", "from", "to"]


def test_fields_read_reports_only_the_first_step_of_a_path() -> None:
    assert fields_read("subresource_uris.media & `friendly name`") == [
        "subresource_uris",
        "friendly name",
    ]


def test_fields_read_ignores_numbers_with_exponents_and_comments() -> None:
    assert fields_read("1e5 * duration /* seconds */") == ["duration"]


# -- the values equal the simulator's truth ------------------------------------


def _rfc2822(text: str) -> dt.datetime:
    return email.utils.parsedate_to_datetime(text).astimezone(dt.UTC)


def _iso(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _one(_record: Row) -> Decimal | None:
    return Decimal(1)


def _spend(record: Row) -> Decimal | None:
    return None if record["price"] is None else -Decimal(record["price"])


def _minutes(record: Row) -> Decimal | None:
    return None if record["duration"] is None else Decimal(record["duration"]) / 60


def _when(test: Callable[[Row], bool]) -> Callable[[Row], Decimal | None]:
    return lambda record: Decimal(1 if test(record) else 0)


def _field(name: str) -> Callable[[Row], str]:
    return lambda record: str(record[name])


def _country(record: Row) -> str:
    party = record["from"] if record["direction"] == "inbound" else record["to"]
    codes = {"+1": "US", "+44": "GB", "+49": "DE", "+33": "FR", "+61": "AU"}
    return next(
        (country for code, country in codes.items() if party.startswith(code)),
        "other",
    )


def _no_dimension(_record: Row) -> str:
    return ""


@dataclass(frozen=True)
class Truth:
    """How to compute a library metric's values from the simulator's records."""

    resource: str
    date: Callable[[Row], dt.datetime | None]
    value: Callable[[Row], Decimal | None]
    dimension: Callable[[Row], str] = _no_dimension
    aggregation: str = "sum"
    exact: bool = True

    def values(self, records: Iterator[Row]) -> dict[Key, Decimal]:
        """Group the records in the sync range as the tap should."""
        groups: dict[Key, list[Decimal]] = defaultdict(list)
        for record in records:
            value = self.value(record)
            moment = self.date(record)
            if value is None or (moment and not RANGE_START <= moment < RANGE_END):
                continue
            day = moment.strftime("%Y-%m-%dT00:00:00Z") if moment else "sync time"
            groups[MAIN_ACCOUNT_SID, day, self.dimension(record)].append(value)
        return {key: self._combine(values) for key, values in groups.items()}

    def _combine(self, values: list[Decimal]) -> Decimal:
        if self.aggregation == "count":
            return Decimal(len(values))
        if self.aggregation == "average":
            return sum(values, Decimal(0)) / len(values)
        if self.aggregation == "latest":
            return values[-1]
        return sum(values, Decimal(0))


def _sent(record: Row) -> dt.datetime:
    return _rfc2822(record["date_sent"])


def _started(record: Row) -> dt.datetime:
    return _rfc2822(record["start_time"])


def _created(record: Row) -> dt.datetime:
    return _rfc2822(record["date_created"])


def _usage_day(record: Row) -> dt.datetime:
    return _iso(record["start_date"])


def _alerted(record: Row) -> dt.datetime:
    return _iso(record["date_created"])


def _undated(_record: Row) -> None:
    return None


def _category_price(category: str | None) -> Callable[[Row], Decimal | None]:
    def price(record: Row) -> Decimal | None:
        if category is not None and record["category"] != category:
            return None
        return None if record["price"] is None else Decimal(record["price"])

    return price


TRUTHS: dict[str, Truth] = {
    "messages_by_status": Truth(
        "messages", _sent, _one, _field("status"), aggregation="count"
    ),
    "messages_by_direction": Truth(
        "messages", _sent, _one, _field("direction"), aggregation="count"
    ),
    "messages_by_country": Truth(
        "messages", _sent, _one, _country, aggregation="count"
    ),
    "messages_sent": Truth(
        "messages", _sent, _when(lambda r: r["direction"].startswith("outbound"))
    ),
    "messages_received": Truth(
        "messages", _sent, _when(lambda r: r["direction"] == "inbound")
    ),
    "messages_delivered": Truth(
        "messages", _sent, _when(lambda r: r["status"] in {"delivered", "read"})
    ),
    "messages_failed": Truth(
        "messages", _sent, _when(lambda r: r["status"] in {"failed", "undelivered"})
    ),
    "message_segments": Truth("messages", _sent, lambda r: Decimal(r["num_segments"])),
    "sms_spend": Truth("messages", _sent, _spend),
    "sms_spend_by_country": Truth("messages", _sent, _spend, _country),
    "calls_by_status": Truth(
        "calls", _started, _one, _field("status"), aggregation="count"
    ),
    "calls_by_direction": Truth(
        "calls", _started, _one, _field("direction"), aggregation="count"
    ),
    "call_minutes": Truth("calls", _started, _minutes, exact=False),
    "average_call_minutes": Truth(
        "calls", _started, _minutes, aggregation="average", exact=False
    ),
    "voice_spend": Truth("calls", _started, _spend),
    "recordings": Truth("recordings", _created, _one, aggregation="count"),
    "recording_minutes": Truth("recordings", _created, _minutes, exact=False),
    "conferences": Truth("conferences", _created, _one, aggregation="count"),
    "usage_spend_by_category": Truth(
        "usage_daily", _usage_day, _category_price(None), _field("category")
    ),
    "usage_count_by_category": Truth(
        "usage_daily", _usage_day, lambda r: Decimal(r["count"]), _field("category")
    ),
    "usage_total_spend": Truth(
        "usage_daily", _usage_day, _category_price("totalprice")
    ),
    "alerts_by_error_code": Truth(
        "alerts", _alerted, _one, _field("error_code"), aggregation="count"
    ),
    "phone_numbers": Truth(
        "incoming_phone_numbers", _undated, _one, aggregation="count"
    ),
}


@pytest.fixture(scope="module")
def whole_library_run(simulator: Simulator) -> SyncOutput:
    return run_tap(sim_config(simulator, library_metrics=list(LIBRARY), page_size=50))


def test_every_library_metric_has_a_truth_to_compare_with() -> None:
    assert set(TRUTHS) | {"account_balance"} == set(LIBRARY)


@pytest.mark.parametrize("name", list(TRUTHS))
def test_library_values_equal_the_simulator_truth(
    name: str, simulator: Simulator, whole_library_run: SyncOutput
) -> None:
    truth = TRUTHS[name]
    expected = truth.values(simulator.records(truth.resource))

    values = whole_library_run.values(name)

    assert expected
    if truth.date is _undated:
        assert list(values.values()) == [float(total) for total in expected.values()]
    elif truth.exact:
        assert values == {key: float(total) for key, total in expected.items()}
    else:
        assert values == {
            key: pytest.approx(float(total), rel=1e-12)
            for key, total in expected.items()
        }


def test_the_account_balance_equals_the_simulator_balance(
    simulator: Simulator, whole_library_run: SyncOutput
) -> None:
    balance = Decimal(simulator.balance()["balance"])

    values = whole_library_run.values("account_balance")

    assert list(values.values()) == [float(balance)]
