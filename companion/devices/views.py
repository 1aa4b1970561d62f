"""Clinic API: staff phones that receive alert pushes (the patient's own phone is under /v1/me)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core.api import link_to, links
from companion.core.auth import CLINIC_SECURITY
from companion.core.pagination import PageArgsSchema
from companion.devices import schemas as s
from companion.devices import service

blp = Blueprint("staff_devices", __name__, url_prefix="/v1/clinic/devices", description="Clinic: staff devices")
blp.before_request(require_clinic)
_REMOVE = links(201, RemoveDevice=link_to("DELETE", "/v1/clinic/devices/{device_id}", device_id="$response.body#/id"))


@blp.route("")
class StaffDevices(MethodView):
    @blp.doc(operationId="listStaffDevices", security=CLINIC_SECURITY)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, s.StaffDevicePageSchema)
    def get(self, args: dict[str, Any]) -> object:
        """Staff phones that receive alert pushes."""
        return service.staff_devices(current_clinic().id, args["limit"], args["offset"])

    @blp.doc(operationId="registerStaffDevice", security=CLINIC_SECURITY, **_REMOVE)
    @blp.arguments(s.StaffDeviceCreateSchema)
    @blp.response(201, s.StaffDeviceSchema)
    @blp.alt_response(200, schema=s.StaffDeviceSchema, description="Already registered")
    @blp.alt_response(409, response="CONFLICT", description="device_in_use: the phone belongs to another account")
    def post(self, data: dict[str, Any]) -> object:
        """A staff member's phone receives alert pushes at any hour."""
        device, created = service.register_staff_device(current_clinic().id, data)
        return device, 201 if created else 200


@blp.route("/<int:device_id>", methods=["DELETE"])
@blp.doc(operationId="removeStaffDevice", security=CLINIC_SECURITY)
@blp.response(204)
def remove_device(device_id: int) -> None:
    """Stop alert pushes to this phone: its `id` from the registration answer or the list."""
    service.remove_device(device_id, clinic_id=current_clinic().id)


def remove_device_by_identifier(identifier: str) -> ResponseReturnValue:
    """Deprecated, removed in the next release: the push identifier in the path ends up in access
    logs. Use `DELETE /v1/clinic/devices/{device_id}`."""
    service.remove_device(identifier=identifier, clinic_id=current_clinic().id)
    return "", 204


# Served but left out of the OpenAPI document: its path differs from the one above only by the
# parameter's name, which no client generator can tell apart (docs/api.md lists it as deprecated).
FlaskBlueprint.add_url_rule(blp, "/<path:identifier>", view_func=remove_device_by_identifier, methods=["DELETE"])
