"""Request guards that apply to every endpoint."""
from __future__ import annotations

from flask import Flask, request

from companion.core.errors import error_body

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def register_request_guards(app: Flask) -> None:
    @app.before_request
    def _require_json_bodies():
        if request.method not in _BODY_METHODS:
            return None
        has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
        if has_body and not request.is_json:
            return error_body(
                415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json."
            )
        return None
