"""Fixed credentials and account identifiers served by the Twilio simulator."""

from __future__ import annotations

import hashlib

MAIN_ACCOUNT_SID = "AC5ef8732a3c49700934481addd5ce1659"
AUTH_TOKEN = "2f9c6e0a4b7d8e1f3a5c7e9b0d2f4a6c"  # noqa: S105 - synthetic
API_KEY_SID = "SK7d2a9f4c1e8b3a6d0f5c2e9b4a7d1c3e"
API_KEY_SECRET = "simulator-api-key-secret-0123456"  # noqa: S105 - synthetic
SUBACCOUNT_SIDS: tuple[str, ...] = (
    "AC1b6e3d9f2a4c8e0b7d5f1a3c9e2b4d6f",
    "AC8c4a2e6f0d9b3a7e1c5f8d2b6a0e4c9d",
)


def _derived_token(account_sid: str) -> str:
    """Return the fixed synthetic auth token of a subaccount."""
    digest = hashlib.blake2b(f"auth-token:{account_sid}".encode(), digest_size=16)
    return digest.hexdigest()


SUBACCOUNT_AUTH_TOKENS: dict[str, str] = {
    sid: _derived_token(sid) for sid in SUBACCOUNT_SIDS
}
ALL_ACCOUNT_SIDS: tuple[str, ...] = (MAIN_ACCOUNT_SID, *SUBACCOUNT_SIDS)

RESOURCES: frozenset[str] = frozenset(
    {
        "messages",
        "calls",
        "recordings",
        "conferences",
        "usage_daily",
        "usage",
        "incoming_phone_numbers",
        "alerts",
        "accounts",
    }
)
