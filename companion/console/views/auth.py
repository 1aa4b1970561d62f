"""Signing in and out, and replacing the one-time password."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from companion.console.forms import CsrfForm, form_errors, safe_target
from companion.console.session import sign_in, sign_out, staff_required
from companion.console.views import bp
from companion.core.errors import ApiError
from companion.staff import service as staff


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = CsrfForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            error = "The form expired; please try again."
        else:
            member = staff.authenticate(request.form.get("email", ""), request.form.get("password", ""))
            if member is None:
                error = "Wrong e-mail or password."
            else:
                sign_in(member)
                return redirect(safe_target(request.args.get("next")))
    status = 401 if error else 200
    return render_template("console/login.html", form=form, error=error, idle=g.get("signed_out_idle", False)), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = CsrfForm()
    if form.validate_on_submit():
        sign_out()
    return redirect(url_for("console.login"))


@bp.route("/password", methods=["GET", "POST"])
@staff_required
def change_password():
    form = CsrfForm()
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        try:
            staff.change_password(g.staff, request.form.get("current", ""), request.form.get("new", ""))
        except ApiError as err:
            errors = form_errors(err)
        else:
            return redirect(url_for("console.worklist"))
    elif request.method == "POST":
        errors = {"_form": "The form expired; please try again."}
    return render_template("console/password.html", form=form, errors=errors), 422 if errors else 200
