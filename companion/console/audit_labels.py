"""The console's words for the audit log: what a request did and who did it, never a route or a number."""

from __future__ import annotations

from collections.abc import Mapping

from companion.core.i18n import N_, translate

ACTORS = {
    "api_key": N_("API key #%(id)s"),
    "staff": N_("staff member #%(id)s"),
    "patient_session": N_("the patient's app"),
    "enrollment_code": N_("an enrollment code"),
    "patient_reply": N_("the patient's reply"),
    "sms_provider": N_("the SMS provider"),
}

# What a request did, by its route; anything else reads as its method's verb.
AUDIT_ACTIONS = {
    "POST /console/patients/{patient_id}/erase": N_("erased patient"),
    "DELETE /v1/patients/{patient_id}": N_("erased patient"),
    "GET /console/patients/{patient_id}/export": N_("exported patient"),
    "GET /v1/patients/{patient_id}/export": N_("exported patient"),
    "GET /console/patients/{patient_id}": N_("opened patient"),
    "GET /v1/patients/{patient_id}": N_("read patient"),
    "GET /console/": N_("opened the worklist with patient"),
    "GET /v1/worklist": N_("read the worklist with patient"),
    "POST /console/patients/new": N_("enrolled patient"),
    "POST /v1/patients": N_("enrolled patient"),
    "POST /console/patients/{patient_id}/sessions/new": N_("recorded a session of patient"),
    "POST /v1/patients/{patient_id}/treatments": N_("recorded a session of patient"),
    "POST /console/patients/{patient_id}/handout": N_("printed a new code for patient"),
    "POST /console/patients/{patient_id}/edit": N_("edited patient"),
    "PATCH /v1/patients/{patient_id}": N_("edited patient"),
    "POST /console/patients/{patient_id}/sign-out": N_("signed out the phones of patient"),
    "POST /console/alerts/{alert_id}/acknowledge": N_("acknowledged an alert of patient"),
    "POST /console/alerts/{alert_id}/resolve": N_("resolved an alert of patient"),
    "POST /v1/patient-sessions": N_("signed in to the app: patient"),
    "POST /v1/me/checkins": N_("checked in: patient"),
    "patient sign-in": N_("signed in to the app: patient"),
    "patient erased": N_("erased patient"),
    "console sign-in": N_("signed in to the console"),
    "api key created": N_("created an API key"),
    "api key revoked": N_("revoked an API key"),
    "revoked api key used": N_("used a revoked API key"),
    "webhook url changed": N_("changed the alert webhook"),
    "webhook removed": N_("removed the alert webhook"),
    "webhook secret rotated": N_("made a new webhook signing secret"),
    "staff invited": N_("invited a staff member"),
    "staff removed": N_("removed a staff member"),
    "staff role changed": N_("changed a staff member's role"),
    "staff signed out everywhere": N_("signed a staff member out everywhere"),
    "clinic time zone changed": N_("changed the clinic's time zone"),
    "protocol override set": N_("changed the clinic's protocol values"),
    "protocol override cleared": N_("restored a protocol's default values"),
    "message categories changed": N_("changed which messages they receive"),
    "sms opt-out": N_("stopped text messages: patient"),
    "sms opt-in": N_("allowed text messages again: patient"),
    "email opt-out": N_("stopped e-mail: patient"),
    "phone invalid": N_("reported the number unusable: patient"),
}

METHOD_VERBS = {
    "GET": N_("read"),
    "POST": N_("changed"),
    "PUT": N_("changed"),
    "PATCH": N_("changed"),
    "DELETE": N_("deleted"),
}


def audit_action(action: str, locale: str | None) -> str:
    """ "POST /console/patients/{patient_id}/erase" → "erased patient"."""
    message = AUDIT_ACTIONS.get(action)
    if message is None:
        message = METHOD_VERBS.get(action.partition(" ")[0], N_("changed"))
    return translate(message, locale)


def actor(kind: str, actor_id: int | None, names: Mapping[int, str], locale: str | None) -> str:
    """A staff member by name (and role), anyone else by what they are."""
    if kind == "staff" and actor_id is not None and actor_id in names:
        return names[actor_id]
    message = ACTORS.get(kind)
    return translate(message, locale, id=actor_id) if message else f"{kind} #{actor_id}"
