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


@public.get("/l/<token>/unsubscribe")
def unsubscribe_page(token: str) -> ResponseReturnValue:
    """The e-mail's unsubscribe link, opened in a browser: a page with one button (a GET changes nothing)."""
    clinic = links.link_clinic(token)
    return render_template("patient_app/unsubscribe.html", token=token, clinic=clinic, done=False), (
        200 if clinic else 404
    )


@public.post("/l/<token>/unsubscribe")
def unsubscribe(token: str) -> ResponseReturnValue:
    """RFC 8058 one-click: a mail client POSTs `List-Unsubscribe=One-Click` with no sign-in and no
    CSRF token (none can exist), so none is asked for: the URL's secret names the patient, and the
    only thing it can do is stop e-mails."""
    clinic = links.unsubscribe_email(token)
    return render_template("patient_app/unsubscribe.html", token=token, clinic=clinic, done=True), (
        200 if clinic else 404
    )
