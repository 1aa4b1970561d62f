"""A clinic sees only its patients; a patient only itself. Anything else is 404."""

import pytest

from tests.factories import create_clinic, enroll, record_treatment, sign_in


@pytest.fixture
def two_clinics(app, client):
    a, b = create_clinic(app, "A"), create_clinic(app, "B")
    pa, pb = enroll(client, a), enroll(client, b)
    ta = record_treatment(client, a, pa["id"])
    return {
        "a": a,
        "b": b,
        "pa": pa,
        "pb": pb,
        "ta": ta,
        "ha": sign_in(client, pa["enrollment_code"]),
        "hb": sign_in(client, pb["enrollment_code"]),
    }


def test_clinic_cannot_read_or_change_another_clinics_patients(client, two_clinics):
    b, pa, ta = two_clinics["b"]["headers"], two_clinics["pa"], two_clinics["ta"]
    assert client.get(f"/v1/patients/{pa['id']}", headers=b).status_code == 404
    assert client.get(f"/v1/patients/{pa['id']}/treatments", headers=b).status_code == 404
    assert client.get(f"/v1/patients/{pa['id']}/checkins", headers=b).status_code == 404
    assert client.post(f"/v1/patients/{pa['id']}/enrollment-code", headers=b).status_code == 404
    from tests.factories import treatment_body

    assert client.post(f"/v1/patients/{pa['id']}/treatments", json=treatment_body(), headers=b).status_code == 404
    assert client.get(f"/v1/treatments/{ta['id']}", headers=b).status_code == 404
    assert client.patch(f"/v1/treatments/{ta['id']}", json={"needle_depth_mm": 2.0}, headers=b).status_code == 404
    assert client.delete(f"/v1/treatments/{ta['id']}", headers=b).status_code == 404
    listed = client.get("/v1/patients", headers=b).get_json()
    assert [p["id"] for p in listed["items"]] == [two_clinics["pb"]["id"]]
    # and nothing changed for clinic A
    a = two_clinics["a"]["headers"]
    assert client.get(f"/v1/treatments/{ta['id']}", headers=a).get_json()["status"] == "active"


def test_patient_cannot_touch_another_patients_reminders(client, two_clinics):
    reminder = two_clinics["ta"]["reminders"][0]
    hb = two_clinics["hb"]
    assert client.get(f"/v1/me/reminders/{reminder['id']}", headers=hb).status_code == 404
    assert client.post(f"/v1/me/reminders/{reminder['id']}/ack", headers=hb).status_code == 404
    assert client.get("/v1/me/timeline", headers=hb).get_json()["treatments"] == []
    assert client.get("/v1/me", headers=hb).get_json()["id"] == two_clinics["pb"]["id"]
