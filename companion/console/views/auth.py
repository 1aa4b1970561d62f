"""Signing in and out, and replacing the one-time password."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from companion.console.forms import CsrfForm, form_errors, load, number, safe_target, text
from companion.console.session import sign_in, sign_out, staff_required
from companion.console.views import bp
from companion.core.errors import ApiError
from companion.core.i18n import N_
from companion.staff import service as staff
from companion.staff.schemas import PasswordChangeSchema, SignInSchema

FORM_EXPIRED = N_("The form expired; please try again.")


def _login_page(status: int, **values: Any) -> tuple[str, int]:
    values.setdefault("error", None)
    values.setdefault("errors", {})
    values.setdefault("clinics", [])
    values.setdefault("email", "")
    idle = g.get("signed_out_idle", False) or request.args.get("ended") == "1"
    return render_template("console/login.html", form=CsrfForm(), idle=idle, **values), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return _login_page(200)
    if not CsrfForm().validate_on_submit():
        return _login_page(401, error=FORM_EXPIRED)
    form = request.form
    data, errors = load(
        SignInSchema(),
        {
            "email": text(form, "email") or "",
            "password": form.get("password", ""),
            "clinic_id": number(form, "clinic_id"),
        },
    )
    if data is None:
        return _login_page(422, errors=errors, email=form.get("email", "")[:254])
    outcome = staff.sign_in(data["email"], data["password"], data["clinic_id"])
    if outcome.clinics:  # the same address and password at several clinics: which one now?
        return _login_page(200, clinics=outcome.clinics, email=data["email"])
    if outcome.token is None:
        return _login_page(401, error=outcome.error, email=data["email"])
    sign_in(outcome.token)
    return redirect(safe_target(request.args.get("next")))


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    form = CsrfForm()
    if form.validate_on_submit():
        sign_out()
    return redirect(url_for("console.login"))


@bp.route("/password", methods=["GET", "POST"])
@staff_required
def change_password() -> ResponseReturnValue:
    form = CsrfForm()
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        data, errors = load(
            PasswordChangeSchema(), {"current": request.form.get("current", ""), "new": request.form.get("new", "")}
        )
        if data is not None:
            try:
                token = staff.change_password(g.staff, data["current"], data["new"])
            except ApiError as err:
                errors = form_errors(err)
            else:
                sign_in(token)  # a new session id: a copy of the old cookie is worth nothing now
                return redirect(url_for("console.worklist"))
    elif request.method == "POST":
        errors = {"_form": FORM_EXPIRED}
    return render_template("console/password.html", form=form, errors=errors), 422 if errors else 200
