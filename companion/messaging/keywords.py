"""The reply keywords that turn SMS off and back on: pure, so they are tested exhaustively.

They mirror Twilio's own handling (its default opt-out and opt-in words, a one-word message
only, any case) so our record agrees with what Twilio will and will not send, plus the
Spanish words clinics add with Twilio's Advanced Opt-Out (docs/channels.md). When Advanced
Opt-Out is on, Twilio names the keyword's type itself (`OptOutType`), and that wins.
"""

from __future__ import annotations

import unicodedata
from typing import Final

OPT_OUT: Final = "opt_out"
OPT_IN: Final = "opt_in"

# Twilio's defaults: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (and REVOKE, OPTOUT); Spanish: BAJA, PARAR.
OPT_OUT_WORDS: Final = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "BAJA", "PARAR"}
)
# Twilio's defaults: START, YES, UNSTOP; Spanish: ALTA.
OPT_IN_WORDS: Final = frozenset({"START", "YES", "UNSTOP", "ALTA"})
_TWILIO_TYPES: Final = {"STOP": OPT_OUT, "START": OPT_IN}
_TRIM: Final = " \t\r\n.!¡?¿\"'"


def meaning(body: str, opt_out_type: str | None = None) -> str | None:
    """OPT_OUT, OPT_IN or None (anything else, HELP included: Twilio answers that itself)."""
    if opt_out_type:
        return _TWILIO_TYPES.get(opt_out_type.strip().upper())
    word = _plain(body)
    if word in OPT_OUT_WORDS:
        return OPT_OUT
    if word in OPT_IN_WORDS:
        return OPT_IN
    return None


def _plain(body: str) -> str:
    """One word, upper case, accents and surrounding punctuation dropped ("¡Baja!" -> "BAJA")."""
    word = body.strip(_TRIM)
    if not word or any(c.isspace() for c in word):
        return ""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
