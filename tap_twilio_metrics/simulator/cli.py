"""Command line: serve the simulator until killed."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from tap_twilio_metrics.simulator.constants import MAIN_ACCOUNT_SID
from tap_twilio_metrics.simulator.server import Simulator


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the simulator command."""
    parser = argparse.ArgumentParser(
        prog="python -m tap_twilio_metrics.simulator",
        description="Serve a deterministic Twilio REST API simulator on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 = any free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=None,
        help="exclusive last day YYYY-MM-DD (default: today UTC)",
    )
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--messages-per-day", type=int, default=40)
    parser.add_argument("--calls-per-day", type=int, default=15)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds/request")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Start the simulator, print its URL and serve until interrupted."""
    args = build_parser().parse_args(argv)
    simulator = Simulator(
        seed=args.seed,
        host=args.host,
        port=args.port,
        end=args.end,
        days=args.days,
        messages_per_day=args.messages_per_day,
        calls_per_day=args.calls_per_day,
        latency=args.latency,
    )
    simulator.start()
    sys.stdout.write(
        f"Twilio simulator on {simulator.url} (account {MAIN_ACCOUNT_SID})\n"
    )
    sys.stdout.flush()
    try:
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return 0
