"""Who is signed in to the patient app: a patient token (the same kind /v1/me takes as a bearer)
in an HttpOnly, SameSite=Lax cookie, Secure over https. Lifetime, revocation and rate limits are
therefore those of patient tokens; forms carry Flask-WTF's CSRF token."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, g, redirect, request, url_for
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from companion.core.auth import PATIENT_APP_COOKIE
from companion.core.errors import Unauthorized
from companion.patients import service as patients
from companion.patients.models import Patient


def set_sign_in(response: Response, token: str) -> Response:
    response.set_cookie(
        PATIENT_APP_COOKIE,
        token,
        max_age=int(timedelta(days=current_app.config["PATIENT_TOKEN_IDLE_DAYS"]).total_seconds()),
        path="/app",
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure,
    )
    return response


def forget_sign_in(response: Response) -> Response:
    response.delete_cookie(PATIENT_APP_COOKIE, path="/app", httponly=True, samesite="Lax")
    return response


def cookie_token() -> str | None:
    return request.cookies.get(PATIENT_APP_COOKIE) or None


def load_patient() -> Response | None:
    """before_request of the signed-in pages: no valid token → the join page, cookie cleared."""
    token = cookie_token()
    if token is not None:
        try:
            g.patient = patients.authenticate_patient(token)
            return None
        except Unauthorized:
            pass
    target = url_for("patient_join.join_page", signed_out=1 if token else None)
    return forget_sign_in(redirect(target, 303))


def signed_in_patient() -> Patient | None:
    """For public pages (join, manifest): the patient if the cookie is valid, else None."""
    token = cookie_token()
    if token is None:
        return None
    try:
        return patients.authenticate_patient(token)
    except Unauthorized:
        return None


def current() -> Patient:
    patient: Patient = g.patient  # set by load_patient before every signed-in page
    return patient


def require_csrf() -> None:
    """Every POST carries the CSRF token, as a form field or (from script) the X-CSRFToken header."""
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken", "")
    try:
        validate_csrf(token)
    except (ValidationError, CSRFError):
        abort(400)
