"""Print the metric tables the demo loaded into DuckDB."""

from __future__ import annotations

import sys

import duckdb


def main(path: str) -> None:
    """Print a summary per metric and the last days of each metric's values."""
    connection = duckdb.connect(path, read_only=True)
    tables = [
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'twilio' and table_name <> 'metric_definitions' "
            "order by table_name"
        ).fetchall()
    ]
    if not tables:
        sys.exit("no metric tables were loaded")
    union = " union all ".join(
        f"select metric, date, dimension, value, datapoints from twilio.{name}"
        for name in tables
    )
    connection.sql(
        "select metric, count(*) as rows, min(date)::date as first_day, "
        "max(date)::date as last_day, round(sum(value), 4) as total "
        f"from ({union}) group by metric order by metric"
    ).show()
    connection.sql(
        "select metric, date::date as day, dimension, round(value, 4) as value, "
        f"datapoints from ({union}) where date >= (select max(date) from ({union})) "
        "- interval 2 day order by metric, day, dimension"
    ).show(max_rows=60)


if __name__ == "__main__":
    main(sys.argv[1])
