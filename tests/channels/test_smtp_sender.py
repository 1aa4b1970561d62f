"""The e-mail sender against a real SMTP server (aiosmtpd) that demands STARTTLS and a login,
as a mail provider's submission port does."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import pytest

from companion.channels.base import EMAIL_KIND, FAILED, NO_DEVICE, SENT, PushMessage
from companion.channels.email import SmtpSender
from devtools.certificates import self_signed
from devtools.smtp_server import SmtpServer


def _mail(to: str = "lucia@example.com") -> PushMessage:
    link = "https://care.example/app/l/token"
    return PushMessage(
        reminder_id=1,
        device_id=NO_DEVICE,
        identifier=to,
        identifier_kind=EMAIL_KIND,
        platform=EMAIL_KIND,
        title="",
        body="",
        data={"clinic": "Clinica Sol", "link": link, "locale": "es", "unsubscribe": f"{link}/unsubscribe"},
        priority="normal",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        collapse_key="reminder-1",
        thread_id="aftercare",
    )


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    certificate, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate))  # the one CA bundle our clients trust
    with SmtpServer(starttls=context, login=("clinic", "s3cret pass")) as server:
        yield server


def test_starttls_then_login_then_the_message(tls_server):
    sender = SmtpSender(f"smtp://clinic:s3cret%20pass@127.0.0.1:{tls_server.port}", "care@clinica.example")
    try:
        [result] = sender.send([_mail()])
    finally:
        sender.close()
    assert result.outcome == SENT and result.message_id.endswith("@clinica.example>")
    assert tls_server.logins.accepted == 1
    [(recipients, mail)] = tls_server.received
    assert recipients == ["lucia@example.com"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_refused_login_fails_the_message_and_says_so(tls_server, caplog):
    sender = SmtpSender(f"smtp://clinic:wrong@127.0.0.1:{tls_server.port}", "care@clinica.example")
    try:
        [result] = sender.send([_mail()])
    finally:
        sender.close()
    assert result.outcome == FAILED and result.error_code.startswith("SMTP_AUTH_5"), result
    assert tls_server.received == []
    assert any("refused our login" in r.getMessage() for r in caplog.records)
