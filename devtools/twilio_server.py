"""A fake Twilio Messages API on 127.0.0.1 that checks what Twilio checks.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, Basic auth with the
account SID and auth token (wrong or missing: 401 with Twilio's code 20003; a URL for another
account: 404 with 20404). `To` must be E.164, exactly one of `From` / `MessagingServiceSid`,
a `Body` of at most 1600 characters (21617), a `StatusCallback` URL if the test asks for one.
A message answers 201 with Twilio's JSON (`sid` "SM…", `status` "queued"); a test injects
the error answers Twilio gives (21211 invalid number, 21610 unsubscribed, 20429, 500...).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from devtools.http_fake import FakeHandler, HttpFake

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
# Twilio's HTTP status for each error code a test may inject.
_STATUS = {21211: 400, 21610: 400, 21614: 400, 21617: 400, 20003: 401, 20429: 429, 20500: 500, 20503: 503}


class FakeTwilio(HttpFake):
    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-auth-token") -> None:
        super().__init__(_Handler, name="fake-twilio")
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict[str, str]] = []  # accepted, as the form fields received
        self.refused: list[dict[str, Any]] = []
        self._errors: deque[int] = deque()
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        self.base_url = self.url

    def config(self, **extra: str) -> dict[str, str]:
        """App config keys that send SMS through this fake (a From number unless told otherwise)."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_BASE_URL": self.base_url,
            "TWILIO_FROM": "+15005550006",
            **extra,
        }

    def fail_next(self, *codes: int) -> None:
        """The next messages get these Twilio error codes, one each."""
        with self._lock:
            self._errors.extend(codes)

    def _answer(self, path: str, authorization: str, form: dict[str, str], headers: Any) -> tuple[int, dict[str, Any]]:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != expected:
            return self._error(20003, "Authenticate", form)
        match = _PATH.match(path)
        if match is None or match["sid"] != self.account_sid:
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        if "application/x-www-form-urlencoded" not in headers.get("Content-Type", ""):
            return self._error(21211, "form body expected", form)
        problem = _problem(form)
        if problem:
            return self._error(21604 if "Body" in problem else 21211, problem, form)
        with self._lock:
            injected = self._errors.popleft() if self._errors else None
        if injected is not None:
            return self._error(injected, f"injected error {injected}", form)
        sid = f"SM{next(self._serial):032x}"
        with self._lock:
            self.messages.append(form)
        return 201, {"sid": sid, "status": "queued", "to": form["To"], "account_sid": self.account_sid}

    def _error(self, code: int, message: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        status = _STATUS.get(code, 400)
        with self._lock:
            self.refused.append({"code": code, "form": form})
        return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}"}


class _Handler(FakeHandler):
    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
        status, body = self.server.fake._answer(self.path, self.headers.get("Authorization", ""), form, self.headers)
        self.reply(status, json.dumps(body).encode(), "application/json")


def signature(auth_token: str, url: str, params: Mapping[str, Any]) -> str:
    """X-Twilio-Signature as Twilio documents it: HMAC-SHA1 with the auth token over the full URL
    it called followed by each POST parameter's name and value, sorted by name (a repeated one:
    each value, sorted); base64."""
    payload = url
    for name in sorted(params):
        values = params[name] if isinstance(params[name], list | tuple) else [params[name]]
        payload += "".join(f"{name}{value}" for value in sorted(str(v) for v in values))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _problem(form: dict[str, str]) -> str | None:
    if not E164.match(form.get("To", "")):
        return "The 'To' number is not a valid phone number."
    if ("From" in form) == ("MessagingServiceSid" in form):
        return "Exactly one of From and MessagingServiceSid is required."
    if not form.get("Body") or len(form["Body"]) > 1600:
        return "A 'Body' of 1 to 1600 characters is required."
    if "StatusCallback" in form and not form["StatusCallback"].startswith(("http://", "https://")):
        return "StatusCallback must be a URL."
    return None
