"""Every list the API answers is one page of the same shape, and `limit` is obeyed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from companion.audit.models import AuditEntry
from companion.core.clock import utcnow
from companion.extensions import db
from tests import factories

URGENT = {"ratings": {"redness": 3, "swelling": 3}, "red_flags": {"pus": True}}


@pytest.fixture
def world(app, client) -> dict[str, Any]:
    """A clinic with three treated patients, each with an open alert, a booked visit, two
    check-ins and a phone; two API keys and two staff phones."""
    clinic = factories.create_clinic(app)
    patients = []
    for name in ("Ana", "Bea", "Cai"):
        patient = factories.enroll(client, clinic, display_name=name)
        token = factories.sign_in(client, patient["enrollment_code"])
        factories.record_treatment(client, clinic, patient["id"])
        for _ in range(2):
            assert client.post("/v1/me/checkins", json=URGENT, headers=token).status_code == 201
        visit = {"starts_at": (utcnow() + timedelta(days=30)).isoformat(), "kind": "series"}
        booked = client.post(f"/v1/patients/{patient['id']}/appointments", json=visit, headers=clinic["headers"])
        assert booked.status_code == 201, booked.get_json()
        patients.append({**patient, "headers": token})
    client.post("/v1/clinic/api-keys", headers=clinic["headers"])
    for n in range(2):
        body = {"fid": f"staff-phone-{n}", "platform": "ios"}
        assert client.post("/v1/clinic/devices", json=body, headers=clinic["headers"]).status_code == 201
    return {"clinic": clinic, "patients": patients}


def _lists(world) -> list[tuple[str, dict[str, str]]]:
    clinic, first = world["clinic"]["headers"], world["patients"][0]
    pid = first["id"]
    return [
        ("/v1/patients", clinic),
        ("/v1/alerts", clinic),
        ("/v1/audit", clinic),
        ("/v1/worklist", clinic),
        ("/v1/protocols", clinic),
        ("/v1/triage-rules", clinic),
        ("/v1/clinic/api-keys", clinic),
        ("/v1/clinic/devices", clinic),
        (f"/v1/patients/{pid}/treatments", clinic),
        (f"/v1/patients/{pid}/checkins", clinic),
        (f"/v1/patients/{pid}/appointments", clinic),
        ("/v1/me/checkins", first["headers"]),
        ("/v1/me/appointments", first["headers"]),
    ]


def test_every_list_is_a_page_that_obeys_limit_and_offset(client, world):
    for path, headers in _lists(world):
        whole = client.get(path, headers=headers)
        assert whole.status_code == 200, (path, whole.get_json())
        body = whole.get_json()
        assert set(body) == {"items", "total", "limit", "offset"}, path
        assert body["total"] == len(body["items"]) >= 1, (path, body["total"])
        first = client.get(path, query_string={"limit": 1}, headers=headers).get_json()
        assert len(first["items"]) == 1 and first["limit"] == 1 and first["total"] == body["total"], path
        rest = client.get(path, query_string={"offset": 1}, headers=headers).get_json()
        assert first["items"] + rest["items"] == body["items"] or path == "/v1/audit", path


def test_alert_list_pages_and_is_audited_once_naming_the_patients_shown(app, client, world):
    clinic = world["clinic"]["headers"]
    page = client.get("/v1/alerts", query_string={"limit": 1}, headers=clinic).get_json()
    assert len(page["items"]) == 1 and page["total"] == 3
    with app.app_context():
        reads = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "GET /v1/alerts")).all()
        assert [(entry.patient_id, entry.patient_ids) for entry in reads] == [(None, [page["items"][0]["patient_id"]])]
    shown = page["items"][0]["patient_id"]
    audit = client.get("/v1/audit", query_string={"patient_id": shown}, headers=clinic).get_json()
    assert any(e["action"] == "GET /v1/alerts" and e["patient_ids"] == [shown] for e in audit["items"])
    hidden = next(p["id"] for p in world["patients"] if p["id"] != shown)
    audit = client.get("/v1/audit", query_string={"patient_id": hidden}, headers=clinic).get_json()
    assert not any(e["action"] == "GET /v1/alerts" for e in audit["items"])


@pytest.mark.parametrize("limit", ["0", "201", "-1", "x"])
def test_a_limit_out_of_range_is_refused_not_ignored(client, world, limit):
    response = client.get("/v1/alerts", query_string={"limit": limit}, headers=world["clinic"]["headers"])
    assert response.status_code == 422
    assert "limit" in response.get_json()["error"]["fields"]
