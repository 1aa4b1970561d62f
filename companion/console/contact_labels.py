"""The console's words for how a patient can be reached: each channel's consent, opt-out and
invalid marks as a sentence, and the channel a reminder took. Beside `labels.py` (the words
for data codes), with the same rule: every text is an English message id marked with `N_`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date

from companion.core.i18n import N_, negotiate, translate

CHANNELS = {
    "sms": N_("SMS"),
    "email": N_("E-mail"),
    "push": N_("app push"),
    "webpush": N_("browser push"),
}

CONSENT_METHODS = {
    "written": N_("on a signed form"),
    "verbal": N_("aloud at the desk"),
    "electronic": N_("online"),
    "console": N_("recorded in the console"),
}

OPTED_OUT = N_("%(channel)s: stopped by the patient on %(day)s")
INVALID = {
    "sms": N_("%(channel)s: the number cannot receive texts (reported on %(day)s)"),
    "email": N_("%(channel)s: the address cannot receive e-mail (reported on %(day)s)"),
}
AGREED = N_("%(channel)s: agreed %(how)s on %(day)s")
NOT_AGREED = N_("%(channel)s: not agreed")
NO_ADDRESS = {"sms": N_("%(channel)s: no phone number"), "email": N_("%(channel)s: no e-mail address")}
FALLBACK = {
    None: N_("Reminders the app cannot receive go by SMS if agreed, else e-mail."),
    "sms": N_("Reminders the app cannot receive go by SMS first."),
    "email": N_("Reminders the app cannot receive go by e-mail first."),
}


def _day(at: datetime, timezone: str, locale: str | None) -> str:
    return format_date(at.astimezone(ZoneInfo(timezone)).date(), format="medium", locale=negotiate(locale))


def contact_state(patient: Any, channel: str, locale: str | None) -> str:
    """One channel as the desk reads it: stopped, unreachable, agreed (how, when) or not; days
    are the patient's own. A stop or a bad number outranks consent: either means nothing is sent."""
    name, timezone = translate(CHANNELS[channel], locale), patient.timezone
    opted_out = patient.sms_opted_out_at if channel == "sms" else patient.email_opted_out_at
    invalid = patient.phone_invalid_at if channel == "sms" else patient.email_invalid_at
    if not (patient.phone if channel == "sms" else patient.email):
        return translate(NO_ADDRESS[channel], locale, channel=name)
    if opted_out is not None:
        return translate(OPTED_OUT, locale, channel=name, day=_day(opted_out, timezone, locale))
    if invalid is not None:
        return translate(INVALID[channel], locale, channel=name, day=_day(invalid, timezone, locale))
    if not getattr(patient, f"consent_{channel}"):
        return translate(NOT_AGREED, locale, channel=name)
    method = getattr(patient, f"consent_{channel}_method")
    given = getattr(patient, f"consent_{channel}_at")
    how = translate(CONSENT_METHODS[method], locale) if method in CONSENT_METHODS else (method or "")
    day = _day(given, timezone, locale) if given else "?"
    return translate(AGREED, locale, channel=name, how=how, day=day)


def phone_shown(e164: str) -> str:
    """A stored number grouped as people read it aloud: "+34 612 34 56 78"."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def fallback(patient: Any, locale: str | None) -> str:
    return translate(FALLBACK.get(patient.fallback_channel, FALLBACK[None]), locale)


def delivery_channel(delivery: Mapping[str, Any], locale: str | None) -> str:
    """The way one attempt went: a push to the app or to a browser, an SMS or an e-mail."""
    channel = delivery["channel"]
    if channel == "push" and delivery.get("platform") == "web":
        channel = "webpush"
    message = CHANNELS.get(channel)
    return translate(message, locale) if message else str(channel)
