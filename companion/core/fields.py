"""Marshmallow fields shared by every domain's schemas.

The OpenAPI document is generated from these schemas, and the phone app's client is
generated from the document, so each field accepts exactly what it documents: JSON
types only (no "1" for 1, no 0 for false), patterns matched as JSON Schema matches
them, and value lists written out as `enum`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# http(s) with a host name, IPv4 or [IPv6] host, optional user info and port; no spaces or controls.
WEB_URL = (
    r"^https?://([A-Za-z0-9._~%!$&'()*+,;=-]+(:[A-Za-z0-9._~%!$&'()*+,;=-]*)?@)?"
    r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[[A-Fa-f0-9:.]+\])"
    r"(:[0-9]{1,5})?([/?#][!-~\u00a1-\ud7ff\ue000-\uffff]*)?$"
)


class Pattern(validate.Regexp):
    """A regular expression matched as JSON Schema matches `pattern`: a final `$` is the
    end of the text (Python's `$` also matches before a trailing newline)."""

    def __init__(self, regex: str | re.Pattern[str], error: str | None = None) -> None:
        super().__init__(regex, error=error)
        source = self.regex.pattern
        self._whole = re.compile(source[:-1] + r"\Z", self.regex.flags) if source.endswith("$") else self.regex

    def __call__(self, value: str) -> str:
        if self._whole.match(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Boolean(fields.Boolean):
    """JSON `true` or `false` only (marshmallow alone also takes 1, "yes", "on"...)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Number(fields.Float):
    """A JSON number (marshmallow alone also takes "1.5"); never NaN or infinity."""

    def __init__(self, **kwargs) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


def Integer(**kwargs) -> fields.Integer:
    """A JSON integer (not "1", not 1.0)."""
    return fields.Integer(strict=True, **kwargs)


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


class TimeZoneName(fields.String):
    """An IANA zone name that this machine's tz database knows (listed as the `enum`)."""

    def __init__(self, **kwargs) -> None:
        kwargs["metadata"] = {"enum": list(_zones()), **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        if name not in _zones():
            raise ValidationError(f"Unknown IANA time zone {name!r} (e.g. 'Europe/Madrid').")
        return name


def Locale(**kwargs) -> fields.String:
    return fields.String(
        validate=Pattern(r"^[a-z]{2}(-[A-Z]{2})?$", error="Use a locale like 'en' or 'es-MX'."),
        metadata={"example": "es-MX", **kwargs.pop("metadata", {})},
        **kwargs,
    )


def AwareDateTime(**kwargs) -> fields.AwareDateTime:
    """ISO 8601 with an offset; a naive time is ambiguous for a patient abroad."""
    return fields.AwareDateTime(format="iso", default_timezone=None, **kwargs)


def WebUrl(**kwargs) -> fields.String:
    """An http(s) URL our server can post to, documented as the pattern it must match."""
    return fields.String(
        validate=[Pattern(WEB_URL, error="Use an http:// or https:// URL."), validate.Length(max=2000)],
        metadata={"example": "https://clinic.example/aftercare-hook", **kwargs.pop("metadata", {})},
        **kwargs,
    )


class QuietHoursSchema(Schema):
    start = fields.String(required=True, validate=Pattern(HHMM, error="Use HH:MM (24 h)."))
    end = fields.String(required=True, validate=Pattern(HHMM, error="Use HH:MM (24 h)."))
