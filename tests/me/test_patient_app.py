"""The patient's app: timeline, what is allowed now, acknowledging, changing preferences."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.clock import clock
from tests.factories import treated_patient

PERFORMED = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


@pytest.fixture
def treated(app, client):
    clock.freeze(PERFORMED + timedelta(minutes=10))
    return treated_patient(app, client, {"locale": "en"}, performed_at=PERFORMED)


def test_timeline_shows_treatment_restrictions_and_reminders(client, treated):
    body = client.get("/v1/me/timeline", headers=treated["headers"]).get_json()
    assert body["timezone"] == "Europe/Madrid"
    [treatment] = body["treatments"]
    assert treatment["id"] == treated["treatment"]["id"]
    assert {r["kind"] for r in treatment["restrictions"]} == {"makeup", "sweating", "actives", "exfoliation", "sun"}
    dues = [r["due_at"] for r in treatment["reminders"]]
    assert dues == sorted(dues)


def test_status_now_and_at_a_given_time(client, treated):
    now = client.get("/v1/me/status", headers=treated["headers"]).get_json()
    assert set(now["restricted_now"]) == {"makeup", "sweating", "actives", "exfoliation", "sun"}
    makeup = next(r for r in now["restrictions"] if r["kind"] == "makeup")
    assert datetime.fromisoformat(makeup["until"]) == PERFORMED + timedelta(hours=24)
    at = (PERFORMED + timedelta(hours=30)).isoformat()
    later = client.get("/v1/me/status", query_string={"at": at}, headers=treated["headers"]).get_json()
    assert "makeup" in later["allowed_now"] and "sweating" in later["restricted_now"]
    week = client.get(
        "/v1/me/status", query_string={"at": (PERFORMED + timedelta(days=8)).isoformat()}, headers=treated["headers"]
    ).get_json()
    assert week["restricted_now"] == []
    naive = client.get("/v1/me/status", query_string={"at": "2026-11-21T10:00:00"}, headers=treated["headers"])
    assert naive.status_code == 422 and "at" in naive.get_json()["error"]["fields"]


def test_reminder_detail_and_acknowledge(client, treated):
    reminder = treated["treatment"]["reminders"][0]
    detail = client.get(f"/v1/me/reminders/{reminder['id']}", headers=treated["headers"]).get_json()
    assert detail["title"] == reminder["title"]
    acked = client.post(f"/v1/me/reminders/{reminder['id']}/ack", headers=treated["headers"])
    assert acked.status_code == 200 and acked.get_json()["state"] == "acknowledged"
    first_ack = acked.get_json()["acknowledged_at"]
    again = client.post(f"/v1/me/reminders/{reminder['id']}/ack", headers=treated["headers"]).get_json()
    assert again["acknowledged_at"] == first_ack
    assert client.post("/v1/me/reminders/999999/ack", headers=treated["headers"]).status_code == 404


def test_changing_time_zone_replans_pending_reminders(client, treated):
    response = client.patch(
        "/v1/me", json={"timezone": "America/New_York", "locale": "es-MX"}, headers=treated["headers"]
    )
    assert response.status_code == 200
    [treatment] = client.get("/v1/me/timeline", headers=treated["headers"]).get_json()["treatments"]
    zone = ZoneInfo("America/New_York")
    for reminder in treatment["reminders"]:
        local = datetime.fromisoformat(reminder["due_at"]).astimezone(zone)
        assert 8 <= local.hour < 21, reminder
    hydration = next(r for r in treatment["reminders"] if r["kind"] == "hydration")
    assert "hidrat" in hydration["title"].lower()


def test_quiet_hours_change_moves_reminders(client, treated):
    client.patch("/v1/me", json={"quiet_hours": {"start": "20:00", "end": "10:00"}}, headers=treated["headers"])
    [treatment] = client.get("/v1/me/timeline", headers=treated["headers"]).get_json()["treatments"]
    zone = ZoneInfo("Europe/Madrid")
    assert all(10 <= datetime.fromisoformat(r["due_at"]).astimezone(zone).hour < 20 for r in treatment["reminders"])


def test_bad_preferences_are_refused(client, treated):
    for body in ({"timezone": "Nowhere/City"}, {"quiet_hours": {"start": "7pm", "end": "08:00"}}, {"locale": 3}):
        response = client.patch("/v1/me", json=body, headers=treated["headers"])
        assert response.status_code == 422, body
    assert client.get("/v1/me", headers=treated["headers"]).get_json()["timezone"] == "Europe/Madrid"


def test_replanning_keeps_unchanged_reminders_and_replaces_changed_ones(client, treated):
    def pending_ids():
        [treatment] = client.get("/v1/me/timeline", headers=treated["headers"]).get_json()["treatments"]
        return {r["id"] for r in treatment["reminders"] if r["state"] == "pending"}

    before = pending_ids()
    client.patch("/v1/me", json={"timezone": "Europe/Madrid"}, headers=treated["headers"])  # nothing moves
    assert pending_ids() == before  # ids the app already holds from pushes stay valid
    client.patch("/v1/me", json={"locale": "es"}, headers=treated["headers"])  # every text changes
    assert pending_ids().isdisjoint(before)
