"""Clinic API: protocols and the clinic's own overrides of them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core.api import link_to, links
from companion.core.auth import CLINIC_SECURITY
from companion.core.pagination import PageArgsSchema
from companion.protocols import service
from companion.protocols.schemas import OverrideSchema, ProtocolDetailSchema, ProtocolPageSchema

blp = Blueprint("protocols", __name__, url_prefix="/v1/protocols", description="Clinic: protocols")
blp.before_request(require_clinic)


@blp.route("", methods=["GET"])
@blp.doc(
    operationId="listProtocols",
    security=CLINIC_SECURITY,
    **links(
        200,
        ShowProtocol=link_to("GET", "/v1/protocols/{key}", key="$response.body#/items/0/key"),
        SetOverride=link_to("PUT", "/v1/protocols/{key}/override", key="$response.body#/items/0/key"),
        ClearOverride=link_to("DELETE", "/v1/protocols/{key}/override", key="$response.body#/items/0/key"),
    ),
)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ProtocolPageSchema)
def list_protocols(args: dict[str, Any]) -> object:
    """The protocols your clinic can record treatments with."""
    return service.protocols_page(current_clinic(), args["limit"], args["offset"])


@blp.route("/<key>", methods=["GET"])
@blp.doc(operationId="getProtocol", security=CLINIC_SECURITY)
@blp.response(200, ProtocolDetailSchema)
def show_protocol(key: str) -> object:
    """One protocol, with your clinic's overrides applied."""
    return service.show_protocol(current_clinic(), key)


@blp.route("/<key>/override")
class Override(MethodView):
    @blp.doc(operationId="setProtocolOverride", security=CLINIC_SECURITY)
    @blp.arguments(OverrideSchema)
    @blp.response(200, ProtocolDetailSchema)
    def put(self, data: dict[str, Any], key: str) -> object:
        """Your instructions win: these values replace the protocol's for your new treatments."""
        return service.set_override(current_clinic(), key, data["values"])

    @blp.doc(operationId="clearProtocolOverride", security=CLINIC_SECURITY)
    @blp.response(204)
    def delete(self, key: str) -> None:
        """Go back to the protocol's own values."""
        service.clear_override(current_clinic(), key)
