"""A small clinic month whose every engagement figure is known (tests of the API and the Results page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.core.clock import clock
from companion.courses.models import Appointment
from companion.extensions import db
from companion.reminders import models as r
from companion.treatments.models import Treatment
from tests.factories import create_clinic, enroll, sign_in

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
PROMPT = "checkin:24h"
URGENT = {"ratings": {"redness": 3, "swelling": 3}, "red_flags": {"pus": True}}


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def reminder_row(clinic_id, patient_id, kind, due, status, *, sent=None, opened=None, acked=None, **extra):
    return r.Reminder(
        clinic_id=clinic_id,
        patient_id=patient_id,
        kind=kind,
        title="t",
        body="b",
        due_at=due,
        expires_at=due + timedelta(days=1),
        available_at=due,
        status=status,
        sent_at=sent,
        opened_at=opened,
        acknowledged_at=acked,
        **extra,
    )


def _session(clinic_id, patient_id, performed, number, planned, protocol="microneedling-face"):
    return Treatment(
        clinic_id=clinic_id,
        patient_id=patient_id,
        protocol_key=protocol,
        performed_at=performed,
        needle_depth_mm=1.0,
        area="face" if protocol == "microneedling-face" else "abdomen",
        session_number=number,
        planned_sessions=planned,
    )


def build_march(app, client):
    """Four patients through March. A gets, opens and answers; B gets and ignores; C is never
    reached; D has one reminder still to go. A and B raise urgent alerts acknowledged after 30 and
    10 minutes. Series: A books on time, B books after the window, D lets it lapse."""
    clock.freeze(at(2))
    clinic = create_clinic(app)
    a, b, c, d = (enroll(client, clinic, display_name=name) for name in "ABCD")
    apps = {p["display_name"]: sign_in(client, p["enrollment_code"]) for p in (a, b)}
    cid, row = clinic["id"], reminder_row
    with app.app_context():
        db.session.add_all(
            [
                row(cid, a["id"], "restriction", at(2), r.SENT, sent=at(2), opened=at(2, 11), acked=at(2, 12)),
                row(cid, b["id"], "restriction", at(2), r.SENT, sent=at(2)),
                row(cid, c["id"], "restriction", at(2), r.UNDELIVERABLE),
                row(cid, d["id"], "restriction", at(20), r.PENDING),
                reminder_row(
                    cid, a["id"], "checkin_prompt", at(3), r.SENT, sent=at(3), opened=at(3, 11), plan_key=PROMPT
                ),
                row(cid, b["id"], "checkin_prompt", at(3), r.SENT, sent=at(3), plan_key=PROMPT),
                row(cid, c["id"], "checkin_prompt", at(3), r.EXPIRED, plan_key=PROMPT),
                row(cid, a["id"], "restriction", at(5), r.SUPERSEDED),  # replaced: never planned
                row(cid, a["id"], "restriction", at(2, month=4), r.PENDING),  # after the period
                reminder_row(
                    cid, None, "alert", at(10), r.SENT, sent=at(10), channel=r.STAFF_PUSH
                ),  # staff, not patients
                _session(cid, a["id"], at(2), 1, 3),
                _session(cid, a["id"], at(30), 2, 3),
                _session(cid, b["id"], at(3), 1, 3),
                _session(cid, c["id"], at(4), 3, 3),  # the last of its series: nothing to rebook
                _session(cid, d["id"], at(10, month=2), 1, 2, "microneedling-body"),  # before the period
                _session(cid, d["id"], at(1), 2, 3, "microneedling-body"),
                Appointment(clinic_id=cid, patient_id=b["id"], starts_at=at(20, month=4), kind="series"),
            ]
        )
        db.session.commit()
    clock.freeze(at(3, 12))
    assert client.post("/v1/me/checkins", json={"ratings": {"redness": 1}}, headers=apps["A"]).status_code == 201
    for day, name, wait in ((10, "A", 30), (11, "B", 10)):
        clock.freeze(at(day))
        alert_id = client.post("/v1/me/checkins", json=URGENT, headers=apps[name]).get_json()["alert_id"]
        clock.freeze(at(day, minute=wait))
        assert client.post(f"/v1/alerts/{alert_id}/acknowledge", headers=clinic["headers"]).status_code == 200
    clock.freeze(at(1, month=5))
    return clinic
