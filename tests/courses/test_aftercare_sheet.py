"""The patient's aftercare sheet, in the patient's language, with the clinic's contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.core.clock import clock
from tests.factories import create_clinic, enroll, record_treatment, sign_in

NOW = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


def test_the_sheet_says_what_when_whom_to_call_and_the_next_visit(app, client):
    clock.freeze(NOW)
    clinic = create_clinic(app)
    contact = {"phone": "+34 912 345 678", "email": "hola@clinicasol.test", "hours": "L-V 9:00-19:00"}
    assert client.patch("/v1/clinic", json=contact, headers=clinic["headers"]).get_json()["phone"] == contact["phone"]
    patient = enroll(client, clinic)  # Spanish-speaking
    record_treatment(
        client,
        clinic,
        patient["id"],
        performed_at=NOW - timedelta(hours=2),
        needle_depth_mm=2.0,
        patient_notes="Aplica la crema de cobre dos veces al día.",
    )
    visit = client.post(
        f"/v1/patients/{patient['id']}/appointments",
        headers=clinic["headers"],
        json={"starts_at": (NOW + timedelta(days=30)).isoformat(), "kind": "series"},
    ).get_json()
    headers = sign_in(client, patient["enrollment_code"])

    sheet = client.get("/v1/me/aftercare", headers=headers).get_json()

    assert sheet["clinic"] == {"name": "Clinica Sol", **contact}
    assert sheet["patient_notes"] == "Aplica la crema de cobre dos veces al día."
    assert sheet["next_appointment"]["id"] == visit["id"]
    assert sheet["treatment"]["needle_depth_mm"] == 2.0 and sheet["treatment"]["title"] == "Microagujas: rostro"
    restricted = {r["kind"]: r for r in sheet["restrictions"]}
    assert restricted["sun"]["active"] and "FPS 30+" in restricted["sun"]["detail"]
    assert sheet["expected_course"]["redness_hours"] == 120  # deeper needles, longer redness
    assert sheet["expected_course"]["summary"].startswith("El enrojecimiento")
    assert {s["key"] for s in sheet["warning_signs"]} >= {"infection", "pigment_change", "scarring"}
    assert "cicatrizan" in next(s for s in sheet["warning_signs"] if s["key"] == "scarring")["text"]
    assert sheet["urgent"]["title"] == "Contacta con tu clínica"


def test_a_patient_without_a_session_gets_the_clinic_contact_only(app, client):
    clinic = create_clinic(app)
    patient = enroll(client, clinic, locale="en")
    sheet = client.get("/v1/me/aftercare", headers=sign_in(client, patient["enrollment_code"])).get_json()
    assert sheet["treatment"] is None and sheet["restrictions"] == [] and sheet["clinic"]["name"] == "Clinica Sol"


def test_bad_clinic_contact_is_refused(app, client):
    clinic = create_clinic(app)
    response = client.patch(
        "/v1/clinic", json={"email": "not-an-address", "phone": "call me"}, headers=clinic["headers"]
    )
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == {"email", "phone"}
