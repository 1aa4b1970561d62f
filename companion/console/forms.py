"""Console forms: Flask-WTF for the CSRF token on every form; the fields themselves are
validated by the same marshmallow schemas as the API, so the console accepts exactly
what the API accepts and shows the same messages next to each field, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import abort, url_for
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from companion.console.session import page_locale
from companion.core.errors import ApiError
from companion.core.field_messages import translate_messages
from companion.core.i18n import N_
from companion.core.requests import bad_text
from companion.patients.contact import CHANNELS, CONSOLE


class CsrfForm(FlaskForm):
    """No fields of its own: it checks the CSRF token of any console POST."""


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, str]:
    """{"screening": {"eczema": ["..."]}} → {"screening.eczema": "..."} for the template."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        flat[prefix or "_form"] = " ".join(messages)
    elif isinstance(messages, list):
        for item in messages:
            flat.update(flatten_errors(item, prefix))
    else:
        flat[prefix or "_form"] = str(messages)
    return flat


BAD_CHARACTER = N_("This text contains a character that is not allowed.")


def _bad_characters(data: Any, prefix: str = "") -> dict[str, str]:
    """The API's text guard (no NUL, no lone surrogates: neither database can store them),
    field by field, so the form shows the message next to the field."""
    if isinstance(data, dict):
        found: dict[str, str] = {}
        for key, value in data.items():
            found.update(_bad_characters(value, f"{prefix}.{key}" if prefix else str(key)))
        return found
    return {prefix or "_form": BAD_CHARACTER} if bad_text(data) else {}


def form_errors(err: ApiError, prefix: str = "", *, whole: str = "_form") -> dict[str, str]:
    """A service's refusal as the form's errors: each field's messages beside that field
    (named as the template names it, under `prefix`), else the message for the whole form."""
    return flatten_errors(translate_messages(err.fields, page_locale()), prefix) or {whole: err.message}


def load(schema: Schema, data: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Validate a form with its action's schema (the one the API uses): the same guards, the same messages."""
    bad = _bad_characters(data)
    if bad:
        return None, bad
    try:
        return schema.load(data), {}
    except ValidationError as err:
        return None, flatten_errors(translate_messages(err.messages, page_locale()))


def text(form: MultiDict[str, str], name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def number(form: MultiDict[str, str], name: str, default: str | None = None) -> Any:
    """A form's text as the JSON number the API schemas take; text that is no number is
    passed on as it is, so the schema's message names the field."""
    value = text(form, name) or default
    if value is None:
        return None
    try:
        parsed = float(value)
    except ValueError:
        return value
    return int(parsed) if parsed.is_integer() and "." not in value else parsed


def local_time(form: MultiDict[str, str], name: str, timezone: str) -> str | None:
    """A datetime-local field read in the patient's zone, as ISO 8601 with its offset; a
    value that is not a time passes through so the schema names the field."""
    value = text(form, name)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(timezone)).isoformat()
    except ValueError:
        return value


def checked(form: MultiDict[str, str], name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def contact(form: MultiDict[str, str]) -> dict[str, Any]:
    """The contact fields of the enroll and edit forms; a tick records consent as given in the console."""
    return {
        "phone": text(form, "phone"),
        "email": text(form, "email"),
        "consent": {channel: checked(form, f"consent.{channel}") for channel in CHANNELS} | {"method": CONSOLE},
        "fallback_channel": text(form, "fallback_channel"),
    }


def require_csrf() -> CsrfForm:
    """Every console POST carries the form's CSRF token; without it nothing happens (400)."""
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    return form


def safe_target(target: str | None) -> str:
    """Only a path inside the console: never an open redirect to another host."""
    if target and target.startswith("/console") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("console.worklist")
