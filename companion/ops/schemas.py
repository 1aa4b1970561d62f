from __future__ import annotations

from marshmallow import Schema, fields


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    dispatcher = fields.Dict()
