"""Finding 2: an active phone never moves between owners, and the answer does not tell whether it exists."""

from __future__ import annotations

import pytest

from companion.devices.models import Device
from companion.extensions import db
from tests.factories import create_clinic, enroll, sign_in


@pytest.fixture
def two_clinics(app, client):
    def tenant(name):
        clinic = create_clinic(app, name)
        patient = enroll(client, clinic, display_name=f"Patient of {name}")
        return clinic, patient, sign_in(client, patient["enrollment_code"])

    return tenant("Sol"), tenant("Luna")


def _owner(app, identifier):
    with app.app_context():
        device = db.session.scalar(db.select(Device).where(Device.identifier == identifier))
        owner = (device.patient_id, device.clinic_id, device.active)
        db.session.rollback()
        return owner


def _conflict(response):
    assert response.status_code == 409, response.get_json()
    body = response.get_json()
    assert body["error"]["code"] == "device_in_use"
    return body


def test_patient_cannot_take_another_patients_phone(app, client, two_clinics):
    (_, patient_a, token_a), (_, _, token_b) = two_clinics
    assert client.post("/v1/me/devices", json={"fid": "fid-a", "platform": "ios"}, headers=token_a).status_code == 201
    body = _conflict(client.post("/v1/me/devices", json={"fid": "fid-a", "platform": "ios"}, headers=token_b))
    assert "Sol" not in str(body) and str(patient_a["id"]) not in body["error"]["message"]
    assert _owner(app, "fid-a") == (patient_a["id"], None, True)


def test_patient_cannot_take_a_staff_phone(app, client, two_clinics):
    (clinic_a, _, _), (_, _, token_b) = two_clinics
    staff = {"fid": "nurse-fid", "platform": "android", "staff_name": "Marta"}
    assert client.post("/v1/clinic/devices", json=staff, headers=clinic_a["headers"]).status_code == 201
    _conflict(client.post("/v1/me/devices", json={"fid": "nurse-fid", "platform": "android"}, headers=token_b))
    assert _owner(app, "nurse-fid") == (None, clinic_a["id"], True)  # clinic A's urgent alerts still find it


def test_clinic_cannot_register_a_patients_phone_or_another_clinics(app, client, two_clinics):
    (clinic_a, patient_a, token_a), (clinic_b, _, _) = two_clinics
    client.post("/v1/me/devices", json={"fid": "fid-a", "platform": "ios"}, headers=token_a)
    client.post("/v1/clinic/devices", json={"fid": "staff-a", "platform": "ios"}, headers=clinic_a["headers"])
    _conflict(client.post("/v1/clinic/devices", json={"fid": "fid-a", "platform": "ios"}, headers=clinic_b["headers"]))
    _conflict(
        client.post("/v1/clinic/devices", json={"fid": "staff-a", "platform": "ios"}, headers=clinic_b["headers"])
    )
    assert _owner(app, "fid-a") == (patient_a["id"], None, True)
    assert _owner(app, "staff-a") == (None, clinic_a["id"], True)


def test_a_freed_phone_registers_exactly_like_an_unknown_one(app, client, two_clinics):
    (_, _, token_a), (_, patient_b, token_b) = two_clinics
    client.post("/v1/me/devices", json={"fid": "fid-a", "platform": "ios"}, headers=token_a)
    assert client.delete("/v1/me/devices/fid-a", headers=token_a).status_code == 204  # removed by its owner
    freed = client.post("/v1/me/devices", json={"fid": "fid-a", "platform": "ios"}, headers=token_b)
    unknown = client.post("/v1/me/devices", json={"fid": "never-seen", "platform": "ios"}, headers=token_b)
    assert freed.status_code == unknown.status_code == 201
    assert freed.get_json().keys() == unknown.get_json().keys()
    assert client.post("/v1/me/devices", json={"fid": "fid-a", "platform": "ios"}, headers=token_b).status_code == 200
    assert _owner(app, "fid-a") == (patient_b["id"], None, True)


def test_signing_out_everywhere_frees_the_patients_phones(app, client, two_clinics):
    (clinic_a, patient_a, token_a), (_, _, token_b) = two_clinics
    client.post("/v1/me/devices", json={"fid": "lost-phone", "platform": "ios"}, headers=token_a)
    assert client.delete(f"/v1/patients/{patient_a['id']}/sessions", headers=clinic_a["headers"]).status_code == 204
    assert client.get("/v1/me", headers=token_a).status_code == 401
    assert (
        client.post("/v1/me/devices", json={"fid": "lost-phone", "platform": "ios"}, headers=token_b).status_code == 201
    )
