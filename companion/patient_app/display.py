"""Dates and times as the patient reads them: in their own zone and language (Babel's CLDR data)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time

from companion.core.i18n import negotiate


def local_day(at: datetime, timezone: str, locale: str) -> str:
    """ "Monday, December 7" / "lunes, 7 de diciembre"."""
    return format_skeleton("MMMMEEEEd", at.astimezone(ZoneInfo(timezone)), locale=negotiate(locale))


def local_clock(at: datetime, timezone: str, locale: str) -> str:
    """ "3:00 PM" / "15:00"."""
    return format_time(at.astimezone(ZoneInfo(timezone)), "short", locale=negotiate(locale))


def local_moment(at: datetime, timezone: str, locale: str) -> str:
    """The day and the time: what "until" means on every page and on the hand-out."""
    return f"{local_day(at, timezone, locale)}, {local_clock(at, timezone, locale)}"
