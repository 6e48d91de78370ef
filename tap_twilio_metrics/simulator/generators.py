"""Index-addressed generators for the high-volume, date-ordered resources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from tap_twilio_metrics.simulator.base import (
    API_VERSION,
    COUNTRY_BY_ISO,
    PERCENT,
    US,
    Country,
    OwnNumber,
    us_formatted,
    weighted,
)
from tap_twilio_metrics.simulator.formats import (
    iso8601,
    make_sid,
    mix64,
    price,
    rfc2822,
    stream_key,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_twilio_metrics.simulator.timeline import Timeline

_UNPRICED_PERCENT = 5
_MINUTE = 60
_COUNTRY_PICK = tuple(
    COUNTRY_BY_ISO[iso]
    for iso in weighted(
        ("US", 60), ("GB", 12), ("DE", 10), ("FR", 8), ("AU", 6), ("BR", 4)
    )
)
_MESSAGE_DIRECTION = weighted(
    ("outbound-api", 80), ("inbound", 12), ("outbound-reply", 8)
)
_MESSAGE_STATUS = weighted(
    ("delivered", 85), ("sent", 7), ("undelivered", 4), ("failed", 4)
)
_SEGMENTS = weighted(("1", 70), ("2", 18), ("3", 8), ("4", 4))
_MESSAGE_ERRORS: tuple[tuple[int, str], ...] = (
    (30003, "Unreachable destination handset"),
    (30005, "Unknown destination handset"),
    (30006, "Landline or unreachable carrier"),
    (30007, "Message filtered"),
    (30008, "Unknown error"),
)
_BODIES = (
    "Your verification code is 482913",
    "Your order has shipped and will arrive tomorrow.",
    "Reminder: your appointment is at 10:30 tomorrow.",
    "Thanks! We received your reply.",
    "STOP",
    "Your table is ready.",
)
_CALL_DIRECTION = weighted(("outbound-api", 60), ("inbound", 30), ("outbound-dial", 10))
_CALL_STATUS = weighted(
    ("completed", 80), ("busy", 6), ("no-answer", 8), ("failed", 3), ("canceled", 3)
)
_INBOUND_CALL_PRICE = 850
_RECORDING_PRICE = 250
_RECORDING_SOURCE = weighted(
    ("OutboundAPI", 40),
    ("DialVerb", 30),
    ("RecordVerb", 20),
    ("StartCallRecordingAPI", 10),
)
_REGIONS = weighted(
    ("us1", 60), ("ie1", 15), ("de1", 10), ("au1", 8), ("sg1", 4), ("jp1", 3)
)
_END_REASON = weighted(
    ("last-participant-left", 70),
    ("participant-with-end-conference-on-exit-left", 20),
    ("conference-ended-via-api", 10),
)
_IN_PROGRESS_PERCENT = 3
_MONO_PERCENT = 80
_ALERTS: tuple[tuple[str, str, str], ...] = (
    ("11200", "error", "HTTP retrieval failure"),
    ("11200", "error", "HTTP retrieval failure"),
    ("30003", "warning", "Unreachable destination handset"),
    ("30007", "warning", "Message filtered"),
    ("13227", "warning", "Dial: Invalid country code"),
    ("21610", "notice", "Attempt to send to unsubscribed recipient"),
)
_WEBHOOKS = (
    "https://example.com/twilio/status",
    "https://example.com/twilio/voice",
    "https://hooks.example.org/sms",
)


class Stream:
    """Base of a generated, date-ordered resource of one account."""

    resource: ClassVar[str]
    segment: ClassVar[str]

    def __init__(
        self,
        *,
        seed: int,
        account: str,
        timeline: Timeline,
        own_numbers: Sequence[OwnNumber],
    ) -> None:
        """Bind the generator to an account, its timeline and its own numbers."""
        self.account = account
        self.timeline = timeline
        self.own_numbers = tuple(own_numbers)
        self.sid_key = stream_key(seed, account, self.resource, "sid")
        self.bits_key = stream_key(seed, account, self.resource, "bits")
        self.bits2_key = stream_key(seed, account, self.resource, "bits2")
        self.base_uri = f"/2010-04-01/Accounts/{account}/{self.segment}"

    def __len__(self) -> int:
        """Return the number of records."""
        return self.timeline.total

    def bounds(self, lower: int | None, upper: int | None) -> tuple[int, int]:
        """Return [lo, hi) of indices dated within [lower, upper]."""
        return self.timeline.bounds(lower, upper)

    def get(self, index: int) -> dict[str, Any]:
        """Return record number index."""
        raise NotImplementedError

    def bits(self, index: int) -> tuple[int, int]:
        """Return two independent 64-bit random words of record index."""
        return mix64(self.bits_key + index), mix64(self.bits2_key + index)


class MessageStream(Stream):
    """Messages: dated by date_sent (== date_created)."""

    resource = "messages"
    segment = "Messages"

    def get(self, index: int) -> dict[str, Any]:
        """Return message number index."""
        ts = self.timeline.epoch(index)
        h, h2 = self.bits(index)
        sid = make_sid("SM", self.sid_key, index)
        direction = _MESSAGE_DIRECTION[h % PERCENT]
        segments = _SEGMENTS[(h >> 8) % PERCENT]
        own = self.own_numbers[(h >> 16) % len(self.own_numbers)].number
        country: Country = _COUNTRY_PICK[(h >> 24) % PERCENT]
        external = country.number(h2)
        error: tuple[int, str] | tuple[None, None] = (None, None)
        if direction == "inbound":
            status, sender, recipient, unit = "received", external, own, US.sms_price
        else:
            status = _MESSAGE_STATUS[(h >> 32) % PERCENT]
            sender, recipient, unit = own, external, country.sms_price
            if status in {"failed", "undelivered"}:
                error = _MESSAGE_ERRORS[(h >> 40) % len(_MESSAGE_ERRORS)]
        if (h >> 48) % PERCENT < _UNPRICED_PERCENT:
            cost = None
        elif status == "failed":
            cost = price(0)
        else:
            cost = price(unit * int(segments))
        date = rfc2822(ts)
        uri = f"{self.base_uri}/{sid}"
        return {
            "account_sid": self.account,
            "api_version": API_VERSION,
            "body": _BODIES[(h >> 56) % len(_BODIES)],
            "date_created": date,
            "date_sent": date,
            "date_updated": rfc2822(ts + 1 + h2 % 5),
            "direction": direction,
            "error_code": error[0],
            "error_message": error[1],
            "from": sender,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": segments,
            "price": cost,
            "price_unit": "USD",
            "sid": sid,
            "status": status,
            "subresource_uris": {
                "media": f"{uri}/Media.json",
                "feedback": f"{uri}/Feedback.json",
            },
            "to": recipient,
            "uri": f"{uri}.json",
        }


class CallStream(Stream):
    """Calls: dated by start_time (== date_created)."""

    resource = "calls"
    segment = "Calls"

    def get(self, index: int) -> dict[str, Any]:
        """Return call number index."""
        ts = self.timeline.epoch(index)
        h, h2 = self.bits(index)
        sid = make_sid("CA", self.sid_key, index)
        direction = _CALL_DIRECTION[h % PERCENT]
        status = _CALL_STATUS[(h >> 8) % PERCENT]
        own = self.own_numbers[(h >> 16) % len(self.own_numbers)]
        country: Country = _COUNTRY_PICK[(h >> 24) % PERCENT]
        external = country.number(h2)
        if direction == "inbound":
            sender, recipient, unit = external, own.number, _INBOUND_CALL_PRICE
        else:
            sender, recipient, unit = own.number, external, country.call_price
        if status == "completed":
            duration = 5 + (h >> 32) % 900
            end = ts + duration
            minutes = -(-duration // _MINUTE)
        else:
            duration = 0
            end = ts + (h >> 32) % 30
            minutes = 0
        cost = None
        if (h >> 48) % PERCENT >= _UNPRICED_PERCENT:
            cost = price(unit * minutes)
        uri = f"{self.base_uri}/{sid}"
        return {
            "account_sid": self.account,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(end + 1),
            "direction": direction,
            "duration": str(duration),
            "end_time": rfc2822(end),
            "forwarded_from": None,
            "from": sender,
            "from_formatted": us_formatted(sender),
            "group_sid": None,
            "parent_call_sid": (
                make_sid("CA", self.bits2_key, index)
                if direction == "outbound-dial"
                else None
            ),
            "phone_number_sid": own.sid,
            "price": cost,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": sid,
            "start_time": rfc2822(ts),
            "status": status,
            "subresource_uris": {
                name: f"{uri}/{path}.json"
                for name, path in (
                    ("notifications", "Notifications"),
                    ("recordings", "Recordings"),
                    ("payments", "Payments"),
                    ("events", "Events"),
                    ("siprec", "Siprec"),
                    ("streams", "Streams"),
                    ("transcriptions", "Transcriptions"),
                )
            },
            "to": recipient,
            "to_formatted": us_formatted(recipient),
            "trunk_sid": None,
            "uri": f"{uri}.json",
        }


class RecordingStream(Stream):
    """Recordings: dated by date_created (== start_time)."""

    resource = "recordings"
    segment = "Recordings"

    def get(self, index: int) -> dict[str, Any]:
        """Return recording number index."""
        ts = self.timeline.epoch(index)
        h, _ = self.bits(index)
        sid = make_sid("RE", self.sid_key, index)
        duration = 5 + h % 895
        cost = None
        if (h >> 48) % PERCENT >= _UNPRICED_PERCENT:
            cost = price(-(-duration // _MINUTE) * _RECORDING_PRICE)
        uri = f"{self.base_uri}/{sid}"
        return {
            "account_sid": self.account,
            "api_version": API_VERSION,
            "call_sid": make_sid("CA", self.bits2_key, index),
            "channels": 1 if (h >> 16) % PERCENT < _MONO_PERCENT else 2,
            "conference_sid": None,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(ts + duration + 2),
            "duration": str(duration),
            "encryption_details": None,
            "error_code": None,
            "media_url": f"https://api.twilio.com{uri}",
            "price": cost,
            "price_unit": "USD",
            "sid": sid,
            "source": _RECORDING_SOURCE[(h >> 24) % PERCENT],
            "start_time": rfc2822(ts),
            "status": "completed",
            "subresource_uris": {
                "add_on_results": f"{uri}/AddOnResults.json",
                "transcriptions": f"{uri}/Transcriptions.json",
            },
            "uri": f"{uri}.json",
        }


class ConferenceStream(Stream):
    """Conferences: dated by date_created."""

    resource = "conferences"
    segment = "Conferences"

    def get(self, index: int) -> dict[str, Any]:
        """Return conference number index."""
        ts = self.timeline.epoch(index)
        h, _ = self.bits(index)
        sid = make_sid("CF", self.sid_key, index)
        in_progress = (h >> 8) % PERCENT < _IN_PROGRESS_PERCENT
        reason = None if in_progress else _END_REASON[(h >> 16) % PERCENT]
        ender = None
        if reason == "participant-with-end-conference-on-exit-left":
            ender = make_sid("CA", self.bits2_key, index)
        uri = f"{self.base_uri}/{sid}"
        return {
            "account_sid": self.account,
            "api_version": API_VERSION,
            "call_sid_ending_conference": ender,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(ts + 60 + (h >> 32) % 3600),
            "friendly_name": f"Room {1000 + h % 9000}",
            "reason_conference_ended": reason,
            "region": _REGIONS[(h >> 24) % PERCENT],
            "sid": sid,
            "status": "in-progress" if in_progress else "completed",
            "subresource_uris": {
                "participants": f"{uri}/Participants.json",
                "recordings": f"{uri}/Recordings.json",
            },
            "uri": f"{uri}.json",
        }


class AlertStream(Stream):
    """Monitor v1 alerts: dated by date_created (ISO 8601)."""

    resource = "alerts"
    segment = "Alerts"

    def get(self, index: int) -> dict[str, Any]:
        """Return alert number index."""
        ts = self.timeline.epoch(index)
        h, _ = self.bits(index)
        sid = make_sid("NO", self.sid_key, index)
        code, level, text = _ALERTS[h % len(_ALERTS)]
        resource_prefix = "SM" if code.startswith(("30", "21")) else "CA"
        date = iso8601(ts)
        return {
            "account_sid": self.account,
            "alert_text": f"Msg={text.replace(' ', '+')}&ErrorCode={code}",
            "api_version": API_VERSION,
            "date_created": date,
            "date_generated": date,
            "date_updated": date,
            "error_code": code,
            "log_level": level,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "request_method": "POST" if (h >> 8) % 2 else "GET",
            "request_url": _WEBHOOKS[(h >> 16) % len(_WEBHOOKS)],
            "resource_sid": make_sid(resource_prefix, self.bits2_key, index),
            "service_sid": None,
            "sid": sid,
            "url": f"https://monitor.twilio.com/v1/Alerts/{sid}",
        }


STREAMS: dict[str, type[Stream]] = {
    cls.resource: cls
    for cls in (
        MessageStream,
        CallStream,
        RecordingStream,
        ConferenceStream,
        AlertStream,
    )
}
