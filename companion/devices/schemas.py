from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from companion.core.fields import OneOfBodies, UtcDateTime
from companion.core.pagination import page_schema
from companion.devices.models import DeviceKind

PLATFORMS = ("ios", "android", "web")
_IDENTIFIER = validate.Length(min=1, max=512)
_P256DH = "Not a P-256 public key (65 bytes) in URL-safe base64."
_AUTH = "Not a 16-byte auth secret in URL-safe base64."
_ENDPOINT = "Not a valid URL: a push endpoint is an https URL with a path."


class FidDeviceSchema(Schema):
    """The app's Firebase installation id."""

    fid = fields.String(required=True, validate=_IDENTIFIER)
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))


class TokenDeviceSchema(Schema):
    """A legacy FCM registration token."""

    token = fields.String(required=True, validate=_IDENTIFIER)
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))


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


class WebDeviceSchema(Schema):
    """A browser's Web Push subscription (the patient web app)."""

    subscription = fields.Nested(SubscriptionSchema, required=True)
    platform = fields.String(
        required=True,
        validate=validate.OneOf(["web"], error="A push subscription comes from a browser: platform 'web'."),
    )


class StaffFidDeviceSchema(FidDeviceSchema):
    staff_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class StaffTokenDeviceSchema(TokenDeviceSchema):
    staff_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class DeviceCreateSchema(OneOfBodies):
    """A phone app sends its Firebase installation id (`fid`) or a legacy registration `token`;
    a browser sends its Web Push `subscription` (platform `web`)."""

    bodies = {"fid": FidDeviceSchema, "token": TokenDeviceSchema, "subscription": WebDeviceSchema}


class DeviceSchema(Schema):
    id = fields.Integer()
    identifier = fields.String()
    kind = fields.String(validate=validate.OneOf([str(kind) for kind in DeviceKind]))
    platform = fields.String(validate=validate.OneOf(PLATFORMS))
    active = fields.Boolean()
    created_at = UtcDateTime()


class StaffDeviceCreateSchema(OneOfBodies):
    """A staff phone, as the app registers it, with the staff member's name. Staff phones run the
    clinic's app (FCM); browser subscriptions belong to the patient web app."""

    bodies = {"fid": StaffFidDeviceSchema, "token": StaffTokenDeviceSchema}


class StaffDeviceSchema(DeviceSchema):
    staff_name = fields.String(allow_none=True)


StaffDevicePageSchema = page_schema(StaffDeviceSchema, "StaffDevicePage")
