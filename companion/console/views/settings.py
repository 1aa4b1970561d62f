"""Clinic settings, protocol overrides side by side, staff accounts (admins), the
signed-in member's own language."""

from __future__ import annotations

import json
from typing import Any

from flask import g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from companion.clinics import service as clinics
from companion.clinics.models import Clinic
from companion.clinics.schemas import ClinicUpdateSchema
from companion.console.forms import CsrfForm, checked, form_errors, load, require_csrf, text
from companion.console.session import admin_required, staff_clinic, staff_required
from companion.console.views import bp
from companion.core.errors import ApiError
from companion.core.i18n import SUPPORTED_LOCALES
from companion.core.pagination import Page
from companion.privacy import service as privacy
from companion.protocols import service as protocols
from companion.staff import service as staff
from companion.staff import sessions as staff_sessions
from companion.staff.models import ROLES
from companion.staff.schemas import StaffInviteSchema, StaffRoleSchema


def _page(**extra: Any) -> str:
    clinic = staff_clinic()
    members = staff.list_staff(clinic.id) if g.staff.is_admin else []
    overviews = [protocols.show_protocol(clinic, p["key"]) for p in protocols.list_protocols(clinic)]
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
        api_keys=clinics.list_api_keys(clinic) if g.staff.is_admin else [],
        as_json=lambda value: json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True),
        errors=extra.pop("errors", {}),
        audit=_audit(clinic),
        **extra,
    )


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
    return _page()


@bp.route("/settings/clinic", methods=["POST"])
@admin_required
def update_clinic() -> ResponseReturnValue:
    require_csrf()
    data, errors = load(
        ClinicUpdateSchema(),
        {
            "name": text(request.form, "name") or "",
            "descriptive_push": checked(request.form, "descriptive_push"),
            "webhook_url": text(request.form, "webhook_url"),
            "phone": text(request.form, "phone"),
            "email": text(request.form, "email"),
            "hours": text(request.form, "hours"),
        },
    )
    if data is None:
        return _page(errors=errors), 422
    saved = clinics.update_clinic(staff_clinic(), data)
    return _page(saved=True, webhook_secret=saved.webhook_secret)


@bp.route("/settings/api-keys", methods=["POST"])
@admin_required
def create_api_key() -> ResponseReturnValue:
    require_csrf()
    try:
        return _page(new_api_key=clinics.create_api_key(staff_clinic()).key)
    except ApiError as err:
        return _page(errors={"api_keys": err.message}), err.status


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
    return _page(webhook_secret=clinics.rotate_webhook_secret(staff_clinic()).webhook_secret)


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
        return _page(errors={f"staff.{k}": v for k, v in errors.items()}), 422
    try:
        member, password = staff.create_staff(
            g.staff.clinic_id, data["email"], data["role"], name=data["name"], locale=data["locale"]
        )
    except ApiError as err:
        return _page(errors=form_errors(err, "staff", whole="staff")), 422
    return _page(invited=member, invited_password=password)


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
    return _page(sessions_ended=staff.end_sessions(g.staff.clinic_id, staff_id))


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
