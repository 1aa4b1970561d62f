"""Pick the senders from configuration: a native one for phones, one for browsers, SMS and e-mail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from companion.channels.base import PushSender


def build_sender(config: Mapping[str, Any]) -> PushSender:
    from companion.channels.router import PushRouter

    return PushRouter(build_native_sender(config), build_web_sender(config), build_contact_senders(config))


def build_native_sender(config: Mapping[str, Any]) -> PushSender:
    backend = config.get("PUSH_BACKEND", "log")
    if backend == "log":
        from companion.channels.log import LogSender

        return LogSender()
    if backend == "fcm":
        from companion.channels.fcm import FcmSender

        return FcmSender.from_config(config)
    raise ValueError(f"COMPANION_PUSH_BACKEND must be 'fcm' or 'log', not {backend!r}")


def build_web_sender(config: Mapping[str, Any]) -> PushSender:
    """`log` (the default until COMPANION_VAPID_SUBJECT is set) or `webpush`."""
    backend = config.get("WEBPUSH_BACKEND") or ("webpush" if config.get("VAPID_SUBJECT") else "log")
    if backend == "log":
        from companion.channels.log import LogSender

        return LogSender()
    if backend == "webpush":
        from companion.channels.webpush import WebPushSender

        return WebPushSender.from_config(config)
    raise ValueError(f"COMPANION_WEBPUSH_BACKEND must be 'webpush' or 'log', not {backend!r}")


def build_contact_senders(config: Mapping[str, Any]) -> dict[str, PushSender]:
    """Twilio once its account SID and token are set, SMTP once its URL is; the log otherwise."""
    from companion.channels.base import EMAIL_KIND, SMS_KIND
    from companion.channels.log import LogSender

    senders: dict[str, PushSender] = {SMS_KIND: LogSender(), EMAIL_KIND: LogSender()}
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
        from companion.channels.sms import TwilioSender

        senders[SMS_KIND] = TwilioSender.from_config(config)
    if config.get("SMTP_URL"):
        from companion.channels.email import SmtpSender

        senders[EMAIL_KIND] = SmtpSender.from_config(config)
    return senders
