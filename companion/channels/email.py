"""E-mail over SMTP: one connection per batch, multipart text + HTML, RFC 8058 one-click unsubscribe.

The conversation runs on the dispatcher's async transport (aiosmtplib on an event loop thread
of its own), so a slow mail server holds neither the dispatcher nor a push. `smtp://user:pass@host:587`
upgrades with STARTTLS (a password is never sent in the clear to a host other than this
machine); `smtps://` is TLS from the first byte. A permanent refusal of the recipient (5xx)
marks the address invalid; a temporary one (4xx) and a lost connection are retried; a refused
login fails the message and is logged loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from companion.channels import letters
from companion.channels.base import DEACTIVATE, FAILED, INVALID, RETRY, SENT, PushMessage, PushResult
from companion.channels.event_loop import LoopThread
from companion.channels.fcm_transport import ssl_context

log = logging.getLogger("companion.channels.email")

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class _NoStartTls(aiosmtplib.SMTPException):
    """The server offers no STARTTLS: the password is not sent in the clear."""


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
        self._loop = LoopThread("smtp-io")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSender:
        return cls(config["SMTP_URL"], config.get("EMAIL_FROM") or "aftercare@localhost")

    def close(self) -> None:
        self._loop.close()

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        return self.start(messages)()

    def start(self, messages: list[PushMessage]) -> Callable[[], list[PushResult]]:
        """Begin the conversation on the loop thread; what comes back waits for its results."""
        if not messages:
            return list
        future = self._loop.submit(self._send_all(messages))
        return future.result

    async def _send_all(self, messages: list[PushMessage]) -> list[PushResult]:
        try:
            server = await self._connect()
        except aiosmtplib.SMTPAuthenticationError as error:
            log.error("the SMTP server refused our login (%s); check COMPANION_SMTP_URL", error.code)
            return [PushResult(m.device_id, FAILED, error_code=f"SMTP_AUTH_{error.code}") for m in messages]
        except (OSError, aiosmtplib.SMTPException) as error:
            return [PushResult(m.device_id, RETRY, error_code="NETWORK", detail=type(error).__name__) for m in messages]
        results = []
        try:
            for message in messages:
                results.append(await self._send(server, message))
        finally:
            try:
                await server.quit()
            except (OSError, aiosmtplib.SMTPException):
                server.close()
        return results

    async def _connect(self) -> aiosmtplib.SMTP:
        context = ssl_context()  # the CA bundle Twilio's and FCM's requests use
        server = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.tls,
            start_tls=False,
            tls_context=context,
            timeout=self.timeout,
        )
        await server.connect()
        try:
            if not self.tls:
                await server.ehlo()
                if server.supports_extension("starttls"):
                    await server.starttls(tls_context=context)
                elif self.user and self.host not in _LOOPBACK:
                    raise _NoStartTls("no STARTTLS: the password is not sent in the clear")
            if self.user and self.password:
                await server.login(self.user, self.password)
        except BaseException:
            server.close()
            raise
        return server

    async def _send(self, server: aiosmtplib.SMTP, message: PushMessage) -> PushResult:
        mail = self.build(message)
        try:
            refused, _ = await server.send_message(mail)
        except aiosmtplib.SMTPRecipientsRefused as error:
            return _for(message, outcome(error.recipients[0].code))
        except aiosmtplib.SMTPResponseException as error:
            return _for(message, outcome(error.code))
        except (OSError, aiosmtplib.SMTPException) as error:
            return PushResult(message.device_id, RETRY, error_code="NETWORK", detail=type(error).__name__)
        if refused:
            return _for(message, outcome(next(iter(refused.values())).code))
        return PushResult(message.device_id, SENT, message_id=str(mail["Message-ID"])[:200])

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
