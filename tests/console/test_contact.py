"""Contact details at the desk: phone, e-mail and consent in the enroll and edit forms; on the
patient page and alert cards as links to tap with each channel's state in words; the patient
list found by phone or e-mail, newest activity first; the channel each reminder went by."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from companion.channels.factory import build_contact_senders
from companion.channels.log import LogSender
from companion.channels.router import PushRouter
from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders.models import CANCELLED, Reminder
from devtools.twilio_server import FakeTwilio
from tests.console.helpers import make_staff, post, sign_in, visible_text
from tests.dbutil import count_statements
from tests.factories import create_clinic, enroll, record_treatment
from tests.factories import sign_in as app_sign_in

DAY0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
NO_QUIET = {"start": "00:00", "end": "00:00"}


def _desk(app, client):
    clinic = create_clinic(app)
    sign_in(client, "desk@clinic.example", make_staff(app, clinic["id"], "desk@clinic.example"))
    return clinic


def _enroll_form(**overrides):
    return {"display_name": "Lucía", "timezone": "Europe/Madrid", "locale": "en", **overrides}


def _names(page) -> list[str]:
    return re.findall(r'class="patient-row"><td data-label="#">\d+</td><td data-label="Name"><a [^>]+>([^<]+)<', page)


def test_enroll_records_phone_email_and_the_consent_ticked_at_the_desk(app, client):
    clock.freeze(DAY0)
    clinic = _desk(app, client)
    form = _enroll_form(phone="612 345 678", email="Lucia@Example.com", fallback_channel="email")
    response = post(client, "/console/patients/new", {**form, "consent.sms": "on"}, form_page="/console/patients/new")
    assert response.status_code == 302
    [patient] = client.get("/v1/patients", headers=clinic["headers"]).get_json()["items"]
    assert patient["phone"] == "+34612345678" and patient["email"] == "Lucia@example.com"
    assert patient["consent"]["sms"] and patient["consent"]["sms_method"] == "console"
    assert patient["consent"]["sms_given_at"] == "2026-12-03T10:00:00+00:00"
    assert not patient["consent"]["email"] and patient["fallback_channel"] == "email"
    page = client.get(f"/console/patients/{patient['id']}").get_data(as_text=True)
    assert 'href="tel:+34612345678">+34 612 34 56 78</a>' in page and 'href="mailto:Lucia@example.com"' in page
    text = visible_text(page)
    assert "SMS: agreed recorded in the console on Dec 3, 2026" in text
    assert "E-mail: not agreed" in text
    assert "Reminders the app cannot receive go by e-mail first." in text


def test_a_phone_that_does_not_parse_is_named_beside_its_field_and_nothing_is_written(app, client):
    clinic = _desk(app, client)
    typed = _enroll_form(phone="555", email="lucia@example.com", **{"consent.sms": "on"})
    refused = post(client, "/console/patients/new", typed, form_page="/console/patients/new")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="phone-error"' in page and "Enter a phone number that can receive text messages" in page
    assert 'value="555"' in page and 'value="lucia@example.com"' in page
    assert 'id="consent-sms" name="consent.sms" checked' in page
    bad_email = post(client, "/console/patients/new", _enroll_form(email="lucia@"), form_page="/console/patients/new")
    assert bad_email.status_code == 422 and 'id="email-error"' in bad_email.get_data(as_text=True)
    assert client.get("/v1/patients", headers=clinic["headers"]).get_json()["total"] == 0


def test_editing_withdraws_consent_and_the_page_shows_a_stop_and_a_dead_number(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    patient = enroll(
        api, clinic, phone="+34 612 345 678", email="ana@example.com", consent={"sms": True, "email": True}
    )
    edit = f"/console/patients/{patient['id']}/edit"
    shown = client.get(edit).get_data(as_text=True)
    assert 'value="+34612345678"' in shown and 'id="consent-email" name="consent.email" checked' in shown
    form = {
        "display_name": "Ana",
        "timezone": "Europe/Madrid",
        "locale": "en",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "phone": "+34612345678",
        "email": "ana@example.com",
        "consent.sms": "on",
    }
    refused = post(client, edit, {**form, "phone": "555 12"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="phone-error"' in page and 'value="555 12"' in page and 'value="ana@example.com"' in page
    assert 'id="consent-email" name="consent.email" checked' not in page  # the untick is kept too
    unchanged = api.get(f"/v1/patients/{patient['id']}", headers=clinic["headers"]).get_json()
    assert unchanged["consent"]["email"]  # nothing half-written
    assert post(client, edit, form).status_code == 302
    after = api.get(f"/v1/patients/{patient['id']}", headers=clinic["headers"]).get_json()
    assert after["consent"]["sms"] and not after["consent"]["email"] and after["consent"]["email_given_at"] is None
    assert after["phone"] == "+34612345678"  # unchanged: what a provider said about it still holds
    with app.app_context():  # what the SMS STOP webhook and a mail bounce store
        row = db.session.get_one(Patient, patient["id"])
        row.sms_opted_out_at, row.email_invalid_at = DAY0, DAY0 + timedelta(days=1)
        db.session.commit()
    text = visible_text(client.get(f"/console/patients/{patient['id']}").get_data(as_text=True))
    assert "SMS: stopped by the patient on Dec 3, 2026" in text
    assert "E-mail: the address cannot receive e-mail (reported on Dec 4, 2026)" in text


def test_an_alert_card_offers_the_patients_phone_to_tap(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    patient = enroll(api, clinic, display_name="Eva", phone="699 111 222", consent={"sms": True})
    record_treatment(api, clinic, patient["id"])
    headers = app_sign_in(api, patient["enrollment_code"])
    api.post("/v1/me/checkins", headers=headers, json={"ratings": {"redness": 1}, "red_flags": {"fever": True}})
    page = client.get("/console/").get_data(as_text=True)
    card = page[page.index('id="alert-') :]
    assert 'href="tel:+34699111222"' in card[: card.index("</li>")]


def test_search_finds_a_patient_by_phone_or_e_mail_and_lists_newest_activity_first(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    clock.freeze(DAY0)
    marta = enroll(api, clinic, display_name="Marta", phone="612 345 678", email="Marta.Gil@Example.com")
    clock.freeze(DAY0 + timedelta(hours=1))
    enroll(api, clinic, display_name="Pablo", phone="699 000 111")
    clock.freeze(DAY0 + timedelta(hours=2))
    enroll(api, clinic, display_name="Rosa")
    assert _names(client.get("/console/patients").get_data(as_text=True)) == ["Rosa", "Pablo", "Marta"]
    clock.freeze(DAY0 + timedelta(hours=3))
    app_sign_in(api, marta["enrollment_code"])  # Marta opens the app: she moves to the top
    assert _names(client.get("/console/patients").get_data(as_text=True)) == ["Marta", "Rosa", "Pablo"]

    for typed in ("612 34 56 78", "+34612345678", "0034 612-345-678", "345 678", "marta.gil@example.COM"):
        found = client.get("/console/patients", query_string={"q": typed}).get_data(as_text=True)
        assert _names(found) == ["Marta"], typed
    assert _names(client.get("/console/patients?q=699000111").get_data(as_text=True)) == ["Pablo"]
    assert _names(client.get("/console/patients?q=678").get_data(as_text=True)) == []  # too few digits to mean a number
    assert "Newest last activity first" in visible_text(client.get("/console/patients").get_data(as_text=True))


def test_the_patient_page_names_each_reminders_channel_in_a_fixed_number_of_queries(app, client, ctx, make_dispatcher):
    clinic = _desk(app, client)
    api = app.test_client()
    patient = enroll(api, clinic, locale="en", phone="612 345 678", consent={"sms": True}, quiet_hours=NO_QUIET)
    record_treatment(api, clinic, patient["id"], performed_at=clock.now() - timedelta(hours=24, minutes=5))
    prompt = db.session.scalar(db.select(Reminder).where(Reminder.plan_key == "checkin:24h"))
    others = Reminder.patient_id == patient["id"], Reminder.id != prompt.id
    db.session.execute(db.update(Reminder).where(*others).values(status=CANCELLED))
    db.session.commit()
    with FakeTwilio() as twilio:
        sender = PushRouter(
            LogSender(), LogSender(), build_contact_senders(twilio.config(PUBLIC_URL="https://c.example"))
        )
        make_dispatcher(sender, public_url="https://c.example").run_pass()
        sender.close()
    assert len(twilio.messages) == 1
    path = f"/console/patients/{patient['id']}"
    page = client.get(path).get_data(as_text=True)
    row = page[page.index(prompt.title) :]
    assert re.search(r'class="channel-sms">SMS \(sent\)<', row[: row.index("</tr>")])

    def statements() -> int:
        client.get(path)
        with count_statements(db.engine) as counter:
            assert client.get(path).status_code == 200
        return counter.count

    one = statements()
    record_treatment(api, clinic, patient["id"], performed_at=clock.now() - timedelta(hours=2))
    assert statements() == one
