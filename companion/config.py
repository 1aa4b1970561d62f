"""Settings from COMPANION_* environment variables.

Every knob has a default that works on a fresh machine: an SQLite file in the
instance folder and the log push sender.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from companion.push import vapid
from companion.push.base import DEFAULT_IN_FLIGHT

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"COMPANION_{name}")
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))  # type: ignore[arg-type]


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))  # type: ignore[arg-type]


def _bool(name: str, default: bool) -> bool:
    return (_env(name, "1" if default else "0") or "").strip().lower() in ("1", "true", "yes", "on")


def _sqlalchemy_url(url: str) -> str:
    """Accept plain postgres URLs and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def firebase_credentials_path() -> str | None:
    return _env("FIREBASE_CREDENTIALS") or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or None


def _secret_key(instance_path: str) -> str:
    """COMPANION_SECRET_KEY, else one generated once into the instance folder, so every
    worker (and a restart) signs console sessions with the same key."""
    configured = _env("SECRET_KEY")
    if configured:
        return configured
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        except FileExistsError:  # another worker wrote it first
            pass
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict[str, Any]:
    default_db = f"sqlite:///{Path(instance_path) / 'companion.db'}"
    credentials = firebase_credentials_path()
    return {
        "SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(_env("DATABASE_URL", default_db)),  # type: ignore[arg-type]
        # A pooled connection that died with a database restart is replaced before use,
        # so the first request after the restart does not fail.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "MAX_CONTENT_LENGTH": _int("MAX_BODY_BYTES", 64 * 1024),
        "SCHEDULES_DIR": _env("SCHEDULES_DIR", str(PROJECT_ROOT / "schedules")),
        "ENROLLMENT_CODE_TTL_HOURS": _int("ENROLLMENT_CODE_TTL_HOURS", 72),
        "PATIENT_TOKEN_IDLE_DAYS": _int("PATIENT_TOKEN_IDLE_DAYS", 90),
        "PUSH_BACKEND": _env("PUSH_BACKEND", "fcm" if credentials else "log"),
        "FIREBASE_CREDENTIALS": credentials,
        "FCM_ENDPOINT": _env("FCM_ENDPOINT"),
        "FCM_TIMEOUT_SECONDS": _float("FCM_TIMEOUT_SECONDS", 10.0),
        "FCM_MAX_IN_FLIGHT": _int("FCM_MAX_IN_FLIGHT", DEFAULT_IN_FLIGHT),
        "FCM_MAX_CONNECTIONS": _int("FCM_MAX_CONNECTIONS", DEFAULT_IN_FLIGHT),
        "ANDROID_CHANNEL_ID": _env("ANDROID_CHANNEL_ID", "aftercare"),
        # Web Push (browsers): sent for real once a VAPID contact is set, else to the log.
        "WEBPUSH_BACKEND": _env("WEBPUSH_BACKEND", "webpush" if _env("VAPID_SUBJECT") else "log"),
        "VAPID_PRIVATE_KEY": _env("VAPID_PRIVATE_KEY") or vapid.instance_private_key(instance_path),
        "VAPID_SUBJECT": _env("VAPID_SUBJECT"),  # mailto:ops@clinic.example or https://clinic.example
        "WEBPUSH_ALLOWED_HOSTS": _env("WEBPUSH_ALLOWED_HOSTS"),  # comma-separated; "*.example" = any subdomain
        # Development and tests only: push endpoints on loopback/private addresses, over http too.
        "WEBPUSH_ALLOW_PRIVATE": _bool("WEBPUSH_ALLOW_PRIVATE", False),
        "WEBPUSH_TIMEOUT_SECONDS": _float("WEBPUSH_TIMEOUT_SECONDS", 10.0),
        "WEBPUSH_MAX_IN_FLIGHT": _int("WEBPUSH_MAX_IN_FLIGHT", DEFAULT_IN_FLIGHT),
        "WEBPUSH_MAX_CONNECTIONS": _int("WEBPUSH_MAX_CONNECTIONS", DEFAULT_IN_FLIGHT),
        "DISPATCH_INTERVAL_SECONDS": _float("DISPATCH_INTERVAL_SECONDS", 1.0),
        "DISPATCH_BATCH_SIZE": _int("DISPATCH_BATCH_SIZE", 500),
        "DISPATCH_LEASE_SECONDS": _int("DISPATCH_LEASE_SECONDS", 120),
        "DISPATCH_PASS_BUDGET_SECONDS": _float("DISPATCH_PASS_BUDGET_SECONDS", 5.0),
        "PUSH_BUNDLE_WINDOW_MINUTES": _float("PUSH_BUNDLE_WINDOW_MINUTES", 10.0),
        "RETRY_BASE_SECONDS": _float("RETRY_BASE_SECONDS", 5.0),
        "RETRY_MAX_SECONDS": _float("RETRY_MAX_SECONDS", 900.0),
        "QUOTA_BACKOFF_SECONDS": _float("QUOTA_BACKOFF_SECONDS", 60.0),
        "URGENT_RESEND_MINUTES": _int("URGENT_RESEND_MINUTES", 15),
        # Total time one webhook delivery may take (connect, send, answer), not per read.
        "WEBHOOK_TIMEOUT_SECONDS": _float("WEBHOOK_TIMEOUT_SECONDS", 5.0),
        "WEBHOOK_MAX_RESPONSE_BYTES": _int("WEBHOOK_MAX_RESPONSE_BYTES", 4096),
        # Development and tests only: webhook targets on loopback/private addresses (and plain http to them).
        "WEBHOOK_ALLOW_PRIVATE": _bool("WEBHOOK_ALLOW_PRIVATE", False),
        "WEBHOOK_CA_FILE": _env("WEBHOOK_CA_FILE"),  # extra CA bundle to trust (system store otherwise)
        # Rate limits (Flask-Limiter syntax). Memory storage per process unless a Redis URI is given.
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_SIGNIN_FAILURES": _env("RATELIMIT_SIGNIN_FAILURES", "10 per minute; 100 per day"),
        "RATELIMIT_CHECKINS": _env("RATELIMIT_CHECKINS", "5 per minute; 50 per day"),
        "RATELIMIT_PATIENT_WRITES": _env("RATELIMIT_PATIENT_WRITES", "30 per minute"),
        "RATELIMIT_API_KEY": _env("RATELIMIT_API_KEY", "600 per minute"),
        # Proxies in front of the API whose X-Forwarded-For is trusted (0: clients connect directly).
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # /metrics and the detailed /healthz: loopback callers, or this bearer token.
        "OPS_TOKEN": _env("OPS_TOKEN"),
        "HEARTBEAT_STALE_SECONDS": _int("HEARTBEAT_STALE_SECONDS", 60),
        # Clinic console: signed session cookies (HttpOnly, SameSite=Lax, Secure over https).
        "SECRET_KEY": _secret_key(instance_path),
        "CONSOLE_IDLE_MINUTES": _int("CONSOLE_IDLE_MINUTES", 30),
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
