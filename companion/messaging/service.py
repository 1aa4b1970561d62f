"""What Twilio tells us back: a patient's STOP or START, and each message's final status.

Every patient with the replying number is affected (clinics on this deployment may share a
patient's number, and Twilio's own block covers the number, not the clinic). A status callback
is matched to its delivery rows by Twilio's message id; what it reports of the number maps
through the same outcome table as Twilio's synchronous answer (companion/channels/sms.py), and a
final failure puts the reminder on the dispatcher's fallback pass for another channel. Both
are idempotent: a repeat, or a callback overtaken by a later one, changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from companion.audit import service as audit
from companion.audit.models import PATIENT_REPLY, SMS_PROVIDER
from companion.channels import base as push
from companion.channels import sms
from companion.channels.models import Delivery
from companion.core.clock import utcnow
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.messaging import keywords
from companion.patients.contact import BY_KEYWORD, BY_PROVIDER
from companion.patients.models import Patient
from companion.reminders.models import SENT, Reminder

# Twilio's message statuses in the order they happen; the three last are final.
_ORDER = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3}
FINAL = ("delivered", "undelivered", "failed")
_FAILED = ("undelivered", "failed")


@unit_of_work
def handle_inbound(form: dict[str, Any]) -> str | None:
    """A reply to our number: STOP and its kin turn SMS off, START and its kin back on.

    Returns what it meant (keywords.OPT_OUT / OPT_IN), None for anything else (ignored)."""
    meaning = keywords.meaning(form.get("Body") or "", form.get("OptOutType"))
    if meaning is None:
        return None
    now = utcnow()
    for patient in db.session.scalars(select(Patient).where(Patient.phone == form["From"]).order_by(Patient.id)):
        if meaning == keywords.OPT_OUT and patient.sms_opted_out_at is None:
            patient.sms_opted_out_at, patient.sms_opted_out_via = now, BY_KEYWORD
            _audit(PATIENT_REPLY, patient.id, patient, "sms opt-out", form.get("MessageSid"))
        elif meaning == keywords.OPT_IN and patient.sms_opted_out_at is not None:
            patient.sms_opted_out_at, patient.sms_opted_out_via = None, None
            _audit(PATIENT_REPLY, patient.id, patient, "sms opt-in", form.get("MessageSid"))
    return meaning


@unit_of_work
def record_status(form: dict[str, Any]) -> int:
    """The message's status on its delivery rows (one per reminder it carried); a final failure
    that names the number (invalid, opted out) is recorded on the patient. Returns rows changed."""
    status = form["MessageStatus"].lower()
    rows = list(
        db.session.scalars(
            select(Delivery).where(Delivery.message_id == form["MessageSid"], Delivery.channel == push.SMS_KIND)
        )
    )
    now = utcnow()
    code = form.get("ErrorCode")
    changed = [row for row in rows if _later(status, row.provider_status)]
    for row in changed:
        row.provider_status, row.provider_status_at = status, now
        if code and status in _FAILED:
            row.error_code = f"TWILIO_{code}"
    if changed and code and status in _FAILED:
        _mark_number(changed[0], sms.outcome(0, code), form.get("To"), now)
    if changed and status in _FAILED:
        _owe_another_channel(changed, now)
    return len(changed)


def _owe_another_channel(failed: list[Delivery], now: datetime) -> None:
    """An SMS Twilio accepted but could not hand over: if it was its reminder's latest and the
    reminder is still useful, the reminder falls due on the dispatcher's fallback pass
    (reminders/dispatch/must_see.py), which picks another channel or marks it undeliverable.
    Nothing is sent from the callback's request."""
    owed = []
    for row in failed:
        latest = db.session.scalar(
            select(func.max(Delivery.id)).where(
                Delivery.reminder_id == row.reminder_id, Delivery.channel == push.SMS_KIND
            )
        )
        if latest == row.id:
            owed.append(row.reminder_id)
    if owed:
        db.session.execute(
            update(Reminder)
            .where(
                Reminder.id.in_(owed),
                Reminder.status == SENT,
                Reminder.opened_at.is_(None),
                Reminder.acknowledged_at.is_(None),
                Reminder.expires_at > now,
                or_(Reminder.fallback_due_at.is_(None), Reminder.fallback_due_at > now),
            )
            .values(fallback_due_at=now)
        )


def _later(status: str, before: str | None) -> bool:
    """Whether `status` moves the row on: a final status is never replaced, an earlier one never wins."""
    if before == status or before in FINAL:
        return False
    if status in FINAL:
        return True
    return status in _ORDER and (before is None or _ORDER[status] > _ORDER.get(before, -1))


def _mark_number(delivery: Delivery, result: push.PushResult, to: str | None, now: Any) -> None:
    """The patient the message went to, if the number is still theirs (a changed number is a new one)."""
    if result.mark is None:
        return
    patient = db.session.scalar(
        select(Patient).join(Reminder, Reminder.patient_id == Patient.id).where(Reminder.id == delivery.reminder_id)
    )
    if patient is None or patient.phone is None or (to and to != patient.phone):
        return
    if result.mark == push.OPTED_OUT and patient.sms_opted_out_at is None:
        patient.sms_opted_out_at, patient.sms_opted_out_via = now, BY_PROVIDER
        _audit(SMS_PROVIDER, delivery.id, patient, "sms opt-out", delivery.message_id)
    elif result.mark == push.INVALID and patient.phone_invalid_at is None:
        patient.phone_invalid_at = now
        _audit(SMS_PROVIDER, delivery.id, patient, "phone invalid", delivery.message_id)


def _audit(kind: str, actor_id: int, patient: Patient, action: str, message_sid: str | None) -> None:
    audit.set_actor(kind, actor_id, patient.clinic_id)
    audit.record(patient.id, action, target=f"message_sid={message_sid}" if message_sid else None)
