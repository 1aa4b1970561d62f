"""Dispatcher passes in-process: what is sent, to which devices, and what each row becomes."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from companion.channels.base import RETRY
from companion.core.clock import clock
from companion.reminders import models
from companion.reminders.dispatch import register_channel_handler, unregister_channel_handler
from companion.reminders.models import Reminder
from tests.reminders import rows
from tests.reminders.senders import ScriptedPushService


def test_due_reminders_are_sent_once_and_not_again(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    phone = rows.device(of=person)
    due = rows.reminder(person)
    not_yet = rows.reminder(person, due_in=timedelta(minutes=10))
    dispatcher = make_dispatcher()

    stats = dispatcher.run_pass()
    again = dispatcher.run_pass()

    assert (stats.claimed, stats.sent, stats.pushes) == (1, 1, 1)
    assert (again.claimed, again.pushes) == (0, 0)
    sent = rows.fresh(Reminder, due.id)
    assert (sent.status, sent.sent_at, sent.claimed_by, sent.lease_until) == (models.SENT, clock.now(), None, None)
    [delivery] = rows.deliveries(due.id)
    assert (delivery.device_id, delivery.outcome, delivery.backend) == (phone.id, "sent", "log")
    assert delivery.message_id.startswith("log/")
    assert rows.fresh(Reminder, not_yet.id).status == models.PENDING
    assert rows.deliveries(not_yet.id) == []


def test_stale_reminder_expires_and_is_never_sent(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    rows.device(of=person)
    stale = rows.reminder(person, due_in=timedelta(hours=-2), lasts=timedelta(hours=1))
    dispatcher = make_dispatcher()

    assert dispatcher.housekeeping()["expired"] == 1
    assert dispatcher.run_pass().pushes == 0
    assert rows.fresh(Reminder, stale.id).status == models.EXPIRED
    assert rows.deliveries(stale.id) == []


def test_no_active_device_makes_the_reminder_undeliverable(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    rows.device(of=person, active=False)
    row = rows.reminder(person)

    stats = make_dispatcher().run_pass()

    assert (stats.undeliverable, stats.pushes) == (1, 0)
    assert rows.fresh(Reminder, row.id).status == models.UNDELIVERABLE
    assert rows.fresh(Reminder, row.id).state == models.UNDELIVERABLE  # the timeline shows it


@pytest.mark.parametrize(
    ("locale", "title"),
    [("en", "Aftercare reminder"), ("es-MX", "Recordatorio de cuidados"), ("fr", "Aftercare reminder")],
)
def test_push_text_is_neutral_and_localized(make_dispatcher, frozen, locale, title):
    person = rows.patient(rows.clinic(), locale=locale)
    phone = rows.device(of=person, kind="token", platform="ios")
    row = rows.reminder(person, priority="high", kind="avoid_sun")
    service = ScriptedPushService()

    make_dispatcher(service).run_pass()

    [message] = service.received
    assert message.title == title
    assert "makeup" not in message.body.lower() and "maquillaje" not in message.body.lower()
    assert message.data == {"reminder_id": str(row.id), "kind": "avoid_sun"}
    assert (message.identifier, message.identifier_kind, message.platform) == (phone.identifier, "token", "ios")
    assert (message.collapse_key, message.thread_id, message.priority) == (f"reminder-{row.id}", "aftercare", "high")
    assert message.expires_at == row.expires_at


def test_clinic_that_opted_in_sends_its_own_text(make_dispatcher, frozen):
    person = rows.patient(rows.clinic(descriptive=True), locale="es")
    rows.device(of=person)
    rows.reminder(person)
    service = ScriptedPushService()

    make_dispatcher(service).run_pass()

    assert (service.received[0].title, service.received[0].body) == (
        "No makeup today",
        "Keep makeup off until tomorrow morning.",
    )


def test_staff_alert_goes_to_the_clinics_active_staff_devices_only(make_dispatcher, frozen):
    owner, other = rows.clinic(), rows.clinic()
    nurse = rows.device(staff_of=owner)
    rows.device(staff_of=owner, active=False)
    rows.device(staff_of=other)
    rows.device(of=rows.patient(owner))
    alert = rows.staff_alert(owner)
    service = ScriptedPushService()

    make_dispatcher(service).run_pass()

    assert [m.device_id for m in service.received] == [nurse.id]
    assert service.received[0].title == "New patient alert"
    assert rows.fresh(Reminder, alert.id).status == models.SENT


def test_a_row_cancelled_while_claimed_stays_cancelled(make_dispatcher, frozen, ctx):
    """Re-planning cancels pending and claimed rows; the finishing dispatcher must not resurrect them."""
    from companion.extensions import db

    person = rows.patient(rows.clinic())
    rows.device(of=person)
    row = rows.reminder(person)

    class ReplanDuringSend(ScriptedPushService):
        def send(self, messages):
            with db.engine.begin() as connection:
                connection.execute(
                    Reminder.__table__.update().where(Reminder.id == row.id).values(status=models.CANCELLED)
                )
            return super().send(messages)

    stats = make_dispatcher(ReplanDuringSend()).run_pass()

    assert (stats.lost, stats.sent) == (1, 0)
    assert rows.fresh(Reminder, row.id).status == models.CANCELLED
    assert [d.outcome for d in rows.deliveries(row.id)] == ["sent"]  # the push did happen; it is recorded


def test_a_device_that_already_got_it_is_skipped_after_a_crash(make_dispatcher, frozen):
    person = rows.patient(rows.clinic())
    first, second = rows.device(of=person), rows.device(of=person)
    row = rows.reminder(person)
    service = ScriptedPushService()
    service.answer(second.identifier, (RETRY, "UNAVAILABLE", None))
    dispatcher = make_dispatcher(service)
    dispatcher.run_pass()
    frozen.advance(timedelta(minutes=1))

    make_dispatcher(service, name="another").run_pass()

    assert len(service.to(first.identifier)) == 1
    assert rows.fresh(Reminder, row.id).status == models.SENT


def test_webhook_rows_wait_for_their_handler(make_dispatcher, frozen):
    owner = rows.clinic()
    hook = rows.reminder(clinic_of=owner, channel=models.WEBHOOK, kind="alert")
    dispatcher = make_dispatcher()
    installed = unregister_channel_handler(models.WEBHOOK)  # the app registers the real one
    seen = []

    def deliver(claimed, lease):
        seen.extend(r.id for r in claimed)
        lease.finish([r.id for r in claimed], status=models.SENT, sent_at=lease.now)
        return {"sent": len(claimed)}

    try:
        assert dispatcher.run_pass().claimed == 0
        assert rows.fresh(Reminder, hook.id).status == models.PENDING
        register_channel_handler(models.WEBHOOK, deliver)
        stats = dispatcher.run_pass()
    finally:
        unregister_channel_handler(models.WEBHOOK)
        if installed is not None:
            register_channel_handler(models.WEBHOOK, installed)

    assert seen == [hook.id]
    assert stats.handled == {"webhook.sent": 1}
    assert rows.fresh(Reminder, hook.id).status == models.SENT


def test_large_batches_go_out_in_chunks_of_at_most_500(make_dispatcher, frozen):
    owner = rows.clinic()
    for _ in range(3):
        rows.device(staff_of=owner)
    rows.many_due(300, patients=2)
    for _ in range(200):
        rows.staff_alert(owner)
    service = ScriptedPushService()

    stats = make_dispatcher(service, batch_size=1000).run_pass()

    assert stats.sent == 500 and stats.pushes == 900
    assert max(service.calls) <= 500 and sum(service.calls) == 900


def test_late_patient_push_waits_for_the_end_of_quiet_hours(ctx, make_dispatcher):
    """Due at 20:00 but the dispatcher only gets to it at 23:00 local: it waits until 08:00."""
    from datetime import datetime

    night = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # 23:00 in Madrid
    clock.freeze(night)
    owner = rows.clinic()
    sleeper = rows.patient(owner, quiet=("21:00", "08:00"))
    rows.device(of=sleeper)
    late = rows.reminder(sleeper, due_in=timedelta(hours=-3), lasts=timedelta(days=2))
    stale = rows.reminder(sleeper, due_in=timedelta(hours=-3), lasts=timedelta(hours=5))
    dispatcher = make_dispatcher()
    stats = dispatcher.run_pass()
    assert stats.sent == 0 and stats.held == 1
    from companion.extensions import db

    db.session.expire_all()
    held, gone = db.session.get(Reminder, late.id), db.session.get(Reminder, stale.id)
    assert held.status == "pending" and held.available_at == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    assert gone.status == "expired"
    clock.freeze(datetime(2026, 11, 21, 7, 0, 1, tzinfo=UTC))
    assert dispatcher.run_pass().sent == 1
