"""Clinic API: the clinic's settings and its staff's devices."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics import schemas as s, settings
from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY

blp = Blueprint("clinic", __name__, url_prefix="/v1/clinic", description="Clinic: settings and staff devices")
blp.before_request(require_clinic)


@blp.route("")
class ClinicSettings(MethodView):
    @blp.doc(security=CLINIC_SECURITY)
    @blp.response(200, s.ClinicSchema)
    def get(self):
        return current_clinic()

    @blp.doc(security=CLINIC_SECURITY)
    @blp.arguments(s.ClinicUpdateSchema)
    @blp.response(200, s.ClinicWithSecretSchema)
    def patch(self, data):
        """Setting a webhook URL for the first time creates its signing secret (shown once)."""
        clinic = settings.update_clinic(current_clinic(), data)
        return clinic


@blp.route("/webhook-secret", methods=["POST"])
@blp.doc(security=CLINIC_SECURITY)
@blp.response(201, s.ClinicWithSecretSchema)
def rotate_secret():
    """A new signing secret; the old one stops verifying at once."""
    return settings.rotate_webhook_secret(current_clinic())


@blp.route("/devices")
class StaffDevices(MethodView):
    @blp.doc(security=CLINIC_SECURITY)
    @blp.response(200, s.StaffDeviceSchema(many=True))
    def get(self):
        return settings.staff_devices(current_clinic())

    @blp.doc(security=CLINIC_SECURITY)
    @blp.arguments(s.StaffDeviceCreateSchema)
    @blp.response(201, s.StaffDeviceSchema)
    @blp.alt_response(200, schema=s.StaffDeviceSchema, description="Already registered")
    def post(self, data):
        """A staff member's phone receives alert pushes at any hour."""
        device, created = settings.register_staff_device(current_clinic(), data)
        return device, 201 if created else 200


@blp.route("/devices/<path:identifier>", methods=["DELETE"])
@blp.doc(security=CLINIC_SECURITY)
@blp.response(204)
def remove_device(identifier):
    settings.remove_staff_device(current_clinic(), identifier)
