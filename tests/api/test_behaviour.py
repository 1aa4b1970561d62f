"""What the document promises, as a client meets it: retries that create once, one form
of time, specific error codes, the status headers, and JSON even from the WSGI server."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from companion.core.clock import utcnow
from devtools import processes
from tests import factories

URGENT = {"ratings": {"redness": 3}, "red_flags": {"pus": True}}


@pytest.fixture
def clinic(app):
    return factories.create_clinic(app)


def _post(client, url, body, headers, key):
    return client.post(url, json=body, headers={**headers, "Idempotency-Key": key})


def test_a_retried_enrollment_creates_one_patient_and_only_its_newest_code_works(client, clinic):
    body = factories.patient_body(external_ref="HC-1")
    first = _post(client, "/v1/patients", body, clinic["headers"], "enroll-1")
    again = _post(client, "/v1/patients", body, clinic["headers"], "enroll-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert (first.headers["Idempotent-Replayed"], again.headers["Idempotent-Replayed"]) == ("false", "true")
    assert first.get_json()["id"] == again.get_json()["id"]
    assert client.get("/v1/patients", headers=clinic["headers"]).get_json()["total"] == 1
    stale = client.post("/v1/patient-sessions", json={"enrollment_code": first.get_json()["enrollment_code"]})
    assert stale.status_code == 401
    assert factories.sign_in(client, again.get_json()["enrollment_code"])["Authorization"].startswith("Bearer ")
    other = _post(client, "/v1/patients", factories.patient_body(external_ref="HC-2"), clinic["headers"], "enroll-1")
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_conflict"


def test_a_retried_booking_and_check_in_create_one_row_each(client, clinic):
    patient = factories.enroll(client, clinic)
    phone = factories.sign_in(client, patient["enrollment_code"])
    factories.record_treatment(client, clinic, patient["id"])
    url = f"/v1/patients/{patient['id']}/appointments"
    visit = {"starts_at": (utcnow() + timedelta(days=30)).isoformat(), "kind": "series"}
    booked = [_post(client, url, visit, clinic["headers"], "visit-1") for _ in range(2)]
    assert [r.status_code for r in booked] == [201, 201]
    assert booked[0].get_json()["id"] == booked[1].get_json()["id"]
    assert client.get(url, headers=clinic["headers"]).get_json()["total"] == 1
    moved = {**visit, "kind": "review"}
    assert _post(client, url, moved, clinic["headers"], "visit-1").get_json()["error"]["code"] == "idempotency_conflict"

    checked = [_post(client, "/v1/me/checkins", URGENT, phone, "checkin-1") for _ in range(2)]
    assert [r.headers["Idempotent-Replayed"] for r in checked] == ["false", "true"]
    assert checked[0].get_json()["id"] == checked[1].get_json()["id"]
    assert checked[1].get_json()["alert_id"] == checked[0].get_json()["alert_id"] is not None
    assert client.get("/v1/me/checkins", headers=phone).get_json()["total"] == 1
    assert client.get("/v1/alerts", headers=clinic["headers"]).get_json()["items"][0]["checkin_count"] == 1


def test_every_time_on_the_wire_is_utc_whatever_offset_was_sent(client, clinic):
    patient = factories.enroll(client, clinic)
    starts = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    sent = starts.astimezone(ZoneInfo("Europe/Madrid")).isoformat()
    assert not sent.endswith("+00:00")
    url = f"/v1/patients/{patient['id']}/appointments"
    booked = client.post(url, json={"starts_at": sent, "kind": "series"}, headers=clinic["headers"]).get_json()
    assert booked["starts_at"] == starts.isoformat() and booked["starts_at"].endswith("+00:00")
    assert client.get(f"/v1/appointments/{booked['id']}", headers=clinic["headers"]).get_json() == booked


def test_a_duplicate_external_ref_has_its_own_code(client, clinic):
    factories.enroll(client, clinic, external_ref="HC-9")
    again = client.post("/v1/patients", json=factories.patient_body(external_ref="HC-9"), headers=clinic["headers"])
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "external_ref_taken"


def test_the_last_live_api_key_cannot_be_revoked_through_the_api(client, clinic):
    [only] = client.get("/v1/clinic/api-keys", headers=clinic["headers"]).get_json()["items"]
    refused = client.delete(f"/v1/clinic/api-keys/{only['id']}", headers=clinic["headers"])
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "last_api_key"
    assert client.get("/v1/clinic", headers=clinic["headers"]).status_code == 200
    spare = client.post("/v1/clinic/api-keys", headers=clinic["headers"]).get_json()
    assert client.delete(f"/v1/clinic/api-keys/{only['id']}", headers=clinic["headers"]).status_code == 204
    assert client.get("/v1/clinic", headers={"Authorization": f"Bearer {spare['key']}"}).status_code == 200


def test_retry_after_only_when_told_to_wait_and_a_bearer_challenge_on_401(client, clinic):
    answers = [
        client.get("/v1/clinic", headers=clinic["headers"]),  # 200
        client.get("/v1/patients/999999", headers=clinic["headers"]),  # 404
        client.post("/v1/patients", json={}, headers=clinic["headers"]),  # 422
    ]
    assert [r.status_code for r in answers] == [200, 404, 422]
    assert all("Retry-After" not in r.headers for r in answers)
    assert answers[0].headers["X-RateLimit-Limit"]
    missing = client.get("/v1/clinic")
    wrong = client.get("/v1/clinic", headers={"Authorization": "Bearer nope"})
    assert [r.status_code for r in (missing, wrong)] == [401, 401]
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="aftercare"'
    assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="aftercare", error="invalid_token"'
    assert "Retry-After" not in wrong.headers


@pytest.mark.slow
def test_gunicorn_leaves_long_urls_to_the_app_which_answers_json(tmp_path: Path):
    """A 4.4 KB query string got gunicorn's HTML 414; with gunicorn.conf.py the app answers."""
    database = f"sqlite:///{tmp_path / 'app.db'}"
    env = processes.environment(database)
    processes.flask(env, "db", "upgrade")
    port = processes.free_port()
    server = subprocess.Popen(
        [str(processes.BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"],
        cwd=processes.PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        processes.wait_for_port(port, server)
        base = f"http://127.0.0.1:{port}/v1/patients"
        medium = requests.get(f"{base}?q={'x' * 4400}", timeout=10)
        assert medium.status_code == 401 and medium.json()["error"]["code"] == "unauthorized"
        huge = requests.get(f"{base}?q={'x' * 20000}", timeout=10)
        assert huge.status_code == 414 and huge.json()["error"]["code"] == "uri_too_long"
    finally:
        processes.stop(server)
