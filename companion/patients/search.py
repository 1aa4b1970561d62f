"""Finding a patient at the desk from what the caller says: part of the name, the clinic's
reference, the e-mail address (any case), or the phone number as typed.

A number is read as the phone system reads it (`phonenumbers`, in the clinic's country),
so "612 34 56 78", "+34612345678" and "0034 612..." all find +34612345678; a shorter run of
digits ("4567") finds numbers containing it."""

from __future__ import annotations

import re

import phonenumbers
from sqlalchemy import ColumnElement, or_

from companion.extensions import db
from companion.patients.models import Patient

# Fewer digits than this match too many numbers to help.
MIN_DIGITS = 4
_PHONE_LIKE = re.compile(r"^[\d\s+().\-/]+$")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _phone(search: str, country: str) -> str | None:
    try:
        number = phonenumbers.parse(search, country.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def matching(search: str, country: str) -> ColumnElement[bool]:
    """The condition a patient meets to be found by `search`."""
    pattern = _like(search.lower())
    found: list[ColumnElement[bool]] = [
        db.func.lower(Patient.display_name).like(pattern, escape="\\"),
        db.func.lower(Patient.external_ref).like(pattern, escape="\\"),
        db.func.lower(Patient.email).like(pattern, escape="\\"),
    ]
    if _PHONE_LIKE.match(search):
        number = _phone(search, country)
        if number is not None:
            found.append(Patient.phone == number)
        digits = re.sub(r"\D", "", search)
        if len(digits) >= MIN_DIGITS:
            found.append(Patient.phone.like(_like(digits), escape="\\"))
    return or_(*found)
