"""A patient no app can reach gets their reminders by SMS (a fake Twilio) or e-mail (a real SMTP
server), under the pushes' own rules: quiet hours, expiry, one message for reminders due together,
at most once per reminder. The message carries the clinic's name and a sign-in link, nothing else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from companion.channels.factory import build_contact_senders
from companion.channels.log import LogSender
from companion.channels.models import Delivery
from companion.channels.router import PushRouter
from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders import models
from companion.reminders.models import Reminder
from tests.factories import create_clinic, enroll
from tests.patient_app.helpers import post
from tests.reminders import rows

PUBLIC = "https://care.example"
LINK = re.compile(re.escape(PUBLIC) + r"(/app/l/[A-Za-z0-9_-]+)")
# What the reminder rows say: none of it may travel by SMS or e-mail.
HEALTH_WORDS = ("makeup", "No makeup", "Keep makeup", "maquillaje", "microneedling", "redness", "swelling")


def patient(client, app, *, locale: str = "en", quiet: tuple[str, str] | None = None, **contact):
    """Enrolled through the API with its contact details; no app, no device."""
    clinic = create_clinic(app, "Clinica Sol")
    enrolled = enroll(client, clinic, locale=locale, **contact)
    row = db.session.get_one(Patient, enrolled["id"])
    row.quiet_start, row.quiet_end = quiet or ("00:00", "00:00")
    db.session.commit()
    return row


def sms_patient(client, app, **extra):
    return patient(client, app, phone="612 345 678", consent={"sms": True}, **extra)


def test_a_patient_with_no_app_gets_the_reminder_by_sms_with_a_link_that_signs_the_app_in(
    app, client, dispatch, twilio
):
    person = sms_patient(client, app)
    reminder = rows.reminder(person)
    stats = dispatch.run_pass()
    assert stats.sent == 1
    [sms] = twilio.messages
    assert sms["To"] == "+34612345678" and sms["From"] == "+15005550006"
    assert sms["StatusCallback"] == f"{PUBLIC}/v1/hooks/twilio/status"
    assert sms["Body"].startswith("Clinica Sol: ")
    assert not [word for word in HEALTH_WORDS if word.lower() in sms["Body"].lower()]
    [delivery] = db.session.scalars(db.select(Delivery).where(Delivery.reminder_id == reminder.id))
    assert (delivery.channel, delivery.backend, delivery.outcome, delivery.device_id) == ("sms", "twilio", "sent", None)
    assert rows.fresh(Reminder, reminder.id).status == models.SENT

    path = LINK.search(sms["Body"]).group(1)
    page = client.get(path)  # what a link previewer does: the link still works after it
    assert page.status_code == 200 and "Continue" in page.get_data(as_text=True)
    opened = post(client, path, {})
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/app/reminders/{reminder.id}")
    shown = client.get(opened.headers["Location"])
    assert shown.status_code == 200 and "No makeup today" in shown.get_data(as_text=True)
    # once only: the link is spent, the phone stays signed in by its cookie
    again = client.post(path, data={"csrf_token": "x"})
    assert again.status_code in (400, 401)
    assert client.get(path).status_code == 410


def test_a_second_pass_never_sends_the_same_reminder_again(app, client, dispatch, twilio):
    person = sms_patient(client, app)
    reminder = rows.reminder(person)
    dispatch.run_pass()
    row = rows.fresh(Reminder, reminder.id)
    row.status = models.PENDING  # as if re-planned by a dispatcher that lost the answer
    db.session.commit()
    dispatch.run_pass()
    assert len(twilio.messages) == 1


def test_three_reminders_due_together_leave_as_one_message(app, client, ctx, twilio, smtp, make_dispatcher):
    clock.freeze(clock.now())
    config = {**twilio.config(), "PUBLIC_URL": PUBLIC}
    sender = PushRouter(LogSender(), LogSender(), build_contact_senders(config))
    dispatcher = make_dispatcher(sender, public_url=PUBLIC, bundle_window=timedelta(minutes=10))
    person = sms_patient(client, app)
    ids = [rows.reminder(person, due_in=timedelta(minutes=-m)).id for m in (1, 2, 3)]
    assert dispatcher.run_pass().sent == 3
    [sms] = twilio.messages
    assert sms["Body"].startswith("3 updates from Clinica Sol.")
    channels = db.session.execute(db.select(Delivery.reminder_id, Delivery.channel)).all()
    assert sorted(channels) == sorted((i, "sms") for i in ids)  # each reminder keeps its own record


def test_nothing_is_sent_in_quiet_hours(app, client, dispatch, twilio):
    person = sms_patient(client, app, quiet=("00:00", "23:59"))
    reminder = rows.reminder(person, lasts=timedelta(days=2))
    stats = dispatch.run_pass()
    assert twilio.messages == [] and stats.held == 1
    assert rows.fresh(Reminder, reminder.id).status == models.PENDING


def test_nothing_is_sent_after_expiry(app, client, dispatch, twilio):
    person = sms_patient(client, app)
    reminder = rows.reminder(person, due_in=timedelta(hours=-3), lasts=timedelta(hours=2))
    dispatch.housekeeping()
    dispatch.run_pass()
    assert twilio.messages == []
    assert rows.fresh(Reminder, reminder.id).status == models.EXPIRED


def test_a_patient_with_an_app_gets_the_push_not_an_sms(app, client, dispatch, twilio):
    person = sms_patient(client, app)
    rows.device(of=person)
    dispatch.run_pass()
    assert twilio.messages == []


def test_without_consent_nothing_is_sent_and_the_reminder_is_undeliverable(app, client, dispatch, twilio, smtp):
    person = patient(client, app, phone="612 345 678", email="ana@example.org")
    reminder = rows.reminder(person)
    dispatch.run_pass()
    assert twilio.messages == [] and smtp.received == []
    assert rows.fresh(Reminder, reminder.id).status == models.UNDELIVERABLE


def test_21211_marks_the_phone_invalid_and_the_email_takes_over(app, client, dispatch, twilio, smtp):
    person = patient(client, app, phone="612 345 678", email="ana@example.org", consent={"sms": True, "email": True})
    reminder = rows.reminder(person)
    twilio.fail_next(21211)
    dispatch.run_pass()
    assert rows.fresh(Patient, person.id).phone_invalid_at is not None
    dispatch.run_pass()  # planned again at once: the e-mail is what is left
    assert twilio.messages == [] and len(smtp.received) == 1
    outcomes = db.session.execute(db.select(Delivery.channel, Delivery.outcome).order_by(Delivery.id)).all()
    assert outcomes == [("sms", "deactivated"), ("email", "sent")]
    assert rows.fresh(Reminder, reminder.id).status == models.SENT


def test_21211_with_no_other_channel_makes_the_reminder_undeliverable(app, client, dispatch, twilio):
    person = sms_patient(client, app)
    reminder = rows.reminder(person)
    twilio.fail_next(21211)
    dispatch.run_pass()
    dispatch.run_pass()
    assert rows.fresh(Reminder, reminder.id).status == models.UNDELIVERABLE
    assert len(twilio.refused) == 1 and twilio.messages == []


def test_21610_opts_the_patient_out_of_sms(app, client, dispatch, twilio):
    person = sms_patient(client, app)
    rows.reminder(person)
    twilio.fail_next(21610)
    dispatch.run_pass()
    assert rows.fresh(Patient, person.id).sms_opted_out_at is not None


@pytest.mark.parametrize("code", [20429, 20500])
def test_a_busy_twilio_is_retried(app, client, dispatch, twilio, code):
    person = sms_patient(client, app)
    reminder = rows.reminder(person)
    twilio.fail_next(code)
    dispatch.run_pass()
    row = rows.fresh(Reminder, reminder.id)
    assert row.status == models.PENDING and row.attempts == 1
    clock.freeze(row.available_at + timedelta(seconds=1))
    dispatch.run_pass()
    assert len(twilio.messages) == 1 and rows.fresh(Reminder, reminder.id).status == models.SENT


def test_the_email_has_both_bodies_in_the_patients_language_and_one_click_unsubscribe(app, client, dispatch, smtp):
    person = patient(client, app, locale="es-ES", email="ana@example.org", consent={"email": True})
    rows.reminder(person)
    dispatch.run_pass()
    [(recipients, mail)] = smtp.received
    assert recipients == ["ana@example.org"]
    assert mail["From"] == "Clinica Sol <care@clinica.example>"
    assert mail["Subject"] == "Clinica Sol: tienes una novedad de tus cuidados."
    assert mail["List-Unsubscribe"].startswith(f"<{PUBLIC}/app/l/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert LINK.search(text) and LINK.search(html) and 'lang="es"' in html
    assert not [word for word in HEALTH_WORDS if word.lower() in (text + html).lower()]


def test_a_refused_mailbox_marks_the_address_invalid_and_a_busy_one_is_retried(app, client, dispatch, smtp):
    gone = patient(client, app, email="gone@example.org", consent={"email": True})
    busy = patient(client, app, email="busy@example.org", consent={"email": True})
    smtp.refuse("gone@example.org", 550)
    smtp.refuse("busy@example.org", 450)
    gone_row, busy_row = rows.reminder(gone), rows.reminder(busy)
    dispatch.run_pass()
    assert rows.fresh(Patient, gone.id).email_invalid_at is not None
    assert rows.fresh(Patient, busy.id).email_invalid_at is None
    assert rows.fresh(Reminder, busy_row.id).status == models.PENDING
    dispatch.run_pass()
    assert rows.fresh(Reminder, gone_row.id).status == models.UNDELIVERABLE


def test_one_click_unsubscribe_stops_emails_without_a_sign_in(app, client, dispatch, smtp):
    """RFC 8058: the mail client POSTs the List-Unsubscribe URL with `List-Unsubscribe=One-Click`,
    no cookie and no CSRF token; the next reminder sends no e-mail. Opening the URL in a browser
    only shows a button (a GET changes nothing)."""
    person = patient(client, app, email="ana@example.org", consent={"email": True})
    rows.reminder(person)
    dispatch.run_pass()
    [(_, mail)] = smtp.received
    url = mail["List-Unsubscribe"].strip("<>").removeprefix(PUBLIC)
    page = app.test_client().get(url)
    assert page.status_code == 200 and 'id="unsubscribe"' in page.get_data(as_text=True)
    assert rows.fresh(Patient, person.id).email_opted_out_at is None
    done = app.test_client().post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and 'id="unsubscribe' in done.get_data(as_text=True)
    assert rows.fresh(Patient, person.id).email_opted_out_at is not None
    later = rows.reminder(person)
    dispatch.run_pass()
    assert len(smtp.received) == 1
    assert rows.fresh(Reminder, later.id).status == models.UNDELIVERABLE
    assert app.test_client().post("/app/l/not-a-link/unsubscribe").status_code == 404
