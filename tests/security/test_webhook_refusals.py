"""Finding 8: a refused webhook URL tells the clinic only that the address is not allowed,
never what one of our names resolves to, and a slow name server cannot hold the request."""

from __future__ import annotations

import threading
import time

import pytest

from devtools.dns import FakeDns
from tests.factories import create_clinic

DNS = FakeDns({"runsc": ["127.0.0.1"], "intranet.example.test": ["10.1.2.3"], "hooks.example.test": ["93.184.215.14"]})


@pytest.fixture
def dns(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_RESOLVER", DNS)


@pytest.mark.parametrize(
    "url", ["https://runsc/hook", "https://intranet.example.test/hooks", "https://nowhere.example.test/"]
)
def test_refusal_names_no_internal_address(app, client, dns, url):
    clinic = create_clinic(app)
    response = client.patch("/v1/clinic", json={"webhook_url": url}, headers=clinic["headers"])
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert response.get_json()["error"]["fields"]["webhook_url"] == ["This address is not allowed."]
    for leak in ("127.0.0.1", "10.1.2.3", "resolves", "loopback", "private"):
        assert leak not in body


class HangingDns:
    """A name server that never answers until released (the network edge, misbehaving)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, host: str, port: int) -> list[str]:
        self.release.wait(30)
        return ["93.184.215.14"]


def test_slow_name_server_cannot_hold_the_request(app, client, monkeypatch):
    hanging = HangingDns()
    monkeypatch.setitem(app.config, "WEBHOOK_RESOLVER", hanging)
    monkeypatch.setitem(app.config, "WEBHOOK_DNS_TIMEOUT_SECONDS", 0.5)
    clinic = create_clinic(app)
    started = time.monotonic()
    try:
        response = client.patch(
            "/v1/clinic", json={"webhook_url": "https://slow.example.test/"}, headers=clinic["headers"]
        )
    finally:
        hanging.release.set()
    assert time.monotonic() - started < 3
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["webhook_url"] == ["This address is not allowed."]
    assert client.get("/v1/clinic", headers=clinic["headers"]).get_json()["webhook_url"] is None
