"""Every error leaves the API as {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}
# Every `error.code` the API answers, with what it means (listed in the OpenAPI document and docs/api.md).
ERROR_CODES = {
    "bad_request": "400: the request could not be read (bad JSON, a missing body, nesting too deep)",
    "unauthorized": "401: no credential, or one that is unknown, revoked or expired",
    "forbidden": "403: the credential may not do this",
    "not_found": "404: no such resource for this caller (another clinic's rows are never revealed)",
    "method_not_allowed": "405: the path does not take this method (see the Allow header)",
    "conflict": "409: the resource's state does not allow this",
    "idempotency_conflict": "409: this Idempotency-Key was already used for a different request",
    "external_ref_taken": "409: another patient of your clinic has this external_ref",
    "clearance_required": "409: a positive screening answer needs clearance_confirmed",
    "series_position": "409: session_number does not follow the patient's latest session",
    "treatment_cancelled": "409: the treatment was cancelled; record a new one",
    "appointment_closed": "409: the appointment was cancelled or attended",
    "alert_resolved": "409: the alert is already resolved",
    "device_in_use": "409: the phone is registered to another account",
    "last_api_key": "409: the clinic's last live API key cannot be revoked through the API",
    "too_large": "413: the body is too large",
    "uri_too_long": "414: the URL (path and query) is too long",
    "unsupported_media_type": "415: send JSON with Content-Type: application/json",
    "invalid": "422: fields failed validation (see error.fields)",
    "invalid_enrollment_code": "401: the enrollment code is unknown, used or expired",
    "invalid_override": "422: the protocol override does not give a whole protocol",
    "rate_limited": "429: too many requests; wait Retry-After seconds",
    "internal": "500: our fault; nothing was saved",
}


class ApiError(Exception):
    """A domain error with the HTTP status it maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class Invalid(ApiError):
    status = 422
    code = "invalid"


def error_body(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def _flatten_webargs(messages: Any) -> dict[str, Any]:
    """webargs nests messages under the request location ("json", "query")."""
    if not isinstance(messages, dict):
        return {}
    merged: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            merged.update(fields)
        else:
            merged[location] = fields
    return merged


def _challenge() -> str:
    """RFC 6750: a sent but refused credential is `invalid_token`; none sent, just the scheme."""
    sent = request.headers.get("Authorization", "").lower().startswith("bearer ")
    return 'Bearer realm="aftercare", error="invalid_token"' if sent else 'Bearer realm="aftercare"'


def register_error_handlers(app: Flask) -> None:
    @app.after_request
    def _status_headers(response: Response) -> Response:
        # The rate limiter adds Retry-After to every answer; it means "wait" only on 429 and 503.
        if response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)
        if response.status_code == 401:
            response.headers.setdefault("WWW-Authenticate", _challenge())
        return response

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError) -> Response:
        return error_body(err.status, err.code, err.message, err.fields)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        status = err.code or 500
        data = getattr(err, "data", None) or {}
        fields = _flatten_webargs(data.get("messages"))
        message = data.get("message") or err.description or err.name
        if status == 422:
            message = "The request body or query has invalid fields."
        if status == 400 and "Invalid JSON" in str(fields or message):
            message = "The request body is not valid JSON."
        response = error_body(status, _CODES.get(status, "error"), message, fields)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if status == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        app.logger.error("unhandled error", exc_info=err)
        return error_body(500, "internal", "Something went wrong on our side; nothing was saved.")


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
