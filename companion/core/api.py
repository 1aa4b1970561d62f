"""flask-smorest Api whose documented error schema is the one we really send."""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from flask_smorest import Api
from marshmallow import Schema, fields


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class ErrorResponsesPlugin(BasePlugin):
    """Document the errors every operation of a kind can answer, so clients see them listed:
    401 where credentials are required, 404 where a path names a row, and 400/413/415/422
    where a JSON body is read. Operation-specific ones (409) are declared on the view."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            statuses = []
            if operation.get("security"):
                statuses.append(401)
            if path and "{" in path:
                statuses.append(404)
            if "requestBody" in operation:
                statuses += [400, 413, 415, 422]
            for status in statuses:
                # flask-smorest registers one response per HTTPStatus name (names vary by Python version)
                responses.setdefault(str(status), HTTPStatus(status).name)


class CompanionApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        spec_kwargs = kwargs.pop("spec_kwargs", None) or {}
        spec_kwargs.setdefault("extra_plugins", [ErrorResponsesPlugin()])
        super().__init__(*args, spec_kwargs=spec_kwargs, **kwargs)

    def _register_error_handlers(self) -> None:  # our handlers are registered by create_app
        return None
