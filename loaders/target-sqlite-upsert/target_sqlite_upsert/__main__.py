"""Run the target with ``python -m target_sqlite_upsert``."""

from __future__ import annotations

from target_sqlite_upsert.target import TargetSQLiteUpsert

TargetSQLiteUpsert.cli()
