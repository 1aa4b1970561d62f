"""VAPID (RFC 8292): the key pair that identifies this server to browsers' push services.

The browser subscribes with our public key (`application_server_key`), and every push
carries a JWT signed with the private key, so only we can push to that subscription.
The key pair is made once into the instance folder (like the secret key) unless
COMPANION_VAPID_PRIVATE_KEY gives one: a new key would orphan every subscription.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode

from companion.core.clock import clock

KEY_FILE = "vapid_private_key.pem"
# A signed JWT is reused for this long per push-service origin (RFC 8292 allows up to 24 h),
# and signed again once less than the margin is left.
TOKEN_LIFETIME = timedelta(hours=12)
_RENEW_MARGIN = timedelta(hours=1)


def instance_private_key(instance_path: str) -> str:
    """The PEM made once into the instance folder; every worker and restart reads the same one."""
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        vapid = Vapid02()
        vapid.generate_keys()
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                handle.write(vapid.private_pem())
        except FileExistsError:  # another worker wrote it first
            pass
    return path.read_text()


def load(private_key: str) -> Vapid02:
    """A PEM, or the base64url raw scalar / DER that VAPID key generators print."""
    text = private_key.strip()
    if "-----BEGIN" in text:
        return Vapid02.from_pem(text.encode())
    return Vapid02.from_string(text)


def public_key(vapid: Vapid02) -> str:
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return str(b64urlencode(raw))


def application_server_key(config: Mapping[str, Any] | None = None) -> str:
    """The public key the browser's `pushManager.subscribe` needs (URL-safe base64, no padding)."""
    if config is None:
        from flask import current_app

        config = current_app.config
    return public_key(load(config["VAPID_PRIVATE_KEY"]))


class VapidSigner:
    """`Authorization: vapid t=…, k=…` per push-service origin, signed once per token lifetime."""

    def __init__(self, private_key: str, subject: str) -> None:
        self._vapid = load(private_key)
        self._subject = subject
        self.key = public_key(self._vapid)
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, Any]] = {}

    def authorization(self, audience: str) -> str:
        now = clock.now()
        cached = self._tokens.get(audience)
        if cached is not None and now < cached[1]:
            return cached[0]
        with self._lock:
            expires = now + TOKEN_LIFETIME
            claims = {"aud": audience, "exp": int(expires.timestamp()), "sub": self._subject}
            header = str(self._vapid.sign(claims)["Authorization"])
            self._tokens[audience] = (header, expires - _RENEW_MARGIN)
        return header
