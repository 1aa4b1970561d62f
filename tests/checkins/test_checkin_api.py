"""Check-ins through the API: advice at once, alerts for the clinic only when off course."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.clock import clock
from tests.factories import create_clinic, treated_patient

PERFORMED = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)  # 12:00 in Madrid
DAY = timedelta(hours=24)


@pytest.fixture
def treated(app, client):
    clock.freeze(PERFORMED + timedelta(minutes=5))
    return treated_patient(app, client, performed_at=PERFORMED, needle_depth_mm=1.0)  # locale es-ES


def _checkin(client, treated, ratings, red_flags=None, note=None, status=201):
    body = {"ratings": ratings}
    if red_flags is not None:
        body["red_flags"] = red_flags
    if note is not None:
        body["note"] = note
    response = client.post("/v1/me/checkins", json=body, headers=treated["headers"])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _alerts(client, treated, status=None):
    query = {"status": status} if status else {}
    return client.get("/v1/alerts", query_string=query, headers=treated["clinic"]["headers"]).get_json()["items"]


@pytest.mark.parametrize("hours, redness, swelling", [(2, 2, 2), (20, 2, 1), (40, 1, 1), (47, 2, 0)])
def test_expected_course_reassures_and_does_not_alert(client, treated, hours, redness, swelling):
    clock.freeze(PERFORMED + timedelta(hours=hours))
    result = _checkin(client, treated, {"redness": redness, "swelling": swelling})
    assert result["outcome"] == "expected"
    assert result["alert_id"] is None
    assert result["advice"]  # in Spanish for this patient
    assert _alerts(client, treated) == []


def test_red_flag_is_urgent_and_alerts_the_clinic(client, treated):
    clock.freeze(PERFORMED + timedelta(hours=30))
    result = _checkin(client, treated, {"redness": 2}, red_flags={"pus": True}, note="yellow discharge on the chin")
    assert result["outcome"] == "urgent"
    assert result["alert_id"]
    [alert] = _alerts(client, treated, "open")
    assert alert["id"] == result["alert_id"] and alert["severity"] == "urgent"
    assert alert["checkin"]["note"] == "yellow discharge on the chin"


def test_moderate_redness_beyond_the_window_contacts_clinic_and_prompts_again(client, treated):
    clock.freeze(PERFORMED + timedelta(hours=80))
    result = _checkin(client, treated, {"redness": 2})
    assert result["outcome"] == "contact_clinic"
    [alert] = _alerts(client, treated, "open")
    assert alert["severity"] == "contact_clinic"
    timeline = client.get("/v1/me/timeline", headers=treated["headers"]).get_json()
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


def test_with_long_quiet_hours_the_follow_up_comes_before_they_begin_not_the_next_morning(app, client):
    """Placed like every planned reminder: a prompt due inside quiet hours that would outlive
    its use by the morning comes just before they begin, within the 12 h it is meant for."""
    clock.freeze(PERFORMED + timedelta(minutes=5))
    treated = treated_patient(app, client, {"quiet_hours": {"start": "18:00", "end": "09:00"}}, performed_at=PERFORMED)
    madrid = ZoneInfo("Europe/Madrid")
    clock.freeze(datetime(2026, 11, 24, 7, 0, tzinfo=madrid))  # due 12 h later: 19:00, inside quiet hours
    assert _checkin(client, treated, {"redness": 2})["outcome"] == "contact_clinic"

    timeline = client.get("/v1/me/timeline", headers=treated["headers"]).get_json()
    [followup] = [
        r
        for t in timeline["treatments"]
        for r in t["reminders"]
        if r["kind"] == "checkin_prompt" and clock.now() < datetime.fromisoformat(r["due_at"]) < clock.now() + DAY
    ]
    due = datetime.fromisoformat(followup["due_at"]).astimezone(madrid)
    assert due.date() == clock.now().astimezone(madrid).date() and due.time() < time(18, 0)
    assert datetime.fromisoformat(followup["expires_at"]) > due


def test_worsening_after_48h_contacts_clinic(client, treated):
    clock.freeze(PERFORMED + timedelta(hours=50))
    assert _checkin(client, treated, {"redness": 1, "pain": 0})["outcome"] in ("expected", "self_care")
    clock.freeze(PERFORMED + timedelta(hours=60))
    assert _checkin(client, treated, {"redness": 1, "pain": 2})["outcome"] == "contact_clinic"


def test_alert_acknowledge_and_resolve(client, treated):
    clock.freeze(PERFORMED + timedelta(hours=30))
    alert_id = _checkin(client, treated, {}, red_flags={"fever": True})["alert_id"]
    headers = treated["clinic"]["headers"]
    acked = client.post(f"/v1/alerts/{alert_id}/acknowledge", headers=headers).get_json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_at"]
    assert _alerts(client, treated, "open") == []
    assert client.post(f"/v1/alerts/{alert_id}/resolve", json={}, headers=headers).status_code == 422
    resolved = client.post(
        f"/v1/alerts/{alert_id}/resolve", json={"note": "Seen in clinic, antibiotics"}, headers=headers
    ).get_json()
    assert resolved["status"] == "resolved" and resolved["resolution_note"] == "Seen in clinic, antibiotics"
    assert client.post(f"/v1/alerts/{alert_id}/resolve", json={"note": "again"}, headers=headers).status_code == 409


def test_checkin_history_for_patient_and_clinic(client, treated):
    _checkin(client, treated, {"redness": 1})
    _checkin(client, treated, {"swelling": 1})
    mine = client.get("/v1/me/checkins", headers=treated["headers"]).get_json()["items"]
    assert len(mine) == 2
    theirs = client.get(f"/v1/patients/{treated['patient']['id']}/checkins", headers=treated["clinic"]["headers"])
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
def test_bad_checkins_are_422_and_write_nothing(client, treated, body, field):
    response = client.post("/v1/me/checkins", json=body, headers=treated["headers"])
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/v1/me/checkins", headers=treated["headers"]).get_json()["items"] == []


def test_clinic_cannot_see_another_clinics_alerts(app, client, treated):
    clock.freeze(PERFORMED + timedelta(hours=30))
    alert_id = _checkin(client, treated, {}, red_flags={"fever": True})["alert_id"]
    other = create_clinic(app, "Other")["headers"]
    assert client.get("/v1/alerts", headers=other).get_json()["items"] == []
    assert client.get(f"/v1/alerts/{alert_id}", headers=other).status_code == 404
    assert client.post(f"/v1/alerts/{alert_id}/acknowledge", headers=other).status_code == 404


def test_clinic_reads_the_triage_rules(client, treated):
    table = client.get("/v1/triage-rules", headers=treated["clinic"]["headers"]).get_json()["items"]
    outcomes = [row["outcome"] for row in table]
    assert outcomes[0] == "urgent" and outcomes[-1] == "expected"
    assert {"flag_pus", "worsening_trend", "redness_beyond_window"} <= {row["id"] for row in table}
    assert client.get("/v1/triage-rules", headers=treated["headers"]).status_code == 401
