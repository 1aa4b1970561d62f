"""What an integrator writes with a client generated from our document (openapi-python-client,
default settings): enroll a patient, record a session, sign the phone in, check in.

tests/api/test_contract.py type-checks this file with `mypy --strict` against the freshly
generated client, then runs it against the app: a document that generates a client with
wrong or missing types, or an operation the generator drops, fails there.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from aftercare_companion_client import AuthenticatedClient, Client
from aftercare_companion_client.api.me import create_check_in
from aftercare_companion_client.api.patient_sessions import create_patient_session
from aftercare_companion_client.api.patient_treatments import create_treatment
from aftercare_companion_client.api.patients import create_patient
from aftercare_companion_client.models import (
    CheckIn,
    CheckInCreate,
    CheckInOutcome,
    EnrolledPatient,
    PatientCreate,
    PatientCreateTimezone,
    Ratings,
    RedFlags,
    Screening,
    Series,
    Session,
    SessionCreate,
    Treatment,
    TreatmentCreate,
    TreatmentCreateProtocol,
)


def enroll_treat_sign_in_check_in(base_url: str, api_key: str) -> CheckIn:
    clinic = AuthenticatedClient(base_url=base_url, token=api_key, raise_on_unexpected_status=True)
    screening = Screening(
        active_infection=False,
        keloid_prone=False,
        active_severe_acne=False,
        eczema=False,
        psoriasis=False,
        bleeding_disorder=False,
        relevant_medications=False,
        other_serious_skin_condition=False,
    )
    body = PatientCreate(display_name="Ana", timezone=PatientCreateTimezone.EUROPEMADRID, screening=screening)
    patient = create_patient.sync(client=clinic, body=body, idempotency_key=str(uuid.uuid4()))
    assert isinstance(patient, EnrolledPatient), patient

    session = TreatmentCreate(
        protocol=TreatmentCreateProtocol.MICRONEEDLING_FACE,
        performed_at=datetime.now(UTC) - timedelta(hours=2),
        needle_depth_mm=1.0,
        area="face",
        series=Series(session_number=1, planned_sessions=3),
    )
    treatment = create_treatment.sync(patient.id, client=clinic, body=session, idempotency_key=str(uuid.uuid4()))
    assert isinstance(treatment, Treatment), treatment
    assert treatment.series.planned_sessions == 3
    hours: float = treatment.expected_course.redness_hours

    anyone = Client(base_url=base_url, raise_on_unexpected_status=True)
    signed_in = create_patient_session.sync(client=anyone, body=SessionCreate(enrollment_code=patient.enrollment_code))
    assert isinstance(signed_in, Session), signed_in
    phone = AuthenticatedClient(base_url=base_url, token=signed_in.token, raise_on_unexpected_status=True)

    report = CheckInCreate(ratings=Ratings(redness=1, swelling=1), red_flags=RedFlags())
    checkin = create_check_in.sync(client=phone, body=report, idempotency_key=str(uuid.uuid4()))
    assert isinstance(checkin, CheckIn), checkin
    assert checkin.outcome is CheckInOutcome.EXPECTED and hours > 0
    return checkin
