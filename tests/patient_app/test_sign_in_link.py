"""The sign-in link of an SMS or e-mail: the page spends nothing, Continue spends it once, it dies after 7 days."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import g

from companion.channels.factory import build_contact_senders
from companion.channels.log import LogSender
from companion.channels.router import PushRouter
from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Patient
from devtools.twilio_server import FakeTwilio
from tests.factories import create_clinic, enroll
from tests.patient_app.helpers import post
from tests.reminders import rows


def _link(app, client, make_dispatcher) -> str:
    clock.freeze(clock.now())
    clinic = create_clinic(app)
    quiet = {"start": "00:00", "end": "00:00"}
    patient = enroll(client, clinic, phone="612 345 678", consent={"sms": True}, quiet_hours=quiet)
    rows.reminder(db.session.get_one(Patient, patient["id"]))
    with FakeTwilio() as twilio:
        sender = PushRouter(
            LogSender(), LogSender(), build_contact_senders(twilio.config(PUBLIC_URL="https://c.example"))
        )
        make_dispatcher(sender, public_url="https://c.example").run_pass()
        sender.close()
    return re.search(r"https://c\.example(/app/l/\S+)", twilio.messages[0]["Body"]).group(1)


def test_a_link_works_for_seven_days_only(app, client, ctx, make_dispatcher):
    path = _link(app, client, make_dispatcher)
    clock.freeze(clock.now() + timedelta(days=7, minutes=1))
    assert client.get(path).status_code == 410
    assert post(client, path, {}, form_page="/app/join").status_code == 401
    assert client.get("/app/").status_code == 303  # still signed out


def test_a_link_spent_in_one_browser_does_not_sign_in_another(app, client, ctx, make_dispatcher):
    path = _link(app, client, make_dispatcher)
    assert post(client, path, {}).status_code == 303
    other = app.test_client()
    g.pop("csrf_token", None)  # the test's app context is shared by both clients: no token carried across
    assert post(other, path, {}, form_page="/app/join").status_code == 401
    assert client.get("/app/").status_code == 200  # the first stays signed in


def test_the_access_log_never_holds_a_links_token():
    from companion.ops.access_log import redact

    line = 'GET /app/l/mf-KmTyQK-4TX0PyOHfVqmyb06Gs2loPHEsYo7W84RU HTTP/1.1" 200'
    assert redact(line) == 'GET /app/l/[redacted] HTTP/1.1" 200'
    assert redact("POST /app/l/abc_DEF-123/unsubscribe") == "POST /app/l/[redacted]/unsubscribe"
