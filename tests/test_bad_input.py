"""Bad configs and bad responses end with one clear error naming the culprit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_twilio_metrics import expressions
from tap_twilio_metrics.client import ListRequest, RetryPolicy, TwilioClient
from tap_twilio_metrics.errors import (
    ConfigError,
    ExpressionError,
    PaginationError,
    RetriesExhaustedError,
    SyncFailedError,
    TwilioAPIError,
)
from tap_twilio_metrics.simulator import (
    API_KEY_SECRET,
    API_KEY_SID,
    MAIN_ACCOUNT_SID,
    SUBACCOUNT_AUTH_TOKENS,
    SUBACCOUNT_SIDS,
    Fault,
    Simulator,
)
from tests.conftest import run_cli, run_tap, sim_config
from tests.scripted_server import Reply, ScriptedServer

if TYPE_CHECKING:
    from pathlib import Path

DROP: Final = object()
MESSAGES = "/2010-04-01/Accounts/{account_sid}/Messages.json"
CUSTOM: Final[dict[str, Any]] = {
    "name": "custom",
    "path": MESSAGES,
    "params": {"DateSent>": "{start_date}", "DateSent<": "{end_date}"},
    "value": "1",
    "date": "date_sent",
}
RUNAWAY = "($f := function($n){ $f($n + 1) }; $f(0))"
DEEP = "($f := function($n){ $n > 0 ? 1 + $f($n - 1) : 0 }; $f(100000))"


def metric(**changes: Any) -> dict[str, Any]:
    """The custom metric with some fields changed (``DROP`` removes one)."""
    merged = CUSTOM | changes
    return {key: value for key, value in merged.items() if value is not DROP}


def only(*metrics: dict[str, Any]) -> dict[str, Any]:
    """Config overrides that sync exactly these custom metrics."""
    return {"metrics": list(metrics), "library_metrics": []}


def configured(simulator: Simulator, overrides: dict[str, Any]) -> dict[str, Any]:
    config = sim_config(simulator, library_metrics=["account_balance"])
    config.update(overrides)
    return {key: value for key, value in config.items() if value is not DROP}


# -- bad configs: refused before the first request, naming the field ------------

BAD_CONFIGS = [
    (
        "unknown-setting",
        {"max_retires": 3},
        ConfigError,
        "unknown setting 'max_retires'",
    ),
    (
        "short-account-sid",
        {"account_sid": "AC123"},
        ConfigError,
        "account_sid: expected",
    ),
    (
        "upper-case-account-sid",
        {"account_sid": MAIN_ACCOUNT_SID.upper()},
        ConfigError,
        "account_sid: expected an account SID",
    ),
    ("bad-key-sid", {"api_key_sid": "XX" + "0" * 32}, ConfigError, "api_key_sid"),
    ("key-without-secret", {"api_key_secret": DROP}, ConfigError, "api_key_secret"),
    (
        "no-credentials",
        {"api_key_sid": DROP, "api_key_secret": DROP},
        ConfigError,
        "credentials: set api_key_sid and api_key_secret",
    ),
    (
        "bad-sid-in-account-sids",
        {"account_sids": [MAIN_ACCOUNT_SID, "AC1"]},
        ConfigError,
        "account_sids[1]",
    ),
    ("page-size-0", {"page_size": 0}, ConfigError, "page_size: expected a whole"),
    ("page-size-1001", {"page_size": 1001}, ConfigError, "from 1 to 1000, got 1001"),
    ("page-size-text", {"page_size": "ten"}, ConfigValidationError, "page_size"),
    ("max-tries-0", {"max_tries": 0}, ConfigError, "max_tries"),
    ("timeout-0", {"request_timeout": 0}, ConfigError, "request_timeout"),
    ("negative-wait", {"max_retry_wait": -1}, ConfigError, "max_retry_wait"),
    (
        "remote-plain-http",
        {"base_url_override": "http://10.0.0.5:8080"},
        ConfigError,
        "base_url_override: plain http is only allowed to loopback",
    ),
    (
        "override-with-path",
        {"base_url_override": "http://127.0.0.1:9/api"},
        ConfigError,
        "base_url_override: give only scheme, host and port",
    ),
    (
        "start-after-end",
        {"start_date": "2024-04-02T00:00:00Z"},
        ConfigError,
        "start_date: must be before end_date",
    ),
    ("bad-lookback", {"lookback": "forever"}, ConfigError, "lookback"),
    (
        "misspelt-library-metric",
        {"library_metrics": ["mesages_by_status"]},
        ConfigError,
        (
            "library_metrics: pre-built metric 'mesages_by_status' does not exist "
            "(did you mean 'messages_by_status'?)"
        ),
    ),
    ("no-metrics", {"library_metrics": []}, ConfigError, "no metric is configured"),
    (
        "misspelt-metric-field",
        only(metric(valeu="1")),
        ConfigError,
        "metric 'custom': unknown field 'valeu' (did you mean 'value'?)",
    ),
    (
        "post-method",
        only(metric(method="POST")),
        ConfigError,
        "metric 'custom': method 'POST' refused",
    ),
    ("delete-method", only(metric(method="delete")), ConfigError, "'delete' refused"),
    (
        "path-without-slash",
        only(metric(path=MESSAGES[1:])),
        ConfigError,
        "metric 'custom': path must start with '/'",
    ),
    (
        "path-with-host",
        only(metric(path="https://api.twilio.com" + MESSAGES)),
        ConfigError,
        "path must start with '/' and name no host",
    ),
    (
        "path-with-query",
        only(metric(path=MESSAGES + "?PageSize=5")),
        ConfigError,
        "path takes no query string",
    ),
    (
        "unknown-path-placeholder",
        only(metric(path=MESSAGES.replace("account_sid", "acount_sid"))),
        ConfigError,
        "path has unknown placeholder {acount_sid}",
    ),
    (
        "unknown-param-placeholder",
        only(metric(params={"DateSent>": "{start_dat}"})),
        ConfigError,
        (
            "params['DateSent>'] has unknown placeholder {start_dat} "
            "(did you mean {start_date}?)"
        ),
    ),
    (
        "duplicate-names",
        only(metric(), metric()),
        ConfigError,
        "the name 'custom' is used by two metrics",
    ),
    (
        "name-of-a-library-metric",
        {"library_metrics": ["sms_spend"], "metrics": [metric(name="sms_spend")]},
        ConfigError,
        "the name 'sms_spend' is used by two metrics",
    ),
    (
        "unknown-aggregation",
        only(metric(aggregation="median")),
        ConfigError,
        "metric 'custom': aggregation must be one of",
    ),
    ("unknown-trend", only(metric(trend="sideways")), ConfigError, "trend must be"),
    (
        "unknown-granularity",
        only(metric(granularity="year")),
        ConfigError,
        "granularity must be one of",
    ),
    (
        "invalid-value-jsonata",
        only(metric(value="$number(price")),
        ConfigError,
        "metric 'custom': value is not valid JSONata",
    ),
    (
        "invalid-date-jsonata",
        only(metric(date="date_sent +")),
        ConfigError,
        "metric 'custom': date is not valid JSONata",
    ),
    (
        "invalid-expression-jsonata",
        only(metric(value=DROP, date=DROP, expression='{"value": }')),
        ConfigError,
        "metric 'custom': expression is not valid JSONata",
    ),
    (
        "metric-page-size-5000",
        only(metric(page_size=5000)),
        ConfigError,
        "metric 'custom': page_size: expected a whole number from 1 to 1000",
    ),
    ("max-pages-0", only(metric(max_pages=0)), ConfigError, "max_pages"),
    (
        "foreign-base-url",
        only(metric(base_url="https://evil.example.com")),
        ConfigError,
        "metric 'custom': base_url must be an https Twilio host",
    ),
    (
        "plain-http-base-url",
        only(metric(base_url="http://api.twilio.com")),
        ConfigError,
        "base_url must be an https Twilio host",
    ),
    (
        "name-not-snake-case",
        only(metric(name="SMS-Spend")),
        ConfigError,
        "metric 'SMS-Spend': name must be lower snake case",
    ),
    (
        "reserved-name",
        only(metric(name="metric_definitions")),
        ConfigError,
        "the name 'metric_definitions' is taken",
    ),
    (
        "misspelt-library",
        only(metric(library="sms_spnd")),
        ConfigError,
        "(did you mean 'sms_spend'?)",
    ),
    (
        "eval",
        only(metric(value="$eval(body)")),
        ConfigError,
        "metric 'custom': value uses $eval, which is not allowed",
    ),
    (
        "value-and-expression",
        only(metric(expression='{"value": 1}')),
        ConfigError,
        "give either expression or value/dimension/date",
    ),
    ("no-value", only(metric(value=DROP)), ConfigError, "value is required"),
    (
        "credentials-in-headers",
        only(metric(headers={"Authorization": "Basic eDp5"})),
        ConfigError,
        "metric 'custom': headers['Authorization'] is set by the tap",
    ),
    (
        "header-injection",
        only(metric(headers={"X-Note": "a\r\nHost: evil.example.com"})),
        ConfigError,
        "headers['X-Note'] is not a valid HTTP header",
    ),
    (
        "value-not-a-string",
        only(metric(value=5)),
        ConfigValidationError,
        "config['metrics'][0]['value']",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "kind", "culprit"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_CONFIGS],
)
def test_a_bad_config_is_refused_before_any_request(
    simulator: Simulator, overrides: dict[str, Any], kind: type[Exception], culprit: str
) -> None:
    config = configured(simulator, overrides)
    before = len(simulator.requests)

    with pytest.raises(kind) as refused:
        run_tap(config)

    message = "; ".join(getattr(refused.value, "errors", None) or [str(refused.value)])
    assert type(refused.value) is kind
    assert culprit in message
    assert len(simulator.requests) == before


def test_invalid_jsonata_shows_where_it_fails(simulator: Simulator) -> None:
    config = configured(simulator, only(metric(value="price * * 2")))

    with pytest.raises(ConfigError) as refused:
        run_tap(config)

    first, source, caret = str(refused.value).splitlines()
    assert "(S0201 at position 11: Syntax error: 2)" in first
    assert source.strip() == "price * * 2"
    assert caret.index("^") == source.index("2")


# -- bad responses: the exact error, naming the request -----------------------

ENVELOPE = {"items": [{"sid": "A1"}], "next_page_uri": None}
BAD_RESPONSES = [
    (
        "non-json-200",
        Reply(raw=b"<html>maintenance</html>"),
        RetriesExhaustedError,
        "still failing after 2 tries in",
        "response body is not complete JSON",
    ),
    (
        "envelope-without-records",
        Reply({"next_page_uri": None, "page": 0}),
        PaginationError,
        "/items.json",
        "list envelope without a single record list",
    ),
    (
        "json-that-is-no-object",
        Reply("maintenance"),
        PaginationError,
        "/items.json",
        "expected a JSON object, got str",
    ),
    (
        "foreign-next-page",
        Reply({"items": [], "next_page_uri": "https://evil.example.com/items.json"}),
        PaginationError,
        "/items.json",
        "next-page link points at https://evil.example.com",
    ),
    (
        "repeated-next-page",
        Reply({"items": [], "next_page_uri": "/items.json?Page=1"}),
        PaginationError,
        "/items.json?Page=1 repeats a page",
        "already read",
    ),
    (
        "http-400",
        Reply({"code": 20001, "message": "Invalid DateSent value"}, 400),
        TwilioAPIError,
        "answered HTTP 400 (Twilio error 20001: Invalid DateSent value)",
        "check the metric's params",
    ),
    (
        "http-401",
        Reply({"code": 20003, "message": "Authenticate"}, 401),
        TwilioAPIError,
        "answered HTTP 401 (Twilio error 20003: Authenticate)",
        "check account_sid and the API key pair (or auth_token)",
    ),
    (
        "http-403",
        Reply({"code": 20003, "message": "Permission denied"}, 403),
        TwilioAPIError,
        "answered HTTP 403 (Twilio error 20003: Permission denied)",
        "account-wide resources need a Main API key",
    ),
    (
        "http-404",
        Reply({"code": 20404, "message": "Not found"}, 404),
        TwilioAPIError,
        "answered HTTP 404 (Twilio error 20404: Not found)",
        "check the metric's base_url and path",
    ),
    (
        "http-404-without-twilio-body",
        Reply(raw=b"nothing here", status=404),
        TwilioAPIError,
        "answered HTTP 404 (Not Found)",
        "check the metric's base_url and path",
    ),
    (
        "redirect",
        Reply({}, 301, (("Location", "https://evil.example.com/items.json"),)),
        TwilioAPIError,
        "a redirect to https://evil.example.com/items.json",
        "not followed",
    ),
]


@pytest.mark.parametrize(
    ("reply", "kind", "culprit", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_RESPONSES],
)
def test_a_bad_response_ends_with_its_own_error(
    reply: Reply, kind: type[Exception], culprit: str, reason: str
) -> None:
    with ScriptedServer({"/items.json": reply}) as twilio:
        client = TwilioClient(
            API_KEY_SID,
            API_KEY_SECRET,
            RetryPolicy(max_tries=2, timeout=5, max_wait=0.01),
            override=twilio.url,
        )
        request = ListRequest("https://api.twilio.com", "/items.json", (), label="m1")

        with pytest.raises(kind) as failed:
            list(client.pages(request))

    message = str(failed.value)
    assert type(failed.value) is kind
    assert message.startswith("m1: ")
    assert culprit in message
    assert reason in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("changes", "culprit"),
    [
        ({"params": {"DateSent>": "not-a-date"}}, "Twilio error 20001"),
        ({"path": MESSAGES.replace("Messages", "Mesages")}, "/Mesages.json?DateSent"),
    ],
    ids=["http-400", "http-404"],
)
def test_a_refused_request_fails_the_run_naming_the_metric(
    simulator: Simulator, changes: dict[str, Any], culprit: str
) -> None:
    config = configured(simulator, only(metric(**changes)))

    with pytest.raises(SyncFailedError) as failed:
        run_tap(config)

    assert "metric 'custom', account " in str(failed.value)
    assert culprit in str(failed.value)


def test_a_subaccount_key_reading_the_main_account_asks_for_a_main_key(
    simulator: Simulator,
) -> None:
    sub = SUBACCOUNT_SIDS[0]
    config = configured(
        simulator,
        {
            "account_sid": sub,
            "api_key_sid": DROP,
            "api_key_secret": DROP,
            "auth_token": SUBACCOUNT_AUTH_TOKENS[sub],
            "account_sids": [MAIN_ACCOUNT_SID],
        },
    )

    with pytest.raises(SyncFailedError, match=r"HTTP 403 .* need a Main API key"):
        run_tap(config)


# -- bad data in good responses -------------------------------------------------


def test_a_non_numeric_value_names_the_metric_record_and_value(
    simulator: Simulator,
) -> None:
    config = configured(simulator, only(metric(value="status")))

    with pytest.raises(ExpressionError) as failed:
        run_tap(config)

    assert str(failed.value).startswith("metric 'custom': value '")
    assert " of sid SM" in str(failed.value)
    assert "is not a number; fix the value expression" in str(failed.value)


def test_a_changed_price_that_is_not_a_number_names_the_record(
    private_simulator: Simulator,
) -> None:
    victim = next(iter(private_simulator.records("messages")))
    private_simulator.update_record("messages", victim["sid"], price="n/a")
    config = configured(private_simulator, {"library_metrics": ["sms_spend"]})

    with pytest.raises(ExpressionError) as failed:
        run_tap(config)

    assert str(failed.value).startswith("metric 'sms_spend': value expression")
    assert f"record sid {victim['sid']}" in str(failed.value)
    assert "'n/a'" in str(failed.value)


def test_an_unreadable_date_names_the_metric_record_and_date(
    private_simulator: Simulator,
) -> None:
    victim = next(iter(private_simulator.records("messages")))
    private_simulator.update_record("messages", victim["sid"], date_sent="yesterday")
    config = configured(private_simulator, only(metric()))

    with pytest.raises(ExpressionError) as failed:
        run_tap(config)

    assert f"metric 'custom': date 'yesterday' of sid {victim['sid']}" in str(
        failed.value
    )


def test_an_expression_that_gives_no_object_is_refused(simulator: Simulator) -> None:
    config = configured(
        simulator, only(metric(value=DROP, date=DROP, expression="status"))
    )

    with pytest.raises(ExpressionError, match=r"custom.*must return an object"):
        run_tap(config)


# -- runaway expressions stop, fast ---------------------------------------------


class FakeClock:
    """A monotonic clock that moves only when a test moves it."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0

    def monotonic(self) -> float:
        """The current reading."""
        return self.now


@pytest.fixture
def short_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a runaway expression give up after 50 ms instead of a second."""
    monkeypatch.setattr(expressions, "EVALUATION_TIMEOUT_MS", 50)


@pytest.mark.usefixtures("short_time_limit")
@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (RUNAWAY, "Evaluation timeout after 50 milliseconds"),
        (DEEP, "Stack overflow"),
        (DEEP.replace("1 + $f", "$f"), "Evaluation timeout"),
        ("$sum([1..9999999])", "a range of 10000000 items, over the 100000"),
        ("$sum([1..$length(sid) * 10000])", "items, over the 100000 allowed"),
    ],
    ids=[
        "endless-tail-call",
        "deep-recursion",
        "long-tail-recursion",
        "huge-range",
        "huge-range-from-data",
    ],
)
def test_a_runaway_expression_stops_with_an_error_naming_the_metric(
    simulator: Simulator, source: str, reason: str
) -> None:
    config = configured(simulator, only(metric(value=source), metric(name="fine")))

    with pytest.raises(ExpressionError) as failed:
        run_tap(config)

    assert str(failed.value).startswith("metric 'custom': value expression")
    assert reason in str(failed.value)


def test_the_time_limit_counts_from_each_evaluation_not_from_compiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(expressions, "time", clock)
    expression = expressions.Expression("m", "value", "$sum([1..3])")
    expression.evaluate({})

    clock.now += 60.0

    assert expression.evaluate({}) == 6


def test_workers_evaluating_one_expression_at_once_keep_their_own_record() -> None:
    expression = expressions.Expression(
        "m", "value", "$map([1..5], function($i){ $$.sid })[-1]"
    )

    def sids_seen(worker: int) -> list[tuple[str, Any]]:
        records = [{"sid": f"S{worker}-{n}"} for n in range(100)]
        return [(record["sid"], expression.evaluate(record)) for record in records]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [pair for pairs in pool.map(sids_seen, range(8)) for pair in pairs]

    assert all(sid == seen for sid, seen in results)


def test_only_expressions_that_can_loop_are_timed() -> None:
    assert expressions.Expression("m", "value", "$sum($map([1..3], $string))").bounded
    assert expressions.Expression("m", "value", RUNAWAY).bounded
    assert not expressions.Expression("m", "value", "$count(items[x > 1])").bounded


# -- the command line: one clear line, no traceback, exit 1 ---------------------


@pytest.mark.parametrize(
    ("overrides", "culprit"),
    [
        (
            only(metric(valeu="1")),
            "metric 'custom': unknown field 'valeu' (did you mean 'value'?)",
        ),
        (only(metric(method="POST")), "metric 'custom': method 'POST' refused"),
        ({"page_size": 0}, "page_size: expected a whole number from 1 to 1000"),
        ({"max_retires": 3}, "unknown setting 'max_retires'"),
        (only(metric(value="status")), "metric 'custom': value 'delivered' of sid"),
    ],
    ids=[
        "misspelt-field",
        "post-method",
        "page-size",
        "unknown-setting",
        "non-numeric",
    ],
)
def test_the_cli_reports_a_user_error_in_one_line(
    simulator: Simulator, tmp_path: Path, overrides: dict[str, Any], culprit: str
) -> None:
    run = run_cli(configured(simulator, overrides), tmp_path)

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.last_line.startswith("tap-twilio-metrics: ")
    assert culprit in run.last_line


def test_the_cli_reports_a_setting_of_the_wrong_type_without_a_traceback(
    simulator: Simulator, tmp_path: Path
) -> None:
    run = run_cli(configured(simulator, only(metric(value=5))), tmp_path)

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "5 is not of type 'string', 'null' in config['metrics'][0]['value']" in (
        run.stderr
    )


def test_the_cli_shows_a_jsonata_error_with_its_position(
    simulator: Simulator, tmp_path: Path
) -> None:
    run = run_cli(configured(simulator, only(metric(value="price * * 2"))), tmp_path)

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "tap-twilio-metrics: metric 'custom': value is not valid JSONata" in (
        run.stderr
    )
    assert run.last_line.strip() == "^"


@pytest.mark.parametrize(
    ("fault", "culprit"),
    [
        (
            Fault("status", 503, times=None, path_contains="Balance"),
            "Balance.json still failing after 2 tries",
        ),
        (
            Fault("foreign_next_page", times=None, path_contains="Messages"),
            "next-page link points at https://evil.example.com",
        ),
    ],
    ids=["permanent-503", "foreign-next-page"],
)
def test_the_cli_reports_a_failed_sync_in_one_line(
    private_simulator: Simulator, tmp_path: Path, fault: Fault, culprit: str
) -> None:
    private_simulator.add_fault(fault)
    config = configured(
        private_simulator,
        {
            "library_metrics": ["account_balance", "messages_by_status"],
            "page_size": 10,
            "max_tries": 2,
        },
    )

    run = run_cli(config, tmp_path)

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.last_line.startswith("tap-twilio-metrics: 1 sync(s) failed: metric '")
    assert culprit in run.last_line
