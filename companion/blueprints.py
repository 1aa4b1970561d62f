"""Every domain's blueprints, registered on the API in one place."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from companion.clinics.service import require_clinic
from companion.core.openapi import finish_document
from companion.core.ratelimit import (
    WRITE_METHODS,
    BlueprintLimit,
    EndpointLimit,
    client_address,
    credential_key,
    init_rate_limits,
)
from companion.patient_app.session import load_patient
from companion.patients.service import require_patient

# Limits are settings (docs/security-api.md); each names the config key that holds it. Every blueprint
# guarded by the clinic key or the patient token is limited by its guard, so no endpoint can be forgotten.
ENDPOINT_LIMITS = (
    EndpointLimit(
        "patient_sessions.start_session", "RATELIMIT_SIGNIN_FAILURES", client_address, count_failures_only=True
    ),
    EndpointLimit("console.login", "RATELIMIT_SIGNIN_FAILURES", client_address, count_failures_only=True),
    EndpointLimit("me.submit_checkin", "RATELIMIT_CHECKINS", credential_key),
    # The patient web app: the same limits as the app API (its cookie holds a patient token).
    EndpointLimit("patient_join.join", "RATELIMIT_SIGNIN_FAILURES", client_address, count_failures_only=True),
    EndpointLimit(
        "patient_join.spend_sign_in_link", "RATELIMIT_SIGNIN_FAILURES", client_address, count_failures_only=True
    ),
    EndpointLimit("patient_app.checkin", "RATELIMIT_CHECKINS", credential_key),
    # Sign-out authenticates inside the view of an otherwise open blueprint.
    EndpointLimit("patient_sessions.end_session", "RATELIMIT_PATIENT_WRITES", credential_key),
)
BLUEPRINT_LIMITS = (
    BlueprintLimit(
        require_patient, "RATELIMIT_PATIENT_WRITES", "patient-writes", credential_key, methods=tuple(WRITE_METHODS)
    ),
    BlueprintLimit(require_patient, "RATELIMIT_PATIENT", "patient", credential_key),
    # The web app's pages share the same counters (same scope) through their own guard.
    BlueprintLimit(
        load_patient, "RATELIMIT_PATIENT_WRITES", "patient-writes", credential_key, methods=tuple(WRITE_METHODS)
    ),
    BlueprintLimit(load_patient, "RATELIMIT_PATIENT", "patient", credential_key),
    BlueprintLimit(require_clinic, "RATELIMIT_API_KEY", "api-key", credential_key),
)


def register_blueprints(api: Api) -> None:
    from companion.alerts import views as alerts
    from companion.checkins import views as checkins
    from companion.clinics import views as clinics
    from companion.courses import views as courses
    from companion.devices import views as devices
    from companion.me import views as me
    from companion.messaging import views as messaging
    from companion.ops import views as ops
    from companion.patients import views as patients
    from companion.privacy import views as privacy
    from companion.protocols import views as protocols
    from companion.reports import views as reports
    from companion.treatments import views as treatments
    from companion.worklist import views as worklist

    blueprints = (
        ops.blp,
        clinics.blp,
        devices.blp,
        patients.blp,
        patients.sessions,
        treatments.patient_treatments,
        treatments.blp,
        courses.patient_appointments,
        courses.blp,
        protocols.blp,
        me.blp,
        alerts.blp,
        worklist.blp,
        reports.blp,
        alerts.history,
        checkins.rules,
        privacy.blp,
        messaging.blp,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme(
        "clinicKey", {"type": "http", "scheme": "bearer", "description": "Clinic API key"}
    )
    api.spec.components.security_scheme(
        "patientToken", {"type": "http", "scheme": "bearer", "description": "Patient app token"}
    )
    api.spec.components.security_scheme(
        "twilioSignature",
        {
            "type": "apiKey",
            "in": "header",
            "name": "X-Twilio-Signature",
            "description": "Twilio's signature of COMPANION_PUBLIC_URL + path and the form, with the auth token",
        },
    )
    from companion.alerts.schemas import WebhookEventSchema

    api.spec.components.schema("WebhookEvent", schema=WebhookEventSchema)  # what a clinic's webhook receives
    finish_document(api.spec)


def register_rate_limits(app: Flask) -> None:
    init_rate_limits(app, ENDPOINT_LIMITS, BLUEPRINT_LIMITS)
