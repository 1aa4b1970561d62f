"""Alert events POSTed to a clinic's webhook, signed, retried through the outbox.

Signature: `X-Companion-Signature: sha256=<hex>` is HMAC-SHA256 with the clinic's
webhook secret over `"<X-Companion-Timestamp>." + raw body`, so a receiver can
reject replays by age and forgeries by signature.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import ssl
from collections.abc import Mapping
from datetime import timedelta
from http.client import HTTPException
from typing import Any

from flask import current_app

from companion.alerts.service import resend_unacknowledged_urgent
from companion.core import webhook_client
from companion.core.clock import clock
from companion.core.webhook_targets import Unresolvable, UnsafeTarget, check_with_config
from companion.reminders.dispatch import register_channel_handler, register_housekeeping_task
from companion.reminders.dispatch.channels import ChannelHandler
from companion.reminders.dispatch.claiming import ClaimedReminder
from companion.reminders.models import WEBHOOK

log = logging.getLogger("companion.alerts.webhooks")

# The receiver's answer decides: 2xx done; these are worth another try; other 4xx are final.
_RETRYABLE_STATUS = {408, 425, 429}


@functools.lru_cache(maxsize=4)
def _ssl_context(cafile: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post_event(url: str, secret: str, row: ClaimedReminder, config: Mapping[str, Any]) -> tuple[str, str | None]:
    """Returns (outcome, error code): outcome is sent, retry or failed. Runs on the pass's
    threads, so it takes the app's settings as an argument rather than from the app context."""
    timeout = config["WEBHOOK_TIMEOUT_SECONDS"]
    # The payload's own id (a UUID since it was queued); rows queued before that carry their row id.
    body = json.dumps({"id": f"evt_{row.id}", **row.payload}, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "aftercare-companion-webhook/1",
        "X-Companion-Event": row.kind,
        "X-Companion-Delivery": str(row.id),
        "X-Companion-Timestamp": str(timestamp),
        "X-Companion-Signature": sign(secret, timestamp, body),
    }
    try:
        target = check_with_config(url, config)  # again at send time: DNS may have changed since
        response = webhook_client.post(
            target,
            body,
            headers,
            timeout=timeout,
            max_response_bytes=config["WEBHOOK_MAX_RESPONSE_BYTES"],
            ssl_context=_ssl_context(config.get("WEBHOOK_CA_FILE")),
        )
    except Unresolvable:
        return "retry", "unresolvable"
    except UnsafeTarget:
        return "failed", "unsafe_target"
    except webhook_client.DeliveryTimeout:
        return "retry", "timeout"
    except (OSError, HTTPException) as err:
        return "retry", type(err).__name__
    if 200 <= response.status < 300:
        return "sent", None
    if response.status >= 500 or response.status in _RETRYABLE_STATUS:
        return "retry", f"HTTP {response.status}"
    return "failed", f"HTTP {response.status}"


def _resend_urgent() -> int:
    return resend_unacknowledged_urgent(timedelta(minutes=current_app.config["URGENT_RESEND_MINUTES"]))


def register(deliver: ChannelHandler) -> None:
    """Alerts ride on the dispatcher: webhook rows (delivered by `deliver`, see webhook_pass), and
    re-sends of unacknowledged urgent alerts."""
    register_channel_handler(WEBHOOK, deliver)
    register_housekeeping_task("urgent_resends", _resend_urgent)
