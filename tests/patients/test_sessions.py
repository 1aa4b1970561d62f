"""A patient's sessions: tokens expire when idle and slide with use; a clinic can sign a patient
out everywhere; a code re-issue keeps sessions unless asked."""

from __future__ import annotations

from datetime import timedelta

from companion.core.clock import clock
from tests.factories import create_clinic, enroll, sign_in


def test_patient_tokens_expire_after_idle_days_but_slide_with_use(app, client):
    clinic = create_clinic(app)
    token = sign_in(client, enroll(client, clinic)["enrollment_code"])
    clock.freeze(clock.now() + timedelta(days=80))
    assert client.get("/v1/me", headers=token).status_code == 200  # used: the 90 days start again
    clock.freeze(clock.now() + timedelta(days=80))
    assert client.get("/v1/me", headers=token).status_code == 200
    clock.freeze(clock.now() + timedelta(days=91))
    assert client.get("/v1/me", headers=token).status_code == 401


def test_ending_sessions_and_reissuing_codes(app, client):
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    first = sign_in(client, patient["enrollment_code"])
    url = f"/v1/patients/{patient['id']}/enrollment-code"
    second = sign_in(client, client.post(url, headers=clinic["headers"]).get_json()["enrollment_code"])
    assert client.get("/v1/me", headers=first).status_code == 200  # a re-issue keeps existing sessions
    third_code = client.post(f"{url}?end_sessions=true", headers=clinic["headers"]).get_json()["enrollment_code"]
    assert client.get("/v1/me", headers=first).status_code == 401
    assert client.get("/v1/me", headers=second).status_code == 401
    third = sign_in(client, third_code)
    assert client.delete(f"/v1/patients/{patient['id']}/sessions", headers=clinic["headers"]).status_code == 204
    assert client.get("/v1/me", headers=third).status_code == 401
