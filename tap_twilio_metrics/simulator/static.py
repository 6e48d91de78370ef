"""Small fixed lists: accounts, incoming phone numbers and balances."""

from __future__ import annotations

from typing import Any

from tap_twilio_metrics.simulator.base import (
    API_VERSION,
    COUNTRY_BY_ISO,
    OwnNumber,
    us_formatted,
)
from tap_twilio_metrics.simulator.constants import (
    AUTH_TOKEN,
    MAIN_ACCOUNT_SID,
    SUBACCOUNT_AUTH_TOKENS,
    SUBACCOUNT_SIDS,
)
from tap_twilio_metrics.simulator.formats import (
    DAY_SECONDS,
    make_sid,
    mix64,
    rfc2822,
    stream_key,
)

_MAIN_NUMBER_COUNTRIES = ("US", "US", "GB", "US", "AU", "US", "US")
_SUB_NUMBER_COUNTRIES = ("US", "GB", "US")
_IN_RANGE_NUMBERS = 2  # the newest numbers are bought inside the data range
_CENTS = 100


def phone_numbers(
    *, seed: int, account: str, first_day: int, days: int
) -> list[dict[str, Any]]:
    """Return the IncomingPhoneNumbers of an account, oldest first."""
    plan = (
        _MAIN_NUMBER_COUNTRIES if account == MAIN_ACCOUNT_SID else _SUB_NUMBER_COUNTRIES
    )
    key = stream_key(seed, account, "incoming_phone_numbers")
    count = len(plan)
    items: list[dict[str, Any]] = []
    for k, iso in enumerate(plan):
        bits = mix64(key + k)
        recent = k - (count - _IN_RANGE_NUMBERS)
        if recent >= 0:
            day = first_day + days * recent // (_IN_RANGE_NUMBERS + 1)
        else:
            day = first_day - 400 + 45 * k
        created = day * DAY_SECONDS + (bits >> 40) % DAY_SECONDS
        number = COUNTRY_BY_ISO[iso].number(bits)
        sid = make_sid("PN", key, k)
        uri = f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json"
        items.append(
            {
                "account_sid": account,
                "address_requirements": "none",
                "address_sid": None,
                "api_version": API_VERSION,
                "beta": False,
                "bundle_sid": None,
                "capabilities": {
                    "voice": True,
                    "sms": True,
                    "mms": iso == "US",
                    "fax": False,
                },
                "date_created": rfc2822(created),
                "date_updated": rfc2822(created + 60),
                "emergency_address_sid": None,
                "emergency_address_status": "unregistered",
                "emergency_status": "Inactive",
                "friendly_name": us_formatted(number),
                "identity_sid": None,
                "origin": "twilio",
                "phone_number": number,
                "sid": sid,
                "sms_application_sid": "",
                "sms_fallback_method": "POST",
                "sms_fallback_url": "",
                "sms_method": "POST",
                "sms_url": "https://example.com/twilio/sms",
                "status": "in-use",
                "status_callback": "",
                "status_callback_method": "POST",
                "trunk_sid": None,
                "type": "local" if iso == "US" else "mobile",
                "uri": uri,
                "voice_application_sid": "",
                "voice_caller_id_lookup": False,
                "voice_fallback_method": "POST",
                "voice_fallback_url": None,
                "voice_method": "POST",
                "voice_receive_mode": "voice",
                "voice_url": "https://example.com/twilio/voice",
            }
        )
    return items


def own_numbers(items: list[dict[str, Any]]) -> list[OwnNumber]:
    """Return (number, sid) pairs of IncomingPhoneNumber records."""
    return [OwnNumber(item["phone_number"], item["sid"]) for item in items]


def account_record(account: str, first_day: int) -> dict[str, Any]:
    """Return the Account resource of a (sub)account."""
    if account == MAIN_ACCOUNT_SID:
        position, name, token = 0, "Simulator main account", AUTH_TOKEN
    else:
        position = SUBACCOUNT_SIDS.index(account) + 1
        name = f"Simulator subaccount {position}"
        token = SUBACCOUNT_AUTH_TOKENS[account]
    created = (first_day - 900 + 300 * position) * DAY_SECONDS + 9 * 3600 + position
    base = f"/2010-04-01/Accounts/{account}"
    return {
        "auth_token": token,
        "date_created": rfc2822(created),
        "date_updated": rfc2822(created + 3600),
        "friendly_name": name,
        "owner_account_sid": MAIN_ACCOUNT_SID,
        "sid": account,
        "status": "active",
        "subresource_uris": {
            field: f"{base}/{path}.json"
            for field, path in (
                ("balance", "Balance"),
                ("calls", "Calls"),
                ("conferences", "Conferences"),
                ("incoming_phone_numbers", "IncomingPhoneNumbers"),
                ("messages", "Messages"),
                ("recordings", "Recordings"),
                ("usage", "Usage"),
            )
        },
        "type": "Full",
        "uri": f"{base}.json",
    }


def balance_record(*, seed: int, account: str) -> dict[str, Any]:
    """Return the Balance object of an account."""
    cents = 5_000 + mix64(stream_key(seed, account, "balance")) % 95_000
    return {
        "account_sid": account,
        "balance": f"{cents // _CENTS}.{cents % _CENTS:02d}",
        "currency": "USD",
    }
