"""The one interface every push sender implements, and the outcomes it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    """What the dispatcher does with a device after an attempt."""

    SENT = "sent"  # accepted by the push service
    DEACTIVATE = "deactivate"  # token is dead: never use this device again
    RETRY = "retry"  # transient: try again with backoff while before expires_at
    BACKOFF = "backoff"  # quota: the whole batch waits at least retry_after
    FAILED = "failed"  # permanent for this message: do not retry


# The short names the senders and the dispatcher read (the members themselves).
SENT, DEACTIVATE, RETRY, BACKOFF, FAILED = (
    Outcome.SENT,
    Outcome.DEACTIVATE,
    Outcome.RETRY,
    Outcome.BACKOFF,
    Outcome.FAILED,
)

# FCM's own limit per batch; the dispatcher groups whole reminders into chunks of at most this.
MAX_BATCH = 500
# FCM requests a sender keeps open at once, and its keep-alive connections (settings).
DEFAULT_IN_FLIGHT = 200


# SMS and e-mail go to the patient's number or address, not to a device.
NO_DEVICE = 0
SMS_KIND, EMAIL_KIND = "sms", "email"
CONTACT_KINDS = (SMS_KIND, EMAIL_KIND)
INVALID, OPTED_OUT = "invalid", "opted_out"


@dataclass(frozen=True)
class PushMessage:
    reminder_id: int
    device_id: int
    identifier: str  # FCM installation id, legacy registration token, or a browser's push endpoint
    identifier_kind: str  # "fid" | "token" | "webpush" | "sms" | "email" (then device_id is NO_DEVICE)
    platform: str  # "ios" | "android" | "web"
    title: str
    body: str
    data: dict[str, str]
    priority: str  # "high" | "normal"
    expires_at: datetime  # aware UTC; the push is worthless after it
    collapse_key: str
    thread_id: str
    channel_id: str = "aftercare"
    # Every reminder this one push carries (a patient's bundle); empty means just `reminder_id`.
    reminder_ids: tuple[int, ...] = ()
    # A browser subscription's (p256dh, auth) keys, base64url: Web Push encrypts to them.
    keys: tuple[str, str] | None = None

    @property
    def covers(self) -> tuple[int, ...]:
        return self.reminder_ids or (self.reminder_id,)


@dataclass(frozen=True)
class PushResult:
    device_id: int
    outcome: Outcome
    message_id: str | None = None
    error_code: str | None = None
    retry_after: float | None = None  # seconds, for BACKOFF (and RETRY when the server says)
    detail: str | None = None
    backend: str | None = None  # the sender that answered, when not the dispatcher's own (a router's)
    # SMS and e-mail with DEACTIVATE: what the provider said of the address ("invalid" | "opted_out").
    mark: str | None = None


class PushSender(Protocol):
    name: str

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        """Send every message; one result per message, in the same order. Never raises for
        per-message failures; transport failures become RETRY results."""
        ...


Results = Callable[[], list[PushResult]]


def start(sender: PushSender, messages: list[PushMessage]) -> Results:
    """Begin sending; calling what comes back waits for the results.

    A sender with a `start` method of its own (fcm) puts the requests on the wire and
    returns at once, so the dispatcher can prepare its next batch meanwhile; any other
    sender sends right here.
    """
    begin: Callable[[list[PushMessage]], Results] | None = getattr(sender, "start", None)
    if begin is not None:
        return begin(messages)
    results = sender.send(messages)
    return lambda: results


@dataclass
class SenderStats:
    sent: int = 0
    failures: dict[str, int] = field(default_factory=dict)
