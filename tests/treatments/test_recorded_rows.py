"""What a recorded or corrected session writes is what the clinic, the app and the dispatcher read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.models import PATIENT_PUSH, PENDING, Reminder
from tests.factories import create_clinic, enroll, record_treatment, sign_in

DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def setup(app, client):
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    return clinic, patient, sign_in(client, patient["enrollment_code"])


def _session(client, clinic, patient, number):
    return record_treatment(
        client,
        clinic,
        patient["id"],
        performed_at=clock.now() - timedelta(minutes=30),
        series={"session_number": number, "planned_sessions": 3},
    )


def _shown(client, clinic, treatment_id):
    return client.get(f"/v1/treatments/{treatment_id}", headers=clinic["headers"]).get_json()["reminders"]


def _in_app(client, headers):
    body = client.get("/v1/me/timeline", headers=headers).get_json()
    return {t["id"]: t["reminders"] for t in body["treatments"]}


def _rows(app, treatment_id):
    with app.app_context():
        rows = list(db.session.scalars(db.select(Reminder).where(Reminder.treatment_id == treatment_id)))
        db.session.remove()
        return rows


def test_recorded_reminders_are_ready_outbox_rows_in_plan_order(app, client, setup):
    clinic, patient, headers = setup
    body = _session(client, clinic, patient, 1)

    assert body["reminders"] == _shown(client, clinic, body["id"]) == _in_app(client, headers)[body["id"]]
    assert len(body["reminders"]) > 30 and {r["state"] for r in body["reminders"]} == {"pending"}
    rows = _rows(app, body["id"])
    assert {r.id for r in rows} == {r["id"] for r in body["reminders"]}
    for row in rows:  # what the dispatcher claims: due now or later, never leased, nothing tried yet
        assert (row.channel, row.status, row.attempts, row.payload, row.lease_until) == (
            PATIENT_PUSH,
            PENDING,
            0,
            {},
            None,
        )
        assert (row.clinic_id, row.patient_id, row.available_at) == (clinic["id"], patient["id"], row.due_at)
        assert row.created_at is not None and row.updated_at is not None
    session = sorted((r for r in rows if not r.plan_key.startswith("course:")), key=lambda r: r.id)
    course = [r for r in rows if r.plan_key.startswith("course:")]
    assert session == sorted(session, key=lambda r: (r.due_at, r.plan_key))  # ids follow the plan
    assert course and min(r.id for r in course) > session[-1].id  # the course is planned after the session


def test_a_second_session_moves_the_course_and_every_reader_agrees(client, setup):
    clinic, patient, headers = setup
    first = _session(client, clinic, patient, 1)
    clock.freeze(DAY0 + timedelta(days=24))
    second = _session(client, clinic, patient, 2)

    app_view = _in_app(client, headers)
    assert second["reminders"] == _shown(client, clinic, second["id"]) == app_view[second["id"]]
    assert any(r["kind"] == "next_session" for r in second["reminders"])
    assert not any(r["kind"] in ("next_session", "progress_checkin") for r in app_view[first["id"]])
    session_rows = {r["id"] for r in first["reminders"] if r["kind"] in ("hydration", "restriction_ended")}
    assert session_rows <= {r["id"] for r in app_view[first["id"]]}  # its own aftercare is untouched


def test_a_correction_answers_with_the_timeline_as_stored(client, setup):
    clinic, patient, headers = setup
    body = _session(client, clinic, patient, 1)
    later = (clock.now() - timedelta(minutes=10)).isoformat()
    response = client.patch(f"/v1/treatments/{body['id']}", json={"performed_at": later}, headers=clinic["headers"])

    assert response.status_code == 200
    corrected = response.get_json()["reminders"]
    assert corrected == _shown(client, clinic, body["id"]) == _in_app(client, headers)[body["id"]]
    assert {r["kind"] for r in corrected} >= {"next_session", "progress_checkin", "hydration"}
    assert len(corrected) == len({r["id"] for r in corrected}) == len(body["reminders"])  # replaced, not doubled
