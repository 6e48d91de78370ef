"""Behaviour of the local Twilio REST API simulator."""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tap_twilio_metrics.simulator import (
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    MAIN_ACCOUNT_SID,
    SUBACCOUNT_AUTH_TOKENS,
    SUBACCOUNT_SIDS,
    Fault,
    Simulator,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

END = dt.date(2024, 3, 1)
MESSAGES = f"/2010-04-01/Accounts/{MAIN_ACCOUNT_SID}/Messages.json"
ALERTS = "/v1/Alerts"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(seed=7, end=END, days=10) as simulator:
        yield simulator


@pytest.fixture
def fresh(sim: Simulator) -> Iterator[Simulator]:
    sim.clear_faults()
    sim.reset_requests()
    yield sim
    sim.clear_faults()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        http.auth = (API_KEY_SID, API_KEY_SECRET)
        yield http


def get(
    http: requests.Session, sim: Simulator, path: str, **params: Any
) -> requests.Response:
    return http.get(sim.url + path, params=params, timeout=10)


def walk(http: requests.Session, sim: Simulator, path: str, **params: Any) -> list[str]:
    sids: list[str] = []
    url: str | None = sim.url + path
    first = True
    while url is not None:
        response = http.get(url, params=params if first else None, timeout=10)
        first = False
        body = response.json()
        sids.extend(record["sid"] for record in body["messages"])
        url = sim.url + body["next_page_uri"] if body["next_page_uri"] else None
    return sids


def epoch(rfc2822: str) -> int:
    return int(email.utils.parsedate_to_datetime(rfc2822).timestamp())


def test_request_without_credentials_is_refused(fresh: Simulator) -> None:
    response = requests.get(fresh.url + MESSAGES, timeout=10)

    assert response.status_code == 401
    assert response.json()["code"] == 20003
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


def test_wrong_password_is_refused(fresh: Simulator) -> None:
    response = requests.get(
        fresh.url + MESSAGES, auth=(MAIN_ACCOUNT_SID, "wrong"), timeout=10
    )

    assert response.status_code == 401


def test_account_sid_and_auth_token_are_accepted(fresh: Simulator) -> None:
    response = requests.get(
        fresh.url + MESSAGES, auth=(MAIN_ACCOUNT_SID, AUTH_TOKEN), timeout=10
    )

    assert response.status_code == 200


def test_messages_envelope_has_twilio_shape(
    fresh: Simulator, session: requests.Session
) -> None:
    response = get(session, fresh, MESSAGES, PageSize=5)

    body = response.json()
    assert response.headers["Content-Type"] == "application/json"
    assert set(body) == {
        "messages",
        "end",
        "first_page_uri",
        "next_page_uri",
        "page",
        "page_size",
        "previous_page_uri",
        "start",
        "uri",
    }
    assert (body["page"], body["page_size"], body["start"], body["end"]) == (0, 5, 0, 4)
    assert body["previous_page_uri"] is None
    assert body["next_page_uri"].startswith(MESSAGES + "?PageSize=5&Page=1&PageToken=")
    message = body["messages"][0]
    assert message["sid"].startswith("SM")
    assert len(message["sid"]) == 34
    assert isinstance(message["num_segments"], str)
    assert message["price"] is None or message["price"].startswith(("-0.", "0."))
    assert message["price_unit"] == "USD"
    assert message["api_version"] == "2010-04-01"
    sent = email.utils.parsedate_to_datetime(message["date_sent"])
    assert email.utils.format_datetime(sent) == message["date_sent"]


def test_price_is_a_five_decimal_string_or_null(fresh: Simulator) -> None:
    messages = list(fresh.records("messages"))

    prices = [m["price"] for m in messages]
    assert any(p is None for p in prices)
    assert all(p is None or len(p.split(".")[1]) == 5 for p in prices)


def test_alerts_envelope_links_are_absolute_on_monitor_host(
    fresh: Simulator, session: requests.Session
) -> None:
    response = get(session, fresh, ALERTS, PageSize=3)

    body = response.json()
    meta = body["meta"]
    assert meta["key"] == "alerts"
    assert meta["url"] == "https://monitor.twilio.com/v1/Alerts?PageSize=3&Page=0"
    assert meta["next_page_url"].startswith("https://monitor.twilio.com/v1/Alerts?")
    assert meta["previous_page_url"] is None
    alert = body["alerts"][0]
    assert alert["sid"].startswith("NO")
    assert alert["date_created"].endswith("Z")
    assert isinstance(alert["error_code"], str)


def test_alerts_next_page_continues_on_the_simulator(
    fresh: Simulator, session: requests.Session
) -> None:
    first = get(session, fresh, ALERTS, PageSize=3).json()
    next_url = first["meta"]["next_page_url"]

    second = session.get(
        next_url.replace("https://monitor.twilio.com", fresh.url), timeout=10
    ).json()

    newest = [a["sid"] for a in reversed(list(fresh.records("alerts")))]
    assert [a["sid"] for a in first["alerts"] + second["alerts"]] == newest[:6]


def test_messages_are_served_newest_first(
    fresh: Simulator, session: requests.Session
) -> None:
    response = get(session, fresh, MESSAGES, PageSize=200)

    dates = [epoch(m["date_sent"]) for m in response.json()["messages"]]
    assert dates == sorted(dates, reverse=True)


def test_paging_through_a_date_range_returns_exactly_the_records(
    fresh: Simulator, session: requests.Session
) -> None:
    low, high = "2024-02-23T06:00:00Z", "2024-02-25"
    expected = {
        m["sid"]
        for m in fresh.records("messages")
        if epoch("Fri, 23 Feb 2024 06:00:00 +0000")
        <= epoch(m["date_sent"])
        <= epoch("Sun, 25 Feb 2024 23:59:59 +0000")
    }

    sids = walk(
        session, fresh, MESSAGES, **{"DateSent>": low, "DateSent<": high}, PageSize=7
    )

    assert len(sids) == len(set(sids))
    assert set(sids) == expected


def test_date_filter_includes_both_ends_of_the_day(
    fresh: Simulator, session: requests.Session
) -> None:
    day = [m for m in fresh.records("messages") if "24 Feb 2024" in m["date_sent"]]

    sids = walk(session, fresh, MESSAGES, DateSent="2024-02-24", PageSize=1000)

    assert set(sids) == {m["sid"] for m in day}
    assert day[0]["date_sent"] == "Sat, 24 Feb 2024 00:00:00 +0000"


def test_date_time_bounds_are_inclusive_at_the_second(
    fresh: Simulator, session: requests.Session
) -> None:
    record = list(fresh.records("messages"))[100]
    moment = email.utils.parsedate_to_datetime(record["date_sent"])
    instant = moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    sids = walk(
        session, fresh, MESSAGES, **{"DateSent>": instant, "DateSent<": instant}
    )

    assert record["sid"] in sids
    assert all(
        epoch(m["date_sent"]) == int(moment.timestamp())
        for m in fresh.records("messages")
        if m["sid"] in sids
    )


def test_first_record_of_every_day_is_at_midnight(fresh: Simulator) -> None:
    messages = list(fresh.records("messages"))

    first_of_day: dict[str, str] = {}
    for message in messages:
        first_of_day.setdefault(message["date_sent"][:16], message["date_sent"])
    assert len(first_of_day) == 10
    assert all(value.endswith(" 00:00:00 +0000") for value in first_of_day.values())


def test_invalid_date_filter_is_a_400(
    fresh: Simulator, session: requests.Session
) -> None:
    response = get(session, fresh, MESSAGES, **{"DateSent>": "yesterday"})

    assert response.status_code == 400
    assert response.json()["code"] == 20001


def test_page_size_above_1000_is_a_400(
    fresh: Simulator, session: requests.Session
) -> None:
    response = get(session, fresh, MESSAGES, PageSize=1001)

    assert response.status_code == 400
    assert response.json()["code"] == 20001


def test_balance_is_a_single_object(
    fresh: Simulator, session: requests.Session
) -> None:
    response = get(
        session, fresh, f"/2010-04-01/Accounts/{MAIN_ACCOUNT_SID}/Balance.json"
    )

    assert response.json() == fresh.balance()
    assert set(response.json()) == {"account_sid", "balance", "currency"}


def test_main_credentials_list_main_and_subaccounts(
    fresh: Simulator, session: requests.Session
) -> None:
    response = get(session, fresh, "/2010-04-01/Accounts.json")

    sids = {account["sid"] for account in response.json()["accounts"]}
    assert sids == {MAIN_ACCOUNT_SID, *SUBACCOUNT_SIDS}


def test_subaccount_credentials_see_only_that_subaccount(fresh: Simulator) -> None:
    sub = SUBACCOUNT_SIDS[0]
    auth = (sub, SUBACCOUNT_AUTH_TOKENS[sub])

    listing = requests.get(
        fresh.url + "/2010-04-01/Accounts.json", auth=auth, timeout=10
    )
    own = requests.get(
        fresh.url + f"/2010-04-01/Accounts/{sub}/Messages.json", auth=auth, timeout=10
    )
    other = requests.get(fresh.url + MESSAGES, auth=auth, timeout=10)

    assert [a["sid"] for a in listing.json()["accounts"]] == [sub]
    assert {m["account_sid"] for m in own.json()["messages"]} == {sub}
    assert other.status_code == 403


def test_subaccount_data_is_served_with_main_credentials(
    fresh: Simulator, session: requests.Session
) -> None:
    sub = SUBACCOUNT_SIDS[1]

    sids = walk(
        session, fresh, f"/2010-04-01/Accounts/{sub}/Messages.json", PageSize=1000
    )

    assert set(sids) == {m["sid"] for m in fresh.records("messages", sub)}
    assert len(sids) < len(list(fresh.records("messages")))


def test_unknown_account_and_path_are_404(
    fresh: Simulator, session: requests.Session
) -> None:
    unknown = get(session, fresh, "/2010-04-01/Accounts/AC" + "f" * 32 + "/Calls.json")
    nowhere = get(session, fresh, "/2010-04-01/Nowhere.json")

    assert unknown.status_code == 404
    assert nowhere.json()["code"] == 20404


def test_non_get_is_405(fresh: Simulator, session: requests.Session) -> None:
    response = session.post(fresh.url + MESSAGES, data={"Body": "hi"}, timeout=10)

    assert response.status_code == 405


def test_update_record_is_served(fresh: Simulator, session: requests.Session) -> None:
    newest = list(fresh.records("calls"))[-1]

    fresh.update_record("calls", newest["sid"], status="failed", price="-1.00000")
    served = get(
        session,
        fresh,
        f"/2010-04-01/Accounts/{MAIN_ACCOUNT_SID}/Calls.json",
        PageSize=1,
    ).json()["calls"][0]

    assert served["sid"] == newest["sid"]
    assert (served["status"], served["price"]) == ("failed", "-1.00000")
    assert list(fresh.records("calls"))[-1]["status"] == "failed"


def test_usage_records_sum_the_daily_records(
    fresh: Simulator, session: requests.Session
) -> None:
    base = f"/2010-04-01/Accounts/{MAIN_ACCOUNT_SID}/Usage/Records"
    params = {"Category": "sms", "StartDate": "2024-02-25", "EndDate": "2024-02-27"}

    daily = get(session, fresh, base + "/Daily.json", **params).json()
    total = get(session, fresh, base + ".json", **params).json()

    counts = [int(r["count"]) for r in daily["usage_records"]]
    assert len(counts) == 3
    assert total["usage_records"][0]["count"] == str(sum(counts))
    assert total["usage_records"][0]["start_date"] == "2024-02-25"


def test_request_log_counts_requests(
    fresh: Simulator, session: requests.Session
) -> None:
    get(session, fresh, MESSAGES, PageSize=2)
    get(session, fresh, MESSAGES, **{"DateSent>": "2024-02-25"})

    log = fresh.requests
    admin = session.get(fresh.url + "/_sim/requests", timeout=10).json()

    assert [entry.status for entry in log] == [200, 200]
    assert log[1].query == {"DateSent>": ["2024-02-25"]}
    assert log[0].path == MESSAGES
    assert admin == {"count": 2}


def test_admin_reset_clears_the_log(
    fresh: Simulator, session: requests.Session
) -> None:
    get(session, fresh, MESSAGES)

    session.post(fresh.url + "/_sim/reset", timeout=10)

    assert fresh.requests == []


def test_status_fault_answers_error_with_retry_after(
    fresh: Simulator, session: requests.Session
) -> None:
    fresh.add_fault(
        Fault("status", status=429, retry_after="2", path_contains="Messages")
    )

    faulted = get(session, fresh, MESSAGES)
    healthy = get(session, fresh, MESSAGES)

    assert faulted.status_code == 429
    assert faulted.headers["Retry-After"] == "2"
    assert faulted.json()["code"] == 20429
    assert healthy.status_code == 200
    assert [entry.status for entry in fresh.requests] == [429, 200]


def test_fault_after_and_times_select_requests(
    fresh: Simulator, session: requests.Session
) -> None:
    fresh.add_fault(Fault("status", status=503, after=1, times=2))

    statuses = [get(session, fresh, MESSAGES).status_code for _ in range(5)]

    assert statuses == [200, 503, 503, 200, 200]


def test_fault_path_filter_leaves_other_paths_alone(
    fresh: Simulator, session: requests.Session
) -> None:
    fresh.add_fault(Fault("status", path_contains="Calls", times=None))

    response = get(session, fresh, MESSAGES)

    assert response.status_code == 200


def test_drop_fault_closes_the_connection(
    fresh: Simulator, session: requests.Session
) -> None:
    fresh.add_fault(Fault("drop"))

    with pytest.raises(requests.ConnectionError):
        get(session, fresh, MESSAGES)

    assert get(session, fresh, MESSAGES).status_code == 200
    assert [entry.status for entry in fresh.requests] == [0, 200]


def test_truncate_fault_sends_half_the_body(
    fresh: Simulator, session: requests.Session
) -> None:
    fresh.add_fault(Fault("truncate"))

    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(session, fresh, MESSAGES)

    assert get(session, fresh, MESSAGES).status_code == 200


def test_slow_fault_delays_the_answer(
    fresh: Simulator, session: requests.Session
) -> None:
    fresh.add_fault(Fault("slow", delay=0.3))

    started = time.monotonic()
    response = get(session, fresh, MESSAGES)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_foreign_next_page_fault_points_elsewhere(
    fresh: Simulator, session: requests.Session
) -> None:
    fresh.add_fault(Fault("foreign_next_page", times=2))

    page = get(session, fresh, MESSAGES, PageSize=3).json()
    alerts = get(session, fresh, ALERTS, PageSize=3).json()

    assert page["next_page_uri"].startswith("https://evil.example.com/2010-04-01/")
    assert len(page["messages"]) == 3
    assert alerts["meta"]["next_page_url"].startswith("https://evil.example.com/v1/")


def test_same_seed_gives_same_data_and_other_seed_differs() -> None:
    one = Simulator(seed=3, end=END, days=3)
    same = Simulator(seed=3, end=END, days=3)
    other = Simulator(seed=4, end=END, days=3)

    sids = [m["sid"] for m in one.records("messages")]

    assert list(one.records("calls")) == list(same.records("calls"))
    assert sids == [m["sid"] for m in same.records("messages")]
    assert sids != [m["sid"] for m in other.records("messages")]


def test_million_messages_set_up_fast_and_serve_a_full_page(
    session: requests.Session,
) -> None:
    started = time.monotonic()
    big = Simulator(seed=1, end=END, days=30, messages_per_day=33_334)
    count = len(big.dataset.collection("messages", MAIN_ACCOUNT_SID))
    elapsed = time.monotonic() - started

    with big:
        body = get(
            session, big, MESSAGES, PageSize=1000, **{"DateSent<": "2024-02-10"}
        ).json()

    assert count > 900_000
    assert elapsed < 2
    assert len(body["messages"]) == 1000
    assert body["messages"][0]["date_sent"].startswith("Sat, 10 Feb 2024 23:")
    assert len({m["sid"] for m in body["messages"]}) == 1000
