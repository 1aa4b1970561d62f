from __future__ import annotations

from marshmallow import Schema, fields

from companion.core.openapi import OPTIONAL


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    dispatcher = fields.Dict(metadata={"description": "Operators only (the ops token or loopback)", OPTIONAL: True})
