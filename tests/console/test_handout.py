"""The printed hand-out stands on its own: the join link as a QR code, what to avoid until a
local date and time, warning and urgent signs, and the clinic's phone and hours, in the
patient's language."""

from __future__ import annotations

import re

import segno

from companion.core.i18n import local_moment
from companion.extensions import db
from tests.console.helpers import make_staff, post, sign_in
from tests.factories import create_clinic, enroll, record_treatment

CODE = re.compile(r'id="enrollment-code">([A-Z0-9-]+)<')


def _desk(app, client):
    clinic = create_clinic(app, "Clínica Luz")
    client.patch("/v1/clinic", json={"phone": "+34 600 111 222", "hours": "L–V 9:00–18:00"}, headers=clinic["headers"])
    sign_in(client, "desk@luz.example", make_staff(app, clinic["id"], "desk@luz.example"))
    return clinic


def test_the_qr_code_holds_the_join_link(app, client):
    _desk(app, client)
    form = {
        "display_name": "Lucía",
        "timezone": "Europe/Madrid",
        "locale": "es",
    }
    enrolled = post(client, "/console/patients/new", form, form_page="/console/patients/new")
    page = client.get(enrolled.headers["Location"]).get_data(as_text=True)
    code = CODE.search(page).group(1)
    link = f"http://127.0.0.1:8000/app/join#{code}"
    assert segno.make(link, error="m").svg_inline(scale=4, border=2) in page
    assert link in page
    assert "Teléfono: +34 600 111 222" in page and "L–V 9:00–18:00" in page


def test_after_the_session_the_hand_out_lists_restrictions_in_local_time_with_a_new_code(app, client):
    clinic = _desk(app, client)
    api = app.test_client()
    patient = enroll(api, clinic, locale="es", timezone="America/Mexico_City")
    record_treatment(api, clinic, patient["id"])
    response = post(
        client, f"/console/patients/{patient['id']}/handout", {}, form_page=f"/console/patients/{patient['id']}"
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        from companion.treatments.models import Restriction

        makeup = db.session.scalar(db.select(Restriction).where(Restriction.kind == "makeup"))
        until = local_moment(makeup.ends_at, "America/Mexico_City", "es")
    assert f"hasta el {until}" in page
    assert 'id="handout-signs"' in page  # the protocol's warning signs, in Spanish
    assert "Qué evitar y hasta cuándo" in page
    assert "Teléfono: +34 600 111 222" in page
    new_code = CODE.search(page).group(1)
    old = api.post("/v1/patient-sessions", json={"enrollment_code": patient["enrollment_code"]})
    assert old.status_code == 401  # the earlier unused code stopped working
    assert api.post("/v1/patient-sessions", json={"enrollment_code": new_code}).status_code == 201


def test_another_clinics_patient_gets_no_hand_out(app, client):
    _desk(app, client)
    other = create_clinic(app, "Otra")
    theirs = enroll(app.test_client(), other)
    response = post(client, f"/console/patients/{theirs['id']}/handout", {}, form_page="/console/patients")
    assert response.status_code == 404
    assert (
        app.test_client().post("/v1/patient-sessions", json={"enrollment_code": theirs["enrollment_code"]}).status_code
        == 201
    )
