"""The app registers the phone that should receive reminders."""

from datetime import UTC

from tests.factories import create_clinic, enroll, sign_in


def _patient(app, client):
    clinic = create_clinic(app)
    return sign_in(client, enroll(client, clinic)["enrollment_code"])


def test_register_is_idempotent(app, client):
    headers = _patient(app, client)
    first = client.post("/v1/me/devices", json={"fid": "fid-abc", "platform": "android"}, headers=headers)
    second = client.post("/v1/me/devices", json={"fid": "fid-abc", "platform": "android"}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert first.get_json()["kind"] == "fid"


def test_legacy_token_is_recorded_as_token(app, client):
    headers = _patient(app, client)
    body = client.post("/v1/me/devices", json={"token": "legacy:APA91b", "platform": "ios"}, headers=headers).get_json()
    assert body["kind"] == "token" and body["platform"] == "ios"


def test_a_phone_moves_to_a_new_patient_only_after_the_old_one_signs_out(app, client):
    from companion.devices.models import Device
    from companion.extensions import db

    alice, bob = _patient(app, client), _patient(app, client)
    client.post("/v1/me/devices", json={"token": "shared-phone", "platform": "android"}, headers=alice)
    taken = client.post("/v1/me/devices", json={"token": "shared-phone", "platform": "android"}, headers=bob)
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "device_in_use"
    assert client.delete("/v1/patient-sessions/current", headers=alice).status_code == 204
    moved = client.post("/v1/me/devices", json={"token": "shared-phone", "platform": "android"}, headers=bob)
    assert moved.status_code == 201
    bob_id = client.get("/v1/me", headers=bob).get_json()["id"]
    with app.app_context():
        devices = db.session.scalars(db.select(Device).where(Device.identifier == "shared-phone")).all()
        assert [(d.patient_id, d.active) for d in devices] == [(bob_id, True)]


def test_delete_device(app, client):
    headers = _patient(app, client)
    client.post("/v1/me/devices", json={"token": "t/with:odd=chars", "platform": "web"}, headers=headers)
    assert client.delete("/v1/me/devices/t/with:odd=chars", headers=headers).status_code == 204
    assert client.delete("/v1/me/devices/t/with:odd=chars", headers=headers).status_code == 404


def test_bad_device_bodies(app, client):
    headers = _patient(app, client)
    for body in (
        {"platform": "android"},
        {"fid": "a", "token": "b", "platform": "ios"},
        {"fid": "a", "platform": "windows"},
        {"fid": "", "platform": "ios"},
        {"fid": 5, "platform": "ios"},
    ):
        response = client.post("/v1/me/devices", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"]


def test_reminders_that_found_no_phone_go_out_once_one_registers(app, client):
    """The clinic records the session before the app signs in: nothing due meanwhile is lost."""
    from datetime import datetime, timedelta

    from companion.core.clock import clock
    from companion.reminders.dispatch import Dispatcher
    from tests.factories import record_treatment

    clock.freeze(datetime(2026, 11, 20, 9, 30, tzinfo=UTC))  # 10:30 in Madrid
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    record_treatment(client, clinic, patient["id"], performed_at=clock.now() - timedelta(minutes=5))
    clock.advance(timedelta(hours=4))  # 14:30 local: the 14:00 hydration reminder is due
    dispatcher = Dispatcher.from_app(app, name="devices-test")
    with app.app_context():
        assert dispatcher.run_pass().undeliverable >= 1
    headers = sign_in(client, patient["enrollment_code"])

    def states() -> list[str]:
        return [
            r["state"]
            for t in client.get("/v1/me/timeline", headers=headers).get_json()["treatments"]
            for r in t["reminders"]
            if r["kind"] == "hydration"
        ]

    assert "undeliverable" in states()
    client.post("/v1/me/devices", json={"fid": "late-phone", "platform": "ios"}, headers=headers)
    with app.app_context():
        assert dispatcher.run_pass().sent >= 1
    assert "sent" in states() and "undeliverable" not in states()
