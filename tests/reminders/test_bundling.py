"""One push at a time: a patient's reminders due close together arrive as one push (real
firebase-admin over HTTP to the fake FCM server), each reminder keeping its own row and record."""

from __future__ import annotations

from datetime import timedelta

import pytest

from companion.channels.factory import build_sender
from companion.core.clock import clock
from companion.reminders import models
from companion.reminders.models import Reminder
from tests.reminders import rows

WINDOW = timedelta(minutes=10)


@pytest.fixture
def bundling(ctx, fcm_config, make_dispatcher):
    clock.freeze(clock.now())
    sender = build_sender(fcm_config)
    yield make_dispatcher(sender, bundle_window=WINDOW)
    sender.close()


def test_reminders_due_in_one_window_arrive_as_one_push_carrying_every_id(bundling, fake_fcm):
    person = rows.patient(rows.clinic(), locale="en")
    phone = rows.device(of=person)
    first = rows.reminder(person, due_in=timedelta(0))
    second = rows.reminder(person, due_in=timedelta(minutes=4), kind="hydration")
    third = rows.reminder(person, due_in=timedelta(minutes=7), kind="checkin_prompt", priority="high")

    bundling.run_pass()
    assert fake_fcm.requests == 0  # the first waits for the others, due within the window
    assert rows.fresh(Reminder, first.id).available_at == third.due_at
    clock.advance(timedelta(minutes=7))
    bundling.run_pass()
    bundling.run_pass()

    [push] = [r.body["message"] for r in fake_fcm.received]
    assert push["fid" if phone.kind == "fid" else "token"] == phone.identifier
    assert push["notification"]["title"] == "3 aftercare updates"
    assert push["data"]["reminder_ids"] == f"{first.id},{second.id},{third.id}"
    assert push["data"]["count"] == "3" and push["data"]["kind"] == "bundle"
    assert push["android"]["priority"] == "high"
    for row in (first, second, third):
        assert rows.fresh(Reminder, row.id).status == models.SENT
        [delivery] = rows.deliveries(row.id)
        assert delivery.outcome == "sent" and delivery.message_id.startswith("projects/aftercare-test/messages/")
    assert len({d.message_id for row in (first, second, third) for d in rows.deliveries(row.id)}) == 1


def test_a_reminder_is_never_held_past_its_own_window(bundling, fake_fcm):
    person = rows.patient(rows.clinic())
    rows.device(of=person)
    short = rows.reminder(person, due_in=timedelta(0), lasts=timedelta(minutes=3))
    later = rows.reminder(person, due_in=timedelta(minutes=5))

    bundling.run_pass()

    assert rows.fresh(Reminder, short.id).status == models.SENT  # alone, before it expires
    assert fake_fcm.received[0].body["message"]["data"] == {"reminder_id": str(short.id), "kind": short.kind}
    clock.advance(timedelta(minutes=5))
    bundling.run_pass()
    assert rows.fresh(Reminder, later.id).status == models.SENT and fake_fcm.requests == 2


def test_reminders_further_apart_than_the_window_go_out_separately(bundling, fake_fcm):
    person = rows.patient(rows.clinic())
    rows.device(of=person)
    first = rows.reminder(person, due_in=timedelta(0))
    rows.reminder(person, due_in=timedelta(minutes=25))

    bundling.run_pass()

    assert rows.fresh(Reminder, first.id).status == models.SENT and fake_fcm.requests == 1


def test_staff_alerts_are_never_merged_with_each_other_or_patient_pushes(bundling, fake_fcm):
    owner = rows.clinic()
    staff = rows.device(staff_of=owner)
    person = rows.patient(owner)
    rows.device(of=person)
    alerts = [rows.staff_alert(owner), rows.staff_alert(owner)]
    rows.reminder(person), rows.reminder(person)

    bundling.run_pass()

    to_staff = [r.body["message"] for r in fake_fcm.received if r.identifier == staff.identifier]
    assert sorted(m["data"]["reminder_id"] for m in to_staff) == sorted(str(a.id) for a in alerts)
    assert all("reminder_ids" not in m["data"] for m in to_staff)
    assert fake_fcm.requests == 3  # two staff pushes, one patient push for two reminders
