"""The Singer target: config and wiring to the SQLite sink."""

from __future__ import annotations

from typing import ClassVar

from singer_sdk import Target
from singer_sdk import typing as th

from target_sqlite_upsert.sink import SQLiteUpsertSink


class TargetSQLiteUpsert(Target):
    """Singer target that upserts each stream into a SQLite table."""

    name = "target-sqlite-upsert"
    default_sink_class = SQLiteUpsertSink
    config_jsonschema: ClassVar[dict[str, object]] = th.PropertiesList(
        th.Property(
            "database",
            th.StringType,
            required=True,
            title="Database file",
            description=(
                "Path of the SQLite database file; it and its parent folder are "
                "created if missing."
            ),
        ),
        th.Property(
            "table_prefix",
            th.StringType,
            default="",
            title="Table prefix",
            description="Prepended to each stream name to name its table.",
        ),
    ).to_dict()
