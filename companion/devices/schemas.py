from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema


class SubscriptionKeysSchema(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(min=1, max=100))
    auth = fields.String(required=True, validate=validate.Length(min=1, max=32))


class SubscriptionSchema(Schema):
    """A browser's `PushSubscription.toJSON()`; `expirationTime` and unknown keys are ignored."""

    class Meta:
        unknown = EXCLUDE

    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    keys = fields.Nested(SubscriptionKeysSchema, required=True)


class DeviceCreateSchema(Schema):
    """A phone app sends its Firebase installation id (`fid`) or a legacy registration `token`;
    a browser sends its Web Push `subscription` (platform `web`)."""

    class Meta:
        openapi = {"oneOf": [{"required": ["fid"]}, {"required": ["token"]}, {"required": ["subscription"]}]}

    fid = fields.String(validate=validate.Length(min=1, max=512))
    token = fields.String(validate=validate.Length(min=1, max=512))
    subscription = fields.Nested(SubscriptionSchema)
    platform = fields.String(required=True, validate=validate.OneOf(["ios", "android", "web"]))

    @validates_schema
    def _exactly_one_identifier(self, data, **kwargs):
        if sum(name in data for name in ("fid", "token", "subscription")) != 1:
            raise ValidationError("Send exactly one of 'fid', 'token' or 'subscription'.", field_name="fid")
        if "subscription" in data and data.get("platform") != "web":
            raise ValidationError("A push subscription comes from a browser: platform 'web'.", field_name="platform")


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
