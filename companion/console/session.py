"""Who is signed in to the console: a random session id in Flask's signed cookie, the
session itself a row on the server (companion.staff.sessions), so signing out, a
password or role change, an administrator and the time limits end it for every copy
of the cookie.

The cookie is HttpOnly and SameSite=Lax, Secure whenever the request came over https
(directly, or through a trusted proxy's X-Forwarded-Proto) or COMPANION_FORCE_HTTPS is
on, and a browser-session cookie: no Expires, the server decides how long it lasts.
Besides the session id it carries only Flask-WTF's CSRF secret.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from companion.audit import service as audit
from companion.audit.models import STAFF
from companion.clinics.models import Clinic
from companion.extensions import db
from companion.staff import sessions

SESSION_KEY = "sid"


class ConsoleSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE") or app.config.get("FORCE_HTTPS")) or request.is_secure


def sign_in(token: str) -> None:
    # A new session id and CSRF secret for the new privilege level; not `permanent`, so a
    # browser-session cookie (no Expires): the server-side lifetime bounds it.
    session.clear()
    session[SESSION_KEY] = token


def sign_out() -> None:
    token = session.get(SESSION_KEY)
    if token:
        sessions.end(str(token))
    session.clear()


def current_token() -> str | None:
    token = session.get(SESSION_KEY)
    return str(token) if token else None


def load_staff(app: Flask) -> None:
    """before_request of the console: find the signed-in staff member, if the session still holds."""
    g.staff = None
    token = current_token()
    if token is None:
        return
    member, timed_out = sessions.resume(token, active=request.headers.get("X-Console-Refresh") != "1")
    if member is None:
        session.clear()
        g.signed_out_idle = timed_out
        return
    g.staff = member
    audit.set_actor(STAFF, member.id, member.clinic_id)


def page_locale() -> str:
    """The reader's language: the signed-in member's, else what the browser asks for."""
    staff = g.get("staff")
    return str(staff.locale) if staff is not None else request.accept_languages.best_match(["en", "es"]) or "en"


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("staff") is None:
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("console.login", next=target, ended="1" if g.get("signed_out_idle") else None))
        if g.staff.must_change_password and request.endpoint != "console.change_password":
            return redirect(url_for("console.change_password"))
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @staff_required
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not g.staff.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def staff_clinic() -> Clinic:
    """The signed-in staff member's clinic: every console page is scoped to it."""
    return db.session.get_one(Clinic, g.staff.clinic_id)
