"""SMS through Twilio's Messages API: one form POST per message, Basic auth with the account SID.

Twilio's answers map into the one outcome table: 21211 (not a valid number) and 21614 (not
a mobile) mark the phone invalid; 21610 (the recipient sent STOP) marks the patient opted
out of SMS; 20429, 429, 5xx and network failures are retried; anything else fails that
message. The status callback URL lets Twilio report delivery later (its endpoint is not
built yet: docs/channels.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests

from companion.push import letters
from companion.push.base import DEACTIVATE, FAILED, INVALID, OPTED_OUT, RETRY, SENT, PushMessage, PushResult

log = logging.getLogger("companion.push.sms")

_INVALID_NUMBER = {21211, 21614, 21217}
_OPTED_OUT = {21610}
_RETRY = {20429, 20500, 20503}


def outcome(status: int, code: int | None, retry_after: float | None = None) -> PushResult:
    """Twilio's (HTTP status, error code) as an outcome; the device id is filled in by the caller."""
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
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (account_sid, auth_token)
        self.session.trust_env = False

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
        self.session.close()

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        return [self._send(message) for message in messages]

    def _send(self, message: PushMessage) -> PushResult:
        letter = letters.compose(
            clinic=message.data["clinic"],
            count=len(message.covers),
            link=message.data["link"],
            locale=message.data.get("locale"),
            unsubscribe=message.data.get("unsubscribe", ""),
        )
        form = {"To": message.identifier, "Body": letter.sms, "StatusCallback": self.status_callback, **self.origin}
        try:
            answer = self.session.post(self.url, data=form, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as error:
            return PushResult(message.device_id, RETRY, error_code="NETWORK", detail=type(error).__name__)
        body: dict[str, Any] = {}
        try:
            parsed = answer.json()
            body = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            pass
        if answer.status_code in (200, 201):
            return PushResult(message.device_id, SENT, message_id=str(body.get("sid") or "")[:200] or None)
        retry_after = _seconds(answer.headers.get("Retry-After"))
        code = body.get("code") if isinstance(body.get("code"), int) else None
        result = outcome(answer.status_code, code, retry_after)
        if code == 20003 or answer.status_code == 401:
            log.error("Twilio refused our credentials (HTTP %s); check COMPANION_TWILIO_*", answer.status_code)
        return PushResult(
            message.device_id,
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
