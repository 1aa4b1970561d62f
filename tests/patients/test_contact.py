"""A clinic records a patient's phone, e-mail, consent and fallback channel; bad ones never land."""

from __future__ import annotations

from companion.extensions import db
from companion.patients.models import Patient
from tests.factories import create_clinic, enroll, patient_body


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Patient)) or 0


def test_a_national_number_is_read_in_the_clinics_country_and_stored_in_e164(app, client):
    clinic = create_clinic(app)  # COMPANION_DEFAULT_COUNTRY: ES
    patient = enroll(
        client,
        clinic,
        phone="612 34 56 78",
        email="Lucia@Example.COM",
        consent={"sms": True, "email": False, "method": "written"},
    )
    assert patient["phone"] == "+34612345678"
    assert patient["email"] == "Lucia@example.com"  # the domain is case-insensitive, the mailbox is not
    assert patient["consent"]["sms"] is True and patient["consent"]["email"] is False
    assert patient["consent"]["sms_method"] == "written" and patient["consent"]["sms_given_at"]
    assert patient["consent"]["email_given_at"] is None
    assert patient["fallback_channel"] is None
    shown = client.get(f"/v1/patients/{patient['id']}", headers=clinic["headers"]).get_json()
    assert shown["phone"] == "+34612345678" and shown["consent"]["sms"] is True


def test_a_number_with_its_country_code_keeps_it(app, client):
    clinic = create_clinic(app)
    assert enroll(client, clinic, phone="+1 415 555 2671")["phone"] == "+14155552671"


def test_a_phone_that_does_not_parse_is_422_naming_the_field_and_nothing_is_written(app, client):
    clinic = create_clinic(app)
    before = _count(app)
    for bad in ("12", "call me maybe", "+34 123"):
        response = client.post("/v1/patients", json=patient_body(phone=bad), headers=clinic["headers"])
        assert response.status_code == 422, bad
        assert list(response.get_json()["error"]["fields"]) == ["phone"]
    assert _count(app) == before


def test_an_email_without_a_domain_is_422_and_nothing_is_written(app, client):
    clinic = create_clinic(app)
    before = _count(app)
    for bad in ("lucia@", "lucia", "lucia@localhost"):
        response = client.post("/v1/patients", json=patient_body(email=bad), headers=clinic["headers"])
        assert response.status_code == 422, bad
        assert "email" in response.get_json()["error"]["fields"]
    assert _count(app) == before


def test_patch_gives_and_withdraws_consent_and_sets_the_fallback_channel(app, client):
    clinic = create_clinic(app)
    patient = enroll(client, clinic, email="ana@example.org")
    url = f"/v1/patients/{patient['id']}"
    changed = client.patch(
        url,
        json={"consent": {"email": True, "method": "verbal"}, "fallback_channel": "email"},
        headers=clinic["headers"],
    ).get_json()
    assert changed["consent"]["email"] is True and changed["consent"]["email_method"] == "verbal"
    assert changed["fallback_channel"] == "email"
    withdrawn = client.patch(url, json={"consent": {"email": False}}, headers=clinic["headers"]).get_json()
    assert withdrawn["consent"]["email"] is False and withdrawn["consent"]["email_given_at"] is None


def test_a_bad_phone_in_a_patch_changes_nothing_else(app, client):
    clinic = create_clinic(app)
    patient = enroll(client, clinic, display_name="Ana")
    url = f"/v1/patients/{patient['id']}"
    response = client.patch(url, json={"display_name": "Eva", "phone": "0000"}, headers=clinic["headers"])
    assert response.status_code == 422 and "phone" in response.get_json()["error"]["fields"]
    assert client.get(url, headers=clinic["headers"]).get_json()["display_name"] == "Ana"


def test_unknown_fallback_channel_and_consent_method_are_refused(app, client):
    clinic = create_clinic(app)
    for body in ({"fallback_channel": "pigeon"}, {"consent": {"sms": True, "method": "telepathy"}}):
        response = client.post("/v1/patients", json=patient_body(**body), headers=clinic["headers"])
        assert response.status_code == 422, body


def test_the_clinics_country_decides_how_a_national_number_is_read(app, client):
    clinic = create_clinic(app)
    assert client.patch("/v1/clinic", json={"country": "XX"}, headers=clinic["headers"]).status_code == 422
    changed = client.patch("/v1/clinic", json={"country": "PT"}, headers=clinic["headers"])
    assert changed.status_code == 200 and changed.get_json()["country"] == "PT"
    assert enroll(client, clinic, phone="912 345 678")["phone"] == "+351912345678"
