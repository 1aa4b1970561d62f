"""Marshmallow fields shared by every domain's schemas.

The OpenAPI document is generated from these schemas, and the phone app's client is
generated from the document, so each field accepts exactly what it documents: JSON
types only (no "1" for 1, no 0 for false), patterns matched as JSON Schema matches
them, and value lists written out as `enum`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, ClassVar, overload

from marshmallow import Schema, ValidationError, fields, validate
from marshmallow.types import StrSequenceOrSet, UnknownOption

from companion.core.field_messages import EXACTLY_ONE_OF, UNKNOWN_ZONE
from companion.core.i18n import N_

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
        text = regex if isinstance(regex, re.Pattern) else re.compile(regex)
        source = text.pattern
        self._whole = re.compile(source[:-1] + r"\Z", text.flags) if source.endswith("$") else text

    @overload
    def __call__(self, value: str) -> str: ...
    @overload
    def __call__(self, value: bytes) -> bytes: ...
    def __call__(self, value: str | bytes) -> str | bytes:
        if not isinstance(value, str) or self._whole.match(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Boolean(fields.Boolean):
    """JSON `true` or `false` only (marshmallow alone also takes 1, "yes", "on"...)."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Number(fields.Float):
    """A JSON number (marshmallow alone also takes "1.5"); never NaN or infinity."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


def Integer(**kwargs: Any) -> fields.Integer:
    """A JSON integer (not "1", not 1.0)."""
    return fields.Integer(strict=True, **kwargs)


# Fixed offsets whose sign is the reverse of ISO's (Etc/GMT+5 is UTC-05:00) and whose names
# differ only by that sign or by a zero's spelling: generated clients make one enum key of
# them (GMT+0, GMT-0 and GMT0 are all GMT0). A patient lives in a place, not an offset.
_OFFSET_ALIASES = re.compile(r"^(Etc/)?GMT([+-]\d+|0)$")


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    """The zones of the `tzdata` package (the same list on every host, unlike the system's
    database, which also holds `localtime`, `posixrules` and the like), less `Factory`
    (not a place) and the sign-reversed offset aliases."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return tuple(sorted(name for name in listed if name != "Factory" and not _OFFSET_ALIASES.match(name)))


class TimeZoneName(fields.String):
    """An IANA zone name from the `tzdata` package (listed as the `enum`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"enum": list(_zones()), **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if name not in _zones():
            raise ValidationError(UNKNOWN_ZONE.format(name=repr(name)))
        return name


def Locale(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=Pattern(r"^[a-z]{2}(-[A-Z]{2})?$", error=N_("Use a locale like 'en' or 'es-MX'.")),
        metadata={"example": "es-MX", **kwargs.pop("metadata", {})},
        **kwargs,
    )


class UtcDateTime(fields.DateTime):
    """A time in an answer: ISO 8601 in UTC (`+00:00`), whatever offset it was sent with,
    so the same instant always reads the same."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | float | None:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def AwareDateTime(**kwargs: Any) -> fields.AwareDateTime:
    """ISO 8601 with an offset; a naive time is ambiguous for a patient abroad."""
    return fields.AwareDateTime(format="iso", default_timezone=None, **kwargs)


HTTPS_URL = "^https" + WEB_URL[len("^https?") :]


def WebUrl(**kwargs: Any) -> fields.String:
    """A URL our server can post to, documented as https only: plain http passes this check
    only for the development setting that allows local receivers (refused after it otherwise)."""
    return fields.String(
        validate=[Pattern(WEB_URL, error=N_("Use an https:// URL.")), validate.Length(max=2000)],
        metadata={
            "example": "https://clinic.example/aftercare-hook",
            "pattern": HTTPS_URL,
            **kwargs.pop("metadata", {}),
        },
        **kwargs,
    )


class QuietHoursSchema(Schema):
    start = fields.String(required=True, validate=Pattern(HHMM, error=N_("Use HH:MM (24 h).")))
    end = fields.String(required=True, validate=Pattern(HHMM, error=N_("Use HH:MM (24 h).")))


class OneOfBodies(Schema):
    """A body of one of several shapes, told apart by the one property that identifies each
    (`bodies`: that property's name -> the shape's schema). Documented as a `oneOf` of the
    shapes, each closed (`additionalProperties: false`), so exactly one matches; a new shape
    (a browser's push subscription, say) is one more entry."""

    bodies: ClassVar[dict[str, type[Schema]]] = {}

    def load(
        self,
        data: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        many: bool | None = None,
        partial: bool | StrSequenceOrSet | None = None,
        unknown: UnknownOption | None = None,
    ) -> Any:
        present = [name for name in self.bodies if isinstance(data, dict) and name in data]
        if len(present) != 1:
            quoted = [f"'{name}'" for name in self.bodies]
            names = " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 2 else quoted)
            raise ValidationError({next(iter(self.bodies)): [EXACTLY_ONE_OF.format(names=names)]})
        return self.bodies[present[0]]().load(data, partial=partial, unknown=unknown)
