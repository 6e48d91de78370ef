"""Tests of tap-twilio-metrics; they talk only to the local simulator."""
