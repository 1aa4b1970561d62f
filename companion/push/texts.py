"""Neutral notification texts: what a public lock screen may show.

A push names no treatment, symptom or body part (decision 9); the app shows the
details after the patient unlocks it. Clinics that opt in send their own text.
"""
from __future__ import annotations

from typing import Final

PATIENT: Final = "patient"
STAFF: Final = "staff"
DEFAULT_LANGUAGE: Final = "en"

_TEXTS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "en": {
        PATIENT: ("Aftercare reminder", "You have a new aftercare step. Open the app to see it."),
        STAFF: ("New patient alert", "Open the clinic app for details."),
    },
    "es": {
        PATIENT: ("Recordatorio de cuidados", "Tienes un nuevo paso de cuidados. Abre la app para verlo."),
        STAFF: ("Nueva alerta de paciente", "Abre la app de la clínica para ver los detalles."),
    },
}


def language_of(locale: str | None) -> str:
    """'es-MX', 'es_AR' and 'ES' all read as Spanish; anything unknown falls back to English."""
    if not locale:
        return DEFAULT_LANGUAGE
    language = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    return language if language in _TEXTS else DEFAULT_LANGUAGE


def neutral_text(locale: str | None, audience: str = PATIENT) -> tuple[str, str]:
    """(title, body) for the audience in the closest supported language."""
    return _TEXTS[language_of(locale)][audience]


def supported_languages() -> tuple[str, ...]:
    return tuple(_TEXTS)
