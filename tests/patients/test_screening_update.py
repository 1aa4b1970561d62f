"""Clinical rules: screening can be updated, "another serious skin condition" is asked, a depth
outside the documented range is refused, a non-healing wound reaches the clinic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.core.clock import clock
from tests.factories import NO_CONTRAINDICATIONS, create_clinic, enroll, sign_in, treatment_body

NOW = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


def test_a_positive_screening_update_blocks_treatment_until_clearance(app, client):
    clock.freeze(NOW)
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    screening = dict(NO_CONTRAINDICATIONS, other_serious_skin_condition=True, condition_note="lupus rash")
    updated = client.patch(f"/v1/patients/{patient['id']}", json={"screening": screening}, headers=clinic["headers"])
    assert updated.status_code == 200
    assert [w["code"] for w in updated.get_json()["warnings"]] == ["other_serious_skin_condition"]

    url = f"/v1/patients/{patient['id']}/treatments"
    blocked = client.post(url, json=treatment_body(), headers=clinic["headers"])
    assert blocked.status_code == 409 and blocked.get_json()["error"]["code"] == "clearance_required"
    cleared = client.post(url, json=treatment_body(clearance_confirmed=True), headers=clinic["headers"])
    assert cleared.status_code == 201


def test_a_screening_update_must_restate_every_answer(app, client):
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    partial = client.patch(
        f"/v1/patients/{patient['id']}", json={"screening": {"eczema": True}}, headers=clinic["headers"]
    )
    assert partial.status_code == 422 and "keloid_prone" in partial.get_json()["error"]["fields"]["screening"]
    shown = client.get(f"/v1/patients/{patient['id']}", headers=clinic["headers"]).get_json()
    assert shown["warnings"] == []
    other = create_clinic(app, "Other")
    assert (
        client.patch(f"/v1/patients/{patient['id']}", json={"display_name": "X"}, headers=other["headers"]).status_code
        == 404
    )


def test_enrollment_without_the_new_question_is_refused(app, client):
    clinic = create_clinic(app)
    old = dict(NO_CONTRAINDICATIONS)
    del old["other_serious_skin_condition"]
    response = client.post(
        "/v1/patients",
        headers=clinic["headers"],
        json={"display_name": "Ana", "timezone": "Europe/Madrid", "locale": "es", "screening": old},
    )
    assert response.status_code == 422
    assert "other_serious_skin_condition" in response.get_json()["error"]["fields"]["screening"]


def test_a_depth_outside_the_documented_range_is_refused_naming_it(app, client):
    clock.freeze(NOW)
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    response = client.post(
        f"/v1/patients/{patient['id']}/treatments", headers=clinic["headers"], json=treatment_body(needle_depth_mm=3.0)
    )
    assert response.status_code == 422
    message = response.get_json()["error"]["fields"]["needle_depth_mm"][0]
    assert "0.5" in message and "2.5" in message
    assert client.get(f"/v1/patients/{patient['id']}/treatments", headers=clinic["headers"]).get_json()["items"] == []


def test_a_wound_that_does_not_heal_reaches_the_clinic(app, client):
    clock.freeze(NOW)
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    client.post(
        f"/v1/patients/{patient['id']}/treatments",
        headers=clinic["headers"],
        json=treatment_body(NOW - timedelta(days=10)),
    )
    headers = sign_in(client, patient["enrollment_code"])
    body = client.post(
        "/v1/me/checkins", headers=headers, json={"ratings": {"redness": 0}, "red_flags": {"wound_not_healing": True}}
    ).get_json()
    assert body["outcome"] == "contact_clinic" and "flag_wound_not_healing" in body["reasons"]
    assert body["alert_id"]
