"""A patient's last activity (the console list's order): each kind of activity moves it
forward, an older event never moves it back, and it is no edit of the patient's details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Patient
from tests.factories import create_clinic, enroll, record_treatment, sign_in

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _activity(app, patient_id: int) -> tuple[datetime, datetime]:
    with app.app_context():
        row = db.session.get_one(Patient, patient_id)
        return row.last_activity_at, row.updated_at


def test_each_activity_moves_the_last_activity_forward_and_never_back(app, client):
    clock.freeze(T0)
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    assert _activity(app, patient["id"]) == (T0, T0)

    clock.freeze(T0 + timedelta(hours=1))
    record_treatment(client, clinic, patient["id"], performed_at=T0 + timedelta(minutes=30))
    assert _activity(app, patient["id"])[0] == T0 + timedelta(minutes=30)  # when the session was performed

    clock.freeze(T0 + timedelta(hours=2))
    headers = sign_in(client, patient["enrollment_code"])
    assert _activity(app, patient["id"])[0] == T0 + timedelta(hours=2)

    clock.freeze(T0 + timedelta(hours=3))
    client.post("/v1/me/devices", json={"fid": "fid-activity", "platform": "android"}, headers=headers)
    assert _activity(app, patient["id"])[0] == T0 + timedelta(hours=3)

    clock.freeze(T0 + timedelta(hours=4))
    reply = client.post("/v1/me/checkins", json={"ratings": {"redness": 1}, "red_flags": {}}, headers=headers)
    assert reply.status_code == 201
    assert _activity(app, patient["id"])[0] == T0 + timedelta(hours=4)

    clock.freeze(T0 + timedelta(hours=20))  # the app in use again, past the 12 h the sign-in is noted at
    assert client.get("/v1/me", headers=headers).status_code == 200
    assert _activity(app, patient["id"])[0] == T0 + timedelta(hours=20)

    clock.freeze(T0 + timedelta(hours=21))  # a session of yesterday morning, recorded late
    second = {"session_number": 2, "planned_sessions": 3}
    record_treatment(client, clinic, patient["id"], performed_at=T0 + timedelta(minutes=45), series=second)
    last, updated = _activity(app, patient["id"])
    assert last == T0 + timedelta(hours=20) and updated == T0
