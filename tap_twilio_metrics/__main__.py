"""Run the tap with ``python -m tap_twilio_metrics``."""

from __future__ import annotations

from tap_twilio_metrics.tap import main

main()
