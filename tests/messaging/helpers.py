"""Posting to the Twilio hooks as Twilio does: a form, signed over the public URL it called."""

from __future__ import annotations

from devtools.twilio_server import signature

PUBLIC = "https://care.example"
ACCOUNT = "AC" + "0" * 32
TOKEN = "test-auth-token"
TWILIO_CONFIG = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_URL": PUBLIC}
_serial = iter(range(1, 10**9))


def message_sid() -> str:
    return f"SM{next(_serial):032x}"


def hook(client, path: str, form: dict[str, str], *, token: str = TOKEN, url: str | None = None, signed: bool = True):
    headers = {"X-Twilio-Signature": signature(token, url or f"{PUBLIC}{path}", form)} if signed else {}
    return client.post(path, data=form, headers=headers)


def reply(client, sender: str, body: str, **extra: str):
    """A patient's text to our number."""
    form = {
        "MessageSid": message_sid(),
        "AccountSid": ACCOUNT,
        "From": sender,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
        **extra,
    }
    return hook(client, "/v1/hooks/twilio/inbound", form)


def status(client, sid: str, state: str, *, to: str, error: int | None = None):
    """Twilio's StatusCallback for one message."""
    form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT, "MessageStatus": state, "SmsStatus": state}
    form |= {"To": to, "From": "+15005550006", "ApiVersion": "2010-04-01"}
    if error is not None:
        form["ErrorCode"] = str(error)
    return hook(client, "/v1/hooks/twilio/status", form)
