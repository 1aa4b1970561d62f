"""A patient's phone and e-mail address, the consent to use them, and which one a reminder takes
when no app can be reached. Parsing uses `phonenumbers` (libphonenumber's rules) and
`email-validator`; the route is a pure function of the patient's columns."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import and_, or_, true

from companion.core.errors import Invalid
from companion.core.i18n import N_

SMS: Final = "sms"
EMAIL: Final = "email"
CHANNELS: Final = (SMS, EMAIL)
# How a consent was given: on a signed form, aloud to the front desk, by the patient online,
# or ticked by clinic staff in the console's patient forms.
CONSOLE: Final = "console"
CONSENT_METHODS: Final = ("written", "verbal", "electronic", CONSOLE)
# The request fields `apply_contact` reads.
CONTACT_FIELDS: Final = ("phone", "email", "consent", "fallback_channel")
# How an opt-out came: the patient texted a keyword, the SMS provider refused (the number opted out
# on its side), or the patient used an e-mail's unsubscribe link.
BY_KEYWORD: Final = "sms_keyword"
BY_PROVIDER: Final = "provider"
BY_LINK: Final = "email_link"
OPT_OUT_WAYS: Final = (BY_KEYWORD, BY_PROVIDER, BY_LINK)

BAD_PHONE: Final = N_("Enter a phone number that can receive text messages, e.g. +34 612 345 678.")
BAD_EMAIL: Final = N_("Enter a valid e-mail address.")


def parse_phone(raw: str, country: str) -> str:
    """E.164, read in the clinic's country when the number has no +country code; Invalid otherwise."""
    try:
        number = phonenumbers.parse(raw, country.upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid(BAD_PHONE, fields={"phone": [BAD_PHONE]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """The address as the mail system will see it; raises ValueError without a usable domain."""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None


@dataclass(frozen=True)
class Route:
    channel: str  # SMS | EMAIL
    address: str  # E.164 number or e-mail address


def usable_addresses(patient: Any) -> dict[str, str]:
    """Channel -> number or address, for each channel consented, valid and not opted out."""
    usable: dict[str, str] = {}
    if patient.phone and patient.consent_sms and not patient.phone_invalid_at and not patient.sms_opted_out_at:
        usable[SMS] = patient.phone
    if patient.email and patient.consent_email and not patient.email_invalid_at and not patient.email_opted_out_at:
        usable[EMAIL] = patient.email
    return usable


def fallback_route(patient: Any, excluding: Collection[str] = ()) -> Route | None:
    """The patient's preferred channel among those consented, valid and not opted out; None if none.

    `patient` is anything with the Patient columns (a model or a row); `excluding` names channels
    that already failed to carry the message (an SMS Twilio reported undelivered)."""
    usable = {channel: address for channel, address in usable_addresses(patient).items() if channel not in excluding}
    preferred = patient.fallback_channel or SMS
    for channel in (preferred, *CHANNELS):
        if channel in usable:
            return Route(channel, usable[channel])
    return None


def has_fallback(patient: Any) -> Any:
    """fallback_route's rule as a SQL condition on the Patient columns: some channel is usable."""
    return or_(
        and_(
            patient.phone.is_not(None),
            patient.consent_sms.is_(true()),
            patient.phone_invalid_at.is_(None),
            patient.sms_opted_out_at.is_(None),
        ),
        and_(
            patient.email.is_not(None),
            patient.consent_email.is_(true()),
            patient.email_invalid_at.is_(None),
            patient.email_opted_out_at.is_(None),
        ),
    )


def apply_contact(patient: Any, data: dict[str, Any], *, country: str, now: datetime, method: str) -> None:
    """Write phone, e-mail, consent and preference from a validated request onto the patient.

    A changed number or address is a new one: what a provider said about the old one is forgotten.
    Consent is stamped when it is given (its time and how), and cleared when withdrawn."""
    if "phone" in data:
        phone = parse_phone(data["phone"], country) if data["phone"] else None
        if phone != patient.phone:
            patient.phone, patient.phone_invalid_at, patient.sms_opted_out_at = phone, None, None
            patient.sms_opted_out_via = None
    if "email" in data:
        email = data["email"] or None
        if email != patient.email:
            patient.email, patient.email_invalid_at, patient.email_opted_out_at = email, None, None
            patient.email_opted_out_via = None
    consent = data.get("consent") or {}
    for channel in CHANNELS:
        if channel not in consent:
            continue
        given = bool(consent[channel])
        if given and not getattr(patient, f"consent_{channel}"):
            setattr(patient, f"consent_{channel}_at", now)
            setattr(patient, f"consent_{channel}_method", consent.get("method") or method)
        elif not given:
            setattr(patient, f"consent_{channel}_at", None)
            setattr(patient, f"consent_{channel}_method", None)
        setattr(patient, f"consent_{channel}", given)
    if "fallback_channel" in data:
        patient.fallback_channel = data["fallback_channel"]
