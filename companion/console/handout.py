"""The printed hand-out given with the enrollment code, in the patient's language.

It stands on its own for a patient with no smartphone: what to avoid and until when (in the
patient's local time), the warning and urgent signs, and how to reach the clinic; and for one
with a phone, the join link as a QR code (the code in the link's fragment) and the code itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import segno
from flask import current_app

from companion.core.i18n import N_, local_moment, negotiate, translate
from companion.courses.aftercare import aftercare_sheet
from companion.patients.models import Patient
from companion.patients.service import join_url

_LINES = {
    "title": N_("Your aftercare companion"),
    "scan": N_("Scan this code with your phone's camera, or open the link, and tap Continue:"),
    "type": N_("No camera? Open %(url)s and type this code:"),
    "once": N_("The code works once, until %(expires)s."),
    "reminders": N_("The app reminds you what to avoid and when, and asks how your skin is healing."),
    "avoid": N_("What to avoid, and until when"),
    "after_session": N_("After your session, the app shows what to avoid and until when."),
    "signs": N_("Call your clinic if you notice"),
    "urgent": N_("If you have fever, pus, spreading redness, blisters or severe pain, contact your clinic at once."),
    "clinic": N_("Your clinic"),
}


def handout(patient: Patient, code: str, expires_at: datetime) -> dict[str, Any]:
    sheet = aftercare_sheet(patient)
    locale, zone = patient.locale, patient.timezone
    link = join_url(code)

    def text(message: str, **values: Any) -> str:
        return translate(message, locale, **values)

    clinic = sheet["clinic"]
    return {
        "lang": negotiate(locale),
        "code": code,
        "join_url": link,
        "qr": segno.make(link, error="m").svg_inline(scale=4, border=2),
        "texts": {
            **{key: text(message) for key, message in _LINES.items() if key not in ("type", "once")},
            "type": text(_LINES["type"], url=f"{current_app.config['PUBLIC_URL']}/app/join"),
            "once": text(_LINES["once"], expires=local_moment(expires_at, zone, locale)),
            "phone": text(N_("Phone: %(phone)s"), phone=clinic["phone"]) if clinic["phone"] else None,
            "hours": text(N_("Opening hours: %(hours)s"), hours=clinic["hours"]) if clinic["hours"] else None,
        },
        "restrictions": [
            {
                "kind": r["kind"],
                "title": r["title"],
                "until": text("until %(when)s", when=local_moment(r["until"], zone, locale)),
            }
            for r in sheet["restrictions"]
            if r["active"]
        ],
        "warning_signs": [sign["text"] for sign in sheet["warning_signs"]],
        "serious": sheet["urgent"],
        "clinic": clinic,
    }
