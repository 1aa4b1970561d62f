"""Pick the push sender from configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from companion.push.base import PushSender


def build_sender(config: Mapping[str, Any]) -> PushSender:
    backend = config.get("PUSH_BACKEND", "log")
    if backend == "log":
        from companion.push.log import LogSender

        return LogSender()
    if backend == "fcm":
        from companion.push.fcm import FcmSender

        return FcmSender.from_config(config)
    raise ValueError(f"COMPANION_PUSH_BACKEND must be 'fcm' or 'log', not {backend!r}")
