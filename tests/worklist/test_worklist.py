"""The clinic's worklist: every reason produced by real data through the API and the dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from companion.channels.log import LogSender
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher, DispatchSettings
from tests.factories import create_clinic, enroll, record_treatment, sign_in

DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def dispatch(app):
    with app.app_context():
        dispatcher = Dispatcher(db.engine, LogSender(), name="worklist-test", settings=DispatchSettings())

    def run():
        with app.app_context():
            dispatcher.housekeeping()
            dispatcher.run_pass()

    return run


def _worklist(client, clinic, **query):
    response = client.get("/v1/worklist", headers=clinic["headers"], query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _reasons(body, patient):
    return {item["reason"] for item in body["items"] if item["patient_id"] == patient["id"]}


def _patient(client, clinic, name, *, phone=True, signed_in=True, planned=3):
    patient = enroll(client, clinic, display_name=name)
    if signed_in:
        headers = sign_in(client, patient["enrollment_code"])
        if phone:
            assert (
                client.post(
                    "/v1/me/devices", json={"fid": f"{name}-phone", "platform": "ios"}, headers=headers
                ).status_code
                == 201
            )
        patient["app"] = headers
    record_treatment(
        client,
        clinic,
        patient["id"],
        performed_at=clock.now(),
        series={"session_number": 1, "planned_sessions": planned},
    )
    return patient


def test_each_reason_comes_from_real_data_most_urgent_first(app, client, dispatch):
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    quiet = _patient(client, clinic, "Quiet")  # answers nothing
    alerting = _patient(client, clinic, "Alerting")
    phoneless = _patient(client, clinic, "Phoneless", phone=False)
    absent = _patient(client, clinic, "Absent", signed_in=False)
    single = _patient(client, clinic, "Single", planned=1)
    visit = client.post(
        f"/v1/patients/{single['id']}/appointments",
        headers=clinic["headers"],
        json={"starts_at": (DAY0 + timedelta(days=3)).isoformat(), "kind": "review"},
    )
    assert visit.status_code == 201

    clock.freeze(DAY0 + timedelta(hours=24, minutes=1))
    dispatch()
    clock.freeze(DAY0 + timedelta(hours=31))
    urgent = {"ratings": {"redness": 3, "swelling": 3}, "red_flags": {"pus": True}}
    assert client.post("/v1/me/checkins", json=urgent, headers=alerting["app"]).get_json()["alert_id"]

    body = _worklist(client, clinic)
    assert _reasons(body, quiet) == {"missed_checkin"}
    assert _reasons(body, alerting) == {"open_alert"}
    # Pushes already found no phone, and more fall due with nothing to reach them.
    assert _reasons(body, phoneless) == {"undeliverable", "unreachable"}
    assert _reasons(body, absent) == {"not_signed_in", "undeliverable", "unreachable"}
    assert body["items"][0]["reason"] == "open_alert" and body["items"][0]["ref"]["alert_id"]
    ranks = [item["reason"] for item in body["items"]]
    assert ranks.index("missed_checkin") < ranks.index("undeliverable") < ranks.index("not_signed_in")

    clock.freeze(DAY0 + timedelta(days=3, hours=5))
    assert "appointment_unrecorded" in _reasons(_worklist(client, clinic), single)

    clock.freeze(DAY0 + timedelta(days=29))
    dispatch()
    assert "rebooking_due" in _reasons(_worklist(client, clinic), quiet)
    assert "rebooking_due" not in _reasons(_worklist(client, clinic), single)  # a last session is not rebooked

    clock.freeze(DAY0 + timedelta(days=190))
    dispatch()
    body = _worklist(client, clinic, reason="maintenance_due")
    due = {item["patient_id"] for item in body["items"]}
    assert quiet["id"] in due and single["id"] not in due  # Single's visit is still booked (unrecorded)
    assert {item["reason"] for item in body["items"]} == {"maintenance_due"}


def test_booking_or_recording_takes_the_item_away(app, client, dispatch):
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    patient = _patient(client, clinic, "Rebook")
    clock.freeze(DAY0 + timedelta(days=29))
    dispatch()
    assert "rebooking_due" in _reasons(_worklist(client, clinic), patient)
    client.post(
        f"/v1/patients/{patient['id']}/appointments",
        headers=clinic["headers"],
        json={"starts_at": (clock.now() + timedelta(days=3)).isoformat(), "kind": "series"},
    )
    assert "rebooking_due" not in _reasons(_worklist(client, clinic), patient)


def test_paginated_filtered_and_clinic_isolated(app, client, dispatch):
    clock.freeze(DAY0)
    clinic, other = create_clinic(app), create_clinic(app, "Other")
    for name in ("A", "B", "C"):
        enroll(client, clinic, display_name=name)
    enroll(client, other, display_name="Elsewhere")
    clock.freeze(DAY0 + timedelta(days=2))
    first = _worklist(client, clinic, reason="not_signed_in", limit=2)
    second = _worklist(client, clinic, reason="not_signed_in", limit=2, offset=2)
    assert first["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    names = {item["patient_name"] for item in first["items"] + second["items"]}
    assert names == {"A", "B", "C"}
    assert client.get("/v1/worklist", headers=clinic["headers"], query_string={"reason": "bored"}).status_code == 422
    assert client.get("/v1/worklist").status_code == 401
