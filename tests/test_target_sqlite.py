"""The bundled SQLite target, run as a subprocess on Singer messages."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

STREAM = "metrics"
KEYS = ["account_sid", "date", "dimension"]
PROPERTIES: dict[str, Any] = {
    "account_sid": {"type": "string"},
    "date": {"type": "string", "format": "date-time"},
    "granularity": {"type": "string"},
    "dimension": {"type": "string"},
    "value": {"type": ["number", "null"]},
    "datapoints": {"type": ["integer", "null"]},
    "metric": {"type": "string"},
    "synced_at": {"type": ["string", "null"], "format": "date-time"},
}


def schema(
    stream: str = STREAM,
    properties: dict[str, Any] | None = None,
    keys: list[str] | None = None,
) -> dict[str, Any]:
    """A SCHEMA message shaped like the tap's."""
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": properties or PROPERTIES},
        "key_properties": KEYS if keys is None else keys,
    }


def metric(stream: str = STREAM, **fields: Any) -> dict[str, Any]:
    """A RECORD message for one metric row; ``fields`` override the defaults."""
    record: dict[str, Any] = {
        "account_sid": "AC1",
        "date": "2024-03-21T00:00:00Z",
        "granularity": "day",
        "dimension": "",
        "value": 1.5,
        "datapoints": 3,
        "metric": "calls",
        "synced_at": "2024-03-31T12:00:00Z",
    }
    record.update(fields)
    return {"type": "RECORD", "stream": stream, "record": record}


def state(value: dict[str, Any]) -> dict[str, Any]:
    """A STATE message."""
    return {"type": "STATE", "value": value}


def write_config(tmp_path: Path, **settings: Any) -> Path:
    """Write a target config using ``tmp_path/out/metrics.db``; return its path."""
    config = {"database": str(tmp_path / "out" / "metrics.db"), **settings}
    path = tmp_path / "target.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def run_target(config: Path, messages: list[dict[str, Any]]) -> str:
    """Feed ``messages`` to the target on stdin; return its stdout."""
    completed = subprocess.run(
        [sys.executable, "-m", "target_sqlite_upsert", "--config", str(config)],
        input="".join(json.dumps(message) + "\n" for message in messages),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def query(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` on the database the target wrote."""
    with closing(sqlite3.connect(tmp_path / "out" / "metrics.db")) as connection:
        return connection.execute(sql).fetchall()


def test_records_arrive_with_their_types(tmp_path: Path) -> None:
    config = write_config(tmp_path)

    run_target(config, [schema(), metric(), metric(dimension="US", value=2)])

    day, synced = "2024-03-21T00:00:00Z", "2024-03-31T12:00:00Z"
    assert query(tmp_path, "SELECT * FROM metrics ORDER BY dimension") == [
        ("AC1", day, "day", "", 1.5, 3, "calls", synced),
        ("AC1", day, "day", "US", 2.0, 3, "calls", synced),
    ]
    assert query(tmp_path, "SELECT typeof(value), typeof(datapoints) FROM metrics") == [
        ("real", "integer"),
        ("real", "integer"),
    ]


def test_empty_dimension_is_stored_as_empty_string_not_null(tmp_path: Path) -> None:
    config = write_config(tmp_path)

    run_target(config, [schema(), metric(dimension="")])

    assert query(tmp_path, "SELECT dimension, dimension IS NULL FROM metrics") == [
        ("", 0)
    ]


def test_same_key_twice_keeps_one_row_with_the_latest_value(tmp_path: Path) -> None:
    config = write_config(tmp_path)

    run_target(config, [schema(), metric(value=1.0), metric(value=7.0)])

    assert query(tmp_path, "SELECT dimension, value FROM metrics") == [("", 7.0)]


def test_a_second_run_updates_rows_in_place(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    run_target(config, [schema(), metric(value=1.0), metric(dimension="US")])

    run_target(config, [schema(), metric(value=9.0)])

    assert query(tmp_path, "SELECT dimension, value FROM metrics ORDER BY 1") == [
        ("", 9.0),
        ("US", 1.5),
    ]


def test_a_missing_property_is_stored_as_null(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    record = metric()
    del record["record"]["synced_at"]

    run_target(config, [schema(), record])

    assert query(tmp_path, "SELECT synced_at FROM metrics") == [(None,)]


def test_a_stream_without_key_properties_appends(tmp_path: Path) -> None:
    config = write_config(tmp_path)

    run_target(config, [schema(keys=[]), metric(value=1.0), metric(value=2.0)])

    assert query(tmp_path, "SELECT value FROM metrics ORDER BY rowid") == [
        (1.0,),
        (2.0,),
    ]


def test_a_new_schema_property_adds_a_column(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    run_target(config, [schema(), metric(value=1.0)])
    wider = {**PROPERTIES, "unit": {"type": ["string", "null"]}}

    run_target(config, [schema(properties=wider), metric(dimension="US", unit="s")])

    assert query(tmp_path, "SELECT dimension, unit FROM metrics ORDER BY 1") == [
        ("", None),
        ("US", "s"),
    ]


def test_objects_arrays_and_booleans_are_stored_as_json_and_integers(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    properties = {
        "id": {"type": "integer"},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
        "extra": {"type": ["object", "null"]},
        "active": {"type": ["boolean", "null"]},
    }
    record = {"id": 1, "tags": ["a", ""], "extra": {"x": 1.25}, "active": True}

    run_target(
        config,
        [
            schema("things", properties, ["id"]),
            {"type": "RECORD", "stream": "things", "record": record},
        ],
    )

    assert query(tmp_path, "SELECT tags, extra, active FROM things") == [
        ('["a",""]', '{"x":1.25}', 1)
    ]


def test_table_prefix_is_prepended_to_the_stream_name(tmp_path: Path) -> None:
    config = write_config(tmp_path, table_prefix="twilio_")

    run_target(config, [schema(), metric()])

    assert query(tmp_path, "SELECT name FROM sqlite_master WHERE type = 'table'") == [
        ("twilio_metrics",)
    ]


def test_the_latest_state_is_printed_once_after_the_data_is_written(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    messages = [
        schema(),
        metric(value=1.0),
        state({"bookmarks": {STREAM: {"replication_key_value": "a"}}}),
        metric(dimension="US"),
        state({"bookmarks": {STREAM: {"replication_key_value": "b"}}}),
    ]

    stdout = run_target(config, messages)

    assert [json.loads(line) for line in stdout.splitlines()] == [
        {"bookmarks": {STREAM: {"replication_key_value": "b"}}}
    ]
    assert query(tmp_path, "SELECT count(*) FROM metrics") == [(2,)]


def test_activate_version_is_ignored(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    activate = {"type": "ACTIVATE_VERSION", "stream": STREAM, "version": 1}

    run_target(config, [schema(), activate, metric(), activate])

    assert query(tmp_path, "SELECT count(*) FROM metrics") == [(1,)]
