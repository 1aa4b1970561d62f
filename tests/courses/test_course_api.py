"""The course through the API: sessions supersede each other's forward-looking reminders,
bookings stop nudges, and the stories from the issue replayed through the real dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.models import PENDING, SUPERSEDED, Reminder
from tests.courses.stories import BOOKED_THEN_CANCELLED, COMPLETED_SERIES, DROP_OUT, START, Story
from tests.factories import create_clinic, enroll, record_treatment, sign_in

DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def course(app, client):
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    return clinic, patient


def _session(client, clinic, patient, number, planned=3, **extra):
    return record_treatment(
        client,
        clinic,
        patient["id"],
        performed_at=clock.now(),
        series={"session_number": number, "planned_sessions": planned},
        **extra,
    )


def _rows(app, patient, **where):
    with app.app_context():
        query = db.select(Reminder).where(Reminder.patient_id == patient["id"])
        for name, value in where.items():
            query = query.where(getattr(Reminder, name) == value)
        rows = list(db.session.scalars(query.order_by(Reminder.due_at)))
        db.session.remove()
        return rows


def test_day_24_session_2_supersedes_session_1s_book_session_2_nudge(app, client, course):
    clinic, patient = course
    _session(client, clinic, patient, 1)
    [nudge] = [
        r for r in _rows(app, patient, status=PENDING) if r.kind == "next_session" and r.plan_key.endswith(":open")
    ]
    assert "2 de 3" in nudge.body  # a Spanish-speaking patient

    clock.freeze(DAY0 + timedelta(days=24))
    _session(client, clinic, patient, 2)

    pending = _rows(app, patient, status=PENDING)
    nudges = [r for r in pending if r.kind == "next_session"]
    assert nudges and all("3 de 3" in r.body for r in nudges)  # only about the step still ahead
    assert next(r for r in _rows(app, patient) if r.id == nudge.id).status == SUPERSEDED
    progress = [r for r in pending if r.kind == "progress_checkin"]
    months = [r.due_at.strftime("%Y-%m") for r in progress]
    assert len(months) == len(set(months)) == 6 and min(r.due_at for r in progress) > DAY0 + timedelta(days=50)


def test_an_earlier_sessions_aftercare_still_running_stays(app, client, course):
    clinic, patient = course
    _session(client, clinic, patient, 1)
    clock.freeze(DAY0 + timedelta(days=2))
    first_sun = [r.id for r in _rows(app, patient, status=PENDING) if r.kind == "sun_protection"]
    _session(client, clinic, patient, 2)
    still = {r.id for r in _rows(app, patient, status=PENDING)}
    assert first_sun and set(first_sun) <= still


def test_status_merges_overlapping_restrictions_latest_until_per_kind(app, client, course):
    clinic, patient = course
    _session(client, clinic, patient, 1)
    clock.freeze(DAY0 + timedelta(days=2))
    second = _session(client, clinic, patient, 2)
    headers = sign_in(client, patient["enrollment_code"])
    body = client.get("/v1/me/status", headers=headers).get_json()
    kinds = [r["kind"] for r in body["restrictions"]]
    assert sorted(kinds) == sorted(set(kinds)) == ["actives", "exfoliation", "makeup", "sun", "sweating"]
    sun = next(r for r in body["restrictions"] if r["kind"] == "sun")
    assert sun["treatment_id"] == second["id"] and sun["active"]
    assert datetime.fromisoformat(sun["until"]) == DAY0 + timedelta(days=2 + 7)


@pytest.mark.parametrize(("number", "word"), [(1, None), (2, "repeats"), (4, "skips ahead of")])
def test_series_position_is_checked(app, client, course, number, word):
    clinic, patient = course
    _session(client, clinic, patient, 1)
    clock.freeze(DAY0 + timedelta(days=30))
    _session(client, clinic, patient, 2, planned=4)
    clock.freeze(DAY0 + timedelta(days=60))
    response = client.post(
        f"/v1/patients/{patient['id']}/treatments",
        headers=clinic["headers"],
        json={
            "protocol": "microneedling-face",
            "performed_at": clock.now().isoformat(),
            "needle_depth_mm": 1.0,
            "area": "face",
            "series": {"session_number": number, "planned_sessions": 4},
        },
    )
    if word is None:
        assert response.status_code == 201  # session 1 starts a new series
        return
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "series_position" and word in error["message"]
    assert "Expected session_number 3" in error["fields"]["series"][0]


def test_a_booking_stops_nudges_and_cancelling_brings_them_back(app, client, course):
    clinic, patient = course
    _session(client, clinic, patient, 1)
    clock.freeze(DAY0 + timedelta(days=10))
    starts = DAY0 + timedelta(days=32, hours=1)
    booked = client.post(
        f"/v1/patients/{patient['id']}/appointments",
        headers=clinic["headers"],
        json={"starts_at": starts.isoformat(), "kind": "series", "note": "Bring your SPF"},
    )
    assert booked.status_code == 201, booked.get_json()
    pending = _rows(app, patient, status=PENDING)
    assert not [r for r in pending if r.kind in ("next_session", "maintenance")]
    [reminder] = [r for r in pending if r.kind == "appointment"]
    assert "Bring your SPF" in reminder.body and reminder.due_at < starts
    assert reminder.due_at.astimezone(ZoneInfo("Europe/Madrid")).hour == 18  # the evening before

    clock.freeze(DAY0 + timedelta(days=20))
    assert client.delete(f"/v1/appointments/{booked.get_json()['id']}", headers=clinic["headers"]).status_code == 204
    pending = _rows(app, patient, status=PENDING)
    assert [r.plan_key.rsplit(":", 1)[1] for r in pending if r.kind == "next_session"] == ["open", "closing"]
    assert len([r for r in pending if r.kind == "maintenance"]) == 3
    assert not [r for r in pending if r.kind == "appointment"]


def test_moving_an_appointment_moves_its_reminder_and_the_app_sees_it(app, client, course):
    clinic, patient = course
    _session(client, clinic, patient, 1)
    starts = DAY0 + timedelta(days=30)
    appointment = client.post(
        f"/v1/patients/{patient['id']}/appointments",
        headers=clinic["headers"],
        json={"starts_at": starts.isoformat(), "kind": "series"},
    ).get_json()
    moved = client.patch(
        f"/v1/appointments/{appointment['id']}",
        headers=clinic["headers"],
        json={"starts_at": (starts + timedelta(days=5)).isoformat(), "note": "New room"},
    )
    assert moved.status_code == 200 and moved.get_json()["note"] == "New room"
    [reminder] = [r for r in _rows(app, patient, status=PENDING) if r.kind == "appointment"]
    assert reminder.due_at > starts and "New room" in reminder.body
    headers = sign_in(client, patient["enrollment_code"])
    mine = client.get("/v1/me/appointments", headers=headers).get_json()["items"]
    assert [a["id"] for a in mine] == [appointment["id"]] and mine[0]["status"] == "booked"
    listed = client.get(f"/v1/patients/{patient['id']}/appointments", headers=clinic["headers"]).get_json()["items"]
    assert [a["id"] for a in listed] == [appointment["id"]]


def test_recording_the_session_attends_the_booked_appointment(app, client, course):
    clinic, patient = course
    _session(client, clinic, patient, 1)
    clock.freeze(DAY0 + timedelta(days=10))
    appointment = client.post(
        f"/v1/patients/{patient['id']}/appointments",
        headers=clinic["headers"],
        json={"starts_at": (DAY0 + timedelta(days=30)).isoformat(), "kind": "series"},
    ).get_json()
    clock.freeze(DAY0 + timedelta(days=30, hours=1))
    second = _session(client, clinic, patient, 2)
    shown = client.get(f"/v1/appointments/{appointment['id']}", headers=clinic["headers"]).get_json()
    assert (shown["status"], shown["treatment_id"]) == ("attended", second["id"])
    assert [r for r in _rows(app, patient, status=PENDING) if r.kind == "next_session"]  # nudges for session 3


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"starts_at": "2026-04-01T10:00:00", "kind": "series"}, 422, "starts_at"),  # no offset
        ({"starts_at": "2026-03-01T10:00:00+00:00", "kind": "series"}, 422, "starts_at"),  # in the past
        ({"starts_at": "2026-04-01T10:00:00+00:00", "kind": "party"}, 422, "kind"),
        ({"kind": "series"}, 422, "starts_at"),
    ],
)
def test_bad_appointments_are_refused_and_nothing_is_written(app, client, course, body, status, field):
    clinic, patient = course
    _session(client, clinic, patient, 1)
    before = [(r.id, r.status) for r in _rows(app, patient)]
    response = client.post(f"/v1/patients/{patient['id']}/appointments", headers=clinic["headers"], json=body)
    assert response.status_code == status and field in response.get_json()["error"]["fields"]
    assert client.get(f"/v1/patients/{patient['id']}/appointments", headers=clinic["headers"]).get_json()["items"] == []
    assert [(r.id, r.status) for r in _rows(app, patient)] == before


def test_another_clinics_patient_and_appointment_are_not_found(app, client, course):
    clinic, patient = course
    other = create_clinic(app, "Other")
    starts = (DAY0 + timedelta(days=20)).isoformat()
    response = client.post(
        f"/v1/patients/{patient['id']}/appointments",
        headers=other["headers"],
        json={"starts_at": starts, "kind": "series"},
    )
    assert response.status_code == 404
    mine = client.post(
        f"/v1/patients/{patient['id']}/appointments",
        headers=clinic["headers"],
        json={"starts_at": starts, "kind": "series"},
    ).get_json()
    assert client.get(f"/v1/appointments/{mine['id']}", headers=other["headers"]).status_code == 404
    assert client.delete(f"/v1/appointments/{mine['id']}", headers=other["headers"]).status_code == 404
    assert client.get(f"/v1/appointments/{mine['id']}", headers=clinic["headers"]).get_json()["status"] == "booked"


# -- the stories, replayed through the dispatcher (pushes per month) -------------------


@pytest.mark.slow
def test_story_completed_series_never_two_progress_pushes_a_month(app, client):
    story = Story(app, client)
    story.play(COMPLETED_SERIES)
    assert max(story.kinds_per_month("progress_checkin")) == 1
    assert story.kinds_per_month("next_session")[:3] == [1, 0, 1]  # day 28 and day 61: before each session
    assert sum(story.kinds_per_month("maintenance")) == 2  # months 6 and 9 after session 3 (12 is next year)
    assert max(story.per_month()[3:]) == 1  # after the aftercare weeks: one push a month at most


@pytest.mark.slow
def test_story_drop_out_after_session_1_is_not_left_silent(app, client):
    story = Story(app, client)
    story.play(DROP_OUT)
    assert story.kinds_per_month("next_session")[:2] == [1, 1]  # window opens (day 28), closing (day 35)
    assert [i for i, n in enumerate(story.kinds_per_month("maintenance")) if n] == [6, 9, 11]
    assert max(story.kinds_per_month("progress_checkin")) == 1


@pytest.mark.slow
def test_story_booked_then_cancelled_gets_its_nudges_back(app, client):
    story = Story(app, client)
    story.play(BOOKED_THEN_CANCELLED)
    assert story.kinds_per_month("next_session")[:2] == [1, 1]
    assert sum(story.kinds_per_month("appointment")) == 0
    assert sum(story.kinds_per_month("maintenance")) == 3
    assert START  # the stories start on a Monday morning in Madrid
