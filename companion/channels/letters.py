"""What an SMS or an e-mail to a patient says: the clinic's name, a neutral line and a sign-in link.

Never a treatment word, product or symptom, whatever the clinic's `descriptive_push` says:
a text message or an inbox preview is as public as a lock screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Final

from companion.core.i18n import N_, translate

_ONE: Final = N_("%(clinic)s: you have a new aftercare update.")
_MANY: Final = N_("%(count)s updates from %(clinic)s.")
_OPEN: Final = N_("Open it here: %(link)s")
_BUTTON: Final = N_("Open")
_WHY: Final = N_("You receive this because you agreed to messages from %(clinic)s.")
_UNSUBSCRIBE: Final = N_("Stop e-mails")


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str
    sms: str


def compose(*, clinic: str, count: int, link: str, locale: str | None, unsubscribe: str) -> Letter:
    """The same few words for SMS (one line and the link) and e-mail (text and HTML)."""
    line = translate(_MANY, locale, count=count, clinic=clinic) if count > 1 else translate(_ONE, locale, clinic=clinic)
    why = translate(_WHY, locale, clinic=clinic)
    opening = translate(_OPEN, locale, link=link)
    text = f"{line}\n\n{opening}\n\n--\n{why}\n{translate(_UNSUBSCRIBE, locale)}: {unsubscribe}\n"
    lang = "es" if (locale or "").lower().startswith("es") else "en"
    html = (
        f'<!doctype html><html lang="{lang}"><body>'
        f"<p>{escape(line)}</p>"
        f'<p><a href="{escape(link)}">{escape(translate(_BUTTON, locale))}</a></p>'
        f'<p style="color:#555;font-size:small">{escape(why)} '
        f'<a href="{escape(unsubscribe)}">{escape(translate(_UNSUBSCRIBE, locale))}</a></p>'
        "</body></html>"
    )
    return Letter(subject=line, text=text, html=html, sms=f"{line} {link}")
