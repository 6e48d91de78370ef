"""Pre-built metric definitions for common Twilio KPIs."""

from __future__ import annotations

from tap_twilio_metrics.library.definitions import DEFAULT_METRICS, LIBRARY

__all__ = ["DEFAULT_METRICS", "LIBRARY"]
