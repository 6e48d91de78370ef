"""Tiny Singer target that upserts records into SQLite tables by primary key."""

from __future__ import annotations

from target_sqlite_upsert.target import TargetSQLiteUpsert

__all__ = ["TargetSQLiteUpsert"]
