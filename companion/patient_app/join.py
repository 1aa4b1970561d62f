"""Joining the app with the hand-out's code, and the files that make it installable and offline.

The join link carries the code in its fragment (never sent to a server); the page's script
copies it into the form. Only the POST of that form spends the code, so a link previewer or a
mail scanner that fetches the page leaves it unused.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response

from companion.core.errors import Unauthorized
from companion.core.i18n import N_, translate
from companion.patient_app import session
from companion.patient_app.service import clinic_contact
from companion.patient_app.web import page_locale, public
from companion.patients import service as patients

THEME = "#0b5f77"


@public.get("/join")
def join_page() -> ResponseReturnValue:
    if session.signed_in_patient() is not None:
        return redirect(url_for("patient_app.today"), 303)
    return render_template("patient_app/join.html", error=None, signed_out="signed_out" in request.args)


@public.post("/join")
def join() -> ResponseReturnValue:
    session.require_csrf()
    code = (request.form.get("code") or "").strip()
    if not code:
        return render_template("patient_app/join.html", error="Type the code from your hand-out."), 422
    try:
        started = patients.start_session(code)
    except Unauthorized:
        # 401: the sign-in rate limit counts failures only.
        error = "This code is unknown, used or expired. Ask your clinic for a new one."
        return render_template("patient_app/join.html", error=error), 401
    return session.set_sign_in(redirect(url_for("patient_app.today"), 303), started["token"])


@public.get("/offline")
def offline() -> ResponseReturnValue:
    """What the service worker shows when a page it has not kept, or a form, needs the network."""
    return render_template("patient_app/offline.html")


@public.get("/sw.js")
def service_worker() -> Response:
    """Served from /app/ so that its scope is the whole app; always re-checked by the browser."""
    response = send_from_directory(public.static_folder or "", "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@public.get("/manifest.webmanifest")
def manifest() -> Response:
    """Installable: the clinic's name when the phone is signed in, the product's otherwise."""
    patient = session.signed_in_patient()
    name = clinic_contact(patient).name if patient is not None else "Aftercare Companion"
    body = {
        "name": name,
        "short_name": name[:12],
        "description": translate(N_("Your aftercare after the treatment"), page_locale()),
        "lang": page_locale(),
        "id": "/app/",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": [
            {
                "src": url_for("patient_join.static", filename=f"icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ]
        + [{"src": url_for("patient_join.static", filename="icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    response = current_app.response_class(current_app.json.dumps(body), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response
