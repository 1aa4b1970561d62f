"""E-mail over SMTP: one connection per batch, multipart text + HTML, RFC 8058 one-click unsubscribe.

`smtp://user:pass@host:587` upgrades with STARTTLS (a password is never sent in the clear
to a host other than this machine); `smtps://` is TLS from the first byte. A permanent
refusal of the recipient (5xx) marks the address invalid; a temporary one (4xx) and a
lost connection are retried; a refused login fails the message and is logged loudly.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from companion.push import letters
from companion.push.base import DEACTIVATE, FAILED, INVALID, RETRY, SENT, PushMessage, PushResult

log = logging.getLogger("companion.push.email")

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def outcome(code: int) -> PushResult:
    """An SMTP reply code for one recipient as an outcome; the device id is filled in by the caller."""
    if 500 <= code < 600:
        return PushResult(0, DEACTIVATE, error_code=f"SMTP_{code}", mark=INVALID)
    return PushResult(0, RETRY, error_code=f"SMTP_{code}")


class SmtpSender:
    name = "smtp"

    def __init__(self, url: str, sender: str, *, timeout: float = 15.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("COMPANION_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 587)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSender:
        return cls(config["SMTP_URL"], config.get("EMAIL_FROM") or "aftercare@localhost")

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        if not messages:
            return []
        try:
            server = self._connect()
        except smtplib.SMTPAuthenticationError as error:
            log.error("the SMTP server refused our login (%s); check COMPANION_SMTP_URL", error.smtp_code)
            return [PushResult(m.device_id, FAILED, error_code=f"SMTP_AUTH_{error.smtp_code}") for m in messages]
        except (OSError, smtplib.SMTPException) as error:
            return [PushResult(m.device_id, RETRY, error_code="NETWORK", detail=type(error).__name__) for m in messages]
        results = []
        try:
            for message in messages:
                results.append(self._send(server, message))
        finally:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
        return results

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls:
            server: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            elif self.user and self.host not in _LOOPBACK:
                server.close()
                raise smtplib.SMTPNotSupportedError("no STARTTLS: the password is not sent in the clear")
        if self.user and self.password:
            server.login(self.user, self.password)
        return server

    def _send(self, server: smtplib.SMTP, message: PushMessage) -> PushResult:
        try:
            refused = server.send_message(self.build(message))
        except smtplib.SMTPRecipientsRefused as error:
            code = next(iter(error.recipients.values()))[0]
            return _for(message, outcome(code))
        except smtplib.SMTPResponseException as error:
            return _for(message, outcome(error.smtp_code))
        except (OSError, smtplib.SMTPException) as error:
            return PushResult(message.device_id, RETRY, error_code="NETWORK", detail=type(error).__name__)
        if refused:
            return _for(message, outcome(next(iter(refused.values()))[0]))
        return PushResult(message.device_id, SENT, message_id=None)

    def build(self, message: PushMessage) -> EmailMessage:
        locale = message.data.get("locale")
        unsubscribe = message.data.get("unsubscribe", "")
        letter = letters.compose(
            clinic=message.data["clinic"],
            count=len(message.covers),
            link=message.data["link"],
            locale=locale,
            unsubscribe=unsubscribe,
        )
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.identifier
        mail["Subject"] = letter.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip("> ") or None)
        mail["Content-Language"] = locale or "en"
        mail["Auto-Submitted"] = "auto-generated"
        if unsubscribe:  # RFC 8058: a mail client may unsubscribe with one POST, no page, no sign-in
            mail["List-Unsubscribe"] = f"<{unsubscribe}>"
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail.set_content(letter.text)
        mail.add_alternative(letter.html, subtype="html")
        return mail


def _for(message: PushMessage, result: PushResult) -> PushResult:
    return PushResult(
        message.device_id,
        result.outcome,
        error_code=result.error_code,
        retry_after=result.retry_after,
        mark=result.mark,
    )
