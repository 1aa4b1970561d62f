"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts.

`refuse(address, code)` makes it answer RCPT TO for that address with `code` (550: no such
mailbox, 450: try later), as a mail server does; `delay` seconds hold every DATA answer (a slow
mail server).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, smtp: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        code = self.server.refusals.get(address.lower())
        if code is not None:
            return f"{code} {'5.1.1 no such mailbox' if code >= 500 else '4.2.1 try again later'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.server.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


class _Logins:
    """AUTH PLAIN / LOGIN against one user and password (aiosmtpd's authenticator interface)."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.accepted = 0

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (self.user, self.password)
        self.accepted += ok
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535 itself


class SmtpServer:
    def __init__(self, *, starttls: ssl.SSLContext | None = None, login: tuple[str, str] | None = None) -> None:
        """`starttls`: offer STARTTLS with this server context, and refuse mail before it;
        `login`: require AUTH (only over TLS) with this user and password."""
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refusals: dict[str, int] = {}
        self.delay = 0.0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.logins = _Logins(*login) if login else None
        options: dict[str, Any] = {}
        if starttls is not None:
            options |= {"tls_context": starttls, "require_starttls": True}
        if self.logins is not None:
            options |= {"authenticator": self.logins, "auth_required": True, "auth_require_tls": True}
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **options)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def refuse(self, address: str, code: int) -> None:
        self.refusals[address.lower()] = code

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._controller.stop()
