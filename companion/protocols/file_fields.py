"""The field types of a protocol file: texts in every required language, named tables,
hours and clock times, placeholders a text may use. The schemas in `file_schema` build on them."""

from __future__ import annotations

import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from marshmallow import Schema, ValidationError, fields
from marshmallow.validate import Length, Range, Regexp

REQUIRED_LOCALES = ("en", "es")
REQUIRED_RESTRICTIONS = ("makeup", "sweating", "actives", "exfoliation", "sun")
# Names a message may use as {placeholder}; the timeline engine fills them in.
PLACEHOLDERS = frozenset(
    {"hours", "days", "spf", "session_number", "planned_sessions", "next_session"}
    | {"weeks_min", "weeks_max", "due_months", "until_months", "when", "note"}
)
PRIORITIES = ("normal", "high")
# The reminder kinds the planners write besides a restriction's own daily reminder:
# each needs a message category in the protocol's [categories] table.
PLANNED_KINDS = (
    "restriction_ended",
    "hydration",
    "checkin_prompt",
    "progress_checkin",
    "next_session",
    "maintenance",
    "appointment",
)

LOCALE = Regexp(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", error="Must be a lower-case locale such as 'es' or 'es-mx'.")
NAME = Regexp(r"^[a-z][a-z0-9_]{0,29}$", error="Must be lower_snake_case, at most 30 characters.")
HHMM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Must be a local time as HH:MM.")
MAX_HOURS = 24 * 120

# Overrides arrive in pieces: while this is set, texts need not carry every locale
# and keyed tables load their entries partially (the merged result is checked whole).
_patching: ContextVar[bool] = ContextVar("companion_protocol_patching", default=False)


@contextmanager
def patching() -> Iterator[None]:
    token = _patching.set(True)
    try:
        yield
    finally:
        _patching.reset(token)


def hours_field(**kwargs: Any) -> fields.Float:
    return fields.Float(validate=Range(min=0, min_inclusive=False, max=MAX_HOURS), **kwargs)


def check_placeholders(text: str) -> None:
    """Only bare `{name}` from the known set: a format spec such as `{hours:>20000000}`
    would let 18 characters of text render as 20 MB; attributes and indexes reach into objects."""
    try:
        parsed = [
            (name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as err:
        raise ValidationError(f"Badly formed placeholder: {err}.") from err
    for name, spec, conversion in parsed:
        if spec or conversion:
            raise ValidationError(f"Placeholders take no format or conversion: write {{{name}}}.")
    unknown = sorted(name for name, _, _ in parsed if name not in PLACEHOLDERS)
    if unknown:
        raise ValidationError(f"Unknown placeholder {{{unknown[0]}}}; allowed: {', '.join(sorted(PLACEHOLDERS))}.")


class LocalizedText(fields.Dict):
    """{"en": "...", "es": "..."}; English and Spanish are always required."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            keys=fields.String(validate=LOCALE),
            values=fields.String(validate=[Length(min=1, max=2000), check_placeholders]),
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, str]:
        result: dict[str, str] = super()._deserialize(  # type: ignore[no-untyped-call]  # marshmallow's Dict is unannotated
            value, attr, data, **kwargs
        )
        missing = [locale for locale in REQUIRED_LOCALES if locale not in result]
        if missing and not _patching.get():
            raise ValidationError(f"Missing text for locale(s): {', '.join(missing)}.")
        return result


class KeyedTable(fields.Dict):
    """A TOML table of named entries; named so an override can change one entry."""

    def __init__(self, schema: type[Schema], **kwargs: Any) -> None:
        super().__init__(keys=fields.String(validate=NAME), values=fields.Nested(schema), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if _patching.get():
            kwargs["partial"] = True
        table: dict[str, Any] = super()._deserialize(  # type: ignore[no-untyped-call]  # marshmallow's Dict is unannotated
            value, attr, data, **kwargs
        )
        return table
