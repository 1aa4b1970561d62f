"""One home for the language of what patients and staff read.

Texts written in code are English message ids marked with `N_` and translated from
gettext catalogs (`companion/translations/<lang>/LC_MESSAGES/messages.po`, read with
Babel); protocol texts carry every language in `schedules/`. Both pick their language
with `negotiate`, so "es-MX", "es_AR" and "ES" read as Spanish everywhere and anything
unknown falls back to English. No Flask here: the pure engines use it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from babel.messages.pofile import read_po

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "es")
CATALOGS = Path(__file__).resolve().parent.parent / "translations"


def N_(message: str) -> str:
    """Marks a message id for extraction; translated later, in the reader's language."""
    return message


def negotiate(requested: str | None, available: Iterable[str] = SUPPORTED_LOCALES) -> str:
    """The best of `available` for a requested tag: the tag itself, then its shorter
    prefixes ("es-mx" → "es"), then English (or the first available)."""
    options = list(available)
    tag = (requested or "").strip().replace("_", "-").lower()
    while tag:
        if tag in options:
            return tag
        tag = tag.rpartition("-")[0]
    return DEFAULT_LOCALE if DEFAULT_LOCALE in options else options[0]


@cache
def _catalog(locale: str) -> dict[str, str]:
    path = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {
        m.id: m.string
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and isinstance(m.string, str) and not m.fuzzy
    }


def translate(message: str, locale: str | None, **values: Any) -> str:
    """`message` (an English id) in the closest supported language, `%(name)s` filled in."""
    language = negotiate(locale)
    text = message if language == DEFAULT_LOCALE else _catalog(language).get(message, message)
    return text % values if values else text


def translations(locale: str) -> dict[str, str]:
    """Every translated message of a locale (for tests that no text is left untranslated)."""
    return dict(_catalog(locale))


def local_day(at: datetime, timezone: str, locale: str | None) -> str:
    """ "Monday, December 7" / "lunes, 7 de diciembre", in the reader's zone (CLDR patterns)."""
    return format_skeleton("MMMMEEEEd", at.astimezone(ZoneInfo(timezone)), locale=negotiate(locale))


def local_clock(at: datetime, timezone: str, locale: str | None) -> str:
    """ "3:00 PM" / "15:00", in the reader's zone."""
    return format_time(at.astimezone(ZoneInfo(timezone)), "short", locale=negotiate(locale))


def moment(at: datetime | None, timezone: str) -> str:
    """An instant as the wall time of `timezone`, with the zone's abbreviation ("2026-12-07 09:00 CET")."""
    if at is None:
        return ""
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def clinic_time(at: datetime, timezone: str, *, seconds: bool = False) -> str:
    """ "2026-12-07 09:15" on the clinic's wall clock: clinic-wide lists, numeric in every
    language; the page names the zone once. A naive value is UTC (as stored)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_moment(at: datetime, timezone: str, locale: str | None) -> str:
    """Day and time: what "until" means in the patient app and on the printed hand-out."""
    return f"{local_day(at, timezone, locale)}, {local_clock(at, timezone, locale)}"
