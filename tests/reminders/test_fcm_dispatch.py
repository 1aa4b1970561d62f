"""The dispatcher through the real firebase-admin sender, over HTTP to the fake FCM server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from companion.channels.factory import build_sender
from companion.core.clock import clock
from companion.devices.models import Device
from companion.reminders import models
from companion.reminders.models import Reminder
from tests.reminders import rows


@pytest.fixture
def fcm_dispatcher(ctx, fcm_config, make_dispatcher):
    clock.freeze(clock.now())
    sender = build_sender(fcm_config)
    yield make_dispatcher(sender)
    sender.close()


def test_due_reminders_reach_fcm_once_with_neutral_localized_text(fcm_dispatcher, fake_fcm):
    owner = rows.clinic()
    english, spanish = rows.patient(owner, locale="en-GB"), rows.patient(owner, locale="es")
    android = rows.device(of=english, kind="fid", platform="android")
    iphone = rows.device(of=spanish, kind="token", platform="ios")
    first, second = rows.reminder(english, priority="high"), rows.reminder(spanish)

    stats = fcm_dispatcher.run_pass()
    fcm_dispatcher.run_pass()

    assert (stats.sent, fake_fcm.requests) == (2, 2)
    by_identifier = {r.identifier: r.body["message"] for r in fake_fcm.received}
    to_android, to_iphone = by_identifier[android.identifier], by_identifier[iphone.identifier]
    assert to_android["fid"] == android.identifier and "token" not in to_android
    assert to_iphone["token"] == iphone.identifier
    assert to_android["notification"]["title"] == "Aftercare reminder"
    assert to_iphone["notification"]["title"] == "Recordatorio de cuidados"
    assert to_android["data"] == {"reminder_id": str(first.id), "kind": first.kind}
    assert to_android["android"]["collapse_key"] == f"reminder-{first.id}"
    assert to_android["android"]["priority"] == "high"
    assert to_iphone["apns"]["headers"]["apns-collapse-id"] == f"reminder-{second.id}"
    [delivery] = rows.deliveries(first.id)
    assert (delivery.backend, delivery.outcome) == ("fcm", "sent")
    assert delivery.message_id.startswith("projects/aftercare-test/messages/")


def test_unregistered_device_is_deactivated_and_never_used_again(fcm_dispatcher, fake_fcm):
    person = rows.patient(rows.clinic())
    dead, alive = rows.device(of=person), rows.device(of=person)
    first = rows.reminder(person)
    later = rows.reminder(person, due_in=timedelta(minutes=10))
    fake_fcm.fail_identifier(dead.identifier, "UNREGISTERED")

    fcm_dispatcher.run_pass()
    clock.advance(timedelta(minutes=11))
    fcm_dispatcher.run_pass()

    assert not rows.fresh(Device, dead.id).active
    assert rows.fresh(Device, dead.id).deactivated_reason == "UNREGISTERED"
    assert fake_fcm.messages_for(dead.identifier) == 1
    assert fake_fcm.messages_for(alive.identifier) == 2
    assert rows.fresh(Reminder, first.id).status == rows.fresh(Reminder, later.id).status == models.SENT
    assert sorted(d.outcome for d in rows.deliveries(first.id)) == ["deactivated", "sent"]


@pytest.mark.parametrize(("retry_after", "wait"), [(None, 60), ("5", 60), ("180", 180)])
def test_quota_exceeded_backs_off_at_least_a_minute(fcm_dispatcher, fake_fcm, retry_after, wait):
    person = rows.patient(rows.clinic())
    rows.device(of=person)
    row = rows.reminder(person)
    fake_fcm.quota_exceeded(1, retry_after=retry_after)

    stats = fcm_dispatcher.run_pass()

    waiting = rows.fresh(Reminder, row.id)
    assert (stats.backed_off, waiting.status, waiting.last_error) == (1, models.PENDING, "QUOTA_EXCEEDED")
    assert waiting.available_at == clock.now() + timedelta(seconds=wait)
    clock.advance(timedelta(seconds=wait))
    assert fcm_dispatcher.run_pass().sent == 1


def test_unavailable_is_retried_then_sent(fcm_dispatcher, fake_fcm):
    person = rows.patient(rows.clinic())
    phone = rows.device(of=person)
    row = rows.reminder(person)
    fake_fcm.fail_next(2, 503, "UNAVAILABLE")

    fcm_dispatcher.run_pass()
    clock.advance(timedelta(seconds=5))
    fcm_dispatcher.run_pass()
    clock.advance(timedelta(seconds=10))
    fcm_dispatcher.run_pass()

    final = rows.fresh(Reminder, row.id)
    assert (final.status, final.attempts) == (models.SENT, 2)
    assert [d.outcome for d in rows.deliveries(row.id)] == ["retry", "retry", "sent"]
    assert fake_fcm.messages_for(phone.identifier) == 3


def test_invalid_argument_fails_and_third_party_auth_is_counted(fcm_dispatcher, fake_fcm, caplog):
    person = rows.patient(rows.clinic())
    bad_payload, bad_apns = rows.device(of=person), rows.device(of=rows.patient(rows.clinic()), platform="ios")
    one = rows.reminder(person)
    two = rows.reminder(rows.fresh(type(person), bad_apns.patient_id))
    fake_fcm.fail_identifier(bad_payload.identifier, "INVALID_ARGUMENT")
    fake_fcm.fail_identifier(bad_apns.identifier, "THIRD_PARTY_AUTH_ERROR")

    stats = fcm_dispatcher.run_pass()

    assert (stats.failed, stats.operator_errors) == (2, 1)
    assert rows.fresh(Reminder, one.id).last_error == "INVALID_ARGUMENT"
    assert rows.fresh(Reminder, two.id).last_error == "THIRD_PARTY_AUTH_ERROR"
    assert rows.fresh(Device, bad_apns.id).active
