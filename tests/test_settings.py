"""Reading the config: defaults, normalised values, and refusals naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tap_twilio_metrics.errors import ConfigError
from tap_twilio_metrics.settings import check_known_settings, load_settings
from tap_twilio_metrics.simulator import (
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    MAIN_ACCOUNT_SID,
)

NOW = dt.datetime(2024, 3, 31, 12, 30, tzinfo=dt.UTC)
MESSAGES = "/2010-04-01/Accounts/{account_sid}/Messages.json"


def config(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "account_sid": MAIN_ACCOUNT_SID,
        "api_key_sid": API_KEY_SID,
        "api_key_secret": API_KEY_SECRET,
        "library_metrics": ["sms_spend"],
    }
    return base | changes


def custom(**changes: Any) -> dict[str, Any]:
    """Config with one custom metric, its fields changed."""
    metric = {"name": "custom", "path": MESSAGES, "value": "1"} | changes
    return config(library_metrics=[], metrics=[metric])


def test_retry_settings_have_defaults() -> None:
    settings = load_settings(config(), now=NOW)

    assert settings.max_tries == 6
    assert settings.request_timeout == 60.0
    assert settings.max_wait == 120.0
    assert settings.max_total == 600.0


def test_retry_settings_are_read_including_the_total_budget() -> None:
    settings = load_settings(
        config(max_tries=2, request_timeout=5, max_retry_wait=1.5, max_retry_time=30),
        now=NOW,
    )

    assert (settings.max_tries, settings.request_timeout) == (2, 5.0)
    assert (settings.max_wait, settings.max_total) == (1.5, 30.0)


def test_decimal_numbers_from_a_json_config_file_are_accepted() -> None:
    settings = load_settings(config(max_retry_wait=Decimal("0.05")), now=NOW)

    assert settings.max_wait == 0.05


def test_a_retry_budget_over_a_day_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^max_retry_time: expected a number"):
        load_settings(config(max_retry_time=100_000), now=NOW)


def test_an_api_key_pair_authenticates_as_the_key() -> None:
    settings = load_settings(config(), now=NOW)

    assert (settings.username, settings.password) == (API_KEY_SID, API_KEY_SECRET)


def test_an_auth_token_authenticates_as_the_account() -> None:
    settings = load_settings(
        config(api_key_sid=None, api_key_secret=None, auth_token=AUTH_TOKEN), now=NOW
    )

    assert (settings.username, settings.password) == (MAIN_ACCOUNT_SID, AUTH_TOKEN)


def test_a_secret_in_the_key_sid_field_is_described_not_shown() -> None:
    secret = "x" * 32

    with pytest.raises(ConfigError) as refused:
        load_settings(config(api_key_sid=secret), now=NOW)

    assert "api_key_sid: expected an API key SID" in str(refused.value)
    assert "32 characters starting with 'xx'" in str(refused.value)
    assert secret not in str(refused.value)


def test_a_secret_that_is_not_a_string_is_refused_by_type_only() -> None:
    with pytest.raises(ConfigError, match=r"^auth_token: expected a string, got int$"):
        load_settings(config(auth_token=123456789), now=NOW)


def test_a_misspelt_setting_gets_a_suggestion() -> None:
    known = ["max_tries", "max_retry_wait", "page_size"]

    with pytest.raises(ConfigError, match=r"'max_retires' \(did you mean 'max_tries'"):
        check_known_settings({"max_retires": 3}, known)


def test_known_settings_pass() -> None:
    check_known_settings({"page_size": 5, "max_tries": 2}, ["max_tries", "page_size"])


@pytest.mark.parametrize(
    ("override", "kept"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://proxy.example.com", "https://proxy.example.com"),
    ],
)
def test_the_override_may_be_loopback_http_or_any_https(
    override: str, kept: str
) -> None:
    settings = load_settings(config(base_url_override=override), now=NOW)

    assert settings.base_url_override == kept


def test_the_override_takes_no_user_name() -> None:
    with pytest.raises(ConfigError, match=r"^base_url_override: give only"):
        load_settings(
            config(base_url_override="https://u:p@proxy.example.com"), now=NOW
        )


def test_a_base_url_with_credentials_in_it_is_refused() -> None:
    with pytest.raises(ConfigError, match="base_url takes no user name or password"):
        load_settings(custom(base_url="https://user:pw@api.twilio.com"), now=NOW)


def test_a_path_with_a_space_is_refused() -> None:
    with pytest.raises(ConfigError, match="path must not contain spaces"):
        load_settings(
            custom(path="/2010-04-01/Accounts/{account_sid}/A b.json"), now=NOW
        )


def test_a_path_starting_with_two_slashes_is_refused() -> None:
    with pytest.raises(ConfigError, match="path must start with '/' and name no host"):
        load_settings(custom(path="//evil.example.com/x.json"), now=NOW)


def test_extra_headers_are_kept() -> None:
    settings = load_settings(custom(headers={"X-Twilio-Note": "metrics"}), now=NOW)

    assert dict(settings.metrics[0].headers) == {"X-Twilio-Note": "metrics"}


def test_a_null_metric_field_counts_as_not_given() -> None:
    settings = load_settings(custom(aggregation=None, page_size=None), now=NOW)

    assert settings.metrics[0].aggregation == "sum"
    assert settings.metrics[0].page_size == 100


def test_a_metric_inherits_the_top_level_page_size() -> None:
    settings = load_settings(custom() | {"page_size": 250}, now=NOW)

    assert settings.metrics[0].page_size == 250


def test_the_method_get_may_be_written_in_lower_case() -> None:
    settings = load_settings(custom(method="get"), now=NOW)

    assert settings.metrics[0].name == "custom"


def test_a_library_metric_can_be_started_from_and_overridden() -> None:
    settings = load_settings(
        custom(library="sms_spend", value=None, granularity="week"), now=NOW
    )

    metric = settings.metrics[0]
    assert metric.value == "price ? -$number(price)"
    assert metric.granularity == "week"


def test_library_metrics_must_be_a_list() -> None:
    with pytest.raises(ConfigError, match=r"^library_metrics: expected a list"):
        load_settings(config(library_metrics="sms_spend"), now=NOW)


def test_account_sids_are_named_by_position_when_bad() -> None:
    with pytest.raises(ConfigError, match=r"^account_sids\[0\]: expected"):
        load_settings(config(account_sids=["AC-main"]), now=NOW)
