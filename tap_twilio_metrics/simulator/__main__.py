"""``python -m tap_twilio_metrics.simulator``: serve until killed."""

from __future__ import annotations

import sys

from tap_twilio_metrics.simulator import serve_forever_cli

if __name__ == "__main__":
    sys.exit(serve_forever_cli())
