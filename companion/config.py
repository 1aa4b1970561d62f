"""Settings from COMPANION_* environment variables, each declared once in SETTINGS.

Every setting has a default that works on a fresh machine: an SQLite file in the
instance folder and the log push sender. docs/configuration.md is generated from
SETTINGS (`python -m companion.config_docs > docs/configuration.md`), so a new setting
is one entry there, with its one-line description, and nowhere else.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from companion.channels import vapid
from companion.channels.base import DEFAULT_IN_FLIGHT
from companion.setting import TRUE_WORDS, Computed, Setting, flag, integer, number, read, text

__all__ = ["PROJECT_ROOT", "SETTINGS", "TRUE_WORDS", "Computed", "Setting", "from_environment"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _sqlalchemy_url(url: str) -> str:
    """Accept plain postgres URLs and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def firebase_credentials_path() -> str | None:
    return read("FIREBASE_CREDENTIALS") or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or None


def _secret_key(instance_path: str) -> str:
    """One key generated once into the instance folder, so every worker (and a restart)
    signs console sessions with the same key."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        except FileExistsError:  # another worker wrote it first
            pass
    return path.read_text().strip()


_SQLITE_FILE = Computed(
    lambda instance: f"sqlite:///{Path(instance) / 'companion.db'}", "SQLite file `instance/companion.db`"
)
_CREDENTIALS = Computed(lambda _: firebase_credentials_path(), "`GOOGLE_APPLICATION_CREDENTIALS`, else unset")
_BACKEND = Computed(lambda _: "fcm" if firebase_credentials_path() else "log", "`fcm` with credentials, else `log`")
_SCHEDULES = Computed(lambda _: str(PROJECT_ROOT / "schedules"), "`schedules/` in the project")
_SECRET = Computed(_secret_key, "generated once into `instance/secret_key`")
_VAPID_KEY = Computed(vapid.instance_private_key, "generated once into `instance/vapid_private_key.pem`")
_WEBPUSH_BACKEND = Computed(
    lambda _: "webpush" if read("VAPID_SUBJECT") else "log",
    "`webpush` once `COMPANION_VAPID_SUBJECT` is set, else `log`",
)

# app.config key -> the variable that sets it. Keep to one line of description each; the order is the docs' order.
SETTINGS: dict[str, Setting] = {
    "SQLALCHEMY_DATABASE_URI": text(
        "DATABASE_URL", _SQLITE_FILE, "database URL, e.g. `postgresql://user@host/db` (psycopg 3)"
    ),
    "MAX_CONTENT_LENGTH": integer("MAX_BODY_BYTES", 64 * 1024, "request bodies larger than this get 413"),
    "SCHEDULES_DIR": text("SCHEDULES_DIR", _SCHEDULES, "folder of the protocol files"),
    "ENROLLMENT_CODE_TTL_HOURS": integer("ENROLLMENT_CODE_TTL_HOURS", 72, "lifetime of a one-time enrollment code"),
    "PATIENT_TOKEN_IDLE_DAYS": integer("PATIENT_TOKEN_IDLE_DAYS", 90, "a patient token unused this long stops working"),
    "MAX_DEVICES_PER_PATIENT": integer(
        "MAX_DEVICES_PER_PATIENT", 5, "active phones and browsers per patient; one more retires the oldest"
    ),
    "PUBLIC_URL": text(
        "PUBLIC_URL", "http://127.0.0.1:8000", "where patients reach this server (join links, hand-out QR codes)"
    ),
    "PUSH_BACKEND": text("PUSH_BACKEND", _BACKEND, "push sender: `fcm` or `log` (pushes written to the log)"),
    "FIREBASE_CREDENTIALS": text(
        "FIREBASE_CREDENTIALS", _CREDENTIALS, "service-account JSON key of the Firebase project"
    ),
    "FCM_ENDPOINT": text("FCM_ENDPOINT", None, "FCM base URL instead of Google's (tests point it at a local fake)"),
    "FCM_TIMEOUT_SECONDS": number(
        "FCM_TIMEOUT_SECONDS", 10.0, "total time for one FCM request; past it, retried later"
    ),
    "FCM_MAX_IN_FLIGHT": integer(
        "FCM_MAX_IN_FLIGHT", DEFAULT_IN_FLIGHT, "FCM requests one dispatcher has open at once"
    ),
    "FCM_MAX_CONNECTIONS": integer(
        "FCM_MAX_CONNECTIONS", DEFAULT_IN_FLIGHT, "keep-alive connections a dispatcher holds to FCM"
    ),
    "WEBPUSH_BACKEND": text("WEBPUSH_BACKEND", _WEBPUSH_BACKEND, "browser push sender: `webpush` or `log`"),
    "VAPID_PRIVATE_KEY": text(
        "VAPID_PRIVATE_KEY",
        _VAPID_KEY,
        "Web Push signing key (PEM or raw); the same on every host, never casually rotated",
    ),
    "VAPID_SUBJECT": text(
        "VAPID_SUBJECT", None, "contact for push services (`mailto:` or `https:`); setting it turns Web Push on"
    ),
    "WEBPUSH_ALLOWED_HOSTS": text(
        "WEBPUSH_ALLOWED_HOSTS",
        None,
        "push-service hosts accepted for subscriptions, comma-separated (`*.x` = subdomains)",
    ),
    "WEBPUSH_ALLOW_PRIVATE": flag(
        "WEBPUSH_ALLOW_PRIVATE", False, "development and tests only: http and loopback push endpoints"
    ),
    "WEBPUSH_TIMEOUT_SECONDS": number("WEBPUSH_TIMEOUT_SECONDS", 10.0, "total time for one Web Push request"),
    "WEBPUSH_MAX_IN_FLIGHT": integer(
        "WEBPUSH_MAX_IN_FLIGHT", DEFAULT_IN_FLIGHT, "Web Push requests one dispatcher has open at once"
    ),
    "WEBPUSH_MAX_CONNECTIONS": integer(
        "WEBPUSH_MAX_CONNECTIONS", DEFAULT_IN_FLIGHT, "keep-alive connections a dispatcher holds to push services"
    ),
    "ANDROID_CHANNEL_ID": text(
        "ANDROID_CHANNEL_ID", "aftercare", "Android notification channel the app makes for reminders"
    ),
    "DISPATCH_INTERVAL_SECONDS": number(
        "DISPATCH_INTERVAL_SECONDS", 1.0, "how often a dispatcher looks for due reminders"
    ),
    "DISPATCH_BATCH_SIZE": integer(
        "DISPATCH_BATCH_SIZE", 500, "most reminders one dispatcher holds at once (claimed in halves)"
    ),
    "DISPATCH_LEASE_SECONDS": integer(
        "DISPATCH_LEASE_SECONDS", 120, "after this, a dead dispatcher's claimed rows go to another"
    ),
    "DISPATCH_FENCE_MARGIN_SECONDS": number(
        "DISPATCH_FENCE_MARGIN_SECONDS", 2.0, "claimed rows not sent this long before the lease ends are dropped"
    ),
    "DISPATCH_CLOCK_SKEW_SECONDS": number(
        "DISPATCH_CLOCK_SKEW_SECONDS", 0.0, "worst clock gap between dispatcher hosts: leases pass on this much later"
    ),
    "DISPATCH_PASS_BUDGET_SECONDS": number(
        "DISPATCH_PASS_BUDGET_SECONDS", 5.0, "a pass stops claiming after this long"
    ),
    "PUSH_BUNDLE_WINDOW_MINUTES": number(
        "PUSH_BUNDLE_WINDOW_MINUTES", 10.0, "a patient's reminders due this close go as one push"
    ),
    "RETRY_BASE_SECONDS": number(
        "RETRY_BASE_SECONDS", 5.0, "first wait of the exponential backoff for transient push errors"
    ),
    "RETRY_MAX_SECONDS": number("RETRY_MAX_SECONDS", 900.0, "longest wait of that backoff"),
    "QUOTA_BACKOFF_SECONDS": number(
        "QUOTA_BACKOFF_SECONDS", 60.0, "least wait after FCM QUOTA_EXCEEDED without Retry-After"
    ),
    "URGENT_RESEND_MINUTES": integer(
        "URGENT_RESEND_MINUTES", 15, "unacknowledged urgent alerts are pushed to staff again after this"
    ),
    "WEBHOOK_TIMEOUT_SECONDS": number(
        "WEBHOOK_TIMEOUT_SECONDS", 5.0, "total time one webhook delivery may take (connect, send, answer)"
    ),
    "WEBHOOK_MAX_RESPONSE_BYTES": integer(
        "WEBHOOK_MAX_RESPONSE_BYTES", 4096, "at most this much of a webhook's answer is read"
    ),
    "WEBHOOK_SLOTS_PER_CLINIC": integer(
        "WEBHOOK_SLOTS_PER_CLINIC", 2, "webhook deliveries one clinic may have open at once"
    ),
    "WEBHOOK_MAX_IN_FLIGHT": integer("WEBHOOK_MAX_IN_FLIGHT", 16, "webhook deliveries open at once across clinics"),
    "WEBHOOK_PASS_BUDGET_SECONDS": number(
        "WEBHOOK_PASS_BUDGET_SECONDS", 30.0, "a webhook pass starts no delivery after this long"
    ),
    "WEBHOOK_BREAKER_FAILURES": integer(
        "WEBHOOK_BREAKER_FAILURES", 5, "failures in a row before a clinic's webhook endpoint is paused"
    ),
    "WEBHOOK_BREAKER_PAUSE_SECONDS": number(
        "WEBHOOK_BREAKER_PAUSE_SECONDS", 300.0, "first pause of a failing webhook endpoint (then doubling)"
    ),
    "WEBHOOK_BREAKER_MAX_PAUSE_SECONDS": number(
        "WEBHOOK_BREAKER_MAX_PAUSE_SECONDS", 3600.0, "longest pause of a failing webhook endpoint"
    ),
    "WEBHOOK_DNS_TIMEOUT_SECONDS": number(
        "WEBHOOK_DNS_TIMEOUT_SECONDS", 2.0, "how long a webhook host's DNS lookup may take"
    ),
    "WEBHOOK_ALLOW_PRIVATE": flag(
        "WEBHOOK_ALLOW_PRIVATE", False, "development and tests only: webhooks to private addresses, plain http"
    ),
    "WEBHOOK_CA_FILE": text(
        "WEBHOOK_CA_FILE", None, "extra CA bundle trusted for webhook TLS (the system store otherwise)"
    ),
    "RATELIMIT_STORAGE_URI": text(
        "RATELIMIT_STORAGE_URI", "memory://", "where rate-limit counters live; `redis://...` shares them"
    ),
    "RATELIMIT_ENABLED": flag("RATELIMIT_ENABLED", True, "rate limits on or off"),
    "RATELIMIT_SIGNIN_FAILURES": text(
        "RATELIMIT_SIGNIN_FAILURES", "10 per minute; 100 per day", "failed sign-ins per client address"
    ),
    "RATELIMIT_CHECKINS": text("RATELIMIT_CHECKINS", "5 per minute; 50 per day", "check-ins per patient token"),
    "RATELIMIT_PATIENT_WRITES": text(
        "RATELIMIT_PATIENT_WRITES", "30 per minute", "writes to `/v1/me...` per patient token"
    ),
    "RATELIMIT_API_KEY": text("RATELIMIT_API_KEY", "600 per minute", "requests per clinic API key"),
    "RATELIMIT_PATIENT": text("RATELIMIT_PATIENT", "300 per minute", "every request per patient token"),
    "MAX_API_KEYS": integer("MAX_API_KEYS", 20, "live (unrevoked) API keys one clinic may hold"),
    "AUDIT_RETENTION_DAYS": integer(
        "AUDIT_RETENTION_DAYS", 2190, "audit entries are kept this long (6 years), then pruned"
    ),
    "RETENTION_MONTHS": integer(
        "RETENTION_MONTHS", 24, "finished reminders and their deliveries are kept this long (at least 13), then removed"
    ),
    "PARTITION_IDS": integer(
        "PARTITION_IDS", 1_000_000, "PostgreSQL: ids per partition of reminders and the audit log (a month's at most)"
    ),
    "TRUSTED_PROXIES": integer(
        "TRUSTED_PROXIES", 0, "proxies in front whose X-Forwarded-For and -Proto are trusted (0: none)"
    ),
    "OPS_TOKEN": text("OPS_TOKEN", None, "bearer token for /metrics and the detailed /healthz (else loopback only)"),
    "HEARTBEAT_STALE_SECONDS": integer(
        "HEARTBEAT_STALE_SECONDS", 60, "/healthz calls a dispatcher stale after this without a pass"
    ),
    "SECRET_KEY": text("SECRET_KEY", _SECRET, "signs console session cookies; the same value on every host"),
    "CONSOLE_IDLE_MINUTES": integer("CONSOLE_IDLE_MINUTES", 30, "a console session unused this long signs out"),
    "CONSOLE_MAX_HOURS": number(
        "CONSOLE_MAX_HOURS", 12.0, "a console session ends this long after sign-in, however busy it is"
    ),
    "INVITE_TTL_HOURS": number("INVITE_TTL_HOURS", 72.0, "a staff member's one-time (invitation) password expires"),
    "SIGNIN_ACCOUNT_FREE_FAILURES": integer(
        "SIGNIN_ACCOUNT_FREE_FAILURES", 5, "wrong passwords per account before each try must wait (15 s, doubling)"
    ),
    "SIGNIN_ACCOUNT_MAX_DELAY_SECONDS": integer(
        "SIGNIN_ACCOUNT_MAX_DELAY_SECONDS", 900, "the longest wait between sign-in tries of one account"
    ),
    "FORCE_HTTPS": flag(
        "FORCE_HTTPS", False, "TLS ends here or at a trusted proxy: Secure cookies, HSTS, http redirected to https"
    ),
    "DEFAULT_COUNTRY": text(
        "DEFAULT_COUNTRY", "ES", "a new clinic's country (ISO 3166 alpha-2): patients' numbers without + read in it"
    ),
    "SMTP_URL": text(
        "SMTP_URL",
        None,
        "e-mail server, `smtp://user:pass@host:587` (STARTTLS) or `smtps://`; unset: e-mail to the log",
    ),
    "EMAIL_FROM": text("EMAIL_FROM", "aftercare@localhost", "sender address of the e-mails to patients"),
    "TWILIO_ACCOUNT_SID": text("TWILIO_ACCOUNT_SID", None, "Twilio account SID; with the token it turns SMS on"),
    "TWILIO_AUTH_TOKEN": text("TWILIO_AUTH_TOKEN", None, "Twilio auth token (Basic auth of the Messages API)"),
    "TWILIO_FROM": text("TWILIO_FROM", None, "Twilio number the SMS come from (E.164)"),
    "TWILIO_MESSAGING_SERVICE_SID": text(
        "TWILIO_MESSAGING_SERVICE_SID", None, "Twilio messaging service to send through instead of one number"
    ),
    "TWILIO_BASE_URL": text("TWILIO_BASE_URL", "https://api.twilio.com", "Twilio API base URL (tests: a local fake)"),
    "SIGN_IN_LINK_TTL_DAYS": integer(
        "SIGN_IN_LINK_TTL_DAYS", 7, "lifetime of a one-time sign-in link sent by SMS/e-mail"
    ),
    "FALLBACK_AFTER_MINUTES": number(
        "FALLBACK_AFTER_MINUTES",
        120.0,
        "a must-see push still unopened this long after sending is followed by SMS/e-mail",
    ),
}

# Flask and extension settings that are not meant to change per deployment.
FIXED: dict[str, Any] = {
    # A pooled connection that died with a database restart is replaced before use,
    # so the first request after the restart does not fail.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    # Clinic console: a signed browser-session cookie (HttpOnly, SameSite=Lax, Secure over https)
    # holding a random session id; the session itself is a row on the server.
    "SESSION_COOKIE_NAME": "companion_console",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session (idle timeout)
    # flask-smorest / OpenAPI
    "API_TITLE": "Aftercare Companion",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",  # served from the flask-swagger-ui package: no CDN
    "OPENAPI_REDOC_PATH": None,
    "JSON_SORT_KEYS": False,
}


def from_environment(instance_path: str) -> dict[str, Any]:
    values = {key: setting.value(instance_path) for key, setting in SETTINGS.items()}
    values["SQLALCHEMY_DATABASE_URI"] = _sqlalchemy_url(values["SQLALCHEMY_DATABASE_URI"])
    values["SESSION_COOKIE_SECURE"] = values["FORCE_HTTPS"]
    values["PUBLIC_URL"] = values["PUBLIC_URL"].rstrip("/")
    return values | FIXED
