"""Clinic API: the clinic's own settings."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics import schemas as s
from companion.clinics import service
from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY
from companion.core.pagination import PageArgsSchema

blp = Blueprint("clinic", __name__, url_prefix="/v1/clinic", description="Clinic: settings")
blp.before_request(require_clinic)


@blp.route("")
class ClinicSettings(MethodView):
    @blp.doc(operationId="getClinic", security=CLINIC_SECURITY)
    @blp.response(200, s.ClinicSchema)
    def get(self) -> object:
        """Your clinic's settings."""
        return current_clinic()

    @blp.doc(operationId="updateClinic", security=CLINIC_SECURITY)
    @blp.arguments(s.ClinicUpdateSchema)
    @blp.response(200, s.ClinicWithSecretSchema)
    def patch(self, data: dict[str, Any]) -> object:
        """Setting or changing the webhook URL creates a new signing secret (shown once, in this answer)."""
        return service.update_clinic(current_clinic(), data)


@blp.route("/webhook-secret", methods=["POST"])
@blp.doc(operationId="rotateWebhookSecret", security=CLINIC_SECURITY)
@blp.response(201, s.ClinicWithSecretSchema)
def rotate_secret() -> object:
    """A new signing secret; the old one stops verifying at once."""
    return service.rotate_webhook_secret(current_clinic())


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @blp.doc(operationId="listApiKeys", security=CLINIC_SECURITY)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, s.ApiKeyPageSchema)
    def get(self, args: dict[str, Any]) -> object:
        """Active keys: prefix, created, last used; never the key."""
        return service.api_keys_page(current_clinic(), args["limit"], args["offset"])

    @blp.doc(operationId="createApiKey", security=CLINIC_SECURITY)
    @blp.response(201, s.NewApiKeySchema)
    @blp.alt_response(409, response="CONFLICT", description="api_key_limit: the clinic holds MAX_API_KEYS live keys")
    def post(self) -> object:
        """A new key, shown once, recorded as made by the key that asked. Rotate: create, switch the
        clinic system over, revoke the old one. At most `COMPANION_MAX_API_KEYS` (20) live keys."""
        return service.create_api_key(current_clinic())


@blp.route("/api-keys/<int:key_id>", methods=["DELETE"])
@blp.doc(operationId="revokeApiKey", security=CLINIC_SECURITY)
@blp.response(204)
@blp.alt_response(409, response="CONFLICT", description="last_api_key: the clinic's last live key")
def revoke_api_key(key_id: int) -> None:
    """Revoked at once: requests with it get 401 from now on."""
    service.revoke_api_key(current_clinic(), key_id, keep_one=True)
