"""A clinic corrects or cancels a treatment while a dispatcher holds its reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from companion.channels.base import SENT, PushResult
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher
from companion.reminders.dispatch.claiming import claim_due
from companion.reminders.models import Reminder
from tests.factories import create_clinic, enroll, record_treatment, sign_in

PERFORMED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # 10:30 in Madrid


class ClinicEditsMidFlight:
    """A push service during whose send the clinic changes the treatment (a real API call)."""

    name = "edit-mid-flight"

    def __init__(self, edit) -> None:
        self.edit = edit
        self.sent: list[int] = []

    def send(self, messages):
        self.edit()
        self.sent += [m.reminder_id for m in messages]
        return [PushResult(m.device_id, SENT, message_id=f"m-{m.reminder_id}") for m in messages]


@pytest.fixture
def scene(app, client):
    clock.freeze(PERFORMED + timedelta(minutes=5))
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    treatment = record_treatment(client, clinic, patient["id"], performed_at=PERFORMED)
    headers = sign_in(client, patient["enrollment_code"])
    client.post("/v1/me/devices", json={"fid": "phone-1", "platform": "android"}, headers=headers)
    clock.advance(timedelta(hours=4))  # 14:35 local: the 14:00 hydration reminder is due
    return {"clinic": clinic, "treatment": treatment, "headers": headers}


def _hydration(client, headers):
    [treatment] = client.get("/v1/me/timeline", headers=headers).get_json()["treatments"]
    return [r for r in treatment["reminders"] if r["kind"] == "hydration"]


@pytest.mark.parametrize("action", ["correct", "cancel"])
def test_edit_during_send_leaves_the_new_plan_alone(app, client, scene, action):
    url, headers = f"/v1/treatments/{scene['treatment']['id']}", scene["clinic"]["headers"]

    def edit():
        if action == "correct":
            moved = (PERFORMED + timedelta(days=1)).isoformat()  # the session was really the next day
            assert client.patch(url, json={"performed_at": moved}, headers=headers).status_code == 200
        else:
            assert client.delete(url, headers=headers).status_code == 204

    service = ClinicEditsMidFlight(edit)
    dispatcher = Dispatcher.from_app(app, name="mid-flight", sender=service)
    stats = dispatcher.run_pass()  # no app context held open: the API request gets its own, as in production
    assert service.sent, "the claimed reminder was in flight"
    assert stats.lost >= 1  # its claim was taken away by the edit; the dispatcher noticed
    with app.app_context():
        in_flight = db.session.get(Reminder, service.sent[0])
        assert in_flight.status == ("superseded" if action == "correct" else "cancelled")
    shown = _hydration(client, scene["headers"])
    if action == "cancel":
        assert {r["state"] for r in shown} == {"cancelled"}
    else:
        assert service.sent[0] not in {r["id"] for r in shown}  # replaced, not shown twice
        assert all(r["state"] == "pending" for r in shown)


def test_claimed_rows_stay_claimed_unless_the_correction_changes_them(app, client, scene):
    with app.app_context():
        held = claim_due(
            db.engine, claimer="slow-one", limit=100, lease_seconds=60, now=clock.now(), channels=("patient_push",)
        )
    assert held
    url, headers = f"/v1/treatments/{scene['treatment']['id']}", scene["clinic"]["headers"]

    def statuses():
        with app.app_context():
            return {db.session.get(Reminder, r.id).status for r in held}

    client.patch(url, json={"needle_depth_mm": 1.5}, headers=headers)  # same reminders, same times
    assert statuses() == {"claimed"}
    client.patch(url, json={"performed_at": (PERFORMED + timedelta(days=1)).isoformat()}, headers=headers)
    assert statuses() == {"superseded"}
