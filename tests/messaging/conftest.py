import pytest

from tests.messaging.helpers import TWILIO_CONFIG


@pytest.fixture(autouse=True)
def twilio_configured(request, monkeypatch):
    """SMS configured: the hooks check signatures with this account's auth token."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        for key, value in TWILIO_CONFIG.items():
            monkeypatch.setitem(app.config, key, value)
