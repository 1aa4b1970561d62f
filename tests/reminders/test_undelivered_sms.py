"""An SMS Twilio accepted and later reported undelivered: the reminder goes by e-mail once if the
patient consented to it, or is marked undeliverable with the reason; a delivered SMS changes
nothing. The callback only marks the reminder; the dispatcher's fallback pass sends."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders import models
from companion.reminders.models import Reminder
from tests.messaging.helpers import status
from tests.reminders import rows

NUMBER = "+34612345678"
EMAIL = "lucia@example.com"


def _sent_by_sms(dispatch, twilio, *, email: bool, quiet: tuple[str, str] = ("00:00", "00:00")) -> Reminder:
    """A patient with no app and SMS preferred; one reminder, sent by SMS."""
    person: Patient = rows.patient(rows.clinic(name="Clinica Sol"), quiet=quiet)
    person.phone, person.consent_sms = NUMBER, True
    person.email, person.consent_email = EMAIL, email
    db.session.commit()
    reminder = rows.reminder(person)
    dispatch.run_pass()
    assert len(twilio.messages) == 1 and rows.fresh(Reminder, reminder.id).status == models.SENT
    return reminder


def _sid(reminder: Reminder) -> str:
    """Twilio's id of the reminder's SMS."""
    return str(next(d.message_id for d in rows.deliveries(reminder.id) if d.channel == "sms"))


def _state(reminder_id: int) -> tuple[str, str | None]:
    row = rows.fresh(Reminder, reminder_id)
    return row.status, row.last_error


def test_an_undelivered_sms_is_followed_by_one_email_and_only_one(client, dispatch, twilio, smtp):
    reminder = _sent_by_sms(dispatch, twilio, email=True)
    assert status(client, _sid(reminder), "undelivered", to=NUMBER, error=30003).status_code == 204
    assert smtp.received == []  # nothing leaves from the callback's request

    assert dispatch.follow_unopened()["sent"] == 1
    assert [to for to, _ in smtp.received] == [[EMAIL]] and len(twilio.messages) == 1
    assert _state(reminder.id)[0] == models.SENT
    assert [(d.channel, d.outcome) for d in rows.deliveries(reminder.id)] == [("sms", "sent"), ("email", "sent")]

    # Twilio repeats itself; the pass runs again: nothing more reaches the patient.
    assert status(client, _sid(reminder), "undelivered", to=NUMBER, error=30003).status_code == 204
    assert status(client, _sid(reminder), "failed", to=NUMBER, error=30003).status_code == 204
    assert dispatch.follow_unopened()["claimed"] == 0
    clock.freeze(clock.now() + timedelta(minutes=30))
    dispatch.run_pass()
    assert dispatch.follow_unopened()["claimed"] == 0
    assert len(smtp.received) == 1 and len(twilio.messages) == 1


def test_without_email_consent_an_undelivered_sms_leaves_the_reminder_undeliverable(client, dispatch, twilio, smtp):
    reminder = _sent_by_sms(dispatch, twilio, email=False)
    assert status(client, _sid(reminder), "undelivered", to=NUMBER, error=30003).status_code == 204

    counts = dispatch.follow_unopened()

    assert counts["undeliverable"] == 1 and counts["sent"] == 0
    assert _state(reminder.id) == (models.UNDELIVERABLE, "SMS_UNDELIVERED (TWILIO_30003); no other channel")
    assert smtp.received == [] and len(twilio.messages) == 1  # the same number is not tried again


def test_a_delivered_sms_changes_nothing(client, dispatch, twilio, smtp):
    reminder = _sent_by_sms(dispatch, twilio, email=True)
    assert status(client, _sid(reminder), "delivered", to=NUMBER).status_code == 204
    assert dispatch.follow_unopened()["claimed"] == 0
    assert smtp.received == [] and _state(reminder.id) == (models.SENT, None)


def test_an_undelivered_sms_for_a_reminder_already_opened_or_expired_is_left_alone(client, dispatch, twilio, smtp):
    opened = _sent_by_sms(dispatch, twilio, email=True)
    db.session.get_one(Reminder, opened.id).opened_at = clock.now()
    db.session.commit()
    assert status(client, _sid(opened), "undelivered", to=NUMBER, error=30003).status_code == 204
    assert dispatch.follow_unopened()["claimed"] == 0

    clock.freeze(clock.now() + timedelta(hours=3))  # past the next one's expiry
    late = rows.reminder(db.session.get_one(Patient, opened.patient_id), lasts=timedelta(hours=1))
    dispatch.run_pass()
    clock.freeze(clock.now() + timedelta(hours=2))
    assert status(client, _sid(late), "undelivered", to=NUMBER, error=30003).status_code == 204
    assert dispatch.follow_unopened()["claimed"] == 0
    assert smtp.received == [] and _state(late.id) == (models.SENT, None)


def test_the_email_waits_for_the_end_of_quiet_hours(client, dispatch, twilio, smtp):
    """Quiet hours begin a minute after the SMS left: the e-mail waits for their end, as any fallback does."""
    local = clock.now().astimezone(ZoneInfo("Europe/Madrid"))
    quiet = ((local + timedelta(minutes=1)).strftime("%H:%M"), (local + timedelta(minutes=31)).strftime("%H:%M"))
    reminder = _sent_by_sms(dispatch, twilio, email=True, quiet=quiet)
    clock.freeze(clock.now() + timedelta(minutes=2))
    assert status(client, _sid(reminder), "undelivered", to=NUMBER, error=30003).status_code == 204

    assert dispatch.follow_unopened()["deferred"] == 1
    assert smtp.received == []
    clock.freeze(clock.now() + timedelta(minutes=31))
    assert dispatch.follow_unopened()["sent"] == 1
    assert [to for to, _ in smtp.received] == [[EMAIL]]
