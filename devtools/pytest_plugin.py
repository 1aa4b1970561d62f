"""Fixtures for the real FCM sender against the fake FCM v1 server.

Registered for the whole suite by `pytest_plugins` in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.fcm_server import FakeFcmServer
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
