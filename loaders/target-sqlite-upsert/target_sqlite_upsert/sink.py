"""Batch sink that upserts records into one SQLite table per stream."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from singer_sdk.sinks import BatchSink
from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

#: Seconds a batch waits for another writer to release the database.
LOCK_TIMEOUT_SECONDS = 60.0


def quote(identifier: str) -> str:
    """Quote ``identifier`` for use as a SQLite table or column name."""
    return '"' + identifier.replace('"', '""') + '"'


def json_types(schema: Mapping[str, Any]) -> set[str]:
    """Return the non-null JSON types a property schema allows."""
    declared = schema.get("type")
    if isinstance(declared, str):
        types = {declared}
    elif isinstance(declared, list):
        types = {str(name) for name in declared}
    else:
        types = set()
    for keyword in ("anyOf", "oneOf"):
        for option in schema.get(keyword, []):
            types |= json_types(option)
    return types - {"null"}


def column_type(schema: Mapping[str, Any]) -> str:
    """Return the SQLite column type for a JSON schema property."""
    types = json_types(schema)
    if types in ({"integer"}, {"boolean"}):
        return "INTEGER"
    if types in ({"number"}, {"integer", "number"}):
        return "REAL"
    return "TEXT"


def _json_default(value: object) -> object:
    """Make the values the SDK parses (decimals, dates) JSON serializable."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return to_sql_value(value)
    msg = f"Cannot store {type(value).__name__} as JSON"
    raise TypeError(msg)


def to_sql_value(value: object) -> object:
    """Convert a parsed record value to what sqlite3 stores; "" stays ""."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return (
            text.removesuffix("+00:00") + "Z"
            if value.utcoffset() == dt.timedelta(0)
            else text
        )
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(
            value,
            separators=(",", ":"),
            ensure_ascii=False,
            default=_json_default,
        )
    return value


class SQLiteUpsertSink(BatchSink):
    """Writes each batch of a stream to its SQLite table in one transaction."""

    @property
    def database_path(self) -> Path:
        """The SQLite database file named by the ``database`` setting."""
        return Path(str(self.config["database"])).expanduser()

    @property
    def table_name(self) -> str:
        """The stream's table: ``table_prefix`` followed by the stream name."""
        return str(self.config.get("table_prefix") or "") + self.stream_name

    @property
    def columns(self) -> list[str]:
        """The stream's columns: the schema's top-level properties, in order."""
        return list(self.schema.get("properties", {}))

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """Open the database in autocommit mode; transactions are explicit."""
        connection = sqlite3.connect(
            self.database_path,
            timeout=LOCK_TIMEOUT_SECONDS,
            isolation_level=None,
        )
        try:
            yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction, rolled back on error."""
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @override
    def setup(self) -> None:
        """Create the stream's table, or add the schema's new columns to it."""
        super().setup()
        missing_keys = [key for key in self.key_properties if key not in self.columns]
        if missing_keys:
            msg = (
                f"Stream '{self.stream_name}' has key properties {missing_keys} "
                "that its schema does not declare"
            )
            raise ValueError(msg)
        self.database_path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as connection:
            existing = self._existing_columns(connection)
            if existing:
                self._check_primary_key(existing)
                self._add_missing_columns(connection, existing)
            else:
                self._create_table(connection)

    def _existing_columns(self, connection: sqlite3.Connection) -> dict[str, int]:
        """Map each existing column (casefolded) to its primary-key position."""
        rows = connection.execute(
            f"PRAGMA table_info({quote(self.table_name)})"
        ).fetchall()
        return {str(row[1]).casefold(): int(row[5]) for row in rows}

    def _check_primary_key(self, existing: Mapping[str, int]) -> None:
        """Refuse a table whose primary key differs from the key properties."""
        table_key = {name for name, position in existing.items() if position}
        stream_key = {key.casefold() for key in self.key_properties}
        if table_key != stream_key:
            msg = (
                f"Table {self.table_name!r} has primary key {sorted(table_key)} but "
                f"stream '{self.stream_name}' has key properties "
                f"{list(self.key_properties)}; drop or rename the table to reload it"
            )
            raise ValueError(msg)

    def _column_definition(self, name: str) -> str:
        """The column's definition: quoted name, type, NOT NULL for keys."""
        definition = f"{quote(name)} {column_type(self.schema['properties'][name])}"
        if name in self.key_properties:
            definition += " NOT NULL"
        return definition

    def _create_table(self, connection: sqlite3.Connection) -> None:
        """Create the table with the schema's columns and primary key."""
        parts = [self._column_definition(name) for name in self.columns]
        if self.key_properties:
            keys = ", ".join(quote(key) for key in self.key_properties)
            parts.append(f"PRIMARY KEY ({keys})")
        connection.execute(
            f"CREATE TABLE {quote(self.table_name)} ({', '.join(parts)})"
        )
        self.logger.info("Created table %s", self.table_name)

    def _add_missing_columns(
        self, connection: sqlite3.Connection, existing: Mapping[str, int]
    ) -> None:
        """Add a column for each schema property the table lacks."""
        for name in self.columns:
            if name.casefold() in existing:
                continue
            definition = f"{quote(name)} {column_type(self.schema['properties'][name])}"
            connection.execute(
                f"ALTER TABLE {quote(self.table_name)} ADD COLUMN {definition}"
            )
            self.logger.info("Added column %s to table %s", name, self.table_name)

    def insert_statement(self) -> str:
        """The INSERT, or upsert on the key properties, for one record."""
        columns = self.columns
        table = quote(self.table_name)
        names = ", ".join(quote(name) for name in columns)
        marks = ", ".join("?" for _ in columns)
        # SQLite cannot bind identifiers: they are quoted, the values are bound.
        statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        if not self.key_properties:
            return statement
        keys = ", ".join(quote(key) for key in self.key_properties)
        updates = [
            f"{quote(name)} = excluded.{quote(name)}"
            for name in columns
            if name not in self.key_properties
        ]
        if not updates:
            return f"{statement} ON CONFLICT ({keys}) DO NOTHING"
        return f"{statement} ON CONFLICT ({keys}) DO UPDATE SET {', '.join(updates)}"

    def rows(self, records: Sequence[Mapping[str, Any]]) -> list[tuple[object, ...]]:
        """The records as parameter rows; a missing property becomes NULL."""
        columns = self.columns
        return [
            tuple(to_sql_value(record.get(name)) for name in columns)
            for record in records
        ]

    @override
    def process_batch(self, context: dict[str, Any]) -> None:
        """Upsert the batch's records in one transaction."""
        records: list[dict[str, Any]] = context.get("records", [])
        if not records:
            return
        statement = self.insert_statement()
        with self._transaction() as connection:
            connection.executemany(statement, self.rows(records))
        self.logger.info("Wrote %d records to table %s", len(records), self.table_name)
