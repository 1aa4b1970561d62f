"""Marshmallow fields shared by every domain's schemas."""
from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


class TimeZoneName(fields.String):
    """An IANA zone name that this machine's tz database knows."""

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        if name not in _zones():
            raise ValidationError(f"Unknown IANA time zone {name!r} (e.g. 'Europe/Madrid').")
        return name


def Locale(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.Regexp(r"^[a-z]{2}(-[A-Z]{2})?$", error="Use a locale like 'en' or 'es-MX'."),
        metadata={"example": "es-MX"},
        **kwargs,
    )


def AwareDateTime(**kwargs) -> fields.AwareDateTime:
    """ISO 8601 with an offset; a naive time is ambiguous for a patient abroad."""
    return fields.AwareDateTime(format="iso", default_timezone=None, **kwargs)


class QuietHoursSchema(Schema):
    start = fields.String(required=True, validate=validate.Regexp(HHMM, error="Use HH:MM (24 h)."))
    end = fields.String(required=True, validate=validate.Regexp(HHMM, error="Use HH:MM (24 h)."))


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
