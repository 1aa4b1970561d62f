"""Settings: the clinic's protocol values edited beside the defaults (checked as the API
checks them), the clinic's time zone named once on every clinic-wide page, and the staff
actions the audit log names."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from companion.audit.models import AuditEntry
from companion.core.clock import clock
from companion.extensions import db
from tests.console.helpers import make_staff, post, sign_in, visible_text
from tests.factories import create_clinic, enroll

FACE = "/console/settings/protocols/microneedling-face"
SETTINGS = "/console/settings"


def _admin(app, client, locale: str = "en"):
    clinic = create_clinic(app)
    sign_in(client, "admin@sol.example", make_staff(app, clinic["id"], "admin@sol.example"))
    if locale != "en":
        post(client, "/console/settings/language", {"locale": locale}, form_page=SETTINGS)
    return clinic


def _overrides(client, clinic):
    return client.get("/v1/protocols/microneedling-face", headers=clinic["headers"]).get_json()["overrides"]


def _actions(app, action: str) -> list[str | None]:
    with app.app_context():
        return [e.target for e in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action))]


def _field(page: str, name: str) -> str:
    """The table cell holding one value's input (and its message)."""
    start = page.index(f'id="v-microneedling-face-{name}"')
    return page[start : page.index("</td>", start)]


def test_an_admin_saves_values_beside_the_defaults_and_the_api_sees_them(app, client):
    clinic = _admin(app, client)
    saved = post(
        client,
        FACE,
        {"v.restrictions.makeup.hours": "36", "v.restrictions.sun.spf": "50", "v.restrictions.sun.hours": "168"},
        form_page=SETTINGS,
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#protocol-microneedling-face")
    # 168 h is the default: no override of it
    assert _overrides(client, clinic) == {"restrictions": {"makeup": {"hours": 36}, "sun": {"spf": 50}}}
    assert _actions(app, "protocol override set") == ["protocol=microneedling-face"]
    page = client.get(SETTINGS).get_data(as_text=True)
    assert 'value="36"' in _field(page, "restrictions.makeup.hours") and "Saved." in page


def test_the_form_keeps_what_the_api_set_and_restates_the_depth_table_whole(app, client):
    clinic = _admin(app, client)
    texts = {"values": {"hydration": {"title": {"en": "Drink water", "es": "Bebe agua"}}}}
    assert (
        client.put("/v1/protocols/microneedling-face/override", json=texts, headers=clinic["headers"]).status_code
        == 200
    )
    row = "v.expected_course.depth_table.0.redness_hours"
    assert post(client, FACE, {row: "30"}, form_page=SETTINGS).status_code == 302
    overrides = _overrides(client, clinic)
    assert overrides["hydration"] == texts["values"]["hydration"]
    table = overrides["expected_course"]["depth_table"]
    assert (len(table), table[0]["redness_hours"], table[1]["redness_hours"]) == (5, 30, 48)
    assert post(client, FACE, {row: ""}, form_page=SETTINGS).status_code == 302  # empty: the default again
    assert "expected_course" not in _overrides(client, clinic)


def test_wrong_values_are_named_beside_their_fields_in_spanish_typed_values_kept_nothing_saved(app, client):
    clinic = _admin(app, client, "es")
    typed = {"v.restrictions.makeup.hours": "mucho", "v.restrictions.sun.spf": "24.5", "v.hydration.for_hours": "0"}
    refused = post(client, FACE, typed, form_page=SETTINGS)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    makeup = _field(page, "restrictions.makeup.hours")
    assert 'value="mucho"' in makeup and 'aria-invalid="true"' in makeup and "No es un número válido." in makeup
    assert "No es un número entero válido." in _field(page, "restrictions.sun.spf")
    assert "Debe ser mayor que 0 y menor o igual que 2880." in _field(page, "hydration.for_hours")
    assert '<details id="protocol-microneedling-face" open>' in page
    assert "Not a valid" not in visible_text(page)
    assert _overrides(client, clinic) == {}


def test_a_rule_between_values_is_named_beside_the_value_that_breaks_it(app, client):
    clinic = _admin(app, client, "es")
    deeper_heals_faster = {"v.expected_course.depth_table.1.redness_hours": "12"}  # row 0 takes 24 h
    refused = post(client, FACE, deeper_heals_faster, form_page=SETTINGS)
    assert refused.status_code == 422
    cell = _field(refused.get_data(as_text=True), "expected_course.depth_table.1.redness_hours")
    assert "Una profundidad mayor no puede curar más rápido." in cell and 'value="12"' in cell
    assert _overrides(client, clinic) == {}


def test_reset_to_default_drops_the_clinics_values(app, client):
    clinic = _admin(app, client)
    post(client, FACE, {"v.restrictions.makeup.hours": "36"}, form_page=SETTINGS)
    assert 'id="reset-microneedling-face"' in client.get(SETTINGS).get_data(as_text=True)
    assert post(client, f"{FACE}/reset", {}, form_page=SETTINGS).status_code == 302
    assert _overrides(client, clinic) == {}
    assert _actions(app, "protocol override cleared") == ["protocol=microneedling-face"]
    assert 'id="reset-microneedling-face"' not in client.get(SETTINGS).get_data(as_text=True)


def test_staff_read_the_values_but_may_not_change_them(app, client):
    clinic = create_clinic(app)
    sign_in(client, "nurse@sol.example", make_staff(app, clinic["id"], "nurse@sol.example", "staff"))
    page = client.get(SETTINGS).get_data(as_text=True)
    assert 'id="protocol-microneedling-face"' in page and 'name="v.restrictions.makeup.hours"' not in page
    for path in (FACE, f"{FACE}/reset"):
        assert post(client, path, {"v.restrictions.makeup.hours": "36"}, form_page=SETTINGS).status_code == 403
    assert _overrides(client, clinic) == {}


def test_an_unknown_protocol_is_no_page(app, client):
    _admin(app, client)
    assert post(client, "/console/settings/protocols/tattoo", {}, form_page=SETTINGS).status_code == 404


def _zone_notes(page: str) -> int:
    return len(re.findall(r'id="clinic-zone"', page))


def test_clinic_wide_pages_show_the_clinics_zone_once_and_their_times_in_it(app, client):
    now = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    clock.freeze(now)
    clinic = _admin(app, client)
    form = {"name": "Clinica Sol", "timezone": "America/Bogota"}
    assert post(client, "/console/settings/clinic", form, form_page=SETTINGS).status_code == 302
    clock.freeze(now - timedelta(hours=30))  # 05:00 in Bogotá, and never signed in since: on the worklist
    enroll(app.test_client(), clinic)
    clock.freeze(now)
    settings = client.get(SETTINGS).get_data(as_text=True)
    assert _zone_notes(settings) == 1 and "(America/Bogota)" in visible_text(settings)
    assert "2026-03-02 05:00:00" in visible_text(settings)  # the audit log, in Bogotá
    assert "UTC" not in visible_text(settings)
    worklist = client.get("/console/").get_data(as_text=True)
    assert _zone_notes(worklist) == 1 and "(2026-03-02 05:00)" in visible_text(worklist)
    results = client.get("/console/results").get_data(as_text=True)
    assert _zone_notes(results) == 1 and "(America/Bogota)" in visible_text(results)
    assert _actions(app, "clinic time zone changed") == ["timezone=America/Bogota"]


def test_a_wrong_zone_in_settings_is_named_in_spanish_and_kept(app, client):
    _admin(app, client, "es")
    refused = post(client, "/console/settings/clinic", {"name": "Sol", "timezone": "Marte/Olimpo"}, form_page=SETTINGS)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'value="Marte/Olimpo"' in page and "Zona horaria IANA desconocida: 'Marte/Olimpo'" in visible_text(page)


def test_role_changes_and_sign_outs_everywhere_are_in_the_audit_log(app, client):
    clinic = _admin(app, client)
    nurse_password = make_staff(app, clinic["id"], "nurse@sol.example", "staff")
    nurse = app.test_client()
    sign_in(nurse, "nurse@sol.example", nurse_password)
    with app.app_context():
        from companion.staff.models import StaffMember

        nurse_id = db.session.scalar(sa.select(StaffMember.id).where(StaffMember.email == "nurse@sol.example"))
    ended = post(client, f"/console/settings/staff/{nurse_id}/sessions/end", {}, form_page=SETTINGS)
    assert ended.status_code == 302 and nurse.get("/console/").status_code == 302  # signed out
    changed = post(client, f"/console/settings/staff/{nurse_id}/role", {"role": "admin"}, form_page=SETTINGS)
    assert changed.status_code == 302
    [signed_out] = _actions(app, "staff signed out everywhere")
    assert signed_out and signed_out.startswith(f"staff_id={nurse_id},sessions=")  # and how many ended
    assert _actions(app, "staff role changed") == [f"staff_id={nurse_id},role=staff->admin"]
    audit = visible_text(client.get(SETTINGS).get_data(as_text=True))
    assert "changed a staff member's role" in audit and "signed a staff member out everywhere" in audit
    unchanged = post(client, f"/console/settings/staff/{nurse_id}/role", {"role": "admin"}, form_page=SETTINGS)
    assert unchanged.status_code == 302
    assert len(_actions(app, "staff role changed")) == 1  # nothing changed, nothing recorded


def test_an_admin_cannot_change_their_own_role(app, client):
    _admin(app, client)
    with app.app_context():
        from companion.staff.models import StaffMember

        own = db.session.scalar(sa.select(StaffMember.id).where(StaffMember.email == "admin@sol.example"))
    refused = post(client, f"/console/settings/staff/{own}/role", {"role": "staff"}, form_page=SETTINGS)
    assert refused.status_code == 409
    assert _actions(app, "staff role changed") == []
