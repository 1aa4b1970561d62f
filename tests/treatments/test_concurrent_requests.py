"""Retries and double taps arriving at the same moment: one result, nothing doubled."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from companion.core.clock import clock
from tests.factories import create_clinic, enroll, record_treatment, treatment_body

PERFORMED = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


def test_simultaneous_retries_with_one_idempotency_key_make_one_treatment(app, client):
    clock.freeze(PERFORMED + timedelta(minutes=20))
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    url = f"/v1/patients/{patient['id']}/treatments"
    headers = {**clinic["headers"], "Idempotency-Key": "front-desk-tablet-7"}

    def post(_):
        response = app.test_client().post(url, json=treatment_body(PERFORMED), headers=headers)
        return response.status_code, response.get_json()["id"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(8)))
    assert {status for status, _ in answers} == {201}
    assert len({treatment_id for _, treatment_id in answers}) == 1
    assert len(client.get(url, headers=clinic["headers"]).get_json()["items"]) == 1


def test_one_enrollment_code_used_twice_at_once_signs_in_once(app, client):
    clinic = create_clinic(app)
    code = enroll(client, clinic)["enrollment_code"]

    def sign_in(_):
        return app.test_client().post("/v1/patient-sessions", json={"enrollment_code": code}).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(sign_in, range(6)))
    assert statuses == [201] + [401] * 5


def test_clinic_override_changes_new_timelines(app, client):
    clock.freeze(PERFORMED + timedelta(minutes=20))
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    before = record_treatment(client, clinic, patient["id"], performed_at=PERFORMED)
    response = client.put(
        "/v1/protocols/microneedling-face/override",
        json={"values": {"restrictions": {"makeup": {"hours": 48}}}},
        headers=clinic["headers"],
    )
    assert response.status_code == 200 and response.get_json()["overridden"] is True
    after = record_treatment(client, clinic, patient["id"], performed_at=PERFORMED)

    def makeup_hours(treatment):
        [makeup] = [r for r in treatment["restrictions"] if r["kind"] == "makeup"]
        return (datetime.fromisoformat(makeup["ends_at"]) - PERFORMED) / timedelta(hours=1)

    assert (makeup_hours(before), makeup_hours(after)) == (24, 48)
    other = create_clinic(app, "Other")
    other_patient = enroll(client, other)
    assert makeup_hours(record_treatment(client, other, other_patient["id"], performed_at=PERFORMED)) == 24
