"""Console forms take what the API takes (issue 17, finding 13): each action's one
marshmallow schema plus the API's text guard, so a NUL character or an over-long value
gets the form back with the field marked (422) on SQLite and PostgreSQL alike, never a
500 and never a stored value the API would have refused."""

from __future__ import annotations

from companion.extensions import db
from companion.staff.models import StaffMember
from tests.console.helpers import make_staff, post, sign_in
from tests.factories import create_clinic

NUL = "Ana\x00Gómez"


def _admin(app, client):
    clinic = create_clinic(app)
    assert sign_in(client, "admin@clinic.example", make_staff(app, clinic["id"], "admin@clinic.example")).status_code
    return clinic


def _enroll(client, **overrides):
    data = {"display_name": "Ana", "timezone": "Europe/Madrid", "locale": "es", **overrides}
    return post(client, "/console/patients/new", data, form_page="/console/patients/new")


def test_a_nul_in_the_enrollment_form_is_refused_at_the_field(app, client):
    _admin(app, client)
    answer = _enroll(client, display_name=NUL)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="display_name-error"' in page and "character that is not allowed" in page
    answer = _enroll(client, **{"screening.medications_note": "a\x00b"})
    assert answer.status_code == 422 and 'id="screening-medications_note-error"' in answer.get_data(as_text=True)
    assert "No patients yet." in client.get("/console/patients").get_data(as_text=True)


def test_the_sign_in_form_refuses_nul_and_over_long_addresses_without_a_server_error(app, client):
    clinic = create_clinic(app)
    make_staff(app, clinic["id"], "nurse@clinic.example", "staff")
    for email in ("nurse\x00@clinic.example", "n" * 300 + "@clinic.example"):
        answer = post(client, "/console/login", {"email": email, "password": "whatever whatever"})
        assert answer.status_code == 422, email[:20]
        assert 'id="email-error"' in answer.get_data(as_text=True)
    long_password = post(client, "/console/login", {"email": "nurse@clinic.example", "password": "p" * 5000})
    assert long_password.status_code == 422 and 'id="password-error"' in long_password.get_data(as_text=True)


def test_the_invitation_form_checks_every_field_and_stores_nothing_it_refuses(app, client):
    _admin(app, client)
    cases = {
        "name": {"email": "a@clinic.example", "name": "N" * 300},
        "locale": {"email": "b@clinic.example", "locale": "x" * 40},
        "email": {"email": "c\x00@clinic.example"},
        "role": {"email": "d@clinic.example", "role": "owner"},
    }
    for field, data in cases.items():
        answer = post(client, "/console/settings/staff", {"role": "staff", **data}, form_page="/console/settings")
        assert answer.status_code == 422, field
        assert f'id="invite-{field}-error"' in answer.get_data(as_text=True) or field in ("role", "locale"), field
    nul_name = post(
        client, "/console/settings/staff", {"email": "e@clinic.example", "name": NUL}, form_page="/console/settings"
    )
    assert nul_name.status_code == 422
    with app.app_context():
        emails = set(db.session.scalars(db.select(StaffMember.email)))
    assert emails == {"admin@clinic.example"}


def test_resolving_an_alert_with_a_nul_in_the_note_is_refused(app, client):
    from tests.factories import enroll, record_treatment
    from tests.factories import sign_in as app_sign_in

    clinic = _admin(app, client)
    patient = enroll(app.test_client(), clinic)
    record_treatment(app.test_client(), clinic, patient["id"])
    token = app_sign_in(app.test_client(), patient["enrollment_code"])
    checkin = app.test_client().post(
        "/v1/me/checkins",
        json={"ratings": {"redness": 1, "swelling": 1}, "red_flags": {"fever": True}},
        headers=token,
    )
    assert checkin.status_code == 201, checkin.get_json()
    alerts = app.test_client().get("/v1/alerts", headers=clinic["headers"]).get_json()
    items = alerts["items"] if isinstance(alerts, dict) else alerts
    alert_id = items[0]["id"]
    answer = post(client, f"/console/alerts/{alert_id}/resolve", {"note": "done\x00"}, form_page="/console/")
    assert answer.status_code == 422
    still_open = app.test_client().get(f"/v1/alerts/{alert_id}", headers=clinic["headers"]).get_json()
    assert still_open["status"] != "resolved"


def test_the_staff_cli_checks_with_the_invitation_schema(app):
    clinic = create_clinic(app)
    runner = app.test_cli_runner()
    for email in ("desk\x00@clinic.example", "d" * 300 + "@clinic.example"):
        result = runner.invoke(
            args=["companion", "staff", "create", "--clinic-id", str(clinic["id"]), "--email", email]
        )
        assert result.exit_code != 0 and "e-mail" in result.output, result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(StaffMember)) == 0
