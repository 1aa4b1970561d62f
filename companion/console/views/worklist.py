"""The home page: what needs a person now, most urgent first, handled inline."""

from __future__ import annotations

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue

from companion.alerts import service as alerts
from companion.alerts.schemas import ResolveSchema
from companion.console.forms import CsrfForm, load, require_csrf, safe_target
from companion.console.session import staff_clinic, staff_required
from companion.console.views import bp
from companion.worklist import service as worklist_service
from companion.worklist.schemas import WorklistArgsSchema
from companion.worklist.service import REASONS

# The page fetches itself this often (static/worklist.js), keeping any note being typed.
REFRESH_SECONDS = 45


@bp.route("/")
@staff_required
def worklist() -> ResponseReturnValue:
    """The course-of-care worklist (alerts, missed check-ins, visits to record, rebooking
    due, ...), most urgent first; alerts are acknowledged and resolved right here."""
    args, _ = load(WorklistArgsSchema(), {k: v for k, v in request.args.items() if k in ("reason", "limit", "offset")})
    args = args or {"reason": None, "limit": 50, "offset": 0}
    clinic = staff_clinic()
    listing = worklist_service.worklist(clinic, args.get("reason"), args.get("limit", 50), args.get("offset", 0))
    alert_ids = [item["ref"]["alert_id"] for item in listing["items"] if "alert_id" in item["ref"]]
    return render_template(
        "console/worklist.html",
        listing=listing,
        reasons=REASONS,
        reason=args.get("reason"),
        alerts=alerts.alerts_by_id(clinic, alert_ids),
        form=CsrfForm(),
        refresh_seconds=REFRESH_SECONDS,
    )


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@staff_required
def acknowledge_alert(alert_id: int) -> ResponseReturnValue:
    require_csrf()
    alerts.acknowledge(staff_clinic(), alert_id)
    return redirect(safe_target(request.form.get("back")))


@bp.route("/alerts/<int:alert_id>/resolve", methods=["POST"])
@staff_required
def resolve_alert(alert_id: int) -> ResponseReturnValue:
    require_csrf()
    data, errors = load(ResolveSchema(), {"note": (request.form.get("note") or "").strip() or "Resolved"})
    if data is None:
        return render_template("console/error.html", status=422, message=" ".join(errors.values())), 422
    alerts.resolve(staff_clinic(), alert_id, data["note"])
    return redirect(safe_target(request.form.get("back")))
