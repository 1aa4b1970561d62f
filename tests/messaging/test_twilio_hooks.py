"""Twilio's webhooks: only Twilio's signature over the public URL opens them; a patient's STOP
(or BAJA) turns SMS off for every patient with that number, START turns it back on, and the
clinic sees when and how; a status callback records the final status and what it says of the
number, once, whatever the order of the callbacks."""

from __future__ import annotations

import pytest

from companion.audit.models import AuditEntry
from companion.channels.models import Delivery
from companion.extensions import db
from companion.patients.models import Patient
from devtools.twilio_server import signature
from tests.factories import create_clinic, enroll
from tests.messaging.helpers import ACCOUNT, PUBLIC, TOKEN, hook, message_sid, reply, status
from tests.reminders import rows

NUMBER = "+34612345678"
INBOUND = "/v1/hooks/twilio/inbound"
STATUS = "/v1/hooks/twilio/status"


def _patient(client, app, name: str = "Clinica Sol", **contact):
    clinic = create_clinic(app, name)
    body = enroll(client, clinic, phone=NUMBER, consent={"sms": True}, **contact)
    return clinic, body


def _shown(client, clinic, patient_id: int) -> dict:
    answer = client.get(f"/v1/patients/{patient_id}", headers=clinic["headers"])
    assert answer.status_code == 200
    return answer.get_json()["consent"]


def _form(body: str = "STOP") -> dict[str, str]:
    return {"MessageSid": message_sid(), "AccountSid": ACCOUNT, "From": NUMBER, "To": "+15005550006", "Body": body}


def test_the_signature_is_twilios_own_algorithm():
    """Twilio's documented example (its security docs): this URL, these parameters, this token."""
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature("12345", url, params) == "GvWf1cFY/Q7PnoempGyD5oXAezc="


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "unsigned"),
        ({"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, "garbage"),
        ({"X-Twilio-Signature": signature("another-accounts-token", f"{PUBLIC}{INBOUND}", _form())}, "wrong token"),
    ],
)
def test_unsigned_or_wrongly_signed_inbound_is_refused_and_changes_nothing(app, client, headers, why):
    clinic, body = _patient(client, app)
    answer = client.post(INBOUND, data=_form(), headers=headers)
    assert answer.status_code == 403, why
    assert answer.get_json()["error"]["code"] == "forbidden"
    assert _shown(client, clinic, body["id"])["sms_opted_out_at"] is None


def test_a_signature_for_another_url_or_other_fields_is_refused(app, client):
    """Signed over the address we were reached at (behind a proxy: not the public one), or over a
    form that was then changed: refused. Twilio signs the public URL it called."""
    clinic, body = _patient(client, app)
    form = _form()
    assert hook(client, INBOUND, form, url=f"http://localhost{INBOUND}").status_code == 403
    tampered = {"X-Twilio-Signature": signature(TOKEN, f"{PUBLIC}{INBOUND}", {**form, "Body": "hello"})}
    assert client.post(INBOUND, data=form, headers=tampered).status_code == 403
    assert _shown(client, clinic, body["id"])["sms_opted_out_at"] is None


def test_a_query_string_is_part_of_what_twilio_signs(app, client):
    clinic, body = _patient(client, app)
    form = _form()
    path = f"{INBOUND}?clinic=sol"
    assert hook(client, path, form, url=f"{PUBLIC}{INBOUND}").status_code == 403
    assert hook(client, path, form).status_code == 200
    assert _shown(client, clinic, body["id"])["sms_opted_out_via"] == "sms_keyword"


def test_without_twilio_configured_the_hooks_say_so(make_app):
    plain = make_app(PUBLIC_URL=PUBLIC)
    answer = hook(plain.test_client(), INBOUND, _form())
    assert answer.status_code == 404
    assert "TWILIO" in answer.get_json()["error"]["message"]


@pytest.mark.parametrize("word", ["STOP", "stop", "Baja", "¡BAJA!", "unsubscribe", "Quit", "STOPALL", "cancel"])
def test_stop_and_its_kin_turn_sms_off_with_when_and_how_shown_to_the_clinic(app, client, word):
    clinic, body = _patient(client, app)
    answer = reply(client, NUMBER, word)
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/xml")
    assert answer.get_data(as_text=True).endswith("<Response />")
    consent = _shown(client, clinic, body["id"])
    assert consent["sms_opted_out_at"] is not None and consent["sms_opted_out_via"] == "sms_keyword"
    assert consent["sms"] is True  # the clinic's record of consent stands; the patient's word stops the texts


def test_start_turns_sms_back_on_and_both_are_in_the_audit_trail(app, client, ctx):
    clinic, body = _patient(client, app)
    reply(client, NUMBER, "BAJA")
    reply(client, NUMBER, "BAJA")  # a repeat changes nothing, records nothing
    assert reply(client, NUMBER, "START").status_code == 200
    assert _shown(client, clinic, body["id"])["sms_opted_out_at"] is None
    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.patient_id == body["id"], AuditEntry.actor_kind == "patient_reply")
    ).all()
    assert [e.action for e in entries] == ["sms opt-out", "sms opt-in"]
    assert all(e.actor_id == body["id"] and e.clinic_id == clinic["id"] for e in entries)


@pytest.mark.parametrize("body", ["stop please", "Hello, is tomorrow fine?", "HELP", "", "no"])
def test_anything_else_is_ignored(app, client, body):
    clinic, patient = _patient(client, app)
    answer = reply(client, NUMBER, body)
    assert answer.status_code == 200 and answer.get_data(as_text=True).endswith("<Response />")
    assert _shown(client, clinic, patient["id"])["sms_opted_out_at"] is None


def test_twilios_advanced_opt_out_type_wins_over_the_word(app, client):
    """With Advanced Opt-Out a clinic adds its own words; Twilio then names the type."""
    clinic, body = _patient(client, app)
    reply(client, NUMBER, "DEJAR", OptOutType="STOP")
    assert _shown(client, clinic, body["id"])["sms_opted_out_via"] == "sms_keyword"


def test_every_patient_with_the_number_is_opted_out_and_no_one_else(app, client):
    sol, first = _patient(client, app)
    luna, second = _patient(client, app, "Clinica Luna")
    other = enroll(client, sol, phone="+34699000111", consent={"sms": True}, display_name="Bea")
    reply(client, NUMBER, "STOP")
    assert _shown(client, sol, first["id"])["sms_opted_out_at"] is not None
    assert _shown(client, luna, second["id"])["sms_opted_out_at"] is not None
    assert _shown(client, sol, other["id"])["sms_opted_out_at"] is None


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"AccountSid": ACCOUNT, "From": NUMBER, "Body": "STOP"}, "MessageSid"),
        ({"MessageSid": "SM1", "From": NUMBER, "Body": "STOP"}, "MessageSid"),
        ({"MessageSid": "SM" + "a" * 32, "From": "612 345 678", "Body": "STOP"}, "From"),
        ({"MessageSid": "SM" + "a" * 32, "From": "+999", "Body": "STOP"}, "From"),
        ({"MessageSid": "SM" + "a" * 32, "Body": "STOP"}, "From"),
    ],
)
def test_a_signed_but_malformed_inbound_form_is_a_422_naming_the_field(app, client, form, field):
    answer = hook(client, INBOUND, form)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert field in answer.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"MessageStatus": "delivered"}, "MessageSid"),
        ({"MessageSid": "SM" + "b" * 32}, "MessageStatus"),
        ({"MessageSid": "SM" + "b" * 32, "MessageStatus": "failed", "ErrorCode": "abc"}, "ErrorCode"),
        ({"MessageSid": "SM" + "b" * 32, "MessageStatus": "x" * 40}, "MessageStatus"),
    ],
)
def test_a_signed_but_malformed_status_form_is_a_422_naming_the_field(app, client, form, field):
    answer = hook(client, STATUS, form)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert field in answer.get_json()["error"]["fields"]


def _sms_delivery(app, patient_id: int, sid: str, reminders: int = 1) -> list[int]:
    """A reminder (or a bundle of them) Twilio accepted as `sid`, as the dispatcher records it."""
    person = db.session.get_one(Patient, patient_id)
    ids = []
    for _ in range(reminders):
        reminder = rows.reminder(person)
        row = Delivery(
            reminder_id=reminder.id, backend="twilio", channel="sms", outcome="sent", message_id=sid, device_id=None
        )
        db.session.add(row)
        db.session.commit()
        ids.append(row.id)
    return ids


def _statuses(ids: list[int]) -> list[tuple[str | None, str | None]]:
    db.session.expire_all()
    return [(d.provider_status, d.error_code) for d in (db.session.get_one(Delivery, i) for i in ids)]


def test_status_callbacks_record_the_final_status_once_whatever_their_order(app, client, ctx):
    clinic, body = _patient(client, app)
    sid = message_sid()
    ids = _sms_delivery(app, body["id"], sid, reminders=2)  # a bundle: one message, two rows
    assert status(client, sid, "sent", to=NUMBER).status_code == 204
    assert _statuses(ids) == [("sent", None)] * 2
    assert status(client, sid, "delivered", to=NUMBER).status_code == 204
    assert status(client, sid, "sending", to=NUMBER).status_code == 204  # late, out of order
    assert status(client, sid, "delivered", to=NUMBER).status_code == 204  # a repeat
    assert status(client, sid, "undelivered", to=NUMBER, error=30006).status_code == 204  # after a final one
    assert _statuses(ids) == [("delivered", None)] * 2
    assert _shown(client, clinic, body["id"])["phone_invalid_at"] is None


def test_an_unknown_message_sid_is_accepted_and_changes_nothing(app, client):
    assert status(client, message_sid(), "delivered", to=NUMBER).status_code == 204


@pytest.mark.parametrize(
    ("code", "field", "via"),
    [(30006, "phone_invalid_at", None), (30005, "phone_invalid_at", None), (21610, "sms_opted_out_at", "provider")],
)
def test_a_failed_status_marks_the_number_through_the_same_outcome_table(app, client, ctx, code, field, via):
    clinic, body = _patient(client, app)
    sid = message_sid()
    ids = _sms_delivery(app, body["id"], sid)
    assert status(client, sid, "undelivered", to=NUMBER, error=code).status_code == 204
    assert _statuses(ids) == [("undelivered", f"TWILIO_{code}")]
    consent = _shown(client, clinic, body["id"])
    assert consent[field] is not None
    assert consent["sms_opted_out_via"] == via
    [entry] = db.session.scalars(db.select(AuditEntry).where(AuditEntry.actor_kind == "sms_provider")).all()
    assert entry.patient_id == body["id"] and entry.actor_id == ids[0]


def test_a_switched_off_phone_is_not_a_bad_number(app, client, ctx):
    """30003 (handset unreachable) is a phone out of coverage or off: the number stays usable."""
    clinic, body = _patient(client, app)
    sid = message_sid()
    _sms_delivery(app, body["id"], sid)
    status(client, sid, "undelivered", to=NUMBER, error=30003)
    consent = _shown(client, clinic, body["id"])
    assert consent["phone_invalid_at"] is None and consent["sms_opted_out_at"] is None


def test_a_failure_for_a_number_the_clinic_has_since_changed_marks_nothing(app, client, ctx):
    clinic, body = _patient(client, app)
    sid = message_sid()
    _sms_delivery(app, body["id"], sid)
    changed = client.patch(f"/v1/patients/{body['id']}", json={"phone": "+34699000222"}, headers=clinic["headers"])
    assert changed.status_code == 200
    status(client, sid, "failed", to=NUMBER, error=21211)
    assert _shown(client, clinic, body["id"])["phone_invalid_at"] is None
