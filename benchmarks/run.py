"""Run the benchmarks and print and save their figures: ``python -m benchmarks.run``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from benchmarks.suite import BENCHMARKS, FULL, QUICK, Context, Figure, Value

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPOSITORY / "benchmarks" / "last-run.json"
_COLUMNS = (50, 40)


def build_parser() -> argparse.ArgumentParser:
    """The command line of the benchmark runner."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="End-to-end benchmarks of tap-twilio-metrics on the simulator.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small data sets: a smoke run"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per figure; medians are reported"
    )
    parser.add_argument(
        "--only",
        choices=sorted(BENCHMARKS),
        action="append",
        help="run only this benchmark (may be given more than once)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where the figures are written as JSON",
    )
    return parser


def machine_facts() -> dict[str, str]:
    """What the figures were measured on."""
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu_count": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "singer_sdk": metadata.version("singer-sdk"),
        "commit": _git_commit(),
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _git_commit() -> str:
    """The checked-out commit, marked ``-dirty`` when the tree has changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}-dirty" if changes else commit


def format_value(value: Value, unit: str) -> str:
    """A figure's value for the table."""
    if isinstance(value, bool):
        text = "yes" if value else "NO"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float) and abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    else:
        text = str(value)
    return f"{text} {unit}".rstrip()


def print_table(figures: list[Figure], repeat: int) -> None:
    """Print the figures, one line each, under their benchmark's name."""
    first, second = _COLUMNS
    print(f"{'benchmark':<{first}}{'figure':<{second}}value")
    print("-" * (first + second + 16))
    previous = ""
    for figure in figures:
        name = figure.benchmark if figure.benchmark != previous else ""
        previous = figure.benchmark
        print(
            f"{name:<{first}}{figure.figure:<{second}}"
            f"{format_value(figure.value, figure.unit)}"
        )
    print(f"\ntimes, rates and memory are medians of {repeat} run(s)")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks, print the table and write the JSON."""
    args = build_parser().parse_args(argv)
    if args.repeat < 1:
        build_parser().error("--repeat must be at least 1")
    sizes = QUICK if args.quick else FULL
    names = args.only or list(BENCHMARKS)
    facts = machine_facts()
    print(
        f"machine: nproc {facts['nproc']} (cpu_count {facts['cpu_count']}), "
        f"Python {facts['python']}, singer-sdk {facts['singer_sdk']}, "
        f"{facts['platform']}, commit {facts['commit']}"
    )
    print(f"sizes: {'quick' if args.quick else 'full'}, repeat {args.repeat}\n")
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="tap-twilio-bench-") as scratch:
        context = Context(sizes, args.repeat, Path(scratch))
        for name in names:
            sys.stdout.flush()
            print(f"running {name} ...", file=sys.stderr, flush=True)
            figures += BENCHMARKS[name](context)
    print_table(figures, args.repeat)
    report = {
        "machine": facts,
        "options": {
            "quick": args.quick,
            "repeat": args.repeat,
            "only": names,
            "sizes": asdict(sizes),
        },
        "figures": [asdict(figure) for figure in figures],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"figures written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
