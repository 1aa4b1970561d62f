"""The patient app's two blueprints and what every one of their answers carries.

`patient_join` is public (join, manifest, service worker, offline page, static files);
`patient_app` needs the sign-in cookie. Pages are never stored by shared caches and are
framed by nobody; the CSP is the console's, with nothing from another host.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from werkzeug.exceptions import HTTPException

from companion.core.errors import ApiError, error_body
from companion.core.i18n import local_clock, local_day, local_moment, negotiate, translate
from companion.patient_app.session import load_patient

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "manifest-src 'self'; worker-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


class _PublicPages(Blueprint):
    """Style, script and icons: an hour in the browser's cache, so a repeat visit fetches only the page."""

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        return 3600


public = _PublicPages(
    "patient_join",
    __name__,
    url_prefix="/app",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
pages = Blueprint("patient_app", __name__, url_prefix="/app", template_folder="templates")
pages.before_request(load_patient)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response


def page_locale() -> str:
    patient = g.get("patient")
    if patient is not None:
        return negotiate(patient.locale)
    return request.accept_languages.best_match(["en", "es"]) or "en"


def _wants_json() -> bool:
    """Script calls (push subscription) get the API's JSON envelope; people get a page."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _error_page(
    status: int, message: str, code: str = "error", fields: dict[str, Any] | None = None
) -> ResponseReturnValue:
    if _wants_json():
        return error_body(status, code, message, fields)
    return render_template("patient_app/error.html", status=status, message=message), status


def _api_error(err: ApiError) -> ResponseReturnValue:
    return _error_page(err.status, err.message, err.code, err.fields)


_HTTP_ERRORS = {
    400: ("bad_request", "The page expired; please try again."),
    404: ("not_found", "No such page."),
    405: ("method_not_allowed", "No such page."),
    429: ("rate_limited", "Too many tries. Wait a minute and try again."),
}


def _http_error(err: HTTPException) -> ResponseReturnValue:
    status = getattr(err, "code", 404) or 404
    code, message = _HTTP_ERRORS.get(status, ("error", "Something went wrong. Please try again."))
    return _error_page(status, message, code)


def _helpers() -> dict[str, Any]:
    if not request.path.startswith("/app"):
        return {}
    locale = page_locale()
    patient = g.get("patient")
    zone = patient.timezone if patient is not None else "UTC"
    return {
        "_": lambda message, **values: translate(message, locale, **values),
        "lang": locale,
        "patient": patient,
        "moment": lambda at: local_moment(at, zone, locale),
        "day": lambda at: local_day(at, zone, locale),
        "clock": lambda at: local_clock(at, zone, locale),
    }


for _bp in (public, pages):
    _bp.after_request(_headers)
    _bp.register_error_handler(ApiError, _api_error)
    for _status in _HTTP_ERRORS:
        _bp.register_error_handler(_status, _http_error)
public.app_context_processor(_helpers)
