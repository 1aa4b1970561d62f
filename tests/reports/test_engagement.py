"""GET /v1/reports/engagement on a small data set whose every figure is known."""

from __future__ import annotations

import pytest

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders import models as r
from tests.factories import create_clinic, enroll, sign_in
from tests.reports.month import MARCH, at, build_march, reminder_row


@pytest.fixture
def march(app, client):
    return build_march(app, client)


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
        row = reminder_row(clinic["id"], patient["id"], "restriction", at(2), r.SENT, sent=at(2))
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


def test_reminders_skipped_because_the_patient_muted_them_are_not_counted_as_planned(app, client):
    clock.freeze(at(2))
    clinic = create_clinic(app)
    patient = enroll(client, clinic, display_name="Quiet one")
    with app.app_context():
        row = reminder_row(clinic["id"], patient["id"], "hydration", at(2), r.SKIPPED)
        row.skip_reason = "muted"
        db.session.add(row)
        db.session.commit()
    body = _report(client, clinic)
    assert body["reminders"] == [] and body["unreachable_patients"] == 0
