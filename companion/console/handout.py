"""The printed hand-out given with the enrollment code, in the patient's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from companion.core.i18n import N_, translate

_LINES = {
    "title": N_("Your aftercare companion"),
    "install": N_("Install your clinic's aftercare app on your phone."),
    "scan": N_("Open it and scan this code, or type it in:"),
    "once": N_("The code works once, until %(expires)s."),
    "reminders": N_("The app reminds you what to avoid and when, and asks how your skin is healing."),
    "urgent": N_("If you have fever, pus, spreading redness, blisters or severe pain, contact your clinic at once."),
}


def handout_texts(locale: str, timezone: str, expires_at: datetime) -> dict[str, str]:
    expires = expires_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    return {
        key: translate(text, locale, expires=expires) if key == "once" else translate(text, locale)
        for key, text in _LINES.items()
    }
