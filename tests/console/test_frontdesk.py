"""The front desk's forms and actions: a reload repeats nothing, a refused form keeps what was
typed, a lost phone is signed out, a code is re-issued, a patient is edited and found."""

from __future__ import annotations

import re

from companion.devices.models import Device
from companion.extensions import db
from tests.console.helpers import make_staff, post, sign_in, visible_text
from tests.factories import NO_CONTRAINDICATIONS, create_clinic, enroll, record_treatment
from tests.factories import sign_in as app_sign_in

CODE = re.compile(r'id="enrollment-code">([A-Z0-9-]+)<')


def _desk(app, client, role: str = "admin"):
    clinic = create_clinic(app)
    sign_in(client, f"{role}@clinic.example", make_staff(app, clinic["id"], f"{role}@clinic.example", role))
    return clinic


def _patient_count(client, clinic) -> int:
    return client.get("/v1/patients", headers=clinic["headers"]).get_json()["total"]


def _code_works(app, code: str) -> bool:
    return app.test_client().post("/v1/patient-sessions", json={"enrollment_code": code}).status_code == 201


def test_reloading_the_enrolled_page_neither_enrolls_again_nor_shows_the_code_again(app, client):
    clinic = _desk(app, client)
    form = {"display_name": "Pablo Ruiz", "timezone": "Europe/Madrid", "locale": "es"}
    response = post(client, "/console/patients/new", form, form_page="/console/patients/new")
    assert response.status_code == 302
    first = client.get(response.headers["Location"]).get_data(as_text=True)
    code = CODE.search(first).group(1)
    reload = client.get(response.headers["Location"]).get_data(as_text=True)
    assert CODE.search(reload) is None and 'id="code-gone"' in reload
    assert _patient_count(client, clinic) == 1
    assert _code_works(app, code)  # the reload made no new code that would have replaced it


def test_reloading_a_printed_hand_out_makes_no_new_code_and_the_new_code_replaces_the_old(app, client):
    clinic = _desk(app, client)
    patient = enroll(app.test_client(), clinic)
    page = f"/console/patients/{patient['id']}"
    response = post(client, f"{page}/handout", {}, form_page=page)
    assert response.status_code == 302
    code = CODE.search(client.get(response.headers["Location"]).get_data(as_text=True)).group(1)
    assert CODE.search(client.get(response.headers["Location"]).get_data(as_text=True)) is None
    assert not _code_works(app, patient["enrollment_code"])
    assert _code_works(app, code)


def test_settings_forms_redirect_and_a_reload_shows_no_secret_again(app, client):
    clinic = _desk(app, client)
    keys_before = client.get("/v1/clinic/api-keys", headers=clinic["headers"]).get_json()["total"]
    created = post(client, "/console/settings/api-keys", {}, form_page="/console/settings")
    assert created.status_code == 302
    assert 'id="new-api-key"' in client.get(created.headers["Location"]).get_data(as_text=True)
    assert 'id="new-api-key"' not in client.get(created.headers["Location"]).get_data(as_text=True)
    assert client.get("/v1/clinic/api-keys", headers=clinic["headers"]).get_json()["total"] == keys_before + 1
    invited = post(client, "/console/settings/staff", {"email": "n@clinic.example"}, form_page="/console/settings")
    assert invited.status_code == 302
    assert 'id="invited-password"' in client.get(invited.headers["Location"]).get_data(as_text=True)
    assert 'id="invited-password"' not in client.get("/console/settings").get_data(as_text=True)


def test_a_refused_webhook_url_is_named_beside_its_field_and_the_other_details_are_kept(app, client):
    clinic = _desk(app, client)
    typed = {
        "name": "Clínica Sol",
        "phone": "+34 912 345 678",
        "email": "hola@sol.example",
        "hours": "L-V 9:00-19:00",
        "webhook_url": "https://10.1.2.3/alerts",
    }
    response = post(client, "/console/settings/clinic", typed, form_page="/console/settings")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="clinic-webhook_url-error"' in page and 'aria-describedby="clinic-webhook_url-error"' in page
    for name in ("phone", "email", "hours", "webhook_url"):
        assert f'value="{typed[name]}"' in page, name
    assert client.get("/v1/clinic", headers=clinic["headers"]).get_json()["phone"] is None  # nothing half-written


def test_signing_out_a_lost_phone_refuses_its_token_and_retires_its_device(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    patient = enroll(api, clinic)
    headers = app_sign_in(api, patient["enrollment_code"])
    assert api.post("/v1/me/devices", json={"fid": "fid-lost", "platform": "android"}, headers=headers).status_code in (
        200,
        201,
    )
    page = f"/console/patients/{patient['id']}"
    response = post(client, f"{page}/sign-out", {}, form_page=page)
    assert response.status_code == 302
    assert 'id="phones-signed-out"' in client.get(response.headers["Location"]).get_data(as_text=True)
    assert api.get("/v1/me", headers=headers).status_code == 401
    with app.app_context():
        device = db.session.scalar(db.select(Device).where(Device.identifier == "fid-lost"))
        assert device is not None and not device.active


def test_search_finds_a_patient_by_part_of_the_name_or_the_reference(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    enroll(api, clinic, display_name="Marta Gil", external_ref="H-1001")
    enroll(api, clinic, display_name="Pablo Ruiz", external_ref="H-2002")
    by_name = visible_text(client.get("/console/patients?q=ruiz").get_data(as_text=True))
    assert "Pablo Ruiz" in by_name and "Marta Gil" not in by_name
    by_ref = visible_text(client.get("/console/patients?q=h-100").get_data(as_text=True))
    assert "Marta Gil" in by_ref and "Pablo Ruiz" not in by_ref
    nothing = client.get("/console/patients?q=100%25").get_data(as_text=True)
    assert "Marta Gil" not in nothing  # "%" is a character to find, not a wildcard


def test_editing_a_patient_changes_zone_quiet_hours_and_screening_and_keeps_typed_values_on_error(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    patient = enroll(api, clinic, display_name="Ana")
    record_treatment(api, clinic, patient["id"])
    edit = f"/console/patients/{patient['id']}/edit"
    form = {
        "display_name": "Ana Ruiz",
        "timezone": "Mars/Olympus",
        "locale": "en",
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "screening.eczema": "on",
    }
    refused = post(client, edit, form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="timezone-error"' in page and 'value="Ana Ruiz"' in page and 'value="22:00"' in page
    assert 'id="screening-eczema" name="screening.eczema" checked' in page
    saved = post(client, edit, {**form, "timezone": "America/Mexico_City"})
    assert saved.status_code == 302
    after = api.get(f"/v1/patients/{patient['id']}", headers=clinic["headers"]).get_json()
    assert after["display_name"] == "Ana Ruiz" and after["timezone"] == "America/Mexico_City"
    assert after["locale"] == "en" and after["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    assert [w["code"] for w in after["warnings"]] == ["eczema"]
    assert "CST" in visible_text(client.get(saved.headers["Location"]).get_data(as_text=True))


def test_a_needed_clearance_marks_the_tick_and_says_why(app, client):
    clinic = _desk(app, client)
    patient = enroll(app.test_client(), clinic, screening={**NO_CONTRAINDICATIONS, "psoriasis": True})
    page = f"/console/patients/{patient['id']}/sessions/new"
    now_local = re.search(
        r'name="performed_at" type="datetime-local" value="([^"]+)"', client.get(page).get_data(as_text=True)
    )
    form = {
        "protocol": "microneedling-face",
        "performed_at": now_local.group(1),
        "needle_depth_mm": "1",
        "area": "face",
    }
    refused = post(client, page, form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'aria-describedby="clearance_confirmed-error"' in html and 'id="clearance_confirmed-error"' in html
    assert post(client, page, {**form, "clearance_confirmed": "on"}).status_code == 302


def test_forms_start_from_the_clinics_usual_choices(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    patient = enroll(api, clinic)
    form = f"/console/patients/{patient['id']}/sessions/new"
    first = client.get(form).get_data(as_text=True)
    assert re.search(r'<option value="microneedling-face"[^>]*selected', first)
    assert re.search(r'<optgroup [^>]*data-protocol="microneedling-face"><option value="face" selected', first)
    for _ in range(2):
        record_treatment(api, clinic, patient["id"], protocol="microneedling-body", area="thighs", needle_depth_mm=1.5)
    usual = client.get(form).get_data(as_text=True)
    assert re.search(r'<option value="microneedling-body"[^>]*selected', usual)
    assert re.search(r'<option value="thighs" selected', usual)
    assert re.search(r'<option value="staff" selected', client.get("/console/settings").get_data(as_text=True))


def test_patient_page_shows_local_times_notes_alert_history_and_the_name_to_erase(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    patient = enroll(api, clinic, display_name="Lucía Gómez", timezone="Europe/Madrid")
    record_treatment(api, clinic, patient["id"])
    headers = app_sign_in(api, patient["enrollment_code"])
    checkin = {"ratings": {"redness": 2}, "red_flags": {"fever": True}, "note": "Me arde desde anoche"}
    assert api.post("/v1/me/checkins", headers=headers, json=checkin).status_code == 201
    page = client.get(f"/console/patients/{patient['id']}").get_data(as_text=True)
    text = visible_text(page)
    assert "UTC" not in text and re.search(r"\d{2}:\d{2} CET", text)
    assert "Me arde desde anoche" in text
    assert 'class="alert-row"' in page and "fever" in text
    assert re.search(r"<h4>Today", page) or re.search(r"<h4>Upcoming", page)
    assert 'class="button danger"' in page
    erase = client.get(f"/console/patients/{patient['id']}/erase").get_data(as_text=True)
    assert 'id="name-to-type" class="nobreak">Lucía Gómez<' in erase and 'class="danger"' in erase


def test_a_refused_booking_names_the_time_beside_its_field_and_keeps_the_kind_and_note(app, client):
    clinic = _desk(app, client)
    patient = enroll(app.test_client(), clinic)
    page = f"/console/patients/{patient['id']}"
    typed = {"starts_at": "2020-01-01T10:00", "kind": "review", "note": "Traiga la crema"}
    refused = post(client, f"{page}/appointments", typed, form_page=page)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="starts_at-error"' in html and 'aria-describedby="starts_at-error"' in html
    assert '<option value="review" selected>' in html and 'value="Traiga la crema"' in html


def test_protocol_values_read_as_a_table_with_the_clinics_value_beside_the_default(app, client):
    clinic = _desk(app, client)
    override = {"values": {"restrictions": {"makeup": {"hours": 36}}}}
    assert (
        client.put("/v1/protocols/microneedling-face/override", json=override, headers=clinic["headers"]).status_code
        == 200
    )
    page = client.get("/console/settings").get_data(as_text=True)
    section = page[page.index('id="protocol-microneedling-face"') :]
    section = section[: section.index("</details>")]
    makeup = section[section.index('<tr><th scope="row">') :].split("</tr>")[0]
    cells = [cell.strip() for cell in re.findall(r"<td[^>]*>([^<]*)</td>", makeup)]
    assert cells == ["24 h", "36 h"]  # the default and what applies, either side of ...
    assert 'name="v.restrictions.makeup.hours" inputmode="decimal" size="6" value="36"' in makeup  # the clinic's own
    assert "{" not in visible_text(page)  # no raw JSON


def test_a_one_time_value_crosses_the_redirect_encrypted_and_only_its_own_page_shows_it(app, client):
    _desk(app, client)
    created = post(client, "/console/settings/api-keys", {}, form_page="/console/settings")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    with app.test_request_context():
        stored = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    key = re.search(r'id="new-api-key">([^<]+)<', client.get(created.headers["Location"]).get_data(as_text=True))
    assert key and key.group(1) not in str(stored) and key.group(1)[3:12] not in str(stored)
    again = post(client, "/console/settings/api-keys", {}, form_page="/console/settings")
    client.get("/console/")  # somewhere else first: the key is not carried on to a later visit
    assert 'id="new-api-key"' not in client.get(again.headers["Location"]).get_data(as_text=True)


def test_the_patient_page_title_is_the_patients_name_alone(app, client):
    """The browser tab and bookmarks show the name, not the page's tables."""
    clinic = _desk(app, client)
    patient = enroll(app.test_client(), clinic, display_name="Marta Gil")
    page = client.get(f"/console/patients/{patient['id']}").get_data(as_text=True)
    title = page[page.index("<title>") : page.index("</title>")]
    assert "Marta Gil" in title and "<" not in title[len("<title>") :]


def test_the_results_filters_refusals_read_in_spanish_with_their_values(app, client):
    _desk(app, client)
    post(client, "/console/settings/language", {"locale": "es"}, form_page="/console/settings")
    too_long = client.get("/console/results?from=2025-01-01&to=2026-06-30")
    assert too_long.status_code == 422
    assert "Como máximo 366 días." in visible_text(too_long.get_data(as_text=True))
    unknown = visible_text(client.get("/console/results?protocol=laser-peel").get_data(as_text=True))
    assert "No existe el protocolo 'laser-peel'; consulte GET /v1/protocols." in unknown
    assert "At most" not in visible_text(too_long.get_data(as_text=True)) and "No protocol" not in unknown
