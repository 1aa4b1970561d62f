"""The sign-in link of an SMS or e-mail: its page offers Continue; only that POST signs in.

Link previewers and mail scanners fetch pages; they must not spend the link.
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from companion.core.errors import Unauthorized
from companion.patient_app import session
from companion.patient_app.web import public
from companion.patients import links


@public.get("/l/<token>")
def sign_in_link(token: str) -> ResponseReturnValue:
    if not links.usable(token):
        return render_template("patient_app/link.html", token=None), 410
    return render_template("patient_app/link.html", token=token)


@public.post("/l/<token>")
def spend_sign_in_link(token: str) -> ResponseReturnValue:
    session.require_csrf()
    try:
        signed_in = links.spend(token)
    except Unauthorized:
        # 401: the sign-in rate limit counts failures only.
        return render_template("patient_app/link.html", token=None), 401
    if signed_in.reminder_id is not None:
        target = url_for("patient_app.reminder", reminder_id=signed_in.reminder_id)
    else:
        target = url_for("patient_app.today")
    return session.set_sign_in(redirect(target, 303), signed_in.token)
