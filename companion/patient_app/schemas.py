"""What the app's script posts: the browser's PushSubscription.toJSON(). The endpoint's host is
checked against the push-service allow-list by the device registration itself."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

_KEY = validate.Length(min=1, max=256)


class SubscriptionKeysSchema(Schema):
    p256dh = fields.String(required=True, validate=_KEY)
    auth = fields.String(required=True, validate=_KEY)


class WebSubscriptionSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # browsers add expirationTime (null) and may add more

    endpoint = fields.Url(required=True, schemes={"https", "http"}, validate=validate.Length(max=2000))
    keys = fields.Nested(SubscriptionKeysSchema, required=True)
