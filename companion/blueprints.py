"""Every domain's blueprint, registered on the API in one place."""
from __future__ import annotations

from flask_smorest import Api


def register_blueprints(api: Api) -> None:
    from companion.core.health import blp as health
    from companion.clinics.views import blp as clinics
    from companion.patients.views import blp as patients
    from companion.patients.app_views import blp as patient_app
    from companion.patients.session_views import blp as patient_sessions
    from companion.treatments.views import blp as treatments
    from companion.treatments.protocol_views import blp as protocols
    from companion.reminders.views import blp as metrics
    from companion.checkins.views import blp as alerts, history as checkin_history, me as my_checkins, rules

    blueprints = (
        health, clinics, patients, patient_sessions, patient_app, treatments, protocols,
        my_checkins, alerts, checkin_history, rules, metrics,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme(
        "clinicKey", {"type": "http", "scheme": "bearer", "description": "Clinic API key"}
    )
    api.spec.components.security_scheme(
        "patientToken", {"type": "http", "scheme": "bearer", "description": "Patient app token"}
    )
