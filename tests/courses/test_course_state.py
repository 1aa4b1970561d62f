"""The stored course state agrees with reading the sessions and bookings at every instant:
on random courses (written as rows, then rebuilt by the migration's backfill), and when the
services that change a course write it (sessions recorded, corrected, cancelled; visits
booked, moved, cancelled; a clinic's protocol timing changed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from companion.core.clock import clock
from companion.courses import course_state
from companion.courses.models import Appointment, CourseState
from companion.courses.timing import Window
from companion.extensions import db
from companion.patients.models import Patient
from companion.protocols.service import effective_protocols
from companion.treatments.models import Treatment
from companion.worklist import queries as q
from tests.courses import reasons_from_sessions as old
from tests.factories import create_clinic, enroll, record_treatment

BASE = datetime(2025, 1, 1, tzinfo=UTC)
PROTOCOLS = ("microneedling-face", "microneedling-body")

# Days 29-31 of a month: N calendar months later may not have them (the rules clamp).
MONTH_ENDS = [d for d in range(500) if (BASE + timedelta(days=d)).day >= 29]

session = st.fixed_dictionaries(
    {
        "day": st.integers(0, 500) | st.sampled_from(MONTH_ENDS),
        "minute": st.integers(0, 24 * 60 - 1),
        "number": st.integers(1, 4),
        "planned": st.integers(1, 4),
        "protocol": st.sampled_from(PROTOCOLS),
        "active": st.booleans() | st.just(True),
    }
)
visit = st.fixed_dictionaries(
    {"day": st.integers(0, 560), "status": st.sampled_from(("booked", "cancelled", "attended"))}
)
course = st.fixed_dictionaries(
    {"sessions": st.lists(session, min_size=1, max_size=4), "visits": st.lists(visit, max_size=2)}
)


def _write(clinic_id: int, courses: list[dict]) -> None:
    for index, c in enumerate(courses):
        patient = Patient(clinic_id=clinic_id, display_name=f"P{index}", timezone="UTC", locale="en")
        db.session.add(patient)
        db.session.flush()
        for s in c["sessions"]:
            at = BASE + timedelta(days=s["day"], minutes=s["minute"])
            db.session.add(
                Treatment(
                    clinic_id=clinic_id,
                    patient_id=patient.id,
                    protocol_key=s["protocol"],
                    performed_at=at,
                    needle_depth_mm=1.0,
                    area="face",
                    session_number=s["number"],
                    planned_sessions=s["planned"],
                    status="active" if s["active"] else "cancelled",
                )
            )
        for v in c["visits"]:
            at = BASE + timedelta(days=v["day"], hours=11)
            db.session.add(
                Appointment(clinic_id=clinic_id, patient_id=patient.id, starts_at=at, kind="series", status=v["status"])
            )
    db.session.flush()


def _stored(clinic_id: int, now: datetime) -> dict[str, set]:
    found = {}
    for name in ("rebooking_due", "maintenance_due"):
        rows = db.session.execute(getattr(q, name)(clinic_id, now)).all()
        found[name] = {(row.patient_id, row.ref_id, row.since) for row in rows}
    return found


def _read_from_sessions(clinic_id: int, now: datetime) -> dict[str, set]:
    windows = [Window.of(p.key, p.content) for p in effective_protocols(clinic_id)]
    return {
        name: {tuple(row) for row in db.session.execute(getattr(old, name)(clinic_id, now, windows)).all()}
        for name in ("rebooking_due", "maintenance_due")
    }


def _instants(clinic_id: int) -> list[datetime]:
    """Every stored bound, and a second either side of it: where the two readings could part."""
    rows = db.session.execute(
        select(
            CourseState.rebooking_from,
            CourseState.rebooking_until,
            CourseState.maintenance_from,
            CourseState.maintenance_until,
        ).where(CourseState.clinic_id == clinic_id)
    ).all()
    bounds = {b for row in rows for b in row if b is not None}
    return sorted({b + timedelta(seconds=d) for b in bounds for d in (-1, 0, 1)})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(courses=st.lists(course, min_size=1, max_size=6), nows=st.lists(st.integers(0, 1000 * 24 * 60), max_size=4))
def test_the_stored_state_gives_the_reasons_read_from_the_sessions(app, courses, nows):
    clinic = create_clinic(app)
    with app.app_context():
        _write(clinic["id"], courses)
        course_state.rebuild(db.session.connection(), clinic["id"])
        instants = _instants(clinic["id"]) + [BASE + timedelta(minutes=m) for m in nows]
        for now in instants:
            assert _stored(clinic["id"], now) == _read_from_sessions(clinic["id"], now), now
        db.session.rollback()


def test_month_end_sessions_come_due_when_the_old_rule_said(ctx):
    """31 January + one month: the calendar clamps, and the bound follows the rule it replaces."""
    from companion.courses.timing import months_reached

    start = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    assert months_reached(start, 1) == datetime(2026, 3, 1, tzinfo=UTC)
    assert months_reached(datetime(2026, 1, 15, 10, 0, tzinfo=UTC), 1) == datetime(2026, 2, 15, 10, 0, tzinfo=UTC)


def _rows(clinic_id: int) -> list[tuple]:
    columns = [c for c in CourseState.__table__.c if c.name != "updated_at"]
    return sorted(tuple(row) for row in db.session.execute(select(*columns).where(CourseState.clinic_id == clinic_id)))


def _as_rebuilt(app, clinic_id: int) -> None:
    """What the services wrote equals what the backfill derives from the same rows."""
    with app.app_context():
        written = _rows(clinic_id)
        course_state.rebuild(db.session.connection(), clinic_id)
        assert _rows(clinic_id) == written
        db.session.rollback()


def test_the_services_that_change_a_course_write_its_state(app, client):
    day0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    clock.freeze(day0)
    clinic = create_clinic(app)
    h = clinic["headers"]
    patient = enroll(client, clinic)
    first = record_treatment(client, clinic, patient["id"], performed_at=day0)
    _as_rebuilt(app, clinic["id"])

    clock.freeze(day0 + timedelta(days=30))  # the window has opened
    with app.app_context():
        assert {row[0] for row in _stored(clinic["id"], clock.now())["rebooking_due"]} == {patient["id"]}
    booked = client.post(
        f"/v1/patients/{patient['id']}/appointments",
        headers=h,
        json={"starts_at": (day0 + timedelta(days=35)).isoformat(), "kind": "series"},
    )
    assert booked.status_code == 201
    _as_rebuilt(app, clinic["id"])
    with app.app_context():
        assert _stored(clinic["id"], clock.now())["rebooking_due"] == set()
    visit = booked.get_json()["id"]
    moved = client.patch(
        f"/v1/appointments/{visit}", headers=h, json={"starts_at": (day0 + timedelta(days=40)).isoformat()}
    )
    assert moved.status_code == 200
    _as_rebuilt(app, clinic["id"])
    assert client.delete(f"/v1/appointments/{visit}", headers=h).status_code == 204
    _as_rebuilt(app, clinic["id"])
    with app.app_context():
        assert {row[0] for row in _stored(clinic["id"], clock.now())["rebooking_due"]} == {patient["id"]}

    second = record_treatment(
        client,
        clinic,
        patient["id"],
        performed_at=day0 + timedelta(days=29),
        series={"session_number": 2, "planned_sessions": 3},
    )
    _as_rebuilt(app, clinic["id"])
    with app.app_context():
        assert _stored(clinic["id"], clock.now())["rebooking_due"] == set()  # the next window opens later
    corrected = client.patch(
        f"/v1/treatments/{second['id']}", headers=h, json={"performed_at": (day0 + timedelta(days=1)).isoformat()}
    )
    assert corrected.status_code == 200, corrected.get_json()
    _as_rebuilt(app, clinic["id"])
    assert client.delete(f"/v1/treatments/{second['id']}", headers=h).status_code == 204
    _as_rebuilt(app, clinic["id"])
    with app.app_context():
        row = db.session.get_one(CourseState, patient["id"])
        assert row.treatment_id == first["id"]

    # A clinic that gives its series more time moves the window of the courses already running.
    assert (
        client.put(
            "/v1/protocols/microneedling-face/override",
            headers=h,
            json={"values": {"series": {"spacing_weeks_min": 6, "spacing_weeks_max": 8}}},
        ).status_code
        == 200
    )
    _as_rebuilt(app, clinic["id"])
    with app.app_context():
        assert db.session.get_one(CourseState, patient["id"]).rebooking_from == day0 + timedelta(weeks=6)
        assert _stored(clinic["id"], clock.now()) == _read_from_sessions(clinic["id"], clock.now())
