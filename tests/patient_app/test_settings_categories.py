"""The settings page's switches for the messages a patient receives, and the clinic's view of them."""

from __future__ import annotations

import re

from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders.models import Reminder
from tests.console.helpers import make_staff
from tests.console.helpers import sign_in as staff_sign_in
from tests.patient_app.helpers import enrolled_patient, join, post


def _switch(page: str, name: str) -> str:
    found = re.search(rf'<input type="checkbox" id="category-{name}"[^>]*>', page, re.S)
    assert found, name
    return found.group(0)


def test_every_category_has_a_labelled_switch_care_instructions_locked_on_and_offers_off(phone):
    page = phone["client"].get("/app/settings").get_data(as_text=True)
    for name in ("care_instructions", "care_tips", "checkin_prompts", "appointments", "progress", "maintenance"):
        assert "checked" in _switch(page, name)
        assert f'<label for="category-{name}">' in page
    locked = _switch(page, "care_instructions")
    assert "disabled" in locked and 'aria-describedby="category-care_instructions-hint"' in locked
    assert "Always on" in page
    assert "checked" not in _switch(page, "promotional")


def test_turning_off_care_tips_and_on_offers_is_saved_and_skips_the_tips(phone, app):
    client = phone["client"]
    form = {f"categories.{name}": "on" for name in ("checkin_prompts", "appointments", "progress", "maintenance")}
    saved = post(client, "/app/settings", {"categories_shown": "1", "categories.promotional": "on", **form})
    assert saved.status_code == 303
    page = client.get("/app/settings").get_data(as_text=True)
    assert "checked" not in _switch(page, "care_tips") and "checked" in _switch(page, "promotional")
    assert "Muted in your settings" in client.get("/app/timeline").get_data(as_text=True)
    with app.app_context():
        patient = db.session.get_one(Patient, phone["patient"]["id"])
        assert patient.categories["care_tips"] is False and patient.categories["care_instructions"] is True
        states = db.session.execute(
            db.select(Reminder.status, Reminder.skip_reason).where(
                Reminder.patient_id == patient.id, Reminder.category == "care_tips"
            )
        ).all()
    assert states and set(states) == {("skipped", "muted")}


def test_the_switches_read_in_spanish(app):
    client = app.test_client()
    made = enrolled_patient(app, client, locale="es")
    join(client, made["patient"]["enrollment_code"])
    page = client.get("/app/settings").get_data(as_text=True)
    assert "Mensajes que recibes" in page and "Consejos de cuidado: protección solar e hidratación" in page


def test_the_console_patient_page_shows_what_the_patient_receives(phone, app):
    client = phone["client"]
    post(client, "/app/settings", {"categories_shown": "1", "categories.checkin_prompts": "on"})
    staff = app.test_client()
    staff_sign_in(staff, "admin@luz.example", make_staff(app, phone["clinic"]["id"], "admin@luz.example"))
    page = staff.get(f"/console/patients/{phone['patient']['id']}").get_data(as_text=True)
    line = re.search(r'<p id="message-categories">(.*?)</p>', page, re.S).group(1)
    assert "Receives: care instructions, check-in questions" in " ".join(line.split())
    assert "Does not receive: care tips" in line
    assert "skipped: muted by the patient" in page  # the timeline names why a tip is not sent
