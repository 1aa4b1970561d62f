"""Finding 3: API keys can be created, listed and revoked (API and CLI); patient tokens expire when idle;
a clinic can sign a patient out everywhere; a code re-issue keeps sessions unless asked."""

from __future__ import annotations

import json
from datetime import timedelta

from companion.core.clock import clock
from tests.factories import create_clinic, enroll, sign_in


def test_api_keys_rotate_and_revoke_at_once(app, client):
    clinic = create_clinic(app)
    created = client.post("/v1/clinic/api-keys", headers=clinic["headers"])
    assert created.status_code == 201
    new = created.get_json()
    new_headers = {"Authorization": f"Bearer {new['key']}"}
    assert client.get("/v1/clinic", headers=new_headers).status_code == 200
    listed = client.get("/v1/clinic/api-keys", headers=new_headers).get_json()["items"]
    assert len(listed) == 2 and all("key" not in k for k in listed)
    assert new["key"] not in json.dumps(listed) and new["prefix"] in json.dumps(listed)
    assert any(k["last_used_at"] for k in listed)
    old_id = next(k["id"] for k in listed if k["id"] != new["id"])
    assert client.delete(f"/v1/clinic/api-keys/{old_id}", headers=new_headers).status_code == 204
    assert client.get("/v1/clinic", headers=clinic["headers"]).status_code == 401  # the old key, at once
    assert client.delete(f"/v1/clinic/api-keys/{old_id}", headers=new_headers).status_code == 404


def test_a_clinic_cannot_revoke_another_clinics_key(app, client):
    sol, luna = create_clinic(app, "Sol"), create_clinic(app, "Luna")
    [luna_key] = client.get("/v1/clinic/api-keys", headers=luna["headers"]).get_json()["items"]
    assert client.delete(f"/v1/clinic/api-keys/{luna_key['id']}", headers=sol["headers"]).status_code == 404
    assert client.get("/v1/clinic", headers=luna["headers"]).status_code == 200


def test_api_keys_from_the_cli(app, client):
    clinic = create_clinic(app)
    runner = app.test_cli_runner()
    created = json.loads(runner.invoke(args=["companion", "clinic", "key-create", str(clinic["id"])]).output)
    listed = json.loads(runner.invoke(args=["companion", "clinic", "key-list", str(clinic["id"])]).output)
    assert created["api_key"] not in json.dumps(listed) and len(listed) == 2
    first = min(k["id"] for k in listed)
    result = runner.invoke(args=["companion", "clinic", "key-revoke", str(clinic["id"]), str(first)])
    assert result.exit_code == 0, result.output
    assert client.get("/v1/clinic", headers=clinic["headers"]).status_code == 401
    assert client.get("/v1/clinic", headers={"Authorization": f"Bearer {created['api_key']}"}).status_code == 200


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
