"""The one home of the console's words for data codes (worklist reasons, severities, triage
reasons, add-ons, body areas, audit actions, states): a person reads words, never codes.

Every text is an English message id marked with `N_`, so the catalogs carry it and a
Spanish reader gets Spanish. An unknown code falls back to itself with spaces, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from companion.core.clock import utcnow
from companion.core.i18n import N_, negotiate, translate
from companion.patients.screening import CLEARANCE_NEEDED, CONTRAINDICATIONS

STATES = {
    "pending": N_("pending"),
    "claimed": N_("sending"),
    "sent": N_("sent"),
    "expired": N_("expired"),
    "undeliverable": N_("undeliverable"),
    "cancelled": N_("cancelled"),
    "superseded": N_("replaced"),
    "failed": N_("failed"),
    "acknowledged": N_("acknowledged"),
    "open": N_("open"),
    "resolved": N_("resolved"),
    "active": N_("active"),
    "booked": N_("booked"),
    "attended": N_("attended"),
    "retry": N_("retry"),
    "deactivate": N_("deactivate"),
    "backoff": N_("waiting (quota)"),
}

SEVERITIES = {
    "urgent": N_("urgent"),
    "contact_clinic": N_("contact clinic"),
    "self_care": N_("self care"),
    "expected": N_("expected"),
}

ROLES = {"admin": N_("admin"), "staff": N_("staff")}

VISIT_KINDS = {"series": N_("series"), "maintenance": N_("maintenance"), "review": N_("review")}

REASONS = {
    "open_alert": N_("open alert"),
    "missed_checkin": N_("missed check-in"),
    "appointment_unrecorded": N_("appointment unrecorded"),
    "undeliverable": N_("reminders undelivered"),
    "unreachable": N_("unreachable"),
    "not_signed_in": N_("not signed in"),
    "rebooking_due": N_("rebooking due"),
    "maintenance_due": N_("maintenance due"),
}

# What each worklist reason asks of the person reading the card.
REASON_DETAILS = {
    "missed_checkin": N_("No answer to a check-in prompt"),
    "appointment_unrecorded": N_("A visit passed without a session recorded"),
    "undeliverable": N_("Reminders found no phone"),
    "unreachable": N_("Reminders due and no app, phone or e-mail to reach the patient"),
    "not_signed_in": N_("Enrolled but never signed in to the app"),
    "rebooking_due": N_("Next session of the series not booked"),
    "maintenance_due": N_("Maintenance session not booked"),
}

TRIAGE_REASONS = {
    "flag_pus": N_("pus or discharge"),
    "flag_fever": N_("fever"),
    "flag_spreading_redness": N_("spreading or hot redness"),
    "flag_blisters": N_("blisters or crusting"),
    "flag_severe_pain": N_("severe or worsening pain"),
    "flag_allergic_reaction": N_("signs of an allergic reaction"),
    "flag_pigment_change": N_("new dark or light patches"),
    "flag_wound_not_healing": N_("a wound that does not heal or a scar forming"),
    "severe_redness_after_first_day": N_("severe redness after the first day"),
    "severe_swelling_after_first_day": N_("severe swelling after the first day"),
    "redness_beyond_window": N_("redness lasting longer than expected"),
    "swelling_beyond_window": N_("swelling lasting longer than expected"),
    "mild_redness_beyond_window": N_("mild redness lasting longer than expected"),
    "mild_swelling_beyond_window": N_("mild swelling lasting longer than expected"),
    "worsening_trend": N_("getting worse since the last check-in"),
    "severe_pain": N_("severe pain"),
    "severe_itching": N_("severe itching"),
    "severe_breakouts": N_("severe breakouts"),
    "severe_bruising": N_("severe bruising"),
    "severe_dryness": N_("severe dryness or peeling"),
    "severe_redness_first_day": N_("severe redness on the first day"),
    "severe_swelling_first_day": N_("severe swelling on the first day"),
    "moderate_pain": N_("moderate pain"),
    "moderate_itching": N_("moderate itching"),
    "moderate_dryness": N_("moderate dryness or peeling"),
    "mild_pain": N_("mild pain"),
    "mild_itching": N_("mild itching"),
    "mild_dryness": N_("mild dryness or peeling"),
    "bruising": N_("bruising"),
    "breakouts": N_("breakouts or bumps"),
    "redness_on_course": N_("redness, as expected"),
    "swelling_on_course": N_("swelling, as expected"),
    "pain_on_course": N_("tenderness, as expected"),
    "itching_on_course": N_("itching, as expected"),
    "dryness_on_course": N_("dryness, as expected"),
    "bruising_on_course": N_("bruising, as expected"),
    "breakouts_on_course": N_("breakouts, as expected"),
    "all_clear": N_("all clear"),
}

SYMPTOMS = {
    "redness": N_("redness"),
    "swelling": N_("swelling"),
    "pain": N_("pain or tenderness"),
    "itching": N_("itching"),
    "dryness": N_("dryness or peeling"),
    "bruising": N_("bruising"),
    "breakouts": N_("breakouts or bumps"),
}

ADD_ONS = {
    "prp": N_("PRP (platelet-rich plasma)"),
    "serum": N_("serum"),
    "hyaluronic_acid": N_("hyaluronic acid"),
    "growth_factors": N_("growth factors"),
    "peptides": N_("peptides"),
}

AREAS = {
    "face": N_("face"),
    "forehead": N_("forehead"),
    "cheeks": N_("cheeks"),
    "nose": N_("nose"),
    "chin": N_("chin"),
    "jawline": N_("jawline"),
    "periorbital": N_("around the eyes"),
    "perioral": N_("around the mouth"),
    "neck": N_("neck"),
    "decolletage": N_("décolletage"),
    "abdomen": N_("abdomen"),
    "thighs": N_("thighs"),
    "hips": N_("hips"),
    "buttocks": N_("buttocks"),
    "arms": N_("arms"),
    "back": N_("back"),
    "chest": N_("chest"),
    "breasts": N_("breasts"),
    "calves": N_("calves"),
}

ACTORS = {
    "api_key": N_("API key #%(id)s"),
    "staff": N_("staff member #%(id)s"),
    "patient_session": N_("the patient's app"),
    "enrollment_code": N_("an enrollment code"),
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
    "protocol override set": N_("changed the clinic's protocol values"),
    "protocol override cleared": N_("restored a protocol's default values"),
}
METHOD_VERBS = {
    "GET": N_("read"),
    "POST": N_("changed"),
    "PUT": N_("changed"),
    "PATCH": N_("changed"),
    "DELETE": N_("deleted"),
}

OUTCOMES = {"denied": N_("refused"), "failed": N_("failed")}

TABLES: Mapping[str, Mapping[str, str]] = {
    "state": STATES,
    "severity": SEVERITIES,
    "role": ROLES,
    "visit": VISIT_KINDS,
    "reason": REASONS,
    "triage": TRIAGE_REASONS,
    "symptom": SYMPTOMS,
    "add_on": ADD_ONS,
    "area": AREAS,
    "outcome": OUTCOMES,
}

MESSAGES = (
    N_("The form expired; please try again."),
    N_("Only clinic administrators may open this page."),
    N_("No such page."),
)


def word(table: str, code: Any, locale: str | None) -> str:
    """A code as the reader's word; a code with no entry reads as itself with spaces."""
    code = str(code)
    message = TABLES[table].get(code)
    return translate(message, locale) if message else code.replace("_", " ")


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


def screening_warning(code: str, locale: str | None) -> str:
    """A positive screening answer as the warning the desk reads, in its language."""
    condition = CONTRAINDICATIONS.get(code)
    return translate(CLEARANCE_NEEDED, locale, condition=translate(condition, locale) if condition else code)


def work_item(item: Mapping[str, Any], alert: Any, locale: str | None) -> str:
    """The line under a worklist card: an alert's severity and triage reasons, else what to do."""
    reason = item["reason"]
    if reason == "open_alert" and alert is not None:
        reasons = ", ".join(word("triage", r, locale) for r in alert.reasons) or translate(N_("check-in"), locale)
        text = f"{word('severity', alert.severity, locale)}: {reasons}"
        if alert.checkin_count > 1:
            text += " · " + translate(N_("%(count)s check-ins"), locale, count=alert.checkin_count)
        return text
    message = REASON_DETAILS.get(reason)
    return translate(message, locale) if message else word("reason", reason, locale)


def moment(at: datetime | None, timezone: str) -> str:
    """An instant as the wall time of `timezone`, with the zone's abbreviation ("2026-12-07 09:00 CET")."""
    if at is None:
        return ""
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def ago(at: datetime, locale: str | None) -> str:
    """How long ago, in the reader's words ("3 hours ago", "hace 3 horas"): a clinic-wide list
    has no one zone to show a wall time in."""
    return format_timedelta(at - utcnow(), add_direction=True, locale=negotiate(locale))
