from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

_P256DH = "Not a P-256 public key (65 bytes) in URL-safe base64."
_AUTH = "Not a 16-byte auth secret in URL-safe base64."
_ENDPOINT = "Not a valid URL: a push endpoint is an https URL with a path."


class SubscriptionKeysSchema(Schema):
    """URL-safe base64: a 65-byte P-256 public key and a 16-byte secret (padding optional)."""

    p256dh = fields.String(
        required=True,
        metadata={"description": "The browser's P-256 public key (uncompressed point; 422 if not on the curve)"},
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{87}=?$", error=_P256DH),
    )
    auth = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{22}(==)?$", error=_AUTH))


class SubscriptionSchema(Schema):
    """A browser's `PushSubscription.toJSON()`; `expirationTime` and unknown keys are ignored."""

    class Meta:
        unknown = EXCLUDE

    endpoint = fields.String(
        required=True,
        metadata={
            "description": "The push service URL the browser chose: https on a known push service "
            "(Google, Mozilla, Apple, Microsoft; COMPANION_WEBPUSH_ALLOWED_HOSTS), 422 otherwise"
        },
        validate=[validate.Length(min=1, max=1024), validate.Regexp(r"^https?://[^/?#@]+/", error=_ENDPOINT)],
    )
    keys = fields.Nested(SubscriptionKeysSchema, required=True)


class DeviceCreateSchema(Schema):
    """A phone app sends its Firebase installation id (`fid`) or a legacy registration `token`;
    a browser sends its Web Push `subscription` (platform `web`)."""

    class Meta:
        openapi = {
            "oneOf": [
                {"required": ["fid"], "not": {"required": ["subscription"]}},
                {"required": ["token"], "not": {"required": ["subscription"]}},
                {
                    "required": ["subscription"],
                    "not": {"anyOf": [{"required": ["fid"]}, {"required": ["token"]}]},
                    "properties": {"platform": {"type": "string", "enum": ["web"]}},
                },
            ]
        }

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
    """Staff phones run the clinic's app (FCM); browser subscriptions belong to the patient web app,
    whose notifications lead to its own pages."""

    class Meta:
        openapi = {"oneOf": [{"required": ["fid"]}, {"required": ["token"]}], "not": {"required": ["subscription"]}}

    staff_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates_schema
    def _phones_only(self, data, **kwargs):
        if "subscription" in data:
            raise ValidationError("Staff devices are phones with the clinic app.", field_name="subscription")


class StaffDeviceSchema(DeviceSchema):
    staff_name = fields.String(allow_none=True)
