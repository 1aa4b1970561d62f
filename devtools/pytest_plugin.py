"""Fixtures for the real FCM and Web Push senders against the fake FCM v1 server and push service.

Registered for the whole suite by `pytest_plugins` in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.fcm_server import FakeFcmServer
from devtools.push_service import FakePushService
from devtools.service_account import DEFAULT_PROJECT, write_service_account


@pytest.fixture
def fake_fcm() -> Iterator[FakeFcmServer]:
    """A fresh server per test: injected faults and counters never leak between tests."""
    with FakeFcmServer() as server:
        yield server


@pytest.fixture
def fcm_credentials(fake_fcm: FakeFcmServer, tmp_path: Path) -> Path:
    return write_service_account(tmp_path / "service-account.json", fake_fcm.token_uri, DEFAULT_PROJECT)


@pytest.fixture
def fcm_config(fake_fcm: FakeFcmServer, fcm_credentials: Path) -> dict[str, Any]:
    """App config keys that point the fcm backend at the fake."""
    return {
        "PUSH_BACKEND": "fcm",
        "FIREBASE_CREDENTIALS": str(fcm_credentials),
        "FCM_ENDPOINT": fake_fcm.url,
        "FCM_TIMEOUT_SECONDS": 2.0,
        "ANDROID_CHANNEL_ID": "aftercare",
    }


@pytest.fixture
def fake_push() -> Iterator[FakePushService]:
    """A browser push service on 127.0.0.1, fresh per test."""
    with FakePushService() as service:
        yield service


@pytest.fixture(scope="session")
def vapid_private_key() -> str:
    from py_vapid import Vapid02

    vapid = Vapid02()
    vapid.generate_keys()
    return vapid.private_pem().decode()


@pytest.fixture
def webpush_config(vapid_private_key: str) -> dict[str, Any]:
    """App config keys that send browser pushes for real, to endpoints on loopback (the fake)."""
    return {
        "WEBPUSH_BACKEND": "webpush",
        "VAPID_PRIVATE_KEY": vapid_private_key,
        "VAPID_SUBJECT": "mailto:ops@clinic.example",
        "WEBPUSH_ALLOW_PRIVATE": True,
        "WEBPUSH_TIMEOUT_SECONDS": 2.0,
    }
