"""Every domain's blueprint, registered on the API in one place."""
from __future__ import annotations

from flask_smorest import Api


def register_blueprints(api: Api) -> None:
    from companion.core.health import blp as health
    from companion.clinics.views import blp as clinics
    from companion.patients.views import blp as patients
    from companion.patients.app_views import blp as patient_app
    from companion.treatments.views import blp as treatments
    from companion.checkins.views import blp as checkins

    for blueprint in (health, clinics, patients, patient_app, treatments, checkins):
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme(
        "clinicKey", {"type": "http", "scheme": "bearer", "description": "Clinic API key"}
    )
    api.spec.components.security_scheme(
        "patientToken", {"type": "http", "scheme": "bearer", "description": "Patient app token"}
    )
