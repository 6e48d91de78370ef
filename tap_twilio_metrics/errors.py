"""Errors a user can act on: each carries a one-line message and no traceback."""

from __future__ import annotations


class TwilioMetricsError(Exception):
    """Base class for errors reported to the user as one line."""


class ConfigError(TwilioMetricsError):
    """The tap's configuration is invalid; raised before any request."""


class ExpressionError(TwilioMetricsError):
    """A metric's JSONata expression failed on a record, or gave a bad result."""


class TwilioAPIError(TwilioMetricsError):
    """Twilio answered with an error that retrying will not fix."""

    def __init__(self, message: str, status: int | None = None) -> None:
        """Keep the HTTP status, when there was an answer, beside the message."""
        super().__init__(message)
        self.status = status


class RetriesExhaustedError(TwilioAPIError):
    """A transient failure outlasted the retry budget."""


class PaginationError(TwilioMetricsError):
    """A next-page link was unsafe or led back to a page already read."""


class SyncFailedError(TwilioMetricsError):
    """One or more accounts or metrics failed while the others completed."""
