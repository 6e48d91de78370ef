"""``twilio-metrics``: the companion command for people building metrics."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final

from tap_twilio_metrics.check import check_config, report
from tap_twilio_metrics.configfile import read_config
from tap_twilio_metrics.errors import TwilioMetricsError
from tap_twilio_metrics.library import DEFAULT_METRICS, LIBRARY
from tap_twilio_metrics.preview import Preview, PreviewOptions
from tap_twilio_metrics.settings import DEFAULT_BASE_URL
from tap_twilio_metrics.tables import render, truncate

Command = Callable[[argparse.Namespace], int]

_API_PREFIX: Final = "/2010-04-01/Accounts/{account_sid}"
_EXPRESSION_WIDTH: Final = 36

_MAIN_EPILOG: Final = """\
examples:
  twilio-metrics library
  twilio-metrics check --config config.json
  twilio-metrics preview sms_spend --config config.json --days 7
  twilio-metrics simulator --port 8765

Each command has its own --help.
"""

_LIBRARY_EPILOG: Final = """\
Endpoints starting with / are under https://api.twilio.com/2010-04-01/Accounts/
{account_sid}; others name their host. Names marked * run when a config sets
neither metrics nor library_metrics.

examples:
  twilio-metrics library
  twilio-metrics library --format json > library.json
"""

_CHECK_EPILOG: Final = """\
Offline, every metric is read with the tap's own rules (fields, placeholders,
JSONata). Online, one request shows the credentials are accepted, then each
metric fetches and evaluates the first page of its most recent window.
Exits 0 only when every line is OK.

examples:
  twilio-metrics check --config config.json
  twilio-metrics check --config config.json --offline
"""

_PREVIEW_EPILOG: Final = """\
METRIC is a metric named in the config, or any library metric (run with the
config's credentials). Nothing is written: no Singer messages, no state.

examples:
  twilio-metrics preview messages_by_status --config config.json
  twilio-metrics preview my_metric --config config.json --days 7 --records 10
"""


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


def library_rows() -> list[dict[str, Any]]:
    """Return every library metric as a full definition with its name."""
    return [
        {"name": name, "default": name in DEFAULT_METRICS, **definition}
        for name, definition in LIBRARY.items()
    ]


def short_endpoint(definition: dict[str, Any]) -> str:
    """Show an endpoint briefly: the path under the account, or host and path."""
    base_url = str(definition.get("base_url", DEFAULT_BASE_URL))
    path = str(definition["path"])
    if base_url == DEFAULT_BASE_URL and path.startswith(_API_PREFIX):
        return path.removeprefix(_API_PREFIX)
    return base_url.removeprefix("https://") + path


def _library(args: argparse.Namespace) -> int:
    rows = library_rows()
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    table = [
        (
            row["name"] + (" *" if row["default"] else ""),
            short_endpoint(row),
            truncate(row["value"], _EXPRESSION_WIDTH),
            row.get("aggregation", "sum"),
            row.get("trend", "up"),
            row.get("unit", ""),
        )
        for row in rows
    ]
    headers = ("name", "endpoint", "value", "aggregation", "trend", "unit")
    sys.stdout.write(render(headers, table))
    sys.stdout.write(f"\n{len(rows)} metrics; * runs by default\n")
    return 0


def _check(args: argparse.Namespace) -> int:
    lines = check_config(read_config(args.config), online=not args.offline)
    sys.stdout.write(report(lines))
    return 0 if all(line.ok for line in lines) else 1


def _preview(args: argparse.Namespace) -> int:
    options = PreviewOptions(days=args.days, records=args.records)
    preview = Preview(read_config(args.config), args.metric, options)
    sys.stdout.write(preview.render())
    return 0


def _positive(text: str) -> int:
    """Parse a whole number of at least 1 for argparse."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        msg = f"expected a whole number of at least 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="twilio-metrics",
        description=(
            "Companion tool of tap-twilio-metrics: browse the metric library,\n"
            "check a config, preview a metric, run the local Twilio simulator."
        ),
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_library(commands)
    _add_check(commands)
    _add_preview(commands)
    _add_simulator(commands)
    return parser


def _add_library(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    library = commands.add_parser(
        "library",
        help="list the pre-built metrics",
        description=(
            "List the pre-built metrics: name, endpoint, value, aggregation,\n"
            "trend and unit (--format json adds every other field)."
        ),
        epilog=_LIBRARY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    library.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="a readable table (default) or the full definitions as JSON",
    )
    library.set_defaults(run=_library)


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        help="validate a config offline and against Twilio",
        description="Check every metric of a tap config; one line per metric.",
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "--config", required=True, metavar="FILE", help="the tap's JSON config file"
    )
    check.add_argument(
        "--offline", action="store_true", help="check the config only, send nothing"
    )
    check.set_defaults(run=_check)


def _add_preview(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    preview = commands.add_parser(
        "preview",
        help="show a metric's JSONata, records, datapoints and values",
        description=(
            "Preview one metric: the JSONata in use, a few raw records, the\n"
            "datapoint each gives, and the grouped values of the last days."
        ),
        epilog=_PREVIEW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    preview.add_argument("metric", metavar="METRIC", help="the metric's name")
    preview.add_argument(
        "--config", required=True, metavar="FILE", help="the tap's JSON config file"
    )
    preview.add_argument(
        "--days",
        type=_positive,
        default=3,
        help="days before the config's end_date (or now) to group (default 3)",
    )
    preview.add_argument(
        "--records",
        type=_positive,
        default=5,
        help="raw records to show (default 5)",
    )
    preview.set_defaults(run=_preview)


def _add_simulator(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    simulator = commands.add_parser(
        "simulator",
        help="run the local Twilio simulator",
        description=(
            "Serve a synthetic Twilio account on loopback until stopped. Point\n"
            "a config at it with base_url_override and the synthetic\n"
            "credentials of tap_twilio_metrics.simulator.constants."
        ),
        epilog="example:\n  twilio-metrics simulator --port 8765 --days 30\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
