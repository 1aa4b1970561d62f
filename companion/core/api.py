"""flask-smorest Api whose documented error schema is the one we really send."""
from __future__ import annotations

from flask_smorest import Api
from marshmallow import Schema, fields


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class CompanionApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:  # our handlers are registered by create_app
        return None
