"""GET /v1/reports/engagement on a small data set whose every figure is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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


def _reminder(clinic_id, patient_id, kind, due, status, *, sent=None, opened=None, acked=None, **extra):
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


@pytest.fixture
def march(app, client):
    """Four patients through March. A gets, opens and answers; B gets and ignores; C is never
    reached; D has one reminder still to go. A and B raise urgent alerts acknowledged after 30 and
    10 minutes. Series: A books on time, B books after the window, D lets it lapse."""
    clock.freeze(at(2))
    clinic = create_clinic(app)
    a, b, c, d = (enroll(client, clinic, display_name=name) for name in "ABCD")
    apps = {p["display_name"]: sign_in(client, p["enrollment_code"]) for p in (a, b)}
    cid = clinic["id"]
    with app.app_context():
        db.session.add_all(
            [
                _reminder(cid, a["id"], "restriction", at(2), r.SENT, sent=at(2), opened=at(2, 11), acked=at(2, 12)),
                _reminder(cid, b["id"], "restriction", at(2), r.SENT, sent=at(2)),
                _reminder(cid, c["id"], "restriction", at(2), r.UNDELIVERABLE),
                _reminder(cid, d["id"], "restriction", at(20), r.PENDING),
                _reminder(cid, a["id"], "checkin_prompt", at(3), r.SENT, sent=at(3), opened=at(3, 11), plan_key=PROMPT),
                _reminder(cid, b["id"], "checkin_prompt", at(3), r.SENT, sent=at(3), plan_key=PROMPT),
                _reminder(cid, c["id"], "checkin_prompt", at(3), r.EXPIRED, plan_key=PROMPT),
                _reminder(cid, a["id"], "restriction", at(5), r.SUPERSEDED),  # replaced: never planned
                _reminder(cid, a["id"], "restriction", at(2, month=4), r.PENDING),  # after the period
                _reminder(cid, None, "alert", at(10), r.SENT, sent=at(10), channel=r.STAFF_PUSH),  # staff, not patients
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


def _report(client, clinic, **query):
    response = client.get("/v1/reports/engagement", headers=clinic["headers"], query_string={**MARCH, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_figure_of_a_known_month(client, march):
    body = _report(client, march)
    assert body["reminders"] == [
        {"kind": "checkin_prompt", "channel": "patient_push", "planned": 3, "sent": 2, "opened": 1, "acknowledged": 0},
        {"kind": "restriction", "channel": "patient_push", "planned": 4, "sent": 2, "opened": 1, "acknowledged": 1},
    ]
    assert body["checkins"] == {"prompts_sent": 2, "answered": 1}
    urgent = next(row for row in body["alerts"] if row["severity"] == "urgent")
    assert urgent == {"severity": "urgent", "raised": 2, "acknowledged": 2, "median_minutes_to_acknowledge": 20.0}
    assert body["series"] == {"sessions": 4, "rebooked_on_time": 1, "window_open": 1, "missed": 2}
    assert body["unreachable_patients"] == 1
    assert (body["from"], body["to"], body["protocol"]) == ("2026-03-01", "2026-03-31", None)


def test_one_protocol_narrows_every_figure(client, march):
    body = _report(client, march, protocol="microneedling-body")
    assert body["reminders"] == [
        {"kind": "restriction", "channel": "patient_push", "planned": 1, "sent": 0, "opened": 0, "acknowledged": 0}
    ]
    assert body["checkins"] == {"prompts_sent": 0, "answered": 0}
    assert all(row["raised"] == 0 for row in body["alerts"])
    assert body["series"] == {"sessions": 1, "rebooked_on_time": 0, "window_open": 0, "missed": 1}
    assert body["unreachable_patients"] == 0


def test_another_clinic_sees_none_of_it(app, client, march):
    other = create_clinic(app, "Other")
    body = _report(client, other)
    assert body["reminders"] == [] and body["unreachable_patients"] == 0 and body["series"]["sessions"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "to"),
        ({"from": "yesterday", "to": "2026-03-01"}, "from"),
        ({"protocol": "botox"}, "protocol"),
    ],
)
def test_bad_periods_and_protocols_are_named(app, client, query, field):
    clinic = create_clinic(app)
    response = client.get("/v1/reports/engagement", headers=clinic["headers"], query_string={**MARCH, **query})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_the_app_reading_a_reminder_counts_as_opened_once(app, client):
    clock.freeze(at(2))
    clinic = create_clinic(app)
    patient = enroll(client, clinic, display_name="Reader")
    headers = sign_in(client, patient["enrollment_code"])
    with app.app_context():
        row = _reminder(clinic["id"], patient["id"], "restriction", at(2), r.SENT, sent=at(2))
        db.session.add(row)
        db.session.commit()
        reminder_id = row.id
    assert _report(client, clinic)["reminders"][0]["opened"] == 0
    clock.freeze(at(2, 11))
    assert client.get(f"/v1/me/reminders/{reminder_id}", headers=headers).status_code == 200
    clock.freeze(at(2, 15))
    assert client.get(f"/v1/me/reminders/{reminder_id}", headers=headers).status_code == 200
    with app.app_context():
        assert db.session.get(r.Reminder, reminder_id).opened_at == at(2, 11)  # the first time is kept
    assert _report(client, clinic)["reminders"][0]["opened"] == 1


def test_the_last_thirty_days_by_default(client, march):
    clock.freeze(at(30, 18))
    response = client.get("/v1/reports/engagement", headers=march["headers"])
    assert response.status_code == 200
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-30")
    assert body["checkins"] == {"prompts_sent": 2, "answered": 1}
