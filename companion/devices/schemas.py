from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from companion.core.pagination import page_schema


class DeviceCreateSchema(Schema):
    """The app sends its Firebase installation id (`fid`) or a legacy registration `token`."""

    class Meta:
        openapi = {"oneOf": [{"required": ["fid"]}, {"required": ["token"]}]}

    fid = fields.String(validate=validate.Length(min=1, max=512))
    token = fields.String(validate=validate.Length(min=1, max=512))
    platform = fields.String(required=True, validate=validate.OneOf(["ios", "android", "web"]))

    @validates_schema
    def _exactly_one_identifier(self, data, **kwargs):
        if ("fid" in data) == ("token" in data):
            raise ValidationError("Send exactly one of 'fid' or 'token'.", field_name="fid")


class DeviceSchema(Schema):
    id = fields.Integer()
    identifier = fields.String()
    kind = fields.String()
    platform = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime(format="iso")


class StaffDeviceCreateSchema(DeviceCreateSchema):
    staff_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class StaffDeviceSchema(DeviceSchema):
    staff_name = fields.String(allow_none=True)


StaffDevicePageSchema = page_schema(StaffDeviceSchema, "StaffDevicePage")
