"""One schema per staff action, shared by every door that takes it (console forms, CLI):
the same lengths and formats everywhere, so nothing too long or malformed reaches the database."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from companion.core.fields import Locale, Pattern
from companion.core.i18n import N_
from companion.staff.models import ROLES
from companion.staff.passwords import MAX_LENGTH

EMAIL_MESSAGE = N_("Enter a valid e-mail address.")
_ADDRESS = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$"  # one @, no spaces or control characters


def Email(**kwargs: Any) -> fields.String:
    """An address as people type it; stored lower-case."""
    return fields.String(
        validate=[validate.Length(max=254, error=EMAIL_MESSAGE), Pattern(_ADDRESS, error=EMAIL_MESSAGE)],
        **kwargs,
    )


def Password(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=MAX_LENGTH), **kwargs)


class SignInSchema(Schema):
    email = Email(required=True)
    password = Password(required=True)
    # Only asked for when the address and password fit accounts at more than one clinic.
    clinic_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))


class PasswordChangeSchema(Schema):
    current = Password(required=True)
    new = Password(required=True)


class StaffInviteSchema(Schema):
    email = Email(required=True)
    role = fields.String(load_default="staff", validate=validate.OneOf(ROLES))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    locale = Locale(load_default="en")


class StaffRoleSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
