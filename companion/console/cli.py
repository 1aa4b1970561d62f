"""`flask companion demo`: a clinic to click through, with patients at different points
of their course so the worklist is not empty."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import click

from companion.core.cli import companion_cli, echo_json

if TYPE_CHECKING:
    from companion.patients.models import Patient

_NO = {
    "active_infection": False,
    "keloid_prone": False,
    "active_severe_acne": False,
    "eczema": False,
    "psoriasis": False,
    "bleeding_disorder": False,
    "relevant_medications": False,
    "other_serious_skin_condition": False,
}


@companion_cli.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the sign-in details as JSON.")
def demo(as_json: bool) -> None:
    """Create a demo clinic, an admin account and four patients; print how to sign in."""
    from companion.checkins.service import submit_checkin
    from companion.clinics.service import create_clinic
    from companion.core.clock import clock
    from companion.patients.service import enroll_patient
    from companion.staff.service import create_staff
    from companion.treatments.service import record_treatment

    clinic, api_key = create_clinic("Demo Clinic")
    email = f"admin+{clinic.id}@demo.clinic"
    admin, password = create_staff(clinic.id, email, "admin")
    now = clock.now()

    def patient(name: str, locale: str, zone: str) -> Patient:
        return enroll_patient(
            clinic,
            {
                "display_name": name,
                "timezone": zone,
                "locale": locale,
                "external_ref": None,
                "quiet_hours": None,
                "screening": dict(_NO),
            },
        )[0].patient

    def session(who: Patient, days_ago: float, number: int = 1) -> None:
        body = {
            "protocol": "microneedling-face",
            "performed_at": now - timedelta(days=days_ago),
            "needle_depth_mm": 1.0,
            "area": "face",
            "combined_with": [],
            "series": {"session_number": number, "planned_sessions": 3},
            "clearance_confirmed": False,
        }
        record_treatment(clinic, who.id, body, None)

    patient("Ana (enrolled, app not signed in yet)", "es", "Europe/Madrid")
    lucia = patient("Lucía (day 2, urgent check-in)", "es", "Europe/Madrid")
    session(lucia, 2)
    submit_checkin(lucia, {"ratings": {"redness": 2, "swelling": 1}, "red_flags": {"fever": True}, "note": None})
    tom = patient("Tom (day 4, redness lasting)", "en", "Europe/London")
    session(tom, 4)
    submit_checkin(tom, {"ratings": {"redness": 2, "swelling": 2}, "red_flags": {}, "note": None})
    maria = patient("María (session 1 five weeks ago)", "es", "America/Mexico_City")
    session(maria, 35)
    details = {
        "clinic_id": clinic.id,
        "api_key": api_key,
        "console": "http://127.0.0.1:8000/console/",
        "email": admin.email,
        "password": password,
    }
    if as_json:
        echo_json(details)
        return
    click.echo(
        f"Demo clinic {clinic.id} created.\n"
        f"  Console:  {details['console']}\n  E-mail:   {admin.email}\n"
        f"  Password: {password}  (one-time: you choose your own at the first sign-in)\n"
        f"  API key:  {api_key}"
    )
