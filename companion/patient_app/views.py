"""The signed-in pages: each parses its form, calls one function of the app's service, renders."""

from __future__ import annotations

import json

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from companion.checkins.schemas import CheckInCreateSchema
from companion.checkins.symptoms import RED_FLAGS, SYMPTOMS
from companion.core.errors import Conflict, Invalid
from companion.core.field_messages import translate_messages
from companion.devices import service as devices
from companion.patient_app import labels, service, session
from companion.patient_app.forms import checkin_data, field_errors, push_key, settings_data
from companion.patient_app.schemas import WebSubscriptionSchema
from companion.patient_app.web import page_locale, pages
from companion.patients import service as patients
from companion.patients.schemas import MePrefsSchema


class WebPushUnavailable(Conflict):
    code = "web_push_unavailable"


@pages.get("/")
def today() -> ResponseReturnValue:
    return render_template("patient_app/today.html", page=service.today(session.current()))


@pages.get("/aftercare")
def aftercare() -> ResponseReturnValue:
    return render_template("patient_app/aftercare.html", sheet=service.aftercare(session.current()))


@pages.get("/timeline")
def timeline() -> ResponseReturnValue:
    return render_template("patient_app/timeline.html", page=service.timeline(session.current()))


@pages.get("/reminders/<int:reminder_id>")
def reminder(reminder_id: int) -> ResponseReturnValue:
    found = service.reminder(session.current(), reminder_id)
    return render_template("patient_app/reminder.html", reminder=found)


@pages.post("/reminders/<int:reminder_id>/ack")
def acknowledge(reminder_id: int) -> ResponseReturnValue:
    session.require_csrf()
    service.acknowledge(session.current(), reminder_id)
    return redirect(url_for("patient_app.reminder", reminder_id=reminder_id), 303)


def _checkin_form(
    errors: dict[str, str], values: MultiDict[str, str] | dict[str, str], status: int = 200
) -> tuple[str, int]:
    return render_template(
        "patient_app/checkin.html", symptoms=SYMPTOMS, red_flags=RED_FLAGS, labels=labels, errors=errors, values=values
    ), status


@pages.get("/checkin")
def checkin_form() -> ResponseReturnValue:
    return _checkin_form({}, {})


@pages.post("/checkin")
def checkin() -> ResponseReturnValue:
    session.require_csrf()
    try:
        data = CheckInCreateSchema().load(checkin_data(request.form))
    except ValidationError as err:
        return _checkin_form(field_errors(translate_messages(err.messages, page_locale())), request.form, 422)
    result = service.check_in(session.current(), data)
    return render_template("patient_app/checkin_result.html", labels=labels, **result), 201


@pages.get("/appointments")
def appointments() -> ResponseReturnValue:
    return render_template("patient_app/appointments.html", page=service.appointments(session.current()), labels=labels)


def _settings(errors: dict[str, str], saved: bool = False, status: int = 200) -> tuple[str, int]:
    return render_template(
        "patient_app/settings.html",
        errors=errors,
        saved=saved,
        push_key=push_key(),
        values=request.form,
        labels=labels,
    ), status


@pages.get("/settings")
def settings() -> ResponseReturnValue:
    return _settings({}, saved="saved" in request.args)


@pages.post("/settings")
def save_settings() -> ResponseReturnValue:
    session.require_csrf()
    try:
        data = MePrefsSchema().load(settings_data(request.form))
    except ValidationError as err:
        return _settings(field_errors(translate_messages(err.messages, page_locale())), status=422)
    service.save_settings(session.current(), data)
    return redirect(url_for("patient_app.settings", saved=1), 303)


@pages.get("/export")
def export() -> ResponseReturnValue:
    body = json.dumps(service.export(session.current()), ensure_ascii=False, indent=2)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-aftercare-data.json"'
    return response


@pages.post("/signout")
def sign_out() -> ResponseReturnValue:
    session.require_csrf()
    patients.end_session(session.cookie_token())
    response = session.forget_sign_in(redirect(url_for("patient_join.join_page", signed_out=1), 303))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'  # the pages kept for offline go too
    return response


@pages.post("/devices")
def register_device() -> ResponseReturnValue:
    """The browser's push subscription (from "Turn on reminders"); JSON in, JSON out."""
    session.require_csrf()
    if push_key() is None:
        raise WebPushUnavailable("Reminders in the browser are not available on this server yet.")
    try:
        subscription = WebSubscriptionSchema().load(request.get_json(silent=True) or {})
    except ValidationError as err:
        raise Invalid("The subscription is not valid.", fields=err.messages_dict) from None
    _device, created = devices.register_patient_device(
        session.current().id,
        {"platform": "web", "subscription": subscription},
        session_id=patients.current_session_id(),
    )
    return {"registered": True}, 201 if created else 200
