"""Check-ins through the API: advice at once, alerts for the clinic only when off course."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.clock import clock
from tests.factories import create_clinic, enroll, record_treatment, sign_in

PERFORMED = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)  # 12:00 in Madrid


@pytest.fixture
def world(app, client):
    clock.freeze(PERFORMED + timedelta(minutes=5))
    clinic = create_clinic(app)
    patient = enroll(client, clinic)  # locale es-ES
    record_treatment(client, clinic, patient["id"], performed_at=PERFORMED, needle_depth_mm=1.0)
    return {"clinic": clinic, "patient": patient, "headers": sign_in(client, patient["enrollment_code"])}


def _checkin(client, world, ratings, red_flags=None, note=None, status=201):
    body = {"ratings": ratings}
    if red_flags is not None:
        body["red_flags"] = red_flags
    if note is not None:
        body["note"] = note
    response = client.post("/v1/me/checkins", json=body, headers=world["headers"])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _alerts(client, world, status=None):
    query = {"status": status} if status else {}
    return client.get("/v1/alerts", query_string=query, headers=world["clinic"]["headers"]).get_json()["items"]


@pytest.mark.parametrize("hours, redness, swelling", [(2, 2, 2), (20, 2, 1), (40, 1, 1), (47, 2, 0)])
def test_expected_course_reassures_and_does_not_alert(client, world, hours, redness, swelling):
    clock.freeze(PERFORMED + timedelta(hours=hours))
    result = _checkin(client, world, {"redness": redness, "swelling": swelling})
    assert result["outcome"] == "expected"
    assert result["alert_id"] is None
    assert result["advice"]  # in Spanish for this patient
    assert _alerts(client, world) == []


def test_red_flag_is_urgent_and_alerts_the_clinic(client, world):
    clock.freeze(PERFORMED + timedelta(hours=30))
    result = _checkin(client, world, {"redness": 2}, red_flags={"pus": True}, note="yellow discharge on the chin")
    assert result["outcome"] == "urgent"
    assert result["alert_id"]
    [alert] = _alerts(client, world, "open")
    assert alert["id"] == result["alert_id"] and alert["severity"] == "urgent"
    assert alert["checkin"]["note"] == "yellow discharge on the chin"


def test_moderate_redness_beyond_the_window_contacts_clinic_and_prompts_again(client, world):
    clock.freeze(PERFORMED + timedelta(hours=80))
    result = _checkin(client, world, {"redness": 2})
    assert result["outcome"] == "contact_clinic"
    [alert] = _alerts(client, world, "open")
    assert alert["severity"] == "contact_clinic"
    timeline = client.get("/v1/me/timeline", headers=world["headers"]).get_json()
    followups = [
        r
        for t in timeline["treatments"]
        for r in t["reminders"]
        if r["kind"] == "checkin_prompt"
        and datetime.fromisoformat(r["due_at"]) > clock.now()
        and datetime.fromisoformat(r["due_at"]) < clock.now() + timedelta(hours=24)
    ]
    assert followups, "a follow-up check-in prompt about 12 h later"
    local = datetime.fromisoformat(followups[0]["due_at"]).astimezone(ZoneInfo("Europe/Madrid"))
    assert 8 <= local.hour < 21


def test_worsening_after_48h_contacts_clinic(client, world):
    clock.freeze(PERFORMED + timedelta(hours=50))
    assert _checkin(client, world, {"redness": 1, "pain": 0})["outcome"] in ("expected", "self_care")
    clock.freeze(PERFORMED + timedelta(hours=60))
    assert _checkin(client, world, {"redness": 1, "pain": 2})["outcome"] == "contact_clinic"


def test_alert_acknowledge_and_resolve(client, world):
    clock.freeze(PERFORMED + timedelta(hours=30))
    alert_id = _checkin(client, world, {}, red_flags={"fever": True})["alert_id"]
    headers = world["clinic"]["headers"]
    acked = client.post(f"/v1/alerts/{alert_id}/acknowledge", headers=headers).get_json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_at"]
    assert _alerts(client, world, "open") == []
    assert client.post(f"/v1/alerts/{alert_id}/resolve", json={}, headers=headers).status_code == 422
    resolved = client.post(
        f"/v1/alerts/{alert_id}/resolve", json={"note": "Seen in clinic, antibiotics"}, headers=headers
    ).get_json()
    assert resolved["status"] == "resolved" and resolved["resolution_note"] == "Seen in clinic, antibiotics"
    assert client.post(f"/v1/alerts/{alert_id}/resolve", json={"note": "again"}, headers=headers).status_code == 409


def test_checkin_history_for_patient_and_clinic(client, world):
    _checkin(client, world, {"redness": 1})
    _checkin(client, world, {"swelling": 1})
    mine = client.get("/v1/me/checkins", headers=world["headers"]).get_json()["items"]
    assert len(mine) == 2
    theirs = client.get(f"/v1/patients/{world['patient']['id']}/checkins", headers=world["clinic"]["headers"])
    assert [c["id"] for c in theirs.get_json()["items"]] == [c["id"] for c in mine]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"ratings": {"redness": 4}}, "ratings"),
        ({"ratings": {"redness": -1}}, "ratings"),
        ({"ratings": {"redness": "2"}}, "ratings"),
        ({"ratings": {"redness": 1.5}}, "ratings"),
        ({"ratings": {"glow": 1}}, "ratings"),
        ({"ratings": {}, "red_flags": {"headache": True}}, "red_flags"),
        ({"ratings": {}, "red_flags": {"pus": "maybe"}}, "red_flags"),
        ({"ratings": {}, "note": "x" * 2001}, "note"),
        ({}, "ratings"),
    ],
)
def test_bad_checkins_are_422_and_write_nothing(client, world, body, field):
    response = client.post("/v1/me/checkins", json=body, headers=world["headers"])
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/v1/me/checkins", headers=world["headers"]).get_json()["items"] == []


def test_clinic_cannot_see_another_clinics_alerts(app, client, world):
    clock.freeze(PERFORMED + timedelta(hours=30))
    alert_id = _checkin(client, world, {}, red_flags={"fever": True})["alert_id"]
    other = create_clinic(app, "Other")["headers"]
    assert client.get("/v1/alerts", headers=other).get_json()["items"] == []
    assert client.get(f"/v1/alerts/{alert_id}", headers=other).status_code == 404
    assert client.post(f"/v1/alerts/{alert_id}/acknowledge", headers=other).status_code == 404


def test_clinic_reads_the_triage_rules(client, world):
    table = client.get("/v1/triage-rules", headers=world["clinic"]["headers"]).get_json()["items"]
    outcomes = [row["outcome"] for row in table]
    assert outcomes[0] == "urgent" and outcomes[-1] == "expected"
    assert {"flag_pus", "worsening_trend", "redness_beyond_window"} <= {row["id"] for row in table}
    assert client.get("/v1/triage-rules", headers=world["headers"]).status_code == 401
