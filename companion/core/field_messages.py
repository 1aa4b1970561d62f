"""Validation messages in the reader's language: marshmallow's own ("Not a valid integer.",
"Must be greater than 0 and less than or equal to 2880.") and ours.

marshmallow writes its messages in English, filling in numbers and choices as it
validates. Rather than patch every field and validator, a page translates the finished
messages when it shows them: a message is looked up as it is, and a formatted one by the
template it was made from, its values carried over. The templates are the catalog's
message ids; a test checks they cover every default message of the installed marshmallow.
No Flask here: the console and the patient app pass their reader's language.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from companion.core.i18n import DEFAULT_LOCALE, N_, negotiate, translate

UNKNOWN_ZONE = N_("Unknown IANA time zone {name} (e.g. 'Europe/Madrid').")
# Ours with values: code fills them in with str.format, so a page finds the template again.
AT_MOST_DAYS = N_("At most {days} days.")
NO_PROTOCOL = N_("No protocol {key}; see GET /v1/protocols.")
ONE_OF = N_("One of {choices}.")
EXACTLY_ONE_OF = N_("Send exactly one of {names}.")
BETWEEN_ONE_AND = N_("Must be between 1 and {max}.")
DEPTH_RANGE = N_("Must be between {low} and {high} mm: the documented range of {protocol} ({area}).")
UNKNOWN_COMBINED = N_("Unknown for this protocol: {unknown} (allowed: {allowed}).")
NEXT_SESSION = N_("Expected session_number {expected}, or 1 to start a new series.")
ENDPOINT_TOO_LONG = N_("Longer than {max} characters.")
HOST_NOT_ACCEPTED = N_("Host {host} is not an accepted push service.")

# marshmallow's default messages that a form can meet (loading; not dumping), then ours with values.
TEMPLATES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid period of time."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid IP address."),
    N_("Not a valid IPv4 address."),
    N_("Not a valid IPv6 address."),
    N_("Not a valid IP interface."),
    N_("Not a valid IPv4 interface."),
    N_("Not a valid IPv6 interface."),
    N_("String does not match expected pattern."),
    N_("Must be one of: {choices}."),
    N_("Must be equal to {other}."),
    N_("One or more of the choices you made was in: {values}."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Longer than maximum length {max}."),
    N_("Shorter than minimum length {min}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    UNKNOWN_ZONE,
    AT_MOST_DAYS,
    NO_PROTOCOL,
    ONE_OF,
    EXACTLY_ONE_OF,
    BETWEEN_ONE_AND,
    DEPTH_RANGE,
    UNKNOWN_COMBINED,
    NEXT_SESSION,
    ENDPOINT_TOO_LONG,
    HOST_NOT_ACCEPTED,
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each template with values as a pattern; the longest first, so "greater than or equal
    to {min}." is not read as "greater than {min}." with "or equal to 0" as the value."""
    found = []
    for template in sorted((t for t in TEMPLATES if "{" in t), key=len, reverse=True):
        parts = _PLACEHOLDER.split(template)
        pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        found.append((re.compile(pattern), template))
    return tuple(found)


def translate_message(message: str, locale: str | None) -> str:
    """One message in the reader's language; one no catalog knows stays as it is."""
    language = negotiate(locale)
    if language == DEFAULT_LOCALE:
        return message
    known = translate(message, language)
    if known != message:
        return known
    for pattern, template in _patterns():
        matched = pattern.fullmatch(message)
        if matched:
            values = matched.groupdict()
            return translate(template, language).format(**values)
    return message


def translate_messages(messages: Any, locale: str | None) -> Any:
    """marshmallow's error messages (nested dicts and lists of texts), every text translated."""
    if isinstance(messages, str):
        return translate_message(messages, locale)
    if isinstance(messages, dict):
        return {key: translate_messages(value, locale) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(item, locale) for item in messages]
    return messages
