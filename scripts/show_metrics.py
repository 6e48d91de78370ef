"""Print the metric tables the demo loaded into SQLite."""

from __future__ import annotations

import sqlite3
import sys

Row = tuple[object, ...]


def table(title: str, header: Row, rows: list[Row]) -> str:
    """Format rows as an aligned text table."""
    cells = [[str(value) for value in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [title, ""]
    for index, row in enumerate(cells):
        lines.append(
            "  ".join(
                cell.ljust(width) for cell, width in zip(row, widths, strict=True)
            )
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


def main(path: str) -> None:
    """Print a summary per metric and the last three days of values."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    names = [
        name
        for (name,) in connection.execute(
            "select name from sqlite_master where type = 'table' "
            "and name <> 'metric_definitions' order by name"
        )
    ]
    if not names:
        sys.exit("no metric tables were loaded")
    union = " union all ".join(
        f'select metric, date, dimension, value, datapoints from "{name}"'
        for name in names
    )
    summary = connection.execute(
        "select metric, count(*), min(substr(date, 1, 10)), max(substr(date, 1, 10)), "
        f"round(sum(value), 4) from ({union}) group by metric order by metric"
    ).fetchall()
    print(
        table(
            "Metrics loaded",
            ("metric", "rows", "first day", "last day", "total"),
            summary,
        )
    )
    recent = connection.execute(
        "select metric, substr(date, 1, 10), dimension, round(value, 4), datapoints "
        f"from ({union}) "
        f"where date >= (select date(max(date), '-2 days') from ({union})) "
        "order by metric, date, dimension"
    ).fetchall()
    print(
        table(
            "Last three days",
            ("metric", "day", "dimension", "value", "datapoints"),
            recent,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
