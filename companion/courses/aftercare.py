"""The patient's aftercare sheet: one page, in the patient's language, that says what to
avoid and until when, what is normal, when to call the clinic and how to reach it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from companion.clinics.models import Clinic
from companion.courses import service as courses
from companion.extensions import db
from companion.patients.models import Patient
from companion.protocols.definition import localize
from companion.protocols.service import effective_protocol
from companion.treatments import service as treatments
from companion.treatments.models import Treatment, TreatmentStatus


def aftercare_sheet(patient: Patient) -> dict[str, Any]:
    latest = db.session.scalar(
        db.select(Treatment)
        .where(Treatment.patient_id == patient.id, Treatment.status == TreatmentStatus.ACTIVE)
        .order_by(Treatment.performed_at.desc(), Treatment.id.desc())
        .limit(1)
    )
    clinic = db.session.get_one(Clinic, patient.clinic_id)
    sheet: dict[str, Any] = {
        "locale": patient.locale,
        "clinic": {"name": clinic.name, "phone": clinic.phone, "email": clinic.email, "hours": clinic.hours},
        "next_appointment": courses.next_appointment(patient),
        "treatment": None,
        "restrictions": treatments.status_for(patient, None)["restrictions"],
        "expected_course": None,
        "warning_signs": [],
        "urgent": None,
        "patient_notes": None,
    }
    if latest is None:
        return sheet
    content = (
        latest.protocol_snapshot.get("protocol") or effective_protocol(latest.clinic_id, latest.protocol_key).as_dict()
    )
    hours = latest.protocol_snapshot.get("expected_course", {})

    def text(message: Mapping[str, str]) -> str:
        return localize(message, patient.locale)

    sheet.update(
        treatment={
            "id": latest.id,
            "protocol": latest.protocol_key,
            "title": text(content["title"]),
            "performed_at": latest.performed_at,
            "needle_depth_mm": latest.needle_depth_mm,
            "session_number": latest.session_number,
            "planned_sessions": latest.planned_sessions,
        },
        expected_course={
            "summary": text(content["expected_course"]["summary"]),
            "redness_hours": hours.get("redness_hours"),
            "swelling_hours": hours.get("swelling_hours"),
        },
        warning_signs=[{"key": sign["key"], "text": text(sign["text"])} for sign in content["warning_signs"]],
        urgent={"title": text(content["serious_signs"]["title"]), "body": text(content["serious_signs"]["body"])},
        patient_notes=latest.patient_notes,
    )
    return sheet
