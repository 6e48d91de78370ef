"""``twilio-metrics``: the companion command for people building metrics."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from tap_twilio_metrics.errors import TwilioMetricsError

Command = Callable[[argparse.Namespace], int]


def _simulator(args: argparse.Namespace) -> int:
    from tap_twilio_metrics.simulator import serve_forever_cli  # noqa: PLC0415

    argv = [
        "--port",
        str(args.port),
        "--seed",
        str(args.seed),
        "--days",
        str(args.days),
    ]
    argv += ["--messages-per-day", str(args.messages_per_day)]
    argv += ["--latency", str(args.latency)]
    return serve_forever_cli(argv)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="twilio-metrics",
        description="Companion tool of tap-twilio-metrics.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    simulator = commands.add_parser(
        "simulator",
        help="run the local Twilio simulator",
        description="Serve a synthetic Twilio account on loopback until stopped.",
    )
    simulator.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    simulator.add_argument("--seed", type=int, default=1, help="data seed (default 1)")
    simulator.add_argument(
        "--days", type=int, default=30, help="days of data (default 30)"
    )
    simulator.add_argument(
        "--messages-per-day", type=int, default=40, help="messages a day (default 40)"
    )
    simulator.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to each answer"
    )
    simulator.set_defaults(run=_simulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``twilio-metrics``; user errors print one line and exit non-zero."""
    args = build_parser().parse_args(argv)
    command: Command = args.run
    try:
        return command(args)
    except TwilioMetricsError as exc:
        sys.stderr.write(f"twilio-metrics: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
