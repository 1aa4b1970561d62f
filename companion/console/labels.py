"""The one home of the console's words for data codes (worklist reasons, severities, triage
reasons, add-ons, body areas, states; the audit log's in audit_labels.py): a person reads words, never codes.

Every text is an English message id marked with `N_`, so the catalogs carry it and a
Spanish reader gets Spanish. An unknown code falls back to itself with spaces, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

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
    "skipped": N_("skipped: muted by the patient"),
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

# The patient's message categories (companion/patients/categories.py).
CATEGORIES = {
    "care_instructions": N_("care instructions"),
    "care_tips": N_("care tips"),
    "checkin_prompts": N_("check-in questions"),
    "appointments": N_("appointment reminders"),
    "progress": N_("progress photos"),
    "maintenance": N_("next-session and maintenance nudges"),
    "promotional": N_("offers"),
}
# The Settings table of protocol values: a restriction reads as its own title.
PROTOCOL_VALUES = {
    "hydration.for_hours": N_("Hydration reminders, for"),
    "series.spacing_weeks_min": N_("Next session, at the earliest after"),
    "series.spacing_weeks_max": N_("Next session, at the latest after"),
    "maintenance.due_months": N_("Maintenance session due after"),
    "maintenance.until_months": N_("Maintenance reminders until"),
    "appointments.remind_days_before": N_("Appointment reminder"),
    "redness_hours": N_("Redness lasts, up to %(mm)s mm deep"),
    "swelling_hours": N_("Swelling lasts, up to %(mm)s mm deep"),
}
UNITS = {"hours": N_("h"), "weeks": N_("weeks"), "months": N_("months"), "days": N_("days before"), "spf": "SPF"}


def protocol_value(path: tuple[str | int, ...], protocol: Mapping[str, Any], locale: str | None) -> str:
    """A row of the protocol values table: "Sun (SPF)", "Redness lasts, up to 1.5 mm deep"."""
    if path[0] == "restrictions":
        title = protocol["restrictions"][path[1]]["title"]
        text = str(title.get(negotiate(locale)) or title["en"])
        return f"{text} (SPF)" if path[-1] == "spf" else text
    if path[0] == "expected_course":
        row = protocol["expected_course"]["depth_table"][int(path[2])]
        return translate(PROTOCOL_VALUES[str(path[-1])], locale, mm=f"{row['up_to_mm']:g}")
    return translate(PROTOCOL_VALUES[".".join(map(str, path))], locale)


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
    "category": CATEGORIES,
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


def ago(at: datetime, locale: str | None) -> str:
    """How long ago, in the reader's words ("3 hours ago", "hace 3 horas")."""
    return format_timedelta(at - utcnow(), add_direction=True, locale=negotiate(locale))
