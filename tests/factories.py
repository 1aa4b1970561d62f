"""Build test data through the same doors a clinic and an app use."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from companion.core.clock import clock

NO_CONTRAINDICATIONS = {
    "active_infection": False,
    "keloid_prone": False,
    "active_severe_acne": False,
    "eczema": False,
    "psoriasis": False,
    "bleeding_disorder": False,
    "relevant_medications": False,
    "other_serious_skin_condition": False,
}


def create_clinic(app, name: str = "Clinica Sol") -> dict[str, Any]:
    from companion.clinics.service import create_clinic as _create

    with app.app_context():
        clinic, key = _create(name)
        return {"id": clinic.id, "key": key, "headers": {"Authorization": f"Bearer {key}"}}


def patient_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "display_name": "Ana",
        "timezone": "Europe/Madrid",
        "locale": "es-ES",
        "screening": dict(NO_CONTRAINDICATIONS),
    }
    body.update(overrides)
    return body


def enroll(client, clinic: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/patients", json=patient_body(**overrides), headers=clinic["headers"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sign_in(client, enrollment_code: str) -> dict[str, str]:
    response = client.post("/v1/patient-sessions", json={"enrollment_code": enrollment_code})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def treatment_body(performed_at: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    performed_at = performed_at or clock.now() - timedelta(minutes=30)
    body = {
        "protocol": "microneedling-face",
        "performed_at": performed_at.isoformat(),
        "needle_depth_mm": 1.0,
        "area": "face",
        "combined_with": [],
        "series": {"session_number": 1, "planned_sessions": 3},
    }
    body.update(overrides)
    return body


def record_treatment(client, clinic, patient_id: int, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        f"/v1/patients/{patient_id}/treatments", json=treatment_body(**overrides), headers=clinic["headers"]
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def treated_patient(app, client, enrollment: dict[str, Any] | None = None, **treatment: Any) -> dict[str, Any]:
    """A clinic with a treated patient signed in to the app, built through the API:
    `clinic` (its id, key and headers), `patient` (as enrolled, with the code),
    `headers` (the patient's own) and `treatment` (as recorded, with its timeline)."""
    clinic = create_clinic(app)
    patient = enroll(client, clinic, **(enrollment or {}))
    recorded = record_treatment(client, clinic, patient["id"], **treatment)
    return {
        "clinic": clinic,
        "patient": patient,
        "headers": sign_in(client, patient["enrollment_code"]),
        "treatment": recorded,
    }
