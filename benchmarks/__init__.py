"""End-to-end benchmarks of the tap against the local Twilio simulator."""
