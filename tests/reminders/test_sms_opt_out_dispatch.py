"""What a patient's STOP, a provider's verdict and a slow mail server do to the dispatcher: a
patient who texted STOP gets no further SMS, START brings them back; an opt-out that lands
after the reminder was claimed still stops the message; a slow SMTP server never holds a push."""

from __future__ import annotations

import threading
import time

from companion.channels.factory import build_sender
from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders import models
from companion.reminders.dispatch.stats import PassStats
from companion.reminders.models import Reminder
from tests.messaging.helpers import PUBLIC, reply, status
from tests.reminders import rows

NUMBER = "+34612345678"


def _patient(*, email: str | None = None) -> Patient:
    person = rows.patient(rows.clinic(name="Clinica Sol"))
    person.phone, person.consent_sms = NUMBER, True
    if email:
        person.email, person.consent_email = email, True
    db.session.commit()
    return person


def _status(reminder_id: int) -> tuple[str, str | None]:
    row = rows.fresh(Reminder, reminder_id)
    return row.status, row.last_error


def test_stop_means_no_further_sms_and_start_brings_them_back(client, dispatch, twilio):
    person = _patient()
    rows.reminder(person)
    dispatch.run_pass()
    assert len(twilio.messages) == 1

    assert reply(client, NUMBER, "STOP").status_code == 200
    stopped = rows.reminder(person)
    dispatch.run_pass()
    assert len(twilio.messages) == 1
    assert _status(stopped.id)[0] == models.UNDELIVERABLE

    assert reply(client, NUMBER, "START").status_code == 200
    back = rows.reminder(person)
    dispatch.run_pass()
    assert len(twilio.messages) == 2 and twilio.messages[-1]["To"] == NUMBER
    assert _status(back.id)[0] == models.SENT


def test_baja_in_spanish_stops_them_too(client, dispatch, twilio):
    person = _patient()
    reply(client, NUMBER, "baja")
    rows.reminder(person)
    dispatch.run_pass()
    assert twilio.messages == []


def test_an_opt_out_after_the_claim_is_honoured_before_sending(client, dispatch, twilio):
    """Claimed and planned (the SMS composed) first; the STOP arrives; then the slice is sent."""
    person = _patient()
    reminder = rows.reminder(person)
    stats = PassStats()
    planned = dispatch._prepare(stats, "all")
    assert [m.identifier for item in planned.items for m in item.messages] == [NUMBER]
    assert rows.fresh(Reminder, reminder.id).status == models.CLAIMED

    reply(client, NUMBER, "STOP")
    dispatch.wire.send(planned.items, stats)
    dispatch.wire.wait()

    assert twilio.messages == []
    assert _status(reminder.id) == (models.UNDELIVERABLE, "SMS_WITHDRAWN")
    [delivery] = rows.deliveries(reminder.id)
    assert (delivery.channel, delivery.outcome, delivery.backend) == ("sms", "deactivated", "dispatcher")


def test_an_opt_out_after_the_claim_moves_the_reminder_to_the_channel_left(client, dispatch, twilio, smtp):
    person = _patient(email="lucia@example.com")
    reminder = rows.reminder(person)
    stats = PassStats()
    planned = dispatch._prepare(stats, "all")
    reply(client, NUMBER, "STOP")
    dispatch.wire.send(planned.items, stats)
    dispatch.wire.wait()
    assert rows.fresh(Reminder, reminder.id).status == models.PENDING  # planned again at once

    dispatch.run_pass()
    assert twilio.messages == [] and [to for to, _ in smtp.received] == [["lucia@example.com"]]
    assert _status(reminder.id)[0] == models.SENT


def test_twilio_refusing_an_opted_out_number_records_the_opt_out_as_the_providers(dispatch, twilio):
    person = _patient()
    twilio.fail_next(21610)
    reminder = rows.reminder(person)
    dispatch.run_pass()
    dispatch.run_pass()  # planned again at once, it finds no channel left
    db.session.expire_all()
    row = db.session.get_one(Patient, person.id)
    assert row.sms_opted_out_at is not None and row.sms_opted_out_via == "provider"
    assert _status(reminder.id)[0] == models.UNDELIVERABLE
    assert len(twilio.messages) == 0 and [r["code"] for r in twilio.refused] == [21610]


def test_a_status_callback_calling_the_number_a_landline_stops_sms(client, dispatch, twilio):
    person = _patient()
    first = rows.reminder(person)
    dispatch.run_pass()
    [delivery] = rows.deliveries(first.id)
    assert delivery.message_id.startswith("SM")  # Twilio's sid, kept from its answer

    assert status(client, delivery.message_id, "undelivered", to=NUMBER, error=30006).status_code == 204
    assert status(client, delivery.message_id, "undelivered", to=NUMBER, error=30006).status_code == 204
    db.session.expire_all()
    assert db.session.get_one(Patient, person.id).phone_invalid_at is not None
    rows.reminder(person)
    dispatch.run_pass()
    assert len(twilio.messages) == 1


def test_a_slow_mail_server_never_delays_a_push(ctx, fcm_config, fake_fcm, smtp, make_dispatcher):
    """An e-mail and an FCM push due at the same moment: while the mail server takes seconds to
    answer, the push is already at FCM and its reminder recorded sent."""
    clock.freeze(clock.now())
    smtp.delay = 3.0
    sender = build_sender({**fcm_config, "SMTP_URL": smtp.url, "PUBLIC_URL": PUBLIC})
    dispatcher = make_dispatcher(sender, public_url=PUBLIC)
    by_mail = rows.patient(rows.clinic(name="Clinica Sol"))
    by_mail.email, by_mail.consent_email = "lucia@example.com", True
    db.session.commit()
    mailed = rows.reminder(by_mail)
    by_app = rows.patient(rows.clinic(name="Clinica Luna"))
    rows.device(of=by_app)
    pushed = rows.reminder(by_app)

    runner = threading.Thread(target=dispatcher.run_pass, daemon=True)
    started = time.monotonic()
    runner.start()
    try:
        push_recorded_after = None
        while time.monotonic() - started < 10 and push_recorded_after is None:
            if rows.fresh(Reminder, pushed.id).status == models.SENT:
                push_recorded_after = time.monotonic() - started
            db.session.rollback()
            time.sleep(0.05)
        mail_pending = rows.fresh(Reminder, mailed.id).status == models.CLAIMED and not smtp.received
        db.session.rollback()
    finally:
        runner.join(timeout=15)
        sender.close()
    print(f"push recorded sent after {push_recorded_after}s; the mail server held the e-mail {smtp.delay}s")
    assert fake_fcm.requests == 1
    assert push_recorded_after is not None and push_recorded_after < 1.5, push_recorded_after
    assert mail_pending  # the mail server still held the e-mail when the push was recorded
    assert _status(mailed.id)[0] == models.SENT and len(smtp.received) == 1
