"""Who is signed in to the console: a staff id in Flask's signed session cookie.

The cookie is HttpOnly and SameSite=Lax, Secure whenever the request came over https,
and a session unused for CONSOLE_IDLE_MINUTES signs out by itself (checked on the
server, whatever the browser keeps).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from companion.audit import service as audit
from companion.audit.models import STAFF
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.extensions import db
from companion.staff.models import StaffMember
from companion.staff.service import get_staff


class ConsoleSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def sign_in(member: StaffMember) -> None:
    session.clear()  # a new session id for the new privilege level
    session.permanent = True
    session["staff_id"] = member.id
    session["seen"] = utcnow().timestamp()


def sign_out() -> None:
    session.clear()


def load_staff(app: Flask) -> None:
    """before_request of the console: find the signed-in staff member, if still fresh."""
    g.staff = None
    staff_id = session.get("staff_id")
    if staff_id is None:
        return
    idle = timedelta(minutes=app.config["CONSOLE_IDLE_MINUTES"]).total_seconds()
    now = utcnow().timestamp()
    if now - float(session.get("seen", 0)) > idle:
        session.clear()
        g.signed_out_idle = True
        return
    member = get_staff(int(staff_id))
    if member is None:
        session.clear()
        return
    session["seen"] = now
    g.staff = member
    audit.set_actor(STAFF, member.id, member.clinic_id)


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("staff") is None:
            return redirect(url_for("console.login", next=request.full_path if request.method == "GET" else None))
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
