"""Every page of the patient app over HTTP, signed in with the cookie the join form sets."""

from __future__ import annotations

import json
import re

from companion.core.auth import PATIENT_APP_COOKIE
from companion.extensions import db
from companion.reminders.models import Reminder
from tests.factories import sign_in
from tests.patient_app.helpers import csrf, enrolled_patient, join, post

PAGES = ("/app/", "/app/aftercare", "/app/timeline", "/app/checkin", "/app/appointments", "/app/settings")


def reminder_ids(app, patient_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(db.select(Reminder.id).where(Reminder.patient_id == patient_id)))


def text(response) -> str:
    return response.get_data(as_text=True)


def test_every_page_needs_the_sign_in(app, client):
    for path in (*PAGES, "/app/export", "/app/reminders/1"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/app/join"), path


def test_every_page_renders_phone_first_with_the_strict_policy(phone):
    for path in PAGES:
        response = phone["client"].get(path)
        assert response.status_code == 200, path
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in text(response)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["Cache-Control"] == "no-store"
        assert not re.search(r'(src|href)="(https?:)?//', text(response)), f"{path} references another host"


def test_today_shows_what_to_avoid_until_a_local_time(phone, app):
    page = text(phone["client"].get("/app/"))
    assert 'data-kind="makeup"' in page
    assert "until " in page
    assert 'id="checkin-button"' in page
    with app.app_context():
        from companion.core.i18n import local_clock
        from companion.patients.models import Patient
        from companion.treatments.models import Restriction

        makeup = db.session.scalar(db.select(Restriction).where(Restriction.kind == "makeup"))
        assert makeup is not None
        patient = db.session.get(Patient, phone["patient"]["id"])
        assert local_clock(makeup.ends_at, patient.timezone, "en") in page  # Madrid time, not UTC


def test_aftercare_sheet_and_timeline(phone):
    sheet = text(phone["client"].get("/app/aftercare"))
    assert "What to avoid, and until when" in sheet and "Call your clinic if you notice" in sheet
    assert 'href="tel:+34600111222"' in sheet
    timeline = text(phone["client"].get("/app/timeline"))
    assert "Coming up" in timeline and "/app/reminders/" in timeline


def test_urgent_check_in_puts_the_clinic_phone_first(phone, app):
    client = phone["client"]
    response = post(client, "/app/checkin", {"ratings.redness": "2", "red_flags.fever": "on"})
    assert response.status_code == 201
    page = text(response)
    assert 'data-outcome="urgent"' in page
    phone_link = page.index('href="tel:+34600111222"')
    assert phone_link < page.index('id="advice"')
    assert "Mon–Fri 9:00–18:00" in page
    with app.app_context():
        from companion.checkins.models import CheckIn

        saved = db.session.scalar(db.select(CheckIn))
        assert saved.outcome == "urgent" and saved.red_flags == ["fever"]


def test_an_ordinary_check_in_reads_as_expected(phone):
    response = post(phone["client"], "/app/checkin", {"ratings.redness": "1"})
    assert response.status_code == 201
    assert 'data-outcome="expected"' in text(response)


def test_bad_check_in_is_refused_field_by_field_and_writes_nothing(phone, app):
    response = post(phone["client"], "/app/checkin", {"ratings.pain": "9", "ratings.redness": "x"})
    assert response.status_code == 422
    assert "Rate 0 (none) to 3 (severe)." in text(response)
    with app.app_context():
        from companion.checkins.models import CheckIn

        assert db.session.scalar(db.select(db.func.count()).select_from(CheckIn)) == 0


def test_a_reminder_and_got_it(phone, app, client):
    rid = reminder_ids(app, phone["patient"]["id"])[0]
    page = phone["client"].get(f"/app/reminders/{rid}")
    assert page.status_code == 200 and 'id="got-it"' in text(page)
    done = post(phone["client"], f"/app/reminders/{rid}/ack", {}, form_page=f"/app/reminders/{rid}")
    assert done.status_code == 303
    assert 'id="acknowledged"' in text(phone["client"].get(f"/app/reminders/{rid}"))
    # The clinic's view (and /v1/me) say the same: one acknowledgement, whichever door it came through.
    with app.app_context():
        assert db.session.get(Reminder, rid).acknowledged_at is not None


def test_another_patients_reminder_is_not_found(phone, app):
    other = app.test_client()
    made = enrolled_patient(app, other, display_name="Berta")
    assert join(other, made["patient"]["enrollment_code"]).status_code == 303
    theirs = reminder_ids(app, made["patient"]["id"])[0]
    assert phone["client"].get(f"/app/reminders/{theirs}").status_code == 404
    token = csrf(phone["client"], "/app/settings")
    ack = phone["client"].post(f"/app/reminders/{theirs}/ack", data={"csrf_token": token})
    assert ack.status_code == 404
    with app.app_context():
        assert db.session.get(Reminder, theirs).acknowledged_at is None


def test_posts_without_the_csrf_token_change_nothing(phone, app):
    client = phone["client"]
    rid = reminder_ids(app, phone["patient"]["id"])[0]
    assert client.post(f"/app/reminders/{rid}/ack").status_code == 400
    assert client.post("/app/checkin", data={"ratings.redness": "3"}).status_code == 400
    assert client.post("/app/settings", data={"locale": "es"}).status_code == 400
    assert client.post("/app/signout").status_code == 400
    with app.app_context():
        from companion.checkins.models import CheckIn
        from companion.patients.models import Patient

        assert db.session.get(Reminder, rid).acknowledged_at is None
        assert db.session.scalar(db.select(db.func.count()).select_from(CheckIn)) == 0
        assert db.session.get(Patient, phone["patient"]["id"]).locale == "en"
    assert client.get("/app/").status_code == 200  # still signed in


def test_settings_switch_to_spanish_and_move_quiet_hours(phone, app):
    client = phone["client"]
    saved = post(
        client,
        "/app/settings",
        {"locale": "es", "timezone": "Europe/Madrid", "quiet_start": "22:30", "quiet_end": "07:00"},
    )
    assert saved.status_code == 303
    today = text(client.get("/app/"))
    assert 'lang="es"' in today and "¿Cómo está tu piel?" in today
    with app.app_context():
        from companion.patients.models import Patient

        patient = db.session.get(Patient, phone["patient"]["id"])
        assert (patient.locale, patient.quiet_start, patient.quiet_end) == ("es", "22:30", "07:00")


def test_settings_refuse_an_unknown_zone_and_save_nothing(phone, app):
    response = post(phone["client"], "/app/settings", {"locale": "es", "timezone": "Mars/Olympus", "quiet_start": "x"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in text(response)
    with app.app_context():
        from companion.patients.models import Patient

        assert db.session.get(Patient, phone["patient"]["id"]).locale == "en"


def test_download_my_data(phone):
    response = phone["client"].get("/app/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.get_data())
    assert document["patient"]["id"] == phone["patient"]["id"]


def test_sign_out_ends_the_token_like_the_api_does(phone, app):
    client = phone["client"]
    token = client.get_cookie(PATIENT_APP_COOKIE, path="/app").value
    response = post(client, "/app/signout", {}, form_page="/app/settings")
    assert response.status_code == 303 and "signed_out=1" in response.headers["Location"]
    assert '"storage"' in response.headers["Clear-Site-Data"]
    assert client.get("/app/").status_code == 303
    assert app.test_client().get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_revoked_by_the_clinic_signs_the_phone_out(phone, app):
    client = phone["client"]
    response = client.post(
        f"/v1/patients/{phone['patient']['id']}/enrollment-code?end_sessions=true", headers=phone["clinic"]["headers"]
    )
    assert response.status_code in (200, 201)
    gone = client.get("/app/")
    assert gone.status_code == 303 and "signed_out=1" in gone.headers["Location"]


def test_appointments_page_lists_visits(phone, app):
    client = phone["client"]
    new_code = client.post(
        f"/v1/patients/{phone['patient']['id']}/enrollment-code", headers=phone["clinic"]["headers"]
    ).get_json()["enrollment_code"]
    bearer = sign_in(app.test_client(), new_code)
    assert app.test_client().get("/v1/me/appointments", headers=bearer).status_code == 200
    page = text(client.get("/app/appointments"))
    assert "Coming up" in page and "Earlier" in page


def test_push_subscription_endpoint_answers_json(phone):
    client = phone["client"]
    token = csrf(client, "/app/settings")
    bad = client.post("/app/devices", json={"endpoint": 5}, headers={"X-CSRFToken": token})
    try:
        import companion.channels.vapid  # noqa: F401
    except ImportError:
        assert bad.status_code == 409 and bad.get_json()["error"]["code"] == "web_push_unavailable"
    else:
        assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"endpoint", "keys"}
    no_token = client.post("/app/devices", json={"endpoint": "https://fcm.googleapis.com/fcm/send/x"})
    assert no_token.status_code == 400 and "error" in no_token.get_json()


def test_manifest_and_service_worker(phone, client):
    manifest = phone["client"].get("/app/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json()
    assert body["name"] == "Clínica Luz" and body["start_url"] == "/app/" and body["display"] == "standalone"
    assert body["scope"] == "/app/" and body["theme_color"]
    for icon in body["icons"]:
        assert phone["client"].get(icon["src"]).status_code == 200
    assert client.get("/app/manifest.webmanifest").get_json()["name"] == "Aftercare Companion"
    worker = client.get("/app/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert "showNotification" in worker.get_data(as_text=True)
    assert client.get("/app/offline").status_code == 200
