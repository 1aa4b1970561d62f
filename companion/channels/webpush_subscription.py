"""Which browser push subscriptions we accept.

A subscription's endpoint is a URL the browser chose, so it is untrusted: the
dispatcher would POST to it. Only https endpoints on the known push services are
accepted (COMPANION_WEBPUSH_ALLOWED_HOSTS changes the list); development and tests
may admit http and loopback endpoints with COMPANION_WEBPUSH_ALLOW_PRIVATE.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from companion.core.field_messages import ENDPOINT_TOO_LONG, HOST_NOT_ACCEPTED

# Google (Chrome, Edge on Android), Mozilla (Firefox), Apple (Safari), Microsoft (Edge on Windows).
DEFAULT_ALLOWED_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.push.services.mozilla.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)
WEBPUSH_KIND = "webpush"  # Device.kind of a browser subscription
MAX_ENDPOINT = 1024
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class SubscriptionRejected(ValueError):
    """`fields` as the API error envelope shows them."""

    def __init__(self, message: str, fields: dict[str, Any]) -> None:
        super().__init__(message)
        self.fields = fields


@dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str  # the browser's P-256 public key, uncompressed point, base64url
    auth: str  # the 16-byte auth secret, base64url


def allowed_hosts(config: Mapping[str, Any]) -> tuple[str, ...]:
    configured = config.get("WEBPUSH_ALLOWED_HOSTS")
    if isinstance(configured, str):
        configured = configured.replace(";", ",").split(",")
    hosts = tuple(h.strip().lower() for h in (configured or DEFAULT_ALLOWED_HOSTS) if h.strip())
    return hosts or DEFAULT_ALLOWED_HOSTS


def parse(data: Any, *, hosts: Iterable[str], allow_private: bool = False) -> Subscription:
    """The subscription from `PushSubscription.toJSON()`, or SubscriptionRejected saying what is wrong."""
    if not isinstance(data, Mapping):
        raise _rejected("Send the browser's PushSubscription as an object.", {"subscription": ["Not an object."]})
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not endpoint:
        raise _rejected("The subscription has no endpoint.", {"endpoint": ["Missing data for required field."]})
    check_endpoint(endpoint, hosts=hosts, allow_private=allow_private)
    if not isinstance(keys, Mapping):
        raise _rejected("The subscription has no keys.", {"keys": ["Missing data for required field."]})
    p256dh = _key(keys.get("p256dh"), "p256dh", 65, "an uncompressed P-256 public key (65 bytes)")
    auth = _key(keys.get("auth"), "auth", 16, "a 16-byte secret")
    try:  # a point off the curve could never be encrypted to
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:
        raise _rejected("The subscription's p256dh key is not a P-256 public key.", _key_field("p256dh")) from None
    return Subscription(endpoint, _text(p256dh), _text(auth))


def check_endpoint(endpoint: str, *, hosts: Iterable[str], allow_private: bool = False) -> None:
    if len(endpoint) > MAX_ENDPOINT:
        raise _rejected("The push endpoint is too long.", {"endpoint": [ENDPOINT_TOO_LONG.format(max=MAX_ENDPOINT)]})
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises for a garbled port)
    except ValueError:
        raise _rejected("The push endpoint is not a URL.", {"endpoint": ["Not a valid URL."]}) from None
    if not host or parts.username or parts.password:
        raise _rejected("The push endpoint is not a URL.", {"endpoint": ["Not a valid URL."]})
    if allow_private and parts.scheme in ("http", "https") and _is_local(host):
        return
    if parts.scheme != "https":
        raise _rejected("Push endpoints must use https.", {"endpoint": ["Only https push endpoints are accepted."]})
    if not any(_matches(host, pattern) for pattern in hosts):
        raise _rejected(
            "This push service is not accepted: the endpoint must be on a known browser push service.",
            {"endpoint": [HOST_NOT_ACCEPTED.format(host=repr(host))]},
        )


def _matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def _is_local(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _key(value: Any, name: str, size: int, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise _rejected(f"The subscription has no {name} key.", _key_field(name, "Missing data for required field."))
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        raise _rejected(f"The subscription's {name} key is not {what}.", _key_field(name, f"Not {what}."))
    return raw


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _key_field(name: str, message: str = "Not a valid key.") -> dict[str, Any]:
    return {"keys": {name: [message]}}


def _rejected(message: str, fields: dict[str, Any]) -> SubscriptionRejected:
    return SubscriptionRejected(message, {"subscription": fields})
