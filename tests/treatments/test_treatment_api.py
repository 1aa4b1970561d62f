"""A clinic records a session and the timeline comes back with it, in one transaction."""

from datetime import UTC, datetime, timedelta

import pytest

from companion.core.clock import clock
from tests.factories import NO_CONTRAINDICATIONS, create_clinic, enroll, record_treatment, treatment_body

MADRID_NOON = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)  # 12:00 local


@pytest.fixture
def setup(app, client):
    clock.freeze(MADRID_NOON + timedelta(minutes=30))
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    return clinic, patient


def _restrictions(body):
    return {r["kind"]: r for r in body["restrictions"]}


def _hours(later: str, earlier: datetime) -> float:
    return (datetime.fromisoformat(later) - earlier).total_seconds() / 3600


def test_every_rule_of_the_table_appears(client, setup):
    clinic, patient = setup
    body = record_treatment(client, clinic, patient["id"], performed_at=MADRID_NOON)
    windows = {kind: _hours(r["ends_at"], MADRID_NOON) for kind, r in _restrictions(body).items()}
    assert windows == {"makeup": 24, "sweating": 48, "actives": 168, "exfoliation": 168, "sun": 168}
    kinds = [r["kind"] for r in body["reminders"]]
    assert kinds.count("hydration") >= 6  # several times a day for the first days
    assert "sun_protection" in kinds and "next_session" in kinds and "progress_checkin" in kinds
    assert kinds.count("checkin_prompt") == 3
    nxt = next(r for r in body["reminders"] if r["kind"] == "next_session")
    assert 4 * 7 * 24 - 48 <= _hours(nxt["due_at"], MADRID_NOON) <= 4 * 7 * 24 + 24
    assert _hours(nxt["expires_at"], MADRID_NOON) == pytest.approx(6 * 7 * 24, abs=24)
    assert body["expected_course"]["redness_hours"] == 48
    assert all(r["state"] == "pending" for r in body["reminders"])
    assert "FPS 30+" in _restrictions(body)["sun"]["detail"]  # Spanish-speaking patient


def test_last_session_of_series_gets_maintenance_not_next_session(client, setup):
    clinic, patient = setup
    body = record_treatment(
        client, clinic, patient["id"], performed_at=MADRID_NOON, series={"session_number": 3, "planned_sessions": 3}
    )
    kinds = {r["kind"] for r in body["reminders"]}
    assert "maintenance" in kinds and "next_session" not in kinds
    maint = next(r for r in body["reminders"] if r["kind"] == "maintenance")
    assert 170 * 24 <= _hours(maint["due_at"], MADRID_NOON) <= 190 * 24


def test_deeper_needle_expects_longer_recovery(client, setup):
    clinic, patient = setup
    light = record_treatment(client, clinic, patient["id"], performed_at=MADRID_NOON, needle_depth_mm=0.5)
    deep = record_treatment(client, clinic, patient["id"], performed_at=MADRID_NOON, needle_depth_mm=2.5)
    assert deep["expected_course"]["redness_hours"] > light["expected_course"]["redness_hours"]


def test_reminders_are_outside_quiet_hours_in_local_time(client, setup):
    from zoneinfo import ZoneInfo

    clinic, patient = setup
    body = record_treatment(client, clinic, patient["id"], performed_at=MADRID_NOON)
    for reminder in body["reminders"]:
        local = datetime.fromisoformat(reminder["due_at"]).astimezone(ZoneInfo("Europe/Madrid")).time()
        assert not (local.hour >= 21 or local.hour < 8), reminder


def test_idempotency_key_returns_the_first_result(client, setup):
    clinic, patient = setup
    headers = {**clinic["headers"], "Idempotency-Key": "visit-42"}
    url = f"/v1/patients/{patient['id']}/treatments"
    first = client.post(url, json=treatment_body(MADRID_NOON), headers=headers)
    again = client.post(url, json=treatment_body(MADRID_NOON), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.get_json()["id"] == again.get_json()["id"]
    listed = client.get(url, headers=clinic["headers"]).get_json()["items"]
    assert len(listed) == 1
    other = client.post(url, json=treatment_body(MADRID_NOON, needle_depth_mm=2.0), headers=headers)
    assert other.status_code == 409


def test_contraindication_blocks_until_clearance(app, client):
    clock.freeze(MADRID_NOON + timedelta(minutes=30))
    clinic = create_clinic(app)
    patient = enroll(client, clinic, screening=dict(NO_CONTRAINDICATIONS, eczema=True))
    url = f"/v1/patients/{patient['id']}/treatments"
    blocked = client.post(url, json=treatment_body(MADRID_NOON), headers=clinic["headers"])
    assert blocked.status_code == 409
    assert blocked.get_json()["error"]["code"] == "clearance_required"
    assert client.get(url, headers=clinic["headers"]).get_json()["items"] == []
    cleared = client.post(url, json=treatment_body(MADRID_NOON, clearance_confirmed=True), headers=clinic["headers"])
    assert cleared.status_code == 201


def test_correcting_the_time_replans_pending_reminders(client, setup):
    clinic, patient = setup
    body = record_treatment(client, clinic, patient["id"], performed_at=MADRID_NOON)
    later = MADRID_NOON + timedelta(hours=2)
    response = client.patch(
        f"/v1/treatments/{body['id']}", json={"performed_at": later.isoformat()}, headers=clinic["headers"]
    )
    assert response.status_code == 200
    makeup = _restrictions(response.get_json())["makeup"]
    assert datetime.fromisoformat(makeup["ends_at"]) == later + timedelta(hours=24)

    def ended(reminders):
        return {r["id"]: r["due_at"] for r in reminders if r["kind"] == "restriction_ended"}

    moved, kept = ended(response.get_json()["reminders"]), ended(body["reminders"])
    assert set(moved).isdisjoint(kept)  # "you can … again" notices move with the windows, shown once
    assert min(moved.values()) >= (later + timedelta(hours=24)).isoformat()
    same_slot = {r["id"] for r in body["reminders"] if r["kind"] == "hydration"}
    assert same_slot <= {r["id"] for r in response.get_json()["reminders"]}  # fixed local times: untouched


def test_cancel_cancels_pending_keeps_history(app, client, setup):
    from companion.extensions import db
    from companion.reminders.models import Reminder

    clinic, patient = setup
    body = record_treatment(client, clinic, patient["id"], performed_at=MADRID_NOON)
    sent_id = body["reminders"][0]["id"]
    with app.app_context():
        db.session.get(Reminder, sent_id).status = "sent"
        db.session.commit()
    assert client.delete(f"/v1/treatments/{body['id']}", headers=clinic["headers"]).status_code == 204
    shown = client.get(f"/v1/treatments/{body['id']}", headers=clinic["headers"]).get_json()
    states = {r["id"]: r["state"] for r in shown["reminders"]}
    assert states.pop(sent_id) == "sent"
    assert set(states.values()) == {"cancelled"}
    assert shown["status"] == "cancelled"
    again = client.patch(f"/v1/treatments/{body['id']}", json={"needle_depth_mm": 1.5}, headers=clinic["headers"])
    assert again.status_code == 409


@pytest.mark.parametrize(
    "change, field",
    [
        ({"protocol": "tattoo-removal"}, "protocol"),
        ({"performed_at": "2026-11-20T12:00:00"}, "performed_at"),  # naive
        ({"performed_at": "yesterday"}, "performed_at"),
        ({"performed_at": "2030-01-01T00:00:00+00:00"}, "performed_at"),
        ({"needle_depth_mm": 0.1}, "needle_depth_mm"),
        ({"needle_depth_mm": 3.5}, "needle_depth_mm"),
        ({"needle_depth_mm": "deep"}, "needle_depth_mm"),
        ({"area": "moon"}, "area"),
        ({"combined_with": ["laser"]}, "combined_with"),
        ({"series": {"session_number": 4, "planned_sessions": 3}}, "series"),
        ({"series": {"session_number": 1, "planned_sessions": 9}}, "series"),
    ],
)
def test_bad_treatment_input_is_422_and_writes_nothing(client, setup, change, field):
    clinic, patient = setup
    url = f"/v1/patients/{patient['id']}/treatments"
    body = treatment_body(MADRID_NOON)
    body.update(change)
    response = client.post(url, json=body, headers=clinic["headers"])
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert client.get(url, headers=clinic["headers"]).get_json()["items"] == []


def test_missing_treatment_fields(client, setup):
    clinic, patient = setup
    response = client.post(f"/v1/patients/{patient['id']}/treatments", json={}, headers=clinic["headers"])
    assert response.status_code == 422
    assert {"protocol", "performed_at", "needle_depth_mm", "area"} <= set(response.get_json()["error"]["fields"])


def test_protocols_listed_and_overridden_per_clinic(app, client, setup):
    clinic, patient = setup
    listed = client.get("/v1/protocols", headers=clinic["headers"]).get_json()["items"]
    keys = {p["key"] for p in listed}
    assert {"microneedling-face", "microneedling-face-prp", "microneedling-body"} <= keys
    detail = client.get("/v1/protocols/microneedling-face", headers=clinic["headers"]).get_json()
    assert detail["overridden"] is False
    assert client.get("/v1/protocols/nope", headers=clinic["headers"]).status_code == 404
    bad = client.put(
        "/v1/protocols/microneedling-face/override",
        json={"values": {"restrictions": {"makeup": {"hours": -5}}}},
        headers=clinic["headers"],
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"]
