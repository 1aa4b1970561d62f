"""Clinic settings, protocol overrides side by side, staff accounts (admins), the
signed-in member's own language."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from companion.clinics import service as clinics
from companion.clinics.models import Clinic
from companion.clinics.schemas import ClinicUpdateSchema
from companion.console import once
from companion.console.forms import CsrfForm, checked, form_errors, load, number, require_csrf, text
from companion.console.labels import UNITS, protocol_value, word
from companion.console.session import admin_required, staff_clinic, staff_required
from companion.console.views import bp
from companion.console.views.patients import ZONES
from companion.core.errors import ApiError
from companion.core.i18n import SUPPORTED_LOCALES, clinic_time
from companion.core.pagination import Page
from companion.privacy import service as privacy
from companion.protocols import service as protocols
from companion.protocols.values import value_rows
from companion.staff import service as staff
from companion.staff import sessions as staff_sessions
from companion.staff.models import ROLES
from companion.staff.schemas import StaffInviteSchema, StaffRoleSchema


def _page(**extra: Any) -> str:
    clinic = staff_clinic()
    members = staff.list_staff(clinic.id) if g.staff.is_admin else []
    overviews = [_protocol_table(protocols.show_protocol(clinic, p["key"])) for p in protocols.list_protocols(clinic)]
    names = {m.id: m for m in (members or staff.list_staff(clinic.id))}
    return render_template(
        "console/settings.html",
        clinic=clinic,
        form=CsrfForm(),
        protocols=overviews,
        roles=ROLES,
        members=members,
        open_sessions=staff_sessions.open_sessions([m.id for m in members]),
        sessions_ended=extra.pop("sessions_ended", None),
        locales=SUPPORTED_LOCALES,
        zones=ZONES,
        units=UNITS,
        api_keys=clinics.list_api_keys(clinic) if g.staff.is_admin else [],
        staff_names={i: f"{m.name or m.email} ({word('role', m.role, g.staff.locale)})" for i, m in names.items()},
        errors=extra.pop("errors", {}),
        typed=extra.pop("typed", {}),
        invite=extra.pop("invite", {}),
        protocol_typed=extra.pop("protocol_typed", {}),
        open_protocol=extra.pop("open_protocol", None) or extra.get("protocol_saved"),
        audit=_audit(clinic),
        **extra,
    )


def _protocol_table(overview: dict[str, Any]) -> dict[str, Any]:
    """A protocol's values as rows a person reads: the default, the clinic's own value, what applies."""
    locale = g.staff.locale
    applied = overview["protocol"]
    rows = value_rows(overview["default"], overview["overrides"], applied)
    for row in rows:
        row["label"] = protocol_value(row["path"], applied, locale)
    title = applied["title"]
    return {**overview, "title": title.get(locale) or title["en"], "rows": rows}


def _audit(clinic: Clinic) -> dict[str, Any]:
    """The latest entries, or one patient's (also an erased one's) with `?audit_patient=`."""
    raw = request.args.get("audit_patient", "")
    patient_id = int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None
    try:
        page = privacy.audit_log(clinic, patient_id=patient_id, since=None, limit=50, offset=0)
    except ApiError:
        page = Page(items=[], total=0, limit=50, offset=0)
    return {"patient": patient_id, **page}


@bp.route("/settings")
@staff_required
def settings() -> ResponseReturnValue:
    """Every settings form redirects here (Post/Redirect/Get); a one-time secret it made is shown once."""
    return _page(**once.take())


def _done(anchor: str = "", **shown: Any) -> ResponseReturnValue:
    """After a settings form did its work: back to the page, with what it shows once."""
    return redirect(once.keep(url_for("console.settings"), **shown) + anchor)


@bp.route("/settings/clinic", methods=["POST"])
@admin_required
def update_clinic() -> ResponseReturnValue:
    require_csrf()
    form = request.form
    names = ("webhook_url", "phone", "email", "hours")
    fields = {"name": text(form, "name") or "", "descriptive_push": checked(form, "descriptive_push")}
    fields |= {name: text(form, name) for name in names}
    if "timezone" in form:  # a form from before the zone field keeps the clinic's zone
        fields["timezone"] = text(form, "timezone") or ""
    data, errors = load(ClinicUpdateSchema(), fields)
    if data is not None:
        try:
            saved = clinics.update_clinic(staff_clinic(), data)
        except ApiError as err:
            errors = form_errors(err)
        else:
            return _done(saved=True, webhook_secret=saved.webhook_secret)
    return _page(errors=errors, typed=request.form), 422


@bp.route("/settings/protocols/<key>", methods=["POST"])
@admin_required
def update_protocol(key: str) -> ResponseReturnValue:
    """The clinic's values of one protocol; checked like `PUT /v1/protocols/<key>/override`."""
    require_csrf()
    typed = {name[2:]: number(request.form, name) for name in request.form if name.startswith("v.")}
    try:
        protocols.set_values(staff_clinic(), key, typed)
    except ApiError as err:
        if err.status == 404:
            raise
        errors = _beside_fields(form_errors(err, f"protocol.{key}", whole=f"protocol.{key}"), key, typed)
        return _page(errors=errors, protocol_typed=request.form, open_protocol=key), 422
    return _done(f"#protocol-{key}", protocol_saved=key)


def _beside_fields(errors: dict[str, str], key: str, typed: dict[str, Any]) -> dict[str, str]:
    """Errors of values the form shows stay beside them; any other (a text set through the
    API that a protocol change made invalid) is told above the form, not lost."""
    shown = {f"protocol.{key}.{name}" for name in typed}
    beside = {name: text for name, text in errors.items() if name in shown}
    other = " ".join(text for name, text in errors.items() if name not in shown)
    return beside | ({f"protocol.{key}": other} if other else {})


@bp.route("/settings/protocols/<key>/reset", methods=["POST"])
@admin_required
def reset_protocol(key: str) -> ResponseReturnValue:
    """Back to the protocol's own values (`DELETE /v1/protocols/<key>/override`)."""
    require_csrf()
    protocols.clear_override(staff_clinic(), key)
    return _done(f"#protocol-{key}", protocol_saved=key)


@bp.route("/settings/api-keys", methods=["POST"])
@admin_required
def create_api_key() -> ResponseReturnValue:
    require_csrf()
    try:
        key = clinics.create_api_key(staff_clinic()).key
    except ApiError as err:
        return _page(errors={"api_keys": err.message}), err.status
    return _done("#api-keys", new_api_key=key)


@bp.route("/settings/api-keys/<int:key_id>/revoke", methods=["POST"])
@admin_required
def revoke_api_key(key_id: int) -> ResponseReturnValue:
    require_csrf()
    clinics.revoke_api_key(staff_clinic(), key_id)
    return redirect(url_for("console.settings") + "#api-keys")


@bp.route("/settings/webhook-secret", methods=["POST"])
@admin_required
def rotate_webhook_secret() -> ResponseReturnValue:
    require_csrf()
    return _done(webhook_secret=clinics.rotate_webhook_secret(staff_clinic()).webhook_secret)


@bp.route("/settings/staff", methods=["POST"])
@admin_required
def invite_staff() -> ResponseReturnValue:
    require_csrf()
    form = request.form
    data, errors = load(
        StaffInviteSchema(),
        {
            "email": text(form, "email") or "",
            "role": text(form, "role") or "staff",
            "name": text(form, "name"),
            "locale": text(form, "locale") or "en",
        },
    )
    if data is None:
        return _page(errors={f"staff.{k}": v for k, v in errors.items()}, invite=form), 422
    try:
        member, password = staff.create_staff(
            g.staff.clinic_id, data["email"], data["role"], name=data["name"], locale=data["locale"]
        )
    except ApiError as err:
        return _page(errors=form_errors(err, "staff", whole="staff"), invite=form), 422
    until = member.password_expires_at
    invited = {"email": member.email, "until": clinic_time(until, staff_clinic().timezone) if until else "—"}
    return _done("#staff", invited=invited, invited_password=password)


@bp.route("/settings/staff/<int:staff_id>/remove", methods=["POST"])
@admin_required
def remove_staff(staff_id: int) -> ResponseReturnValue:
    require_csrf()
    staff.deactivate(g.staff.clinic_id, staff_id, by=g.staff)
    return redirect(url_for("console.settings"))


@bp.route("/settings/staff/<int:staff_id>/sessions/end", methods=["POST"])
@admin_required
def end_staff_sessions(staff_id: int) -> ResponseReturnValue:
    require_csrf()
    return _done("#staff", sessions_ended=staff.end_sessions(g.staff.clinic_id, staff_id))


@bp.route("/settings/staff/<int:staff_id>/role", methods=["POST"])
@admin_required
def change_staff_role(staff_id: int) -> ResponseReturnValue:
    require_csrf()
    data, errors = load(StaffRoleSchema(), {"role": text(request.form, "role") or ""})
    if data is None:
        return _page(errors={"staff": " ".join(errors.values())}), 422
    staff.set_role(g.staff.clinic_id, staff_id, data["role"], by=g.staff)
    return redirect(url_for("console.settings") + "#staff")


@bp.route("/settings/language", methods=["POST"])
@staff_required
def set_language() -> ResponseReturnValue:
    require_csrf()
    locale = request.form.get("locale", "en")
    if locale in SUPPORTED_LOCALES:
        staff.set_locale(g.staff, locale)
    return redirect(url_for("console.settings"))
