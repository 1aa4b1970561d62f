"""The clinic console through the test client: every page and form, CSRF, roles, tenants."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from companion.core.clock import clock
from tests.console.helpers import STRONG_PASSWORD, csrf, make_staff, post, sign_in
from tests.factories import create_clinic, enroll, record_treatment
from tests.factories import sign_in as app_sign_in

SCREENING_OFF: dict[str, str] = {}


def _enroll_form(**overrides):
    data = {
        "display_name": "Lucía",
        "timezone": "Europe/Madrid",
        "locale": "es",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        **SCREENING_OFF,
    }
    data.update(overrides)
    return data


def _signed_in(app, client, role="admin"):
    clinic = create_clinic(app)
    email = f"{role}@clinic.example"
    sign_in(client, email, make_staff(app, clinic["id"], email, role))
    return clinic


def test_pages_need_a_signed_in_staff_member(app, client):
    for path in ("/console/", "/console/patients", "/console/patients/new", "/console/settings"):
        response = client.get(path)
        assert response.status_code == 302 and "/console/login" in response.headers["Location"], path


def test_sign_in_with_a_wrong_password_is_refused_and_says_so(app, client):
    clinic = create_clinic(app)
    make_staff(app, clinic["id"], "nurse@clinic.example", "staff")
    response = sign_in(client, "nurse@clinic.example", "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_one_time_password_must_be_replaced_before_anything_else(app, client):
    clinic = create_clinic(app)
    one_time = make_staff(app, clinic["id"], "new@clinic.example", "staff", ready=False)
    response = sign_in(client, "new@clinic.example", one_time)
    assert response.status_code == 302
    assert client.get("/console/").headers["Location"].endswith("/console/password")
    short = post(client, "/console/password", {"current": one_time, "new": "short"})
    assert short.status_code == 422 and "At least 12 characters" in short.get_data(as_text=True)
    done = post(client, "/console/password", {"current": one_time, "new": STRONG_PASSWORD})
    assert done.status_code == 302
    assert client.get("/console/").status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf(client, "/console/")})
    assert sign_in(client, "new@clinic.example", one_time).status_code == 401
    assert sign_in(client, "new@clinic.example", STRONG_PASSWORD).status_code == 302


def test_session_cookie_is_http_only_and_same_site(app, client):
    clinic = create_clinic(app)
    response = sign_in(client, "a@clinic.example", make_staff(app, clinic["id"], "a@clinic.example"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client()
    token = csrf(secure, "/console/login")
    over_https = secure.post(
        "/console/login",
        base_url="https://localhost",
        data={"csrf_token": token, "email": "a@clinic.example", "password": STRONG_PASSWORD},
    )
    assert "Secure" in over_https.headers["Set-Cookie"]


def test_a_form_without_its_csrf_token_is_rejected_and_changes_nothing(app, client):
    _signed_in(app, client)
    response = client.post("/console/patients/new", data=_enroll_form())
    assert response.status_code == 400
    assert "Lucía" not in client.get("/console/patients").get_data(as_text=True)


def test_enroll_shows_the_code_large_with_a_qr_and_a_hand_out_in_the_patients_language(app, client):
    _signed_in(app, client)
    response = post(client, "/console/patients/new", _enroll_form(), form_page="/console/patients/new")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    code = re.search(r'id="enrollment-code">([A-Z0-9-]+)<', page).group(1)
    assert "<svg" in page
    assert "Escanea este código" in page  # the hand-out is in Spanish for a Spanish-speaking patient
    assert (
        client.application.test_client().post("/v1/patient-sessions", json={"enrollment_code": code}).status_code == 201
    )


def test_enroll_errors_are_shown_next_to_the_field_and_nothing_is_written(app, client):
    _signed_in(app, client)
    response = post(
        client,
        "/console/patients/new",
        _enroll_form(display_name="", timezone="Mars/Olympus"),
        form_page="/console/patients/new",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="timezone-error"' in page and "Unknown IANA time zone" in page
    assert 'id="display_name-error"' in page
    assert "No patients yet." in client.get("/console/patients").get_data(as_text=True)


def test_record_a_session_and_see_its_timeline(app, client):
    clinic = _signed_in(app, client)
    patient = enroll(client, clinic)
    form_page = f"/console/patients/{patient['id']}/sessions/new"
    response = post(
        client,
        form_page,
        {
            "protocol": "microneedling-face",
            "performed_at": "",
            "needle_depth_mm": "1.0",
            "area": "face",
            "session_number": "1",
            "planned_sessions": "3",
        },
    )
    assert response.status_code == 422 and 'id="performed_at-error"' in response.get_data(as_text=True)
    page = client.get(form_page).get_data(as_text=True)
    now_local = re.search(r'name="performed_at" type="datetime-local" value="([^"]+)"', page).group(1)
    response = post(
        client,
        form_page,
        {
            "protocol": "microneedling-face",
            "performed_at": now_local,
            "needle_depth_mm": "1.0",
            "area": "face",
            "combined_with": "serum",
            "session_number": "1",
            "planned_sessions": "3",
        },
    )
    assert response.status_code == 302
    patient_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert patient_page.count('class="reminder state-pending"') >= 5


def test_alerts_from_api_check_ins_are_acknowledged_and_resolved_inline(app, client):
    clinic = _signed_in(app, client)
    patient = enroll(client, clinic)
    record_treatment(client, clinic, patient["id"])
    headers = app_sign_in(client, patient["enrollment_code"])
    client.post("/v1/me/checkins", headers=headers, json={"ratings": {"redness": 1}, "red_flags": {"fever": True}})
    worklist = client.get("/console/").get_data(as_text=True)
    alert_id = int(re.search(r'id="alert-(\d+)"', worklist).group(1))
    assert post(client, f"/console/alerts/{alert_id}/acknowledge", {}, form_page="/console/").status_code == 302
    alert = client.get(f"/v1/alerts/{alert_id}", headers=clinic["headers"]).get_json()
    assert alert["status"] == "acknowledged"
    post(client, f"/console/alerts/{alert_id}/resolve", {"note": "Called, seen today"}, form_page="/console/")
    alert = client.get(f"/v1/alerts/{alert_id}", headers=clinic["headers"]).get_json()
    assert alert["status"] == "resolved" and alert["resolution_note"] == "Called, seen today"
    assert f'id="alert-{alert_id}"' not in client.get("/console/").get_data(as_text=True)


def test_another_clinics_patient_is_not_found(app, client):
    _signed_in(app, client)
    other = create_clinic(app, "Other")
    theirs = enroll(client, other)
    assert client.get(f"/console/patients/{theirs['id']}").status_code == 404
    assert client.get(f"/console/patients/{theirs['id']}/sessions/new").status_code == 404


def test_staff_without_admin_role_cannot_reach_admin_actions(app, client):
    _signed_in(app, client, role="staff")
    assert client.get("/console/settings").status_code == 200
    page = client.get("/console/settings").get_data(as_text=True)
    assert 'id="staff"' not in page
    response = post(
        client, "/console/settings/staff", {"email": "x@clinic.example", "role": "admin"}, form_page="/console/settings"
    )
    assert response.status_code == 403


def test_admin_invites_staff_who_then_signs_in_with_the_one_time_password(app, client):
    _signed_in(app, client)
    response = post(
        client,
        "/console/settings/staff",
        {"email": "Nurse@Clinic.example", "role": "staff", "locale": "es"},
        form_page="/console/settings",
    )
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    password = re.search(r'id="invited-password">([^<]+)<', shown).group(1)
    other = client.application.test_client()
    assert sign_in(other, "nurse@clinic.example", password).status_code == 302
    assert other.get("/console/").headers["Location"].endswith("/console/password")


def test_the_ui_follows_the_staff_members_language(app, client):
    _signed_in(app, client)
    post(client, "/console/settings/language", {"locale": "es"}, form_page="/console/settings")
    assert "Pacientes" in client.get("/console/").get_data(as_text=True)


def test_sign_out_ends_the_session(app, client):
    _signed_in(app, client)
    client.post("/console/logout", data={"csrf_token": csrf(client, "/console/")})
    assert client.get("/console/").status_code == 302


def test_book_move_and_cancel_an_appointment_from_the_patient_page(app, client):
    clinic = _signed_in(app, client)
    patient = enroll(client, clinic)
    page = f"/console/patients/{patient['id']}"
    past = post(client, f"{page}/appointments", {"starts_at": "2020-01-01T10:00", "kind": "series"}, form_page=page)
    assert past.status_code == 422 and 'id="booking-errors"' in past.get_data(as_text=True)
    assert client.get(f"/v1/patients/{patient['id']}/appointments", headers=clinic["headers"]).get_json()["items"] == []
    madrid = ZoneInfo("Europe/Madrid")
    first = (clock.now() + timedelta(days=30)).astimezone(madrid).replace(hour=10, minute=30, second=0, microsecond=0)
    later = first + timedelta(days=1, minutes=30)
    booked = post(
        client,
        f"{page}/appointments",
        {"starts_at": first.strftime("%Y-%m-%dT%H:%M"), "kind": "series", "note": "Bring SPF"},
        form_page=page,
    )
    assert booked.status_code == 302
    [appointment] = client.get(f"/v1/patients/{patient['id']}/appointments", headers=clinic["headers"]).get_json()[
        "items"
    ]
    assert datetime.fromisoformat(appointment["starts_at"]) == first  # read in the patient's zone
    assert appointment["note"] == "Bring SPF"
    post(
        client,
        f"/console/appointments/{appointment['id']}/move",
        {"starts_at": later.strftime("%Y-%m-%dT%H:%M")},
        form_page=page,
    )
    moved = client.get(f"/v1/patients/{patient['id']}/appointments", headers=clinic["headers"]).get_json()["items"][0]
    assert datetime.fromisoformat(moved["starts_at"]) == later
    post(client, f"/console/appointments/{appointment['id']}/cancel", {}, form_page=page)
    cancelled = client.get(f"/v1/patients/{patient['id']}/appointments", headers=clinic["headers"]).get_json()["items"][
        0
    ]
    assert cancelled["status"] == "cancelled"


def test_admin_sets_contact_details_and_manages_api_keys(app, client):
    clinic = _signed_in(app, client)
    saved = post(
        client,
        "/console/settings/clinic",
        {"name": "Clínica Sol", "phone": "+34 912 345 678", "email": "hola@sol.example", "hours": "L-V 9:00-19:00"},
        form_page="/console/settings",
    )
    assert saved.status_code == 302
    assert client.get("/v1/clinic", headers=clinic["headers"]).get_json()["phone"] == "+34 912 345 678"
    bad = post(
        client, "/console/settings/clinic", {"name": "Clínica Sol", "phone": "call us"}, form_page="/console/settings"
    )
    assert bad.status_code == 422
    created = post(client, "/console/settings/api-keys", {}, form_page="/console/settings")
    shown = client.get(created.headers["Location"]).get_data(as_text=True)
    key = re.search(r'id="new-api-key">([^<]+)<', shown).group(1)
    assert client.get("/v1/clinic", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    keys = client.get("/v1/clinic/api-keys", headers=clinic["headers"]).get_json()["items"]
    new_id = next(k["id"] for k in keys if key.startswith(k["prefix"]) and k["id"] != keys[0]["id"])
    post(client, f"/console/settings/api-keys/{new_id}/revoke", {}, form_page="/console/settings")
    assert client.get("/v1/clinic", headers={"Authorization": f"Bearer {key}"}).status_code == 401
