"""Deterministic local HTTP simulator of the Twilio REST API (tests, demo, bench)."""

from __future__ import annotations

from tap_twilio_metrics.simulator import cli
from tap_twilio_metrics.simulator.constants import (
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    MAIN_ACCOUNT_SID,
    RESOURCES,
    SUBACCOUNT_AUTH_TOKENS,
    SUBACCOUNT_SIDS,
)
from tap_twilio_metrics.simulator.faults import Fault
from tap_twilio_metrics.simulator.paging import MAX_PAGE_SIZE
from tap_twilio_metrics.simulator.server import RequestLogEntry, Simulator

__all__ = [
    "API_KEY_SECRET",
    "API_KEY_SID",
    "AUTH_TOKEN",
    "MAIN_ACCOUNT_SID",
    "MAX_PAGE_SIZE",
    "RESOURCES",
    "SUBACCOUNT_AUTH_TOKENS",
    "SUBACCOUNT_SIDS",
    "Fault",
    "RequestLogEntry",
    "Simulator",
    "serve_forever_cli",
]


def serve_forever_cli(argv: list[str] | None = None) -> int:
    """Run the simulator from command-line arguments until interrupted."""
    return cli.main(argv)
