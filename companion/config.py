"""Settings from COMPANION_* environment variables, each declared once in SETTINGS.

Every setting has a default that works on a fresh machine: an SQLite file in the
instance folder and the log push sender. docs/configuration.md is generated from
SETTINGS (`python -m companion.config_docs > docs/configuration.md`), so a new setting
is one entry there, with its one-line description, and nowhere else.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.push import vapid
from companion.push.base import DEFAULT_IN_FLIGHT

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "COMPANION_"
TRUE_WORDS = ("1", "true", "yes", "on")


def _read(name: str) -> str | None:
    """The variable's text; an empty value counts as unset."""
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else None


@dataclass(frozen=True)
class Setting:
    """One COMPANION_* variable: its name, type, default and what it changes."""

    name: str  # without the COMPANION_ prefix
    kind: type  # str, int, float or bool
    default: Any  # a value, or a Computed default
    doc: str  # one line, shown in docs/configuration.md

    @property
    def variable(self) -> str:
        return PREFIX + self.name

    def value(self, instance_path: str) -> Any:
        text = _read(self.name)
        if text is None:
            return self.default(instance_path) if isinstance(self.default, Computed) else self.default
        if self.kind is bool:
            return text.strip().lower() in TRUE_WORDS
        return self.kind(text)


@dataclass(frozen=True)
class Computed:
    """A default worked out at start-up (from the instance folder or other variables); `shown` is how docs read it."""

    compute: Callable[[str], Any]
    shown: str

    def __call__(self, instance_path: str) -> Any:
        return self.compute(instance_path)


def _env(name: str, default: Any = None, doc: str = "") -> Setting:
    return Setting(name, str, default, doc)


def _int(name: str, default: int | Computed, doc: str = "") -> Setting:
    return Setting(name, int, default, doc)


def _float(name: str, default: float | Computed, doc: str = "") -> Setting:
    return Setting(name, float, default, doc)


def _bool(name: str, default: bool, doc: str = "") -> Setting:
    return Setting(name, bool, default, doc)


def _sqlalchemy_url(url: str) -> str:
    """Accept plain postgres URLs and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def firebase_credentials_path() -> str | None:
    return _read("FIREBASE_CREDENTIALS") or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or None


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
    lambda _: "webpush" if _read("VAPID_SUBJECT") else "log",
    "`webpush` once `COMPANION_VAPID_SUBJECT` is set, else `log`",
)

# app.config key -> the variable that sets it. Keep to one line of description each; the order is the docs' order.
SETTINGS: dict[str, Setting] = {
    "SQLALCHEMY_DATABASE_URI": _env(
        "DATABASE_URL", _SQLITE_FILE, "database URL, e.g. `postgresql://user@host/db` (psycopg 3)"
    ),
    "MAX_CONTENT_LENGTH": _int("MAX_BODY_BYTES", 64 * 1024, "request bodies larger than this get 413"),
    "SCHEDULES_DIR": _env("SCHEDULES_DIR", _SCHEDULES, "folder of the protocol files"),
    "ENROLLMENT_CODE_TTL_HOURS": _int("ENROLLMENT_CODE_TTL_HOURS", 72, "lifetime of a one-time enrollment code"),
    "PATIENT_TOKEN_IDLE_DAYS": _int("PATIENT_TOKEN_IDLE_DAYS", 90, "a patient token unused this long stops working"),
    "MAX_DEVICES_PER_PATIENT": _int(
        "MAX_DEVICES_PER_PATIENT", 5, "active phones and browsers per patient; one more retires the oldest"
    ),
    "PUBLIC_URL": _env(
        "PUBLIC_URL", "http://127.0.0.1:8000", "where patients reach this server (join links, hand-out QR codes)"
    ),
    "PUSH_BACKEND": _env("PUSH_BACKEND", _BACKEND, "push sender: `fcm` or `log` (pushes written to the log)"),
    "FIREBASE_CREDENTIALS": _env(
        "FIREBASE_CREDENTIALS", _CREDENTIALS, "service-account JSON key of the Firebase project"
    ),
    "FCM_ENDPOINT": _env("FCM_ENDPOINT", None, "FCM base URL instead of Google's (tests point it at a local fake)"),
    "FCM_TIMEOUT_SECONDS": _float(
        "FCM_TIMEOUT_SECONDS", 10.0, "total time for one FCM request; past it, retried later"
    ),
    "FCM_MAX_IN_FLIGHT": _int("FCM_MAX_IN_FLIGHT", DEFAULT_IN_FLIGHT, "FCM requests one dispatcher has open at once"),
    "FCM_MAX_CONNECTIONS": _int(
        "FCM_MAX_CONNECTIONS", DEFAULT_IN_FLIGHT, "keep-alive connections a dispatcher holds to FCM"
    ),
    "WEBPUSH_BACKEND": _env("WEBPUSH_BACKEND", _WEBPUSH_BACKEND, "browser push sender: `webpush` or `log`"),
    "VAPID_PRIVATE_KEY": _env(
        "VAPID_PRIVATE_KEY",
        _VAPID_KEY,
        "Web Push signing key (PEM or raw); the same on every host, never casually rotated",
    ),
    "VAPID_SUBJECT": _env(
        "VAPID_SUBJECT", None, "contact for push services (`mailto:` or `https:`); setting it turns Web Push on"
    ),
    "WEBPUSH_ALLOWED_HOSTS": _env(
        "WEBPUSH_ALLOWED_HOSTS",
        None,
        "push-service hosts accepted for subscriptions, comma-separated (`*.x` = subdomains)",
    ),
    "WEBPUSH_ALLOW_PRIVATE": _bool(
        "WEBPUSH_ALLOW_PRIVATE", False, "development and tests only: http and loopback push endpoints"
    ),
    "WEBPUSH_TIMEOUT_SECONDS": _float("WEBPUSH_TIMEOUT_SECONDS", 10.0, "total time for one Web Push request"),
    "WEBPUSH_MAX_IN_FLIGHT": _int(
        "WEBPUSH_MAX_IN_FLIGHT", DEFAULT_IN_FLIGHT, "Web Push requests one dispatcher has open at once"
    ),
    "WEBPUSH_MAX_CONNECTIONS": _int(
        "WEBPUSH_MAX_CONNECTIONS", DEFAULT_IN_FLIGHT, "keep-alive connections a dispatcher holds to push services"
    ),
    "ANDROID_CHANNEL_ID": _env(
        "ANDROID_CHANNEL_ID", "aftercare", "Android notification channel the app makes for reminders"
    ),
    "DISPATCH_INTERVAL_SECONDS": _float(
        "DISPATCH_INTERVAL_SECONDS", 1.0, "how often a dispatcher looks for due reminders"
    ),
    "DISPATCH_BATCH_SIZE": _int(
        "DISPATCH_BATCH_SIZE", 500, "most reminders one dispatcher holds at once (claimed in halves)"
    ),
    "DISPATCH_LEASE_SECONDS": _int(
        "DISPATCH_LEASE_SECONDS", 120, "after this, a dead dispatcher's claimed rows go to another"
    ),
    "DISPATCH_PASS_BUDGET_SECONDS": _float(
        "DISPATCH_PASS_BUDGET_SECONDS", 5.0, "a pass stops claiming after this long"
    ),
    "PUSH_BUNDLE_WINDOW_MINUTES": _float(
        "PUSH_BUNDLE_WINDOW_MINUTES", 10.0, "a patient's reminders due this close go as one push"
    ),
    "RETRY_BASE_SECONDS": _float(
        "RETRY_BASE_SECONDS", 5.0, "first wait of the exponential backoff for transient push errors"
    ),
    "RETRY_MAX_SECONDS": _float("RETRY_MAX_SECONDS", 900.0, "longest wait of that backoff"),
    "QUOTA_BACKOFF_SECONDS": _float(
        "QUOTA_BACKOFF_SECONDS", 60.0, "least wait after FCM QUOTA_EXCEEDED without Retry-After"
    ),
    "URGENT_RESEND_MINUTES": _int(
        "URGENT_RESEND_MINUTES", 15, "unacknowledged urgent alerts are pushed to staff again after this"
    ),
    "WEBHOOK_TIMEOUT_SECONDS": _float(
        "WEBHOOK_TIMEOUT_SECONDS", 5.0, "total time one webhook delivery may take (connect, send, answer)"
    ),
    "WEBHOOK_MAX_RESPONSE_BYTES": _int(
        "WEBHOOK_MAX_RESPONSE_BYTES", 4096, "at most this much of a webhook's answer is read"
    ),
    "WEBHOOK_SLOTS_PER_CLINIC": _int(
        "WEBHOOK_SLOTS_PER_CLINIC", 2, "webhook deliveries one clinic may have open at once"
    ),
    "WEBHOOK_MAX_IN_FLIGHT": _int("WEBHOOK_MAX_IN_FLIGHT", 16, "webhook deliveries open at once across clinics"),
    "WEBHOOK_PASS_BUDGET_SECONDS": _float(
        "WEBHOOK_PASS_BUDGET_SECONDS", 30.0, "a webhook pass starts no delivery after this long"
    ),
    "WEBHOOK_BREAKER_FAILURES": _int(
        "WEBHOOK_BREAKER_FAILURES", 5, "failures in a row before a clinic's webhook endpoint is paused"
    ),
    "WEBHOOK_BREAKER_PAUSE_SECONDS": _float(
        "WEBHOOK_BREAKER_PAUSE_SECONDS", 300.0, "first pause of a failing webhook endpoint (then doubling)"
    ),
    "WEBHOOK_BREAKER_MAX_PAUSE_SECONDS": _float(
        "WEBHOOK_BREAKER_MAX_PAUSE_SECONDS", 3600.0, "longest pause of a failing webhook endpoint"
    ),
    "WEBHOOK_DNS_TIMEOUT_SECONDS": _float(
        "WEBHOOK_DNS_TIMEOUT_SECONDS", 2.0, "how long a webhook host's DNS lookup may take"
    ),
    "WEBHOOK_ALLOW_PRIVATE": _bool(
        "WEBHOOK_ALLOW_PRIVATE", False, "development and tests only: webhooks to private addresses, plain http"
    ),
    "WEBHOOK_CA_FILE": _env(
        "WEBHOOK_CA_FILE", None, "extra CA bundle trusted for webhook TLS (the system store otherwise)"
    ),
    "RATELIMIT_STORAGE_URI": _env(
        "RATELIMIT_STORAGE_URI", "memory://", "where rate-limit counters live; `redis://...` shares them"
    ),
    "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True, "rate limits on or off"),
    "RATELIMIT_SIGNIN_FAILURES": _env(
        "RATELIMIT_SIGNIN_FAILURES", "10 per minute; 100 per day", "failed sign-ins per client address"
    ),
    "RATELIMIT_CHECKINS": _env("RATELIMIT_CHECKINS", "5 per minute; 50 per day", "check-ins per patient token"),
    "RATELIMIT_PATIENT_WRITES": _env(
        "RATELIMIT_PATIENT_WRITES", "30 per minute", "writes to `/v1/me...` per patient token"
    ),
    "RATELIMIT_API_KEY": _env("RATELIMIT_API_KEY", "600 per minute", "requests per clinic API key"),
    "RATELIMIT_PATIENT": _env("RATELIMIT_PATIENT", "300 per minute", "every request per patient token"),
    "MAX_API_KEYS": _int("MAX_API_KEYS", 20, "live (unrevoked) API keys one clinic may hold"),
    "AUDIT_RETENTION_DAYS": _int(
        "AUDIT_RETENTION_DAYS", 2190, "audit entries are kept this long (6 years), then pruned"
    ),
    "TRUSTED_PROXIES": _int(
        "TRUSTED_PROXIES", 0, "proxies in front whose X-Forwarded-For and -Proto are trusted (0: none)"
    ),
    "OPS_TOKEN": _env("OPS_TOKEN", None, "bearer token for /metrics and the detailed /healthz (else loopback only)"),
    "HEARTBEAT_STALE_SECONDS": _int(
        "HEARTBEAT_STALE_SECONDS", 60, "/healthz calls a dispatcher stale after this without a pass"
    ),
    "SECRET_KEY": _env("SECRET_KEY", _SECRET, "signs console session cookies; the same value on every host"),
    "CONSOLE_IDLE_MINUTES": _int("CONSOLE_IDLE_MINUTES", 30, "a console session unused this long signs out"),
    "CONSOLE_MAX_HOURS": _float(
        "CONSOLE_MAX_HOURS", 12.0, "a console session ends this long after sign-in, however busy it is"
    ),
    "INVITE_TTL_HOURS": _float("INVITE_TTL_HOURS", 72.0, "a staff member's one-time (invitation) password expires"),
    "SIGNIN_ACCOUNT_FREE_FAILURES": _int(
        "SIGNIN_ACCOUNT_FREE_FAILURES", 5, "wrong passwords per account before each try must wait (15 s, doubling)"
    ),
    "SIGNIN_ACCOUNT_MAX_DELAY_SECONDS": _int(
        "SIGNIN_ACCOUNT_MAX_DELAY_SECONDS", 900, "the longest wait between sign-in tries of one account"
    ),
    "FORCE_HTTPS": _bool(
        "FORCE_HTTPS", False, "TLS ends here or at a trusted proxy: Secure cookies, HSTS, http redirected to https"
    ),
    "DEFAULT_COUNTRY": _env(
        "DEFAULT_COUNTRY", "ES", "a new clinic's country (ISO 3166 alpha-2): patients' numbers without + read in it"
    ),
    "SMTP_URL": _env(
        "SMTP_URL",
        None,
        "e-mail server, `smtp://user:pass@host:587` (STARTTLS) or `smtps://`; unset: e-mail to the log",
    ),
    "EMAIL_FROM": _env("EMAIL_FROM", "aftercare@localhost", "sender address of the e-mails to patients"),
    "TWILIO_ACCOUNT_SID": _env("TWILIO_ACCOUNT_SID", None, "Twilio account SID; with the token it turns SMS on"),
    "TWILIO_AUTH_TOKEN": _env("TWILIO_AUTH_TOKEN", None, "Twilio auth token (Basic auth of the Messages API)"),
    "TWILIO_FROM": _env("TWILIO_FROM", None, "Twilio number the SMS come from (E.164)"),
    "TWILIO_MESSAGING_SERVICE_SID": _env(
        "TWILIO_MESSAGING_SERVICE_SID", None, "Twilio messaging service to send through instead of one number"
    ),
    "TWILIO_BASE_URL": _env("TWILIO_BASE_URL", "https://api.twilio.com", "Twilio API base URL (tests: a local fake)"),
    "SIGN_IN_LINK_TTL_DAYS": _int("SIGN_IN_LINK_TTL_DAYS", 7, "lifetime of a one-time sign-in link sent by SMS/e-mail"),
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
