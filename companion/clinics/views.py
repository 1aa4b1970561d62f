"""Clinic API: the clinic's own settings."""

from __future__ import annotations

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
    def get(self):
        """Your clinic's settings."""
        return current_clinic()

    @blp.doc(operationId="updateClinic", security=CLINIC_SECURITY)
    @blp.arguments(s.ClinicUpdateSchema)
    @blp.response(200, s.ClinicWithSecretSchema)
    def patch(self, data):
        """Setting a webhook URL for the first time creates its signing secret (shown once)."""
        return service.update_clinic(current_clinic(), data)


@blp.route("/webhook-secret", methods=["POST"])
@blp.doc(operationId="rotateWebhookSecret", security=CLINIC_SECURITY)
@blp.response(201, s.ClinicWithSecretSchema)
def rotate_secret():
    """A new signing secret; the old one stops verifying at once."""
    return service.rotate_webhook_secret(current_clinic())


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @blp.doc(operationId="listApiKeys", security=CLINIC_SECURITY)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, s.ApiKeyPageSchema)
    def get(self, args):
        """Active keys: prefix, created, last used; never the key."""
        return service.api_keys_page(current_clinic(), args["limit"], args["offset"])

    @blp.doc(operationId="createApiKey", security=CLINIC_SECURITY)
    @blp.response(201, s.NewApiKeySchema)
    def post(self):
        """A new key, shown once. Rotate: create, switch the clinic system over, revoke the old one."""
        return service.create_api_key(current_clinic())


@blp.route("/api-keys/<int:key_id>", methods=["DELETE"])
@blp.doc(operationId="revokeApiKey", security=CLINIC_SECURITY)
@blp.response(204)
@blp.alt_response(409, response="CONFLICT", description="last_api_key: the clinic's last live key")
def revoke_api_key(key_id):
    """Revoked at once: requests with it get 401 from now on."""
    service.revoke_api_key(current_clinic(), key_id, keep_one=True)
