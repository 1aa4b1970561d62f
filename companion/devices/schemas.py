from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.core.fields import OneOfBodies, UtcDateTime
from companion.core.pagination import page_schema

PLATFORMS = ("ios", "android", "web")
_IDENTIFIER = validate.Length(min=1, max=512)


class FidDeviceSchema(Schema):
    """The app's Firebase installation id."""

    fid = fields.String(required=True, validate=_IDENTIFIER)
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))


class TokenDeviceSchema(Schema):
    """A legacy FCM registration token."""

    token = fields.String(required=True, validate=_IDENTIFIER)
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))


class StaffFidDeviceSchema(FidDeviceSchema):
    staff_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class StaffTokenDeviceSchema(TokenDeviceSchema):
    staff_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class DeviceCreateSchema(OneOfBodies):
    """The app sends its Firebase installation id (`fid`) or a legacy registration `token`."""

    bodies = {"fid": FidDeviceSchema, "token": TokenDeviceSchema}


class DeviceSchema(Schema):
    id = fields.Integer()
    identifier = fields.String()
    kind = fields.String(validate=validate.OneOf(["fid", "token"]))
    platform = fields.String(validate=validate.OneOf(PLATFORMS))
    active = fields.Boolean()
    created_at = UtcDateTime()


class StaffDeviceCreateSchema(OneOfBodies):
    """A staff phone, as the app registers it, with the staff member's name."""

    bodies = {"fid": StaffFidDeviceSchema, "token": StaffTokenDeviceSchema}


class StaffDeviceSchema(DeviceSchema):
    staff_name = fields.String(allow_none=True)


StaffDevicePageSchema = page_schema(StaffDeviceSchema, "StaffDevicePage")
