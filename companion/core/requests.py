"""Request guards that apply to every endpoint."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from companion.core.errors import error_body

_BODY_METHODS = {"POST", "PUT", "PATCH"}
_SURROGATE = re.compile("[\ud800-\udfff]")
ROW_ID_MAX = 2**31 - 1  # PostgreSQL `integer`, the type of every primary key
# The clinic console and the patient app post HTML forms (their script's JSON calls are checked as usual);
# Twilio posts its webhooks form-encoded.
HTML_FORMS_PREFIXES = ("/console", "/app/", "/v1/hooks/")
MAX_URI_LENGTH = 8192  # path and query; our longest real query is a few hundred characters


class RowIdConverter(IntegerConverter):
    """`<int:...>` path ids past a database integer match no route (404, documented
    as `maximum`), instead of overflowing the database driver (500)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = ROW_ID_MAX,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_request_guards(app: Flask) -> None:
    """Call before blueprints are registered: their rules pick up the converters."""
    app.url_map.converters["int"] = RowIdConverter

    @app.before_request
    def _require_json_bodies() -> Response | None:
        if request.method not in _BODY_METHODS:
            return None
        if request.path.startswith(HTML_FORMS_PREFIXES) and not request.is_json:
            return None
        has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
        if has_body and not request.is_json:
            return error_body(
                415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json."
            )
        if not has_body:
            if _documents_required_body():
                return error_body(400, "bad_request", "This request needs a JSON body.")
            return None
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # json raises it, not ValueError, for very deep nesting
            return error_body(400, "bad_request", "The request body is nested too deeply.")
        if body is None:
            return _unparsable_body()
        problem = bad_text(body)
        if problem == "nul":
            return error_body(422, "invalid", "Text may not contain NUL (\\u0000) characters.")
        if problem == "surrogate":
            # Not encodable as UTF-8: SQLite and PostgreSQL both refuse it, so it must not reach them.
            return error_body(422, "invalid", "Text may not contain lone surrogate (\\ud800-\\udfff) characters.")
        return None

    @app.before_request
    def _uri_not_too_long() -> Response | None:
        # gunicorn.conf.py lets every request line through, so the answer is this JSON, not its HTML page.
        uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
        if len(uri) > MAX_URI_LENGTH:
            return error_body(414, "uri_too_long", f"The URL is longer than {MAX_URI_LENGTH} characters.")
        return None

    @app.before_request
    def _no_nul_in_paths() -> Response | None:
        # PostgreSQL text cannot hold NUL: such a name can never exist, and must not reach the driver.
        if "\x00" in request.path:
            return error_body(404, "not_found", "No such resource.")
        return None


def _documents_required_body() -> bool:
    """Whether the endpoint documents a required JSON body (flask-smorest's `arguments`,
    the same record the OpenAPI document is built from): its absence is refused, not
    read as an empty object."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") == "json" and p.get("required") for p in parameters)


def _unparsable_body() -> Response | None:
    """get_json(silent) said no: say why here, before the view's parser trips on it (a 500)."""
    try:
        json.loads(request.get_data(cache=True))
    except RecursionError:
        return error_body(400, "bad_request", "The request body is nested too deeply.")
    except ValueError as err:
        if "integer string conversion" in str(err):
            return error_body(422, "invalid", "A number in the body has too many digits.")
        return None  # plain bad JSON: the view's parser answers 400 as documented
    return None


def bad_text(value: Any) -> str | None:
    pending = [value]  # iterative: a deeply nested body must not exhaust the stack
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "nul"
            if _SURROGATE.search(item):
                return "surrogate"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None
