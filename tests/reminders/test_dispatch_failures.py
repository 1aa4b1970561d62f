"""Dispatcher passes when the push service says no: retries per device, dead tokens,
permanent errors and quota, and what each row becomes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from companion.channels.base import BACKOFF, DEACTIVATE, FAILED, RETRY
from companion.core.clock import clock
from companion.devices.models import Device
from companion.reminders import models
from companion.reminders.models import Reminder
from tests.reminders import rows
from tests.reminders.senders import ScriptedPushService


def test_only_the_device_that_failed_gets_the_second_attempt(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    good, flaky = rows.device(of=person), rows.device(of=person)
    row = rows.reminder(person)
    service = ScriptedPushService()
    service.answer(flaky.identifier, (RETRY, "UNAVAILABLE", None))
    dispatcher = make_dispatcher(service)

    first = dispatcher.run_pass()
    waiting = rows.fresh(Reminder, row.id)
    assert (first.retried, waiting.status, waiting.attempts, waiting.last_error) == (
        1,
        models.PENDING,
        1,
        "UNAVAILABLE",
    )
    assert clock.now() + timedelta(seconds=2.5) <= waiting.available_at <= clock.now() + timedelta(seconds=5)

    assert dispatcher.run_pass().claimed == 0  # not before its backoff
    frozen.advance(timedelta(seconds=5))
    second = dispatcher.run_pass()

    assert second.sent == 1
    assert len(service.to(good.identifier)) == 1
    assert len(service.to(flaky.identifier)) == 2
    assert [d.outcome for d in rows.deliveries(row.id)] == ["sent", "retry", "sent"]
    assert rows.fresh(Reminder, row.id).status == models.SENT


def test_retries_stop_at_expiry(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    phone = rows.device(of=person)
    row = rows.reminder(person, lasts=timedelta(seconds=90))
    service = ScriptedPushService()
    service.answer(phone.identifier, *[(RETRY, "INTERNAL", None)] * 20)
    dispatcher = make_dispatcher(service)

    for _ in range(20):
        dispatcher.run_pass()
        frozen.advance(timedelta(seconds=10))

    final = rows.fresh(Reminder, row.id)
    assert final.status == models.EXPIRED
    assert 2 <= len(service.received) <= 6  # 5, 10, 20, 40 s backoffs fit in 90 s
    assert final.attempts == len(service.received) - 1 or final.attempts == len(service.received)


def test_server_retry_after_is_respected(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    phone = rows.device(of=person)
    row = rows.reminder(person)
    service = ScriptedPushService()
    service.answer(phone.identifier, (RETRY, "UNAVAILABLE", 300.0))

    make_dispatcher(service).run_pass()

    assert rows.fresh(Reminder, row.id).available_at == clock.now() + timedelta(seconds=300)


def test_dead_token_deactivates_the_device_which_is_never_used_again(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    dead, alive = rows.device(of=person), rows.device(of=person)
    first, second = rows.reminder(person), rows.reminder(person, due_in=timedelta(minutes=5))
    service = ScriptedPushService()
    service.answer(dead.identifier, (DEACTIVATE, "UNREGISTERED", None))
    dispatcher = make_dispatcher(service)

    dispatcher.run_pass()
    frozen.advance(timedelta(minutes=6))
    dispatcher.run_pass()

    device = rows.fresh(Device, dead.id)
    assert (device.active, device.deactivated_reason, device.deactivated_at) == (
        False,
        "UNREGISTERED",
        clock.now() - timedelta(minutes=6),
    )
    assert len(service.to(dead.identifier)) == 1
    assert len(service.to(alive.identifier)) == 2
    assert rows.fresh(Reminder, first.id).status == rows.fresh(Reminder, second.id).status == models.SENT


def test_only_dead_devices_make_the_reminder_undeliverable(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    dead = rows.device(of=person)
    row = rows.reminder(person)
    service = ScriptedPushService()
    service.answer(dead.identifier, (DEACTIVATE, "SENDER_ID_MISMATCH", None))

    assert make_dispatcher(service).run_pass().undeliverable == 1
    assert rows.fresh(Reminder, row.id).status == models.UNDELIVERABLE


@pytest.mark.parametrize("code", ["INVALID_ARGUMENT", "THIRD_PARTY_AUTH_ERROR"])
def test_permanent_error_fails_the_reminder_without_retry(make_dispatcher, frozen, code, caplog):
    person = rows.patient(rows.clinic())
    phone = rows.device(of=person, platform="ios")
    row = rows.reminder(person)
    service = ScriptedPushService()
    service.answer(phone.identifier, (FAILED, code, None))
    dispatcher = make_dispatcher(service)

    stats = dispatcher.run_pass()
    frozen.advance(timedelta(minutes=30))
    dispatcher.run_pass()

    final = rows.fresh(Reminder, row.id)
    assert (final.status, final.last_error, stats.failed) == (models.FAILED, code, 1)
    assert stats.operator_errors == (1 if code == "THIRD_PARTY_AUTH_ERROR" else 0)
    assert len(service.received) == 1
    assert rows.fresh(Device, phone.id).active  # the device is fine; the message or our setup is not


def test_quota_backs_off_the_rest_of_the_batch_and_pauses_sending(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    phones = [rows.device(of=rows.patient(rows.clinic())) for _ in range(3)]
    reminders = [rows.reminder(rows.fresh(type(person), p.patient_id)) for p in phones]
    service = ScriptedPushService()
    service.answer(phones[0].identifier, (BACKOFF, "QUOTA_EXCEEDED", 60.0))
    dispatcher = make_dispatcher(service, chunk_size=1)

    stats = dispatcher.run_pass()

    assert len(service.received) == 1  # the first chunk hit the quota; the rest were not sent
    assert stats.backed_off == 3
    for row in reminders:
        waiting = rows.fresh(Reminder, row.id)
        assert (waiting.status, waiting.attempts) == (models.PENDING, 0)
        assert waiting.available_at == clock.now() + timedelta(seconds=60)
    frozen.advance(timedelta(seconds=30))
    assert dispatcher.run_pass().claimed == 0
    frozen.advance(timedelta(seconds=31))
    assert dispatcher.run_pass().sent == 3


def test_quota_without_retry_after_waits_at_least_a_minute(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    phone = rows.device(of=person)
    row = rows.reminder(person)
    service = ScriptedPushService()
    service.answer(phone.identifier, (BACKOFF, "QUOTA_EXCEEDED", None))

    make_dispatcher(service).run_pass()

    assert rows.fresh(Reminder, row.id).available_at >= clock.now() + timedelta(seconds=60)
