from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.patients.schemas import DeviceCreateSchema, DeviceSchema


class ClinicSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    descriptive_push = fields.Boolean(metadata={"description": "Pushes show the reminder text (off: neutral text)"})
    webhook_url = fields.String(allow_none=True)
    created_at = fields.DateTime(format="iso")


class ClinicWithSecretSchema(ClinicSchema):
    webhook_secret = fields.String(
        attribute="shown_secret",
        metadata={"description": "HMAC-SHA256 key for webhook signatures; only shown when created or rotated"}
    )


class ClinicUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    descriptive_push = fields.Boolean()
    webhook_url = fields.Url(allow_none=True, schemes={"http", "https"}, require_tld=False,
                             validate=validate.Length(max=2000))


class StaffDeviceCreateSchema(DeviceCreateSchema):
    staff_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class StaffDeviceSchema(DeviceSchema):
    staff_name = fields.String(allow_none=True)
