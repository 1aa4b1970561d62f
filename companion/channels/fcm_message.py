"""One FCM v1 request body per push, built and encoded by firebase-admin itself."""

from __future__ import annotations

import json
import warnings
from datetime import timedelta
from typing import Any

from firebase_admin import messaging

from companion.channels.base import PushMessage
from companion.core.clock import utcnow

MAX_TTL = timedelta(days=28)  # FCM's ceiling for android.ttl
APNS_COLLAPSE_ID_MAX_BYTES = 64
PLATFORMS = frozenset({"android", "ios", "web"})


def encode(message: messaging.Message) -> bytes:
    """The `messages:send` body exactly as the SDK writes it (its encoder, requests' JSON).

    Raises ValueError or TypeError for a payload firebase-admin refuses.
    """
    # firebase-admin internal (pinned in pyproject, checked in tests/channels/test_sdk_internals.py).
    body = {"message": messaging._MessagingService.encode_message(message)}
    return json.dumps(body, allow_nan=False).encode()


def build_message(message: PushMessage, channel_id: str | None = None) -> messaging.Message:
    """One FCM message for one device, carrying only the block for its platform."""
    expires_in = min(max(message.expires_at - utcnow(), timedelta(0)), MAX_TTL)
    ttl = timedelta(seconds=int(expires_in.total_seconds()))
    high = message.priority == "high"
    blocks: dict[str, Any] = {}
    unknown = message.platform not in PLATFORMS  # then send every block and let FCM pick
    if unknown or message.platform == "android":
        blocks["android"] = messaging.AndroidConfig(
            priority="high" if high else "normal",
            ttl=ttl,
            collapse_key=message.collapse_key,
            notification=messaging.AndroidNotification(
                channel_id=message.channel_id or channel_id,
                tag=message.collapse_key,
            ),
        )
    if unknown or message.platform == "ios":
        blocks["apns"] = messaging.APNSConfig(
            headers={
                "apns-expiration": str(int(message.expires_at.timestamp())),
                "apns-priority": "10" if high else "5",
                "apns-push-type": "alert",
                "apns-collapse-id": _truncate_utf8(message.collapse_key, APNS_COLLAPSE_ID_MAX_BYTES),
            },
            payload=messaging.APNSPayload(aps=messaging.Aps(thread_id=message.thread_id)),
        )
    if unknown or message.platform == "web":
        blocks["webpush"] = messaging.WebpushConfig(
            headers={"TTL": str(int(ttl.total_seconds())), "Urgency": "high" if high else "normal"},
            notification=messaging.WebpushNotification(tag=message.collapse_key),
        )
    common: dict[str, Any] = dict(
        notification=messaging.Notification(title=message.title, body=message.body),
        data=dict(message.data),
        **blocks,
    )
    if message.identifier_kind == "fid":
        return messaging.Message(fid=message.identifier, **common)
    # Devices registered before the app sent installation ids still carry a legacy
    # registration token, which FCM accepts; firebase-admin >= 7.6 warns on every
    # Message(token=...). The choice is deliberate and recorded per device, so only
    # that one warning is silenced, only around this call.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Message\.token is deprecated", category=DeprecationWarning)
        return messaging.Message(token=message.identifier, **common)


def _truncate_utf8(text: str, limit: int) -> str:
    return text.encode()[:limit].decode(errors="ignore")
