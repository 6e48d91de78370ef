"""A Singer tap that turns Twilio REST GET endpoints into per-period metrics."""
