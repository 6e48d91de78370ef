"""Pages: where the records are, which next-page links are followed, and where not."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tap_twilio_metrics.client import ListRequest, RetryPolicy, TwilioClient
from tap_twilio_metrics.errors import PaginationError
from tap_twilio_metrics.pagination import LinkPolicy, next_link, records_of
from tap_twilio_metrics.simulator import (
    API_KEY_SECRET,
    API_KEY_SID,
    MAIN_ACCOUNT_SID,
    Fault,
    Simulator,
)
from tests.scripted_server import Reply, ScriptedServer

TWILIO = "https://api.twilio.com"
MESSAGES = f"/2010-04-01/Accounts/{MAIN_ACCOUNT_SID}/Messages.json"
FAST = RetryPolicy(max_tries=2, timeout=5.0, max_wait=0.01)


def client_for(url: str) -> TwilioClient:
    return TwilioClient(API_KEY_SID, API_KEY_SECRET, FAST, override=url)


def read_all(client: TwilioClient, path: str, base_url: str = TWILIO) -> list[Any]:
    request = ListRequest(base_url, path, (), label="metric 'paged'")
    return [record for page in client.pages(request) for record in page.records]


@pytest.fixture
def resolved_hosts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every host name looked up; refuse any that is not loopback."""
    hosts: list[str] = []
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        hosts.append(str(host))
        if host not in {"127.0.0.1", "localhost", "::1"}:
            msg = f"test refused to resolve {host}"
            raise OSError(msg)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    return hosts


# -- where the records are ---------------------------------------------------


def test_a_2010_envelope_holds_its_records_in_its_one_list() -> None:
    body = {"messages": [{"sid": "SM1"}], "next_page_uri": None, "page": 0}

    assert records_of(body, None) == [{"sid": "SM1"}]


def test_a_v1_envelope_names_its_list_in_meta_key() -> None:
    body = {"alerts": [{"sid": "NO1"}], "other": [], "meta": {"key": "alerts"}}

    assert records_of(body, None) == [{"sid": "NO1"}]


def test_a_single_object_is_one_record() -> None:
    body = {"balance": "12.5", "currency": "USD"}

    assert records_of(body, None) == [body]


def test_a_dotted_records_path_leads_into_nested_objects() -> None:
    body = {"data": {"items": [{"sid": "X1"}]}}

    assert records_of(body, "data.items") == [{"sid": "X1"}]


def test_a_records_path_that_leads_nowhere_is_refused_by_name() -> None:
    with pytest.raises(PaginationError, match=r"records path 'data\.rows'"):
        records_of({"data": {"items": []}}, "data.rows")


def test_a_list_envelope_with_two_lists_asks_for_the_records_setting() -> None:
    body: dict[str, Any] = {"a": [], "b": [], "next_page_uri": None}

    with pytest.raises(PaginationError, match="set the metric's records"):
        records_of(body, None)


def test_a_list_envelope_without_a_list_is_refused() -> None:
    with pytest.raises(PaginationError, match="without a single record list"):
        records_of({"next_page_uri": None, "page": 0}, None)


def test_a_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(PaginationError, match="expected a JSON object, got str"):
        records_of("maintenance", None)


# -- where the next page is ---------------------------------------------------


def test_the_2010_next_page_is_the_relative_next_page_uri() -> None:
    assert next_link({"next_page_uri": "/x.json?Page=1"}) == "/x.json?Page=1"


def test_the_v1_next_page_is_meta_next_page_url() -> None:
    body = {"meta": {"next_page_url": "https://monitor.twilio.com/v1/Alerts?Page=1"}}

    assert next_link(body) == "https://monitor.twilio.com/v1/Alerts?Page=1"


def test_the_last_page_has_no_next_link() -> None:
    assert next_link({"next_page_uri": None, "meta": {"next_page_url": None}}) is None


# -- which links are followed --------------------------------------------------


def test_a_relative_link_goes_to_the_override() -> None:
    links = LinkPolicy(TWILIO, "http://127.0.0.1:8080")

    assert links.follow("/x.json?Page=1") == "http://127.0.0.1:8080/x.json?Page=1"


def test_an_absolute_link_to_the_metric_host_goes_to_the_override() -> None:
    links = LinkPolicy("https://monitor.twilio.com", "http://127.0.0.1:8080")

    followed = links.follow("https://monitor.twilio.com/v1/Alerts?Page=1")

    assert followed == "http://127.0.0.1:8080/v1/Alerts?Page=1"


def test_without_override_a_link_to_the_metric_host_is_followed() -> None:
    links = LinkPolicy(TWILIO, None)

    assert links.follow("/x.json?Page=1") == "https://api.twilio.com/x.json?Page=1"


@pytest.mark.parametrize(
    ("override", "link"),
    [
        (None, "https://evil.example.com/x.json"),
        (None, "//evil.example.com/x.json"),
        (None, "http://api.twilio.com/x.json"),
        (None, "https://user:pw@api.twilio.com/x.json"),
        (None, "https://api.twilio.com.evil.example.com/x.json"),
        (None, "https://monitor.twilio.com/v1/Alerts"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:9090/x.json"),
        ("http://127.0.0.1:8080", "http://localhost:8080/x.json"),
        ("http://127.0.0.1:8080", "https://evil.example.com/x.json"),
    ],
)
def test_a_link_to_any_other_origin_is_refused(override: str | None, link: str) -> None:
    links = LinkPolicy(TWILIO, override)

    with pytest.raises(PaginationError, match="refused so credentials stay"):
        links.follow(link)


# -- following pages over loopback ---------------------------------------------


def test_a_foreign_next_page_host_is_never_contacted() -> None:
    with ScriptedServer() as foreign, ScriptedServer() as twilio:
        twilio.routes["/list.json"] = Reply(
            {"items": [{"sid": "A1"}], "next_page_uri": f"{foreign.url}/list.json"}
        )
        foreign.routes["/list.json"] = Reply({"items": [], "next_page_uri": None})

        with pytest.raises(PaginationError) as refused:
            read_all(client_for(twilio.url), "/list.json")

        assert foreign.url in str(refused.value)
        assert "metric 'paged'" in str(refused.value)
        assert foreign.seen == []
        assert len(twilio.seen) == 1


def test_the_simulators_foreign_page_is_refused_before_any_lookup(
    private_simulator: Simulator, resolved_hosts: list[str]
) -> None:
    private_simulator.add_fault(Fault("foreign_next_page", times=None))
    client = client_for(private_simulator.url)

    with pytest.raises(PaginationError, match=r"https://evil\.example\.com"):
        read_all(client, MESSAGES + "?PageSize=5")

    assert "evil.example.com" not in resolved_hosts
    assert len(private_simulator.requests) == 1


def test_a_next_page_link_that_repeats_a_page_stops_the_read() -> None:
    with ScriptedServer() as twilio:
        twilio.routes["/list.json"] = Reply(
            {"items": [{"sid": "A1"}], "next_page_uri": "/list.json?Page=1"}
        )

        with pytest.raises(PaginationError, match="repeats a page already read"):
            read_all(client_for(twilio.url), "/list.json")

        assert len(twilio.seen) == 2


def test_every_page_of_the_simulator_is_read_once(simulator: Simulator) -> None:
    client = client_for(simulator.url)
    request = ListRequest(TWILIO, MESSAGES, (("PageSize", "50"),), label="m")

    sids = [record["sid"] for page in client.pages(request) for record in page.records]

    assert len(sids) == len(set(sids)) == len(list(simulator.records("messages")))


def test_the_last_page_within_the_cap_says_more_were_offered(
    simulator: Simulator,
) -> None:
    client = client_for(simulator.url)
    request = ListRequest(TWILIO, MESSAGES, (("PageSize", "5"),), max_pages=2)

    pages = list(client.pages(request))

    assert [page.capped for page in pages] == [False, True]
