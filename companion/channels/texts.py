"""Neutral notification texts: what a public lock screen may show.

A push names no treatment, symptom or body part; the app shows the details after the
patient unlocks it (docs/decisions/0009-no-health-details-in-pushes.md). Clinics that
opt in send their own text.
"""

from __future__ import annotations

from typing import Final

from companion.core.i18n import N_, SUPPORTED_LOCALES, negotiate, translate

PATIENT: Final = "patient"
STAFF: Final = "staff"

_TEXTS: Final[dict[str, tuple[str, str]]] = {
    PATIENT: (N_("Aftercare reminder"), N_("You have a new aftercare step. Open the app to see it.")),
    STAFF: (N_("New patient alert"), N_("Open the clinic app for details.")),
}


# One push for several reminders due together: a count, nothing more.
_BUNDLE: Final = (N_("%(count)s aftercare updates"), N_("Open the app to see them."))


def bundle_text(locale: str | None, count: int) -> tuple[str, str]:
    title, body = _BUNDLE
    return translate(title, locale, count=count), translate(body, locale)


def language_of(locale: str | None) -> str:
    """'es-MX', 'es_AR' and 'ES' all read as Spanish; anything unknown falls back to English."""
    return negotiate(locale)


def neutral_text(locale: str | None, audience: str = PATIENT) -> tuple[str, str]:
    """(title, body) for the audience in the closest supported language."""
    title, body = _TEXTS[audience]
    return translate(title, locale), translate(body, locale)


def supported_languages() -> tuple[str, ...]:
    return SUPPORTED_LOCALES
