"""Pick the push senders from configuration: a native one for phones, one for browsers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from companion.push.base import PushSender


def build_sender(config: Mapping[str, Any]) -> PushSender:
    from companion.push.router import PushRouter

    return PushRouter(build_native_sender(config), build_web_sender(config))


def build_native_sender(config: Mapping[str, Any]) -> PushSender:
    backend = config.get("PUSH_BACKEND", "log")
    if backend == "log":
        from companion.push.log import LogSender

        return LogSender()
    if backend == "fcm":
        from companion.push.fcm import FcmSender

        return FcmSender.from_config(config)
    raise ValueError(f"COMPANION_PUSH_BACKEND must be 'fcm' or 'log', not {backend!r}")


def build_web_sender(config: Mapping[str, Any]) -> PushSender:
    """`log` (the default until COMPANION_VAPID_SUBJECT is set) or `webpush`."""
    backend = config.get("WEBPUSH_BACKEND") or ("webpush" if config.get("VAPID_SUBJECT") else "log")
    if backend == "log":
        from companion.push.log import LogSender

        return LogSender()
    if backend == "webpush":
        from companion.push.webpush import WebPushSender

        return WebPushSender.from_config(config)
    raise ValueError(f"COMPANION_WEBPUSH_BACKEND must be 'webpush' or 'log', not {backend!r}")
