"""A fake browser push service (RFC 8030) on 127.0.0.1 that checks what the real ones check.

`subscribe()` does what a browser does: makes a P-256 key pair and an auth secret and
gets an endpoint on this service, bound to the application server key. Each push is
then held to the real services' rules: a VAPID `Authorization: vapid t=<jwt>, k=<key>`
whose ES256 signature verifies against `k`, `k` equal to the key the subscription was
made with, `aud` the endpoint's origin, `exp` within 24 hours, a `sub`; a `TTL` header;
an `aes128gcm` body of at most 4096 bytes, which it decrypts with the subscription's
private key. It answers 201 with a Location, or what a test asks for (410, 429, 5xx...).
"""

from __future__ import annotations

import base64
import collections
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from devtools.http_fake import FakeHandler, HttpFake

MAX_BODY = 4096
MAX_EXP_SECONDS = 24 * 3600


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def browser_keys(n: int) -> list[tuple[str, str]]:
    """(p256dh, auth) of n subscriptions, made as a browser makes them (benchmarks' devices)."""
    point = (serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return [
        (
            b64url(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(*point)),
            b64url(secrets.token_bytes(16)),
        )
        for _ in range(n)
    ]


@dataclass
class BrowserSubscription:
    """What a browser holds: the endpoint, its private key and auth secret; `as_json` is
    what `PushSubscription.toJSON()` hands the page."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def as_json(self) -> dict[str, Any]:
        keys = {"p256dh": self.p256dh, "auth": b64url(self.auth)}
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": keys}


@dataclass(frozen=True)
class Delivered:
    endpoint: str
    headers: dict[str, str]
    payload: dict[str, Any]
    claims: dict[str, Any]
    at: float


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None = None
    location: str | None = None


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    subscriptions: dict[str, BrowserSubscription] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    scripted: dict[str, collections.deque[Answer]] = field(default_factory=dict)
    delivered: list[Delivered] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # (path, status, reason)
    requests: collections.Counter[str] = field(default_factory=collections.Counter)


class FakePushService(HttpFake):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, check: bool = True) -> None:
        """`check=False` (benchmarks) answers 201 at once, decrypting and verifying nothing."""
        super().__init__(_Handler, host, port, name="fake-push")
        self.check = check
        self._state = _State()
        self._ids = itertools.count(1)

    # what a browser does -----------------------------------------------------------------
    def subscribe(self, application_server_key: str) -> BrowserSubscription:
        subscription = BrowserSubscription(
            endpoint=f"{self.url}/push/{secrets.token_urlsafe(24)}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
            application_server_key=application_server_key,
        )
        with self._state.lock:
            self._state.subscriptions[subscription.endpoint] = subscription
        return subscription

    def unsubscribe(self, endpoint: str) -> None:
        """The user revoked permission or cleared the site: every later push gets 410 Gone."""
        with self._state.lock:
            self._state.gone.add(endpoint)

    # error injection ---------------------------------------------------------------------
    def answer_next(
        self,
        endpoint: str,
        status: int,
        *,
        retry_after: str | int | None = None,
        location: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` pushes to this endpoint get this status (after all checks pass)."""
        answer = Answer(status, None if retry_after is None else str(retry_after), location)
        with self._state.lock:
            self._state.scripted.setdefault(endpoint, collections.deque()).extend([answer] * times)

    # what arrived ------------------------------------------------------------------------
    @property
    def delivered(self) -> list[Delivered]:
        with self._state.lock:
            return list(self._state.delivered)

    @property
    def refused(self) -> list[tuple[str, int, str]]:
        with self._state.lock:
            return list(self._state.refused)

    def requests_for(self, endpoint: str) -> int:
        with self._state.lock:
            return self._state.requests[endpoint]

    @property
    def requests(self) -> int:
        with self._state.lock:
            return sum(self._state.requests.values())

    # the push service's rules -----------------------------------------------------------
    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], str]:
        endpoint = self.url + path
        with self._state.lock:
            self._state.requests[endpoint] += 1
            subscription = self._state.subscriptions.get(endpoint)
            gone = endpoint in self._state.gone
        if not self.check:
            return 201, {"Location": f"{self.url}/message/{next(self._ids)}"}, ""
        if subscription is None:
            return self._refuse(path, 404, "no such subscription")
        if gone:
            return self._refuse(path, 410, "push subscription has unsubscribed or expired")
        try:
            claims = self._verify_vapid(headers.get("authorization", ""), subscription)
        except ValueError as error:
            return self._refuse(path, 403 if "key" in str(error) else 401, str(error))
        if not headers.get("ttl", "").isdigit():
            return self._refuse(path, 400, "missing or invalid TTL header")
        if len(body) > MAX_BODY:
            return self._refuse(path, 413, "payload too large")
        if headers.get("content-encoding") != "aes128gcm":
            return self._refuse(path, 400, "expected Content-Encoding: aes128gcm")
        try:
            plain = http_ece.decrypt(
                body, private_key=subscription.private_key, auth_secret=subscription.auth, version="aes128gcm"
            )
            payload = json.loads(plain)
        except Exception as error:  # a body we cannot decrypt is the sender's fault
            return self._refuse(path, 400, f"cannot decrypt: {type(error).__name__}")
        with self._state.lock:
            queue = self._state.scripted.get(endpoint)
            scripted = queue.popleft() if queue else None
        if scripted is not None:
            extra = {"Retry-After": scripted.retry_after} if scripted.retry_after else {}
            if scripted.location:
                extra["Location"] = scripted.location
            return scripted.status, extra, "scripted answer"
        with self._state.lock:
            self._state.delivered.append(Delivered(endpoint, dict(headers), payload, claims, time.time()))
        return 201, {"Location": f"{self.url}/message/{next(self._ids)}"}, ""

    def _verify_vapid(self, authorization: str, subscription: BrowserSubscription) -> dict[str, Any]:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError("expected the vapid authorization scheme")
        parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
        token, key = parts.get("t", ""), parts.get("k", "")
        if key != subscription.application_server_key:
            raise ValueError("vapid key does not match the subscription's application server key")
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
            claims = jwt.decode(
                token, public, algorithms=["ES256"], audience=self.url, options={"require": ["exp", "aud", "sub"]}
            )
        except (jwt.PyJWTError, ValueError) as error:
            raise ValueError(f"invalid vapid token: {error}") from None
        if claims["exp"] > time.time() + MAX_EXP_SECONDS:
            raise ValueError("vapid token expires more than 24 hours from now")
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            raise ValueError("vapid sub must be a mailto: or https: URI")
        return claims

    def _refuse(self, path: str, status: int, reason: str) -> tuple[int, dict[str, str], str]:
        with self._state.lock:
            self._state.refused.append((path, status, reason))
        return status, {}, reason


class _Handler(FakeHandler):
    def do_POST(self) -> None:
        body = self.body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra, text = self.server.fake._receive(self.path, headers, body)
        self.reply(status, text.encode(), "text/plain", extra)
