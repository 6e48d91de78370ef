"""Secrets stay secret: never printed, logged or stored, only sent to Twilio."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

import pytest

from tap_twilio_metrics.client import ListRequest, RetryPolicy, TwilioClient
from tap_twilio_metrics.errors import TwilioAPIError
from tap_twilio_metrics.simulator import (
    API_KEY_SECRET,
    API_KEY_SID,
    MAIN_ACCOUNT_SID,
    Fault,
    Simulator,
)
from tests.conftest import CliRun, run_cli, sim_config
from tests.scripted_server import Reply, ScriptedServer

if TYPE_CHECKING:
    from pathlib import Path

FAKE_SECRET = "fake-secret-7Qz9-DO-NOT-PRINT-4kXw"  # noqa: S105 - a marker to search for


def forms_of(user: str, secret: str) -> list[str]:
    """The secret as written, and as it travels in a Basic auth header."""
    pair = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return [secret, pair]


def assert_nowhere(run: CliRun, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in run.stdout
        assert secret not in run.stderr


def test_no_secret_is_printed_by_a_run_with_retries_and_errors(
    private_simulator: Simulator, tmp_path: Path
) -> None:
    for kind, after in (("status", 2), ("drop", 5), ("truncate", 8)):
        private_simulator.add_fault(
            Fault(kind, 429, retry_after="0", after=after, path_contains="Messages")  # type: ignore[arg-type]
        )
    missing = {
        "name": "missing_resource",
        "path": "/2010-04-01/Accounts/{account_sid}/Nope.json",
        "value": "1",
    }
    config = sim_config(
        private_simulator,
        library_metrics=["messages_by_status", "account_balance"],
        metrics=[missing],
        page_size=25,
    )

    run = run_cli(config, tmp_path, debug=True)

    assert run.returncode == 1
    assert "| DEBUG" in run.stderr
    assert run.stderr.count("retrying in") == 3
    assert "HTTP 404" in run.last_line
    assert '"type":"STATE"' in run.stdout.replace(" ", "")
    assert '"type":"RECORD"' in run.stdout.replace(" ", "")
    assert_nowhere(run, forms_of(API_KEY_SID, API_KEY_SECRET))


@pytest.mark.parametrize(
    ("credentials", "user"),
    [
        ({"api_key_sid": API_KEY_SID, "api_key_secret": FAKE_SECRET}, API_KEY_SID),
        ({"auth_token": FAKE_SECRET}, MAIN_ACCOUNT_SID),
    ],
    ids=["api-key", "auth-token"],
)
def test_a_refused_secret_is_not_printed(
    simulator: Simulator, tmp_path: Path, credentials: dict[str, str], user: str
) -> None:
    config = sim_config(simulator, library_metrics=["account_balance"])
    del config["api_key_sid"], config["api_key_secret"]
    config |= credentials

    run = run_cli(config, tmp_path, debug=True)

    assert run.returncode == 1
    assert "HTTP 401" in run.last_line
    assert "check account_sid and the API key pair" in run.last_line
    assert_nowhere(run, forms_of(user, FAKE_SECRET))


def test_a_key_pair_given_the_wrong_way_round_is_refused_unseen(
    simulator: Simulator, tmp_path: Path
) -> None:
    config = sim_config(simulator, api_key_sid=FAKE_SECRET, api_key_secret=API_KEY_SID)

    run = run_cli(config, tmp_path, debug=True)

    assert run.returncode == 1
    assert run.last_line.startswith("tap-twilio-metrics: api_key_sid: expected")
    assert_nowhere(run, [FAKE_SECRET])


@pytest.mark.parametrize("output", [(), ("--format=json",), ("--format=markdown",)])
def test_about_never_shows_a_secret(
    simulator: Simulator, tmp_path: Path, output: tuple[str, ...]
) -> None:
    config = sim_config(simulator, api_key_secret=FAKE_SECRET, auth_token=FAKE_SECRET)

    run = run_cli(config, tmp_path, "--about", *output)

    assert run.returncode == 0
    assert "api_key_secret" in run.stdout
    assert_nowhere(run, [FAKE_SECRET])


def test_about_declares_both_secrets_secret(
    simulator: Simulator, tmp_path: Path
) -> None:
    run = run_cli(sim_config(simulator), tmp_path, "--about", "--format=json")

    settings = json.loads(run.stdout)["settings"]["properties"]

    assert settings["api_key_secret"]["secret"] is True
    assert settings["auth_token"]["secret"] is True


def test_a_redirect_is_not_followed_with_credentials() -> None:
    with ScriptedServer() as elsewhere, ScriptedServer() as twilio:
        twilio.routes["/Balance.json"] = Reply(
            {}, 302, (("Location", f"{elsewhere.url}/Balance.json"),)
        )
        client = TwilioClient(
            API_KEY_SID, API_KEY_SECRET, RetryPolicy(max_tries=2), override=twilio.url
        )
        request = ListRequest(
            "https://api.twilio.com", "/Balance.json", (), label="metric 'balance'"
        )

        with pytest.raises(TwilioAPIError, match=r"a redirect to .* not followed"):
            list(client.pages(request))

        assert elsewhere.seen == []
        assert twilio.seen[0].authorization is not None


def test_credentials_go_with_every_request_to_the_override() -> None:
    with ScriptedServer() as twilio:
        twilio.routes["/list.json"] = Reply(
            {"items": [{"sid": "A1"}], "next_page_uri": "/more.json?Page=1"}
        )
        twilio.routes["/more.json"] = Reply({"items": [], "next_page_uri": None})
        client = TwilioClient(
            API_KEY_SID, API_KEY_SECRET, RetryPolicy(max_tries=1), override=twilio.url
        )
        request = ListRequest("https://api.twilio.com", "/list.json", (), label="m")

        list(client.pages(request))

        expected = "Basic " + forms_of(API_KEY_SID, API_KEY_SECRET)[1]
        assert [seen.authorization for seen in twilio.seen] == [expected, expected]
