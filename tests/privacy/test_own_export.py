"""Finding 15: the patient's own export holds their data, not the clinic's internal records
(resolution notes, the addresses its staff and integrations worked from); the clinic's export keeps them."""

from __future__ import annotations

from tests import factories

CLINIC_DESK = {"REMOTE_ADDR": "203.0.113.7"}
PATIENT_PHONE = {"REMOTE_ADDR": "198.51.100.23"}
URGENT = {"ratings": {"redness": 3, "swelling": 3, "pain": 3}, "red_flags": {"pus": True}, "note": "my own note"}


def test_own_export_leaves_out_staff_notes_and_staff_addresses(app, client):
    clinic = factories.create_clinic(app)
    headers = clinic["headers"]
    patient = factories.enroll(client, clinic)
    me = factories.sign_in(client, patient["enrollment_code"])
    assert client.post("/v1/me/checkins", json=URGENT, headers=me, environ_base=PATIENT_PHONE).status_code == 201
    clinic_doc = client.get(f"/v1/patients/{patient['id']}/export", headers=headers, environ_base=CLINIC_DESK)
    alert_id = clinic_doc.get_json()["alerts"][0]["id"]
    note = {"note": "internal: doctor thinks the patient overreacts"}
    resolved = client.post(f"/v1/alerts/{alert_id}/resolve", json=note, headers=headers, environ_base=CLINIC_DESK)
    assert resolved.status_code == 200

    mine = client.get("/v1/me/export", headers=me, environ_base=PATIENT_PHONE)
    assert mine.status_code == 200
    text = mine.get_data(as_text=True)
    assert "overreacts" not in text and "203.0.113.7" not in text
    doc = mine.get_json()
    assert doc["alerts"][0]["status"] == "resolved" and doc["checkins"][0]["note"] == "my own note"
    assert "198.51.100.23" in {entry.get("address") for entry in doc["audit"]}  # the patient's own requests

    theirs = client.get(f"/v1/patients/{patient['id']}/export", headers=headers).get_json()
    assert theirs["alerts"][0]["resolution_note"] == note["note"]
    assert "203.0.113.7" in {entry["address"] for entry in theirs["audit"]}
