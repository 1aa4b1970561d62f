"""Request guards that apply to every endpoint."""
from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from companion.core.errors import error_body

_BODY_METHODS = {"POST", "PUT", "PATCH"}
ROW_ID_MAX = 2**31 - 1  # PostgreSQL `integer`, the type of every primary key


class RowIdConverter(IntegerConverter):
    """`<int:...>` path ids past a database integer match no route (404, documented
    as `maximum`), instead of overflowing the database driver (500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=ROW_ID_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_request_guards(app: Flask) -> None:
    """Call before blueprints are registered: their rules pick up the converters."""
    app.url_map.converters["int"] = RowIdConverter

    @app.before_request
    def _require_json_bodies():
        if request.method not in _BODY_METHODS:
            return None
        has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
        if has_body and not request.is_json:
            return error_body(
                415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json."
            )
        if not has_body:
            return None
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # json raises it, not ValueError, for very deep nesting
            return error_body(400, "bad_request", "The request body is nested too deeply.")
        if _has_nul(body):
            return error_body(422, "invalid", "Text may not contain NUL (\\u0000) characters.")
        return None

    @app.before_request
    def _no_nul_in_paths():
        # PostgreSQL text cannot hold NUL: such a name can never exist, and must not reach the driver.
        if "\x00" in request.path:
            return error_body(404, "not_found", "No such resource.")
        return None


def _has_nul(value: Any) -> bool:
    pending = [value]  # iterative: a deeply nested body must not exhaust the stack
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
