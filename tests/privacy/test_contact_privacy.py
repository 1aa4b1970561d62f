"""A patient's phone, e-mail and consent are in their export, gone with erasure (sign-in links too),
and never in a log line, whether the SMS and e-mail go to the log or to real providers."""

from __future__ import annotations

import logging

from companion.channels.factory import build_contact_senders
from companion.channels.log import LogSender
from companion.channels.router import PushRouter
from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Patient, SignInLink
from devtools.smtp_server import SmtpServer
from devtools.twilio_server import FakeTwilio
from tests import factories
from tests.reminders import rows

PHONE, EMAIL = "+34699123457", "quux.canary@example.org"


def _patient(app, client, **contact):
    clinic = factories.create_clinic(app)
    body = {"phone": PHONE, "email": EMAIL, "consent": {"sms": True, "email": True}, **contact}
    body["quiet_hours"] = {"start": "00:00", "end": "00:00"}  # none: the test must not depend on the hour
    return clinic, factories.enroll(client, clinic, **body)


def test_export_holds_the_contact_details_and_each_message_with_its_channel(app, client, ctx, make_dispatcher):
    clinic, patient = _patient(app, client)
    rows.reminder(db.session.get_one(Patient, patient["id"]))
    make_dispatcher(PushRouter(LogSender(), LogSender(), build_contact_senders({}))).run_pass()
    doc = client.get(f"/v1/patients/{patient['id']}/export", headers=clinic["headers"]).get_json()
    assert (doc["patient"]["phone"], doc["patient"]["email"]) == (PHONE, EMAIL)
    assert doc["patient"]["consent"]["sms"] is True and doc["patient"]["consent"]["sms_given_at"]
    [reminder] = doc["reminders"]
    assert [d["channel"] for d in reminder["deliveries"]] == ["sms"]


def test_erasure_takes_the_contact_details_and_the_sign_in_links(app, client, ctx, make_dispatcher):
    clinic, patient = _patient(app, client)
    rows.reminder(db.session.get_one(Patient, patient["id"]))
    make_dispatcher(PushRouter(LogSender(), LogSender(), build_contact_senders({}))).run_pass()
    assert db.session.scalar(db.select(db.func.count()).select_from(SignInLink)) == 1
    assert client.delete(f"/v1/patients/{patient['id']}", headers=clinic["headers"]).status_code == 204
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(SignInLink)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Patient).where(Patient.phone == PHONE)) == 0


def test_no_log_line_holds_a_phone_an_address_or_a_link(app, client, ctx, make_dispatcher, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    clock.freeze(clock.now())
    # to the log backends, then to real providers that refuse (the paths that log)
    _, first = _patient(app, client)
    rows.reminder(db.session.get_one(Patient, first["id"]))
    make_dispatcher(PushRouter(LogSender(), LogSender(), build_contact_senders({}))).run_pass()
    with FakeTwilio() as twilio, SmtpServer() as smtp:
        twilio.fail_next(21211, 20003)
        smtp.refuse(EMAIL, 550)
        sender = PushRouter(
            LogSender(),
            LogSender(),
            build_contact_senders({**twilio.config(), "SMTP_URL": smtp.url, "PUBLIC_URL": "https://care.example"}),
        )
        dispatcher = make_dispatcher(sender)
        for contact in ({"consent": {"sms": True}}, {"consent": {"sms": True}}, {"fallback_channel": "email"}):
            _, other = _patient(app, client, **contact)
            rows.reminder(db.session.get_one(Patient, other["id"]))
        dispatcher.run_pass()
        dispatcher.run_pass()
        sender.close()
        assert twilio.refused and not smtp.received
    # `mail.log` is the test SMTP server's own protocol trace (the provider's side), not ours.
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    stderr = [line for line in capfd.readouterr().err.splitlines() if "[mail.log]" not in line]
    logged = "\n".join([r.getMessage() for r in ours] + stderr)
    assert "push reminder=" in logged and "Twilio refused our credentials" in logged
    links = [row.token_hash for row in db.session.scalars(db.select(SignInLink))]
    assert links
    assert PHONE not in logged and "699123457" not in logged and EMAIL not in logged and "/app/l/" not in logged
