"""A clinic enrolls a patient; the app signs in once with the code."""

from datetime import timedelta

from companion.core.clock import clock
from tests.factories import NO_CONTRAINDICATIONS, create_clinic, enroll, patient_body, sign_in


def test_enroll_returns_patient_and_one_time_code(app, client):
    clinic = create_clinic(app)
    body = enroll(client, clinic, external_ref="HC-1", quiet_hours={"start": "22:00", "end": "07:30"})
    assert body["display_name"] == "Ana"
    assert body["timezone"] == "Europe/Madrid"
    assert body["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    assert body["warnings"] == []
    assert len(body["enrollment_code"].replace("-", "")) == 12
    # shown once: reading the patient later does not reveal it
    again = client.get(f"/v1/patients/{body['id']}", headers=clinic["headers"]).get_json()
    assert "enrollment_code" not in again


def test_default_quiet_hours_and_locale(app, client):
    clinic = create_clinic(app)
    body = enroll(client, clinic)
    assert body["quiet_hours"] == {"start": "21:00", "end": "08:00"}


def test_positive_screening_is_stored_and_warned(app, client):
    clinic = create_clinic(app)
    screening = dict(
        NO_CONTRAINDICATIONS, keloid_prone=True, relevant_medications=True, medications_note="isotretinoin until May"
    )
    body = enroll(client, clinic, screening=screening)
    assert {w["code"] for w in body["warnings"]} == {"keloid_prone", "relevant_medications"}
    assert body["screening"]["medications_note"] == "isotretinoin until May"


def test_code_works_once(app, client):
    clinic = create_clinic(app)
    code = enroll(client, clinic)["enrollment_code"]
    headers = sign_in(client, code.lower().replace("-", " "))  # typed loosely from a card
    assert client.get("/v1/me", headers=headers).status_code == 200
    again = client.post("/v1/patient-sessions", json={"enrollment_code": code})
    assert again.status_code == 401
    assert again.get_json()["error"]["code"] == "invalid_enrollment_code"


def test_expired_code_is_refused(app, client):
    clinic = create_clinic(app)
    code = enroll(client, clinic)["enrollment_code"]
    clock.freeze(clock.now() + timedelta(hours=73))
    assert client.post("/v1/patient-sessions", json={"enrollment_code": code}).status_code == 401


def test_reissued_code_replaces_the_old_one(app, client):
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    fresh = client.post(f"/v1/patients/{patient['id']}/enrollment-code", headers=clinic["headers"])
    assert fresh.status_code == 201
    assert client.post("/v1/patient-sessions", json={"enrollment_code": patient["enrollment_code"]}).status_code == 401
    sign_in(client, fresh.get_json()["enrollment_code"])


def test_signed_out_token_stops_working(app, client):
    clinic = create_clinic(app)
    headers = sign_in(client, enroll(client, clinic)["enrollment_code"])
    assert client.delete("/v1/patient-sessions/current", headers=headers).status_code == 204
    assert client.get("/v1/me", headers=headers).status_code == 401


def test_duplicate_external_ref_conflicts_and_writes_nothing(app, client):
    clinic = create_clinic(app)
    enroll(client, clinic, external_ref="HC-1")
    response = client.post("/v1/patients", json=patient_body(external_ref="HC-1"), headers=clinic["headers"])
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"external_ref": ["Already used."]}
    assert client.get("/v1/patients", headers=clinic["headers"]).get_json()["total"] == 1


def test_list_is_paged(app, client):
    clinic = create_clinic(app)
    for n in range(3):
        enroll(client, clinic, display_name=f"P{n}")
    page = client.get("/v1/patients?limit=2&offset=1", headers=clinic["headers"]).get_json()
    assert [p["display_name"] for p in page["items"]] == ["P1", "P2"]
    assert page["total"] == 3
