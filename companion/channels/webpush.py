"""The Web Push sender: browsers' push services (RFC 8030), payloads encrypted per
subscription (RFC 8291 `aes128gcm`, by http-ece) and signed for by VAPID (RFC 8292).

Requests leave over the same kind of pooled aiohttp transport as FCM's, in a pool of
their own: a slow push service never holds the connections or workers FCM uses.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec

from companion.channels.base import (
    DEACTIVATE,
    DEFAULT_IN_FLIGHT,
    FAILED,
    RETRY,
    SENT,
    PushMessage,
    PushResult,
)
from companion.channels.fcm_transport import HttpAnswer, HttpPool, TransportError
from companion.channels.vapid import VapidSigner
from companion.channels.webpush_subscription import MAX_ENDPOINT, SubscriptionRejected, allowed_hosts, check_endpoint
from companion.core.clock import clock

log = logging.getLogger("companion.channels.webpush")

MAX_TTL = 28 * 24 * 3600  # push services keep a message four weeks at most
SUBMIT_EVERY = 50  # pushes encrypted before they are handed to the event loop
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_P256 = ec.SECP256R1()
_JSON = json.JSONEncoder(separators=(",", ":"))

# Push-service answers and what they mean for the device (docs/web-push.md).
_DEAD = {404: "WEBPUSH_NOT_FOUND", 410: "WEBPUSH_GONE"}
_REFUSED = {400: "WEBPUSH_BAD_REQUEST", 413: "WEBPUSH_TOO_LARGE"}
_CREDENTIALS = {401: "VAPID_UNAUTHORIZED", 403: "VAPID_FORBIDDEN"}


class WebPushSender:
    name = "webpush"

    def __init__(
        self,
        signer: VapidSigner,
        *,
        hosts: tuple[str, ...],
        allow_private: bool = False,
        timeout: float = 10.0,
        max_in_flight: int = DEFAULT_IN_FLIGHT,
        max_connections: int = DEFAULT_IN_FLIGHT,
    ) -> None:
        self.signer = signer
        self._hosts, self._allow_private = hosts, allow_private
        self._origins: dict[str, str] = {}  # endpoint prefix -> origin, for prefixes that passed the check
        self._pool = HttpPool(
            timeout=timeout,
            max_in_flight=max_in_flight,
            max_connections=max_connections,
            thread_name="webpush-http",
            follow_redirects=False,  # an endpoint's answer never sends us to another address
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebPushSender:
        subject = config.get("VAPID_SUBJECT")
        if not subject:
            raise ValueError("the webpush backend needs COMPANION_VAPID_SUBJECT (mailto: or https: contact)")
        return cls(
            VapidSigner(config["VAPID_PRIVATE_KEY"], subject),
            hosts=allowed_hosts(config),
            allow_private=bool(config.get("WEBPUSH_ALLOW_PRIVATE")),
            timeout=float(config.get("WEBPUSH_TIMEOUT_SECONDS") or 10.0),
            max_in_flight=int(config.get("WEBPUSH_MAX_IN_FLIGHT") or DEFAULT_IN_FLIGHT),
            max_connections=int(config.get("WEBPUSH_MAX_CONNECTIONS") or DEFAULT_IN_FLIGHT),
        )

    def close(self) -> None:
        self._pool.close()

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        return self.start(messages)()

    def start(self, messages: list[PushMessage]) -> Callable[[], list[PushResult]]:
        """Encrypt and sign every message and put the requests on the wire; results wait in what comes back."""
        now = clock.now()
        results: list[PushResult | None] = [None] * len(messages)
        in_flight: list[tuple[list[int], Future[list[HttpAnswer | TransportError]]]] = []
        requests: list[tuple[str, dict[str, str], bytes]] = []
        sent: list[int] = []
        for index, message in enumerate(messages):
            if len(requests) == SUBMIT_EVERY:  # the first pushes leave while the rest are encrypted
                in_flight.append((sent, self._pool.submit_each(requests)))
                requests, sent = [], []
            try:
                requests.append(self._request(message, now))
            except SubscriptionRejected as error:  # the allowed hosts changed since it registered
                results[index] = PushResult(message.device_id, DEACTIVATE, error_code="ENDPOINT_NOT_ALLOWED")
                log.warning("webpush: device %s endpoint no longer allowed: %s", message.device_id, error)
            except (ValueError, TypeError) as error:
                results[index] = PushResult(
                    message.device_id, FAILED, error_code="INVALID_SUBSCRIPTION", detail=str(error)[:500]
                )
            else:
                sent.append(index)
        if requests:
            in_flight.append((sent, self._pool.submit_each(requests)))

        def collect() -> list[PushResult]:
            for indexes, future in in_flight:
                for index, answer in zip(indexes, future.result(), strict=True):
                    results[index] = classify(messages[index].device_id, answer)
            return [r for r in results if r is not None]

        return collect

    def _request(self, message: PushMessage, now: datetime) -> tuple[str, dict[str, str], bytes]:
        if message.keys is None:
            raise ValueError("no subscription keys")
        endpoint = message.identifier
        origin = self._origin(endpoint)
        p256dh, auth = message.keys
        body = http_ece.encrypt(
            payload(message),
            private_key=ec.generate_private_key(_P256),  # a fresh sender key per message (RFC 8291)
            dh=_b64(p256dh),
            auth_secret=_b64(auth),
            version="aes128gcm",
        )
        ttl = max(0, min(MAX_TTL, int((message.expires_at - now).total_seconds())))
        headers = {
            "Authorization": self.signer.authorization(origin),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl),
            "Urgency": "high" if message.priority == "high" else "normal",
            "Topic": topic(message.collapse_key),
        }
        return endpoint, headers, body

    def _origin(self, endpoint: str) -> str:
        """The endpoint's origin (the VAPID audience), once it passes the allowed hosts.

        Scheme, user info, host and port all sit before the first '/' after '//', so the
        verdict is kept per such prefix: a push service's endpoints share a handful.
        """
        cut = endpoint.find("/", endpoint.find("//") + 2)
        prefix = endpoint if cut < 0 else endpoint[:cut]
        origin = self._origins.get(prefix)
        if origin is None:
            check_endpoint(endpoint, hosts=self._hosts, allow_private=self._allow_private)
            parts = urlsplit(endpoint)
            origin = f"{parts.scheme}://{parts.netloc}"
            if len(self._origins) >= 4096:
                self._origins.clear()
            self._origins[prefix] = origin
        elif len(endpoint) > MAX_ENDPOINT:
            check_endpoint(endpoint, hosts=self._hosts, allow_private=self._allow_private)
        return origin


def payload(message: PushMessage) -> bytes:
    """What the service worker shows: the neutral title and body, where a tap leads, and a tag
    so a newer notification for the same reminder replaces the older one."""
    return _JSON.encode(
        {
            "title": message.title,
            "body": message.body,
            "url": f"/app/reminders/{message.reminder_id}",
            "tag": f"reminder-{message.reminder_id}",
        }
    ).encode()


def topic(collapse_key: str) -> str:
    """RFC 8030 Topic: at most 32 URL-safe base64 characters; a re-sent reminder keeps its topic."""
    if _TOPIC.match(collapse_key):
        return collapse_key
    return base64.urlsafe_b64encode(hashlib.sha256(collapse_key.encode()).digest()).decode()[:32]


def classify(device_id: int, answer: HttpAnswer | TransportError) -> PushResult:
    """A push service's answer as the dispatcher's outcome."""
    if isinstance(answer, TransportError):
        code = "TIMEOUT" if answer.timed_out else "CONNECTION_ERROR"
        return PushResult(device_id, RETRY, error_code=code, detail=str(answer.error)[:500] or None)
    status = answer.status
    if 200 <= status < 300:
        return PushResult(device_id, SENT, message_id=answer.headers.get("Location") or f"webpush/{status}")
    detail = answer.body[:200].decode("utf-8", "replace") or None
    if status in _DEAD:
        return PushResult(device_id, DEACTIVATE, error_code=_DEAD[status], detail=detail)
    if status == 429:
        # A limit on this subscription or service, not on us everywhere: this row waits (at least
        # Retry-After) while pushes to other devices and to FCM go on.
        return PushResult(
            device_id,
            RETRY,
            error_code="WEBPUSH_TOO_MANY_REQUESTS",
            retry_after=retry_after(answer.headers),
            detail=detail,
        )
    if status >= 500:
        return PushResult(
            device_id, RETRY, error_code=f"WEBPUSH_{status}", retry_after=retry_after(answer.headers), detail=detail
        )
    if status in _CREDENTIALS:
        log.error("webpush: the push service refused our VAPID credentials (%s): %s", status, detail)
        return PushResult(device_id, FAILED, error_code=_CREDENTIALS[status], detail=detail)
    return PushResult(device_id, FAILED, error_code=_REFUSED.get(status, f"WEBPUSH_{status}"), detail=detail)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - clock.now()).total_seconds())


def _b64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
