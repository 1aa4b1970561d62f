"""SMS through Twilio's Messages API: one form POST per message, Basic auth with the account SID.

The POSTs leave over the dispatcher's async transport (a pooled aiohttp session on an event
loop thread, as FCM's and Web Push's do, in a pool of its own), so a slow Twilio never holds
a push. Twilio's answers map into the one outcome table, which its status callbacks read too
(companion/messaging): 21211 (not a valid number), 21614 (not a mobile), 30005 (unknown
handset) and 30006 (landline) mark the phone invalid; 21610 (the recipient sent STOP) marks
the patient opted out of SMS; 20429, 429, 5xx and network failures are retried; anything else
fails that message. 30003 (handset unreachable: switched off) is not a bad number.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from companion.channels import letters
from companion.channels.base import DEACTIVATE, FAILED, INVALID, OPTED_OUT, RETRY, SENT, PushMessage, PushResult
from companion.channels.fcm_transport import HttpAnswer, HttpPool, TransportError

log = logging.getLogger("companion.channels.sms")

_INVALID_NUMBER = {21211, 21614, 21217, 30005, 30006}
_OPTED_OUT = {21610}
_RETRY = {20429, 20500, 20503}
IN_FLIGHT = 20  # Twilio queues per number anyway; a few requests at once are plenty


def outcome(status: int, code: int | None, retry_after: float | None = None) -> PushResult:
    """Twilio's (HTTP status, error code) as an outcome; the device id is filled in by the caller.

    A status callback has no HTTP status of its own: it passes 0 and only the code counts."""
    name = f"TWILIO_{code}" if code else f"HTTP_{status}"
    if code in _INVALID_NUMBER:
        return PushResult(0, DEACTIVATE, error_code=name, mark=INVALID)
    if code in _OPTED_OUT:
        return PushResult(0, DEACTIVATE, error_code=name, mark=OPTED_OUT)
    if code in _RETRY or status == 429 or status >= 500:
        return PushResult(0, RETRY, error_code=name, retry_after=retry_after)
    return PushResult(0, FAILED, error_code=name)


class TwilioSender:
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str | None,
        messaging_service_sid: str | None,
        base_url: str,
        status_callback: str,
        timeout: float = 10.0,
    ) -> None:
        if not sender and not messaging_service_sid:
            raise ValueError("set COMPANION_TWILIO_FROM or COMPANION_TWILIO_MESSAGING_SERVICE_SID")
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.origin = {"MessagingServiceSid": messaging_service_sid} if messaging_service_sid else {"From": sender}
        self.status_callback = status_callback
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        self._pool = HttpPool(
            timeout=timeout,
            max_in_flight=IN_FLIGHT,
            max_connections=IN_FLIGHT,
            thread_name="twilio-http",
            follow_redirects=False,
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TwilioSender:
        return cls(
            account_sid=config["TWILIO_ACCOUNT_SID"],
            auth_token=config["TWILIO_AUTH_TOKEN"],
            sender=config.get("TWILIO_FROM"),
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
            base_url=config.get("TWILIO_BASE_URL") or "https://api.twilio.com",
            status_callback=f"{config['PUBLIC_URL']}/v1/hooks/twilio/status",
        )

    def close(self) -> None:
        self._pool.close()

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        return self.start(messages)()

    def start(self, messages: list[PushMessage]) -> Callable[[], list[PushResult]]:
        """Put every message on the wire now; what comes back waits for Twilio's answers."""
        future = self._pool.submit(self.url, self.headers, [self.form(m) for m in messages])

        def collect() -> list[PushResult]:
            return [classify(m.device_id, answer) for m, answer in zip(messages, future.result(), strict=True)]

        return collect

    def form(self, message: PushMessage) -> bytes:
        letter = letters.compose(
            clinic=message.data["clinic"],
            count=len(message.covers),
            link=message.data["link"],
            locale=message.data.get("locale"),
            unsubscribe=message.data.get("unsubscribe", ""),
        )
        fields = {"To": message.identifier, "Body": letter.sms, "StatusCallback": self.status_callback, **self.origin}
        return urlencode(fields).encode()


def classify(device_id: int, answer: HttpAnswer | TransportError) -> PushResult:
    """Twilio's answer to one message as the dispatcher's outcome (its `sid` kept as the message id)."""
    if isinstance(answer, TransportError):
        failure = "TIMEOUT" if answer.timed_out else "NETWORK"
        return PushResult(device_id, RETRY, error_code=failure, detail=type(answer.error).__name__)
    body: dict[str, Any] = {}
    try:
        parsed = json.loads(answer.body or b"{}")
        body = parsed if isinstance(parsed, dict) else {}
    except ValueError:
        pass
    if answer.status in (200, 201):
        return PushResult(device_id, SENT, message_id=str(body.get("sid") or "")[:200] or None)
    code = body.get("code") if isinstance(body.get("code"), int) else None
    result = outcome(answer.status, code, _seconds(answer.headers.get("Retry-After")))
    if code == 20003 or answer.status == 401:
        log.error("Twilio refused our credentials (HTTP %s); check COMPANION_TWILIO_*", answer.status)
    return PushResult(
        device_id,
        result.outcome,
        error_code=result.error_code,
        retry_after=result.retry_after,
        mark=result.mark,  # Twilio's message names the number: it is not kept
    )


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
