"""Clinic API: protocols and the clinic's own overrides of them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core.api import link_to, links
from companion.core.auth import CLINIC_SECURITY
from companion.protocols import service
from companion.protocols.schemas import OverrideSchema, ProtocolDetailSchema, ProtocolSummarySchema

blp = Blueprint("protocols", __name__, url_prefix="/v1/protocols", description="Clinic: protocols")
blp.before_request(require_clinic)


@blp.route("", methods=["GET"])
@blp.doc(
    security=CLINIC_SECURITY,
    **links(
        200,
        ShowProtocol=link_to("GET", "/v1/protocols/{key}", key="$response.body#/0/key"),
        SetOverride=link_to("PUT", "/v1/protocols/{key}/override", key="$response.body#/0/key"),
        ClearOverride=link_to("DELETE", "/v1/protocols/{key}/override", key="$response.body#/0/key"),
    ),
)
@blp.response(200, ProtocolSummarySchema(many=True))
def list_protocols() -> object:
    return service.list_protocols(current_clinic())


@blp.route("/<key>", methods=["GET"])
@blp.doc(security=CLINIC_SECURITY)
@blp.response(200, ProtocolDetailSchema)
def show_protocol(key: str) -> object:
    return service.show_protocol(current_clinic(), key)


@blp.route("/<key>/override")
class Override(MethodView):
    @blp.doc(security=CLINIC_SECURITY)
    @blp.arguments(OverrideSchema)
    @blp.response(200, ProtocolDetailSchema)
    def put(self, data: dict[str, Any], key: str) -> object:
        """Your instructions win: these values replace the protocol's for your new treatments."""
        return service.set_override(current_clinic(), key, data["values"])

    @blp.doc(security=CLINIC_SECURITY)
    @blp.response(204)
    def delete(self, key: str) -> None:
        service.clear_override(current_clinic(), key)
