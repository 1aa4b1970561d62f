"""Finding 6: one patient keeps at most COMPANION_MAX_DEVICES_PER_PATIENT active devices; a new
one retires the least recently registered, and the cap holds when registrations race."""

from __future__ import annotations

import threading

import pytest

from companion.devices.models import Device
from companion.extensions import db
from tests.factories import create_clinic, enroll, sign_in


def _patient(app, client):
    clinic = create_clinic(app)
    return sign_in(client, enroll(client, clinic)["enrollment_code"])


def _active(app) -> list[str]:
    with app.app_context():
        query = db.select(Device.identifier).where(Device.active.is_(True)).order_by(Device.id)
        return list(db.session.scalars(query))


def test_registering_past_the_cap_retires_the_oldest(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_DEVICES_PER_PATIENT", 3)
    me = _patient(app, client)
    for n in range(5):
        answer = client.post("/v1/me/devices", json={"fid": f"phone-{n}", "platform": "android"}, headers=me)
        assert answer.status_code == 201
    assert _active(app) == ["phone-2", "phone-3", "phone-4"]
    with app.app_context():
        retired = db.session.scalar(db.select(Device).where(Device.identifier == "phone-0"))
        assert retired.deactivated_reason == "replaced_by_newer"
    # re-registering a retired phone brings it back and retires the now-oldest one
    assert client.post("/v1/me/devices", json={"fid": "phone-0", "platform": "android"}, headers=me).status_code == 201
    assert _active(app) == ["phone-0", "phone-3", "phone-4"]


def test_the_default_cap_is_five(app):
    assert app.config["MAX_DEVICES_PER_PATIENT"] == 5


def _race(app, me, round_: int) -> list[int]:
    start = threading.Barrier(8)
    statuses: list[int] = []

    def register(n: int) -> None:
        client = app.test_client()
        start.wait()
        body = {"fid": f"racer-{round_}-{n}", "platform": "ios"}
        statuses.append(client.post("/v1/me/devices", json=body, headers=me).status_code)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_cap_holds_under_concurrent_registrations(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_DEVICES_PER_PATIENT", 2)
    me = _patient(app, app.test_client())
    for round_ in range(3):  # overlapping transactions do not line up every time: race a few rounds
        assert sorted(_race(app, me, round_)) == [201] * 8
        assert len(_active(app)) == 2


@pytest.mark.postgres("registrations in transactions that really overlap; SQLite runs one writer at a time")
def test_cap_holds_under_concurrent_registrations_on_postgres(app, monkeypatch):
    """The same race where transactions really overlap (row lock on the patient)."""
    test_cap_holds_under_concurrent_registrations(app, monkeypatch)
