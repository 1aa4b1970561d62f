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
from sqlalchemy import insert, select

from companion.alerts.service import resend_unacknowledged_urgent
from companion.clinics.models import Clinic
from companion.core import webhook_client
from companion.core.clock import clock
from companion.core.webhook_targets import Unresolvable, UnsafeTarget, check_with_config
from companion.push.models import Delivery
from companion.reminders.dispatch import Lease, register_channel_handler, register_housekeeping_task
from companion.reminders.dispatch.claiming import ClaimedReminder, finish, write_transaction
from companion.reminders.dispatch.outcomes import RetryPolicy
from companion.reminders.models import EXPIRED, FAILED, PENDING, SENT, WEBHOOK

log = logging.getLogger("companion.alerts.webhooks")

# The receiver's answer decides: 2xx done; these are worth another try; other 4xx are final.
_RETRYABLE_STATUS = {408, 425, 429}


@functools.lru_cache(maxsize=4)
def _ssl_context(cafile: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _post(url: str, secret: str, row: ClaimedReminder, timeout: float) -> tuple[str, str | None]:
    """Returns (outcome, error code): outcome is sent, retry or failed."""
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
    config = current_app.config
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


def deliver(rows: list[ClaimedReminder], lease: Lease) -> Mapping[str, int]:
    config = current_app.config
    policy = RetryPolicy(config["RETRY_BASE_SECONDS"], config["RETRY_MAX_SECONDS"], config["QUOTA_BACKOFF_SECONDS"])
    with lease.engine.connect() as conn:
        clinics = {
            c.id: c
            for c in conn.execute(
                select(Clinic.id, Clinic.webhook_url, Clinic.webhook_secret).where(
                    Clinic.id.in_({r.clinic_id for r in rows})
                )
            )
        }
    counts: dict[str, int] = {}
    for row in rows:
        clinic = clinics.get(row.clinic_id)
        if clinic is None or not clinic.webhook_url or not clinic.webhook_secret:
            outcome, error = "failed", "webhook_not_configured"
        else:
            outcome, error = _post(clinic.webhook_url, clinic.webhook_secret, row, config["WEBHOOK_TIMEOUT_SECONDS"])
        now = clock.now()
        values: dict[str, Any] = {"attempts": row.attempts + 1, "last_error": error}
        if outcome == "sent":
            values.update(status=SENT, sent_at=now)
        elif outcome == "failed":
            values.update(status=FAILED)
            log.warning("webhook for clinic %s failed for good: %s", row.clinic_id, error)
        else:
            retry_at = now + timedelta(seconds=policy.retry_delay(row.attempts))
            if retry_at < row.expires_at:
                values.update(status=PENDING, available_at=retry_at)
            else:
                values.update(status=EXPIRED)
        with write_transaction(lease.engine) as conn:
            conn.execute(
                insert(Delivery.__table__).values(
                    reminder_id=row.id,
                    device_id=None,
                    backend="webhook",
                    outcome=outcome,
                    error_code=error,
                    created_at=now,
                )
            )
            finish(conn, claimer=lease.claimer, ids=[row.id], values={"updated_at": now, **values})
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _resend_urgent() -> int:
    return resend_unacknowledged_urgent(timedelta(minutes=current_app.config["URGENT_RESEND_MINUTES"]))


def register() -> None:
    """Alerts ride on the dispatcher: webhook rows, and re-sends of unacknowledged urgent alerts."""
    register_channel_handler(WEBHOOK, deliver)
    register_housekeeping_task("urgent_resends", _resend_urgent)
