"""The Singer SDK's standard tap tests, run against the simulator."""

from __future__ import annotations

import atexit

from singer_sdk.testing import get_tap_test_class

from tap_twilio_metrics.simulator import Simulator
from tap_twilio_metrics.tap import TapTwilioMetrics
from tests.conftest import SIM_DAYS, SIM_END, sim_config

# The SDK builds its test class from a config at import time, so this module
# starts its own simulator here and stops it when the test process ends.
_SIMULATOR = Simulator(seed=11, end=SIM_END, days=SIM_DAYS).start()
atexit.register(_SIMULATOR.stop)

TestTapTwilioMetrics = get_tap_test_class(
    TapTwilioMetrics,
    config=sim_config(
        _SIMULATOR,
        library_metrics=[
            "messages_by_status",
            "sms_spend",
            "call_minutes",
            "usage_spend_by_category",
            "account_balance",
        ],
    ),
)
