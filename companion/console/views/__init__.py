"""The clinic console: server-rendered pages for the front desk and nurses at /console.

It is a facade like `me/`: each page calls the domain services the API calls, so a
session recorded at the desk is the same as one recorded by an integration.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from companion.console import audit_labels, contact_labels, labels, once
from companion.console.session import ConsoleSessionInterface, load_staff, page_locale, staff_clinic
from companion.core.errors import ApiError
from companion.core.i18n import clinic_time, translate

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/static",
)


@bp.before_request
def _who() -> None:
    from flask import current_app

    load_staff(current_app)


@bp.after_request
def _no_store(response: Response) -> Response:
    if request.method == "GET" and request.endpoint != "console.static":
        once.forget()
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    )
    return response


@bp.errorhandler(ApiError)
def _api_error(err: ApiError) -> ResponseReturnValue:
    return render_template("console/error.html", status=err.status, message=err.message), err.status


@bp.errorhandler(403)
@bp.errorhandler(404)
def _http_error(err: HTTPException) -> ResponseReturnValue:
    status = getattr(err, "code", 404) or 404
    message = "Only clinic administrators may open this page." if status == 403 else "No such page."
    return render_template("console/error.html", status=status, message=message), status


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    if not request.path.startswith(bp.url_prefix or "/console"):
        return {}
    staff = g.get("staff")
    locale = page_locale()
    zone = staff_clinic().timezone if staff is not None else "UTC"
    return {
        "clinic_zone": zone,
        "clinic_time": lambda at, seconds=False: clinic_time(at, zone, seconds=seconds),
        "_": lambda message, **values: translate(message, locale, **values),
        "staff": staff,
        "lang": locale,
        "word": lambda table, code: labels.word(table, code, locale),
        "work_item": lambda item, alert: labels.work_item(item, alert, locale),
        "audit_action": lambda action: audit_labels.audit_action(action, locale),
        "actor": lambda kind, actor_id, names: audit_labels.actor(kind, actor_id, names, locale),
        "screening_warning": lambda code: labels.screening_warning(code, locale),
        "ago": lambda at: labels.ago(at, locale),
        "contact_state": lambda patient, channel: contact_labels.contact_state(patient, channel, locale),
        "fallback_line": lambda patient: contact_labels.fallback(patient, locale),
        "phone_shown": contact_labels.phone_shown,
        "sent_by": lambda delivery: contact_labels.delivery_channel(delivery, locale),
    }


def register_console(app: Flask) -> None:
    from companion.console.views import (  # noqa: F401
        auth,
        handouts,
        patient_account,
        patients,
        privacy,
        results,
        settings,
        worklist,
    )

    app.session_interface = ConsoleSessionInterface()
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.register_blueprint(bp)
