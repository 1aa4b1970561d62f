"""Settings from COMPANION_* environment variables.

Every knob has a default that works on a fresh machine: an SQLite file in the
instance folder and the log push sender.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"COMPANION_{name}")
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))  # type: ignore[arg-type]


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))  # type: ignore[arg-type]


def _sqlalchemy_url(url: str) -> str:
    """Accept plain postgres URLs and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def firebase_credentials_path() -> str | None:
    return _env("FIREBASE_CREDENTIALS") or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or None


def from_environment(instance_path: str) -> dict[str, Any]:
    default_db = f"sqlite:///{Path(instance_path) / 'companion.db'}"
    credentials = firebase_credentials_path()
    return {
        "SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(_env("DATABASE_URL", default_db)),  # type: ignore[arg-type]
        # A pooled connection that died with a database restart is replaced before use,
        # so the first request after the restart does not fail.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": _int("MAX_BODY_BYTES", 64 * 1024),
        "SCHEDULES_DIR": _env("SCHEDULES_DIR", str(PROJECT_ROOT / "schedules")),
        "ENROLLMENT_CODE_TTL_HOURS": _int("ENROLLMENT_CODE_TTL_HOURS", 72),
        "PUSH_BACKEND": _env("PUSH_BACKEND", "fcm" if credentials else "log"),
        "FIREBASE_CREDENTIALS": credentials,
        "FCM_ENDPOINT": _env("FCM_ENDPOINT"),
        "FCM_TIMEOUT_SECONDS": _float("FCM_TIMEOUT_SECONDS", 10.0),
        "ANDROID_CHANNEL_ID": _env("ANDROID_CHANNEL_ID", "aftercare"),
        "DISPATCH_INTERVAL_SECONDS": _float("DISPATCH_INTERVAL_SECONDS", 1.0),
        "DISPATCH_BATCH_SIZE": _int("DISPATCH_BATCH_SIZE", 500),
        "DISPATCH_LEASE_SECONDS": _int("DISPATCH_LEASE_SECONDS", 120),
        "DISPATCH_PASS_BUDGET_SECONDS": _float("DISPATCH_PASS_BUDGET_SECONDS", 5.0),
        "RETRY_BASE_SECONDS": _float("RETRY_BASE_SECONDS", 5.0),
        "RETRY_MAX_SECONDS": _float("RETRY_MAX_SECONDS", 900.0),
        "QUOTA_BACKOFF_SECONDS": _float("QUOTA_BACKOFF_SECONDS", 60.0),
        "URGENT_RESEND_MINUTES": _int("URGENT_RESEND_MINUTES", 15),
        "WEBHOOK_TIMEOUT_SECONDS": _float("WEBHOOK_TIMEOUT_SECONDS", 5.0),
        "HEARTBEAT_STALE_SECONDS": _int("HEARTBEAT_STALE_SECONDS", 60),
        # flask-smorest / OpenAPI
        "API_TITLE": "Aftercare Companion",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        "OPENAPI_REDOC_PATH": None,
        "JSON_SORT_KEYS": False,
    }
