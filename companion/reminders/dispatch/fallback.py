"""When no app can be reached: a patient's due reminders leave by SMS or e-mail instead.

A patient with no active device (none registered, or every one deactivated) whose
reminders are due gets ONE message on their fallback channel (consented, valid, not opted
out) for the reminders claimed together, at most once per reminder: a reminder that any
device or an earlier message already received is not sent again. Quiet hours, expiry,
bundling and leases are the pushes' own, applied before this. The message carries the
clinic's name, a neutral line and a one-time sign-in link (stored hashed), nothing else.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, update

from companion.channels import base as push
from companion.clinics.models import Clinic
from companion.core.auth import hash_secret
from companion.core.db import among, insert_rows
from companion.patients.contact import BY_PROVIDER, Route, fallback_route, usable_addresses
from companion.patients.models import Patient, SignInLink
from companion.reminders.dispatch.claiming import ClaimedReminder, write_transaction
from companion.reminders.dispatch.outcomes import Decision
from companion.reminders.models import PENDING, UNDELIVERABLE

patients: Table = Patient.__table__
clinics: Table = Clinic.__table__
links: Table = SignInLink.__table__
_CONTACT = (
    patients.c.id,
    patients.c.clinic_id,
    patients.c.locale,
    patients.c.phone,
    patients.c.email,
    patients.c.consent_sms,
    patients.c.consent_email,
    patients.c.fallback_channel,
    patients.c.phone_invalid_at,
    patients.c.email_invalid_at,
    patients.c.sms_opted_out_at,
    patients.c.email_opted_out_at,
)


@dataclass(frozen=True)
class Reach:
    """How a patient without an app is reached: the route, their language and the clinic's name."""

    route: Route
    locale: str
    clinic: str


def reach(
    connection: Connection, patient_ids: Iterable[int], excluding: Mapping[int, Collection[str]] | None = None
) -> dict[int, Reach]:
    """Per patient with a usable fallback channel, other than those `excluding` names for them."""
    ids = set(patient_ids)
    if not ids:
        return {}
    rows = connection.execute(select(*_CONTACT).where(among(connection, patients.c.id, ids))).all()
    names = dict(
        connection.execute(
            select(clinics.c.id, clinics.c.name).where(among(connection, clinics.c.id, {r.clinic_id for r in rows}))
        ).all()
    )
    found = {}
    for row in rows:
        route = fallback_route(row, (excluding or {}).get(row.id, ()))
        if route is not None:
            found[row.id] = Reach(route, row.locale, names.get(row.clinic_id, ""))
    return found


class Links:
    """The sign-in links a planning step mints; written in one transaction before anything is sent."""

    def __init__(self, *, public_url: str, ttl: timedelta, now: datetime) -> None:
        self.public_url, self.ttl, self.now = public_url.rstrip("/"), ttl, now
        self.rows: list[dict[str, Any]] = []

    def mint(self, patient_id: int, reminder_id: int) -> str:
        token = secrets.token_urlsafe(32)
        self.rows.append(
            {
                "patient_id": patient_id,
                "reminder_id": reminder_id,
                "token_hash": hash_secret(token),
                "expires_at": self.now + self.ttl,
                "used_at": None,
                "created_at": self.now,
            }
        )
        return f"{self.public_url}/app/l/{token}"

    def save(self, engine: Engine) -> None:
        if self.rows:
            with write_transaction(engine) as connection:
                insert_rows(connection, links, self.rows)


def message(group: list[ClaimedReminder], patient_id: int, found: Reach, links_: Links) -> push.PushMessage:
    """One SMS or e-mail for the reminders of `group` (all owed: none reached the patient yet)."""
    first = group[0]
    link = links_.mint(patient_id, first.id)
    return push.PushMessage(
        reminder_id=first.id,
        reminder_ids=tuple(r.id for r in group),
        device_id=push.NO_DEVICE,
        identifier=found.route.address,
        identifier_kind=found.route.channel,
        platform=found.route.channel,
        title="",
        body="",
        data={
            "kind": first.kind if len(group) == 1 else "bundle",
            "patient_id": str(patient_id),
            "clinic": found.clinic,
            "locale": found.locale,
            "link": link,
            # RFC 8058's one-click target (companion/patient_app/links.py).
            "unsubscribe": f"{link}/unsubscribe",
        },
        priority="normal",
        expires_at=max(r.expires_at for r in group),
        collapse_key=f"reminder-{first.id}",
        thread_id="aftercare",
    )


def withheld(engine: Engine, messages: Sequence[push.PushMessage]) -> dict[int, push.PushResult]:
    """Messages (by index) not to send after all: since the claim, the patient turned that channel
    off (STOP, an unsubscribe), the provider called the address unusable, or the clinic changed it.

    Read right before the messages leave, so an opt-out is honoured at once; only SMS and e-mail
    are looked up (pushes cost no query). The reminder is then recorded undeliverable with the
    reason, or planned again at once when another channel is left."""
    contact = {i: m for i, m in enumerate(messages) if m.identifier_kind in push.CONTACT_KINDS}
    if not contact:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(*_CONTACT).where(
                among(connection, patients.c.id, {int(m.data["patient_id"]) for m in contact.values()})
            )
        ).all()
    usable = {row.id: usable_addresses(row) for row in rows}
    held = {}
    for index, message in contact.items():
        if usable.get(int(message.data["patient_id"]), {}).get(message.identifier_kind) != message.identifier:
            held[index] = push.PushResult(
                push.NO_DEVICE,
                push.DEACTIVATE,
                error_code=f"{message.identifier_kind.upper()}_WITHDRAWN",
                detail="not sent: the channel was turned off or changed after the reminder was claimed",
                backend="dispatcher",
            )
    return held


# (channel, what the provider said) -> the patient column that records it, and how it came
_MARKS = {
    (push.SMS_KIND, push.INVALID): ("phone_invalid_at", None),
    (push.SMS_KIND, push.OPTED_OUT): ("sms_opted_out_at", "sms_opted_out_via"),
    (push.EMAIL_KIND, push.INVALID): ("email_invalid_at", None),
    (push.EMAIL_KIND, push.OPTED_OUT): ("email_opted_out_at", "email_opted_out_via"),
}


def mark_addresses(
    connection: Connection, messages: list[push.PushMessage], results: list[push.PushResult], now: datetime
) -> None:
    """A number Twilio calls invalid, an address the mail server refuses for good, a patient who sent
    STOP: recorded on the patient, so that channel is not used again until the clinic changes it."""
    for message, result in zip(messages, results, strict=True):
        column, via = _MARKS.get((message.identifier_kind, result.mark or ""), (None, None))
        if result.outcome == push.DEACTIVATE and column is not None:
            connection.execute(
                update(patients)
                .where(patients.c.id == int(message.data["patient_id"]), patients.c[column].is_(None))
                .values({column: now, **({via: BY_PROVIDER} if via else {})})
            )


def replan_unreached(
    engine: Engine,
    chunk: Sequence[Any],
    decisions: dict[int, Decision],
    results: Mapping[int, list[push.PushResult]],
    now: datetime,
) -> dict[int, Decision]:
    """Every device (or the fallback address) died in this attempt and nothing reached the patient:
    if a fallback channel is left, plan the reminder again at once so the next pass takes it.

    Looked up only when such a reminder exists (a dead device is rare), never on the common path."""
    unreached = {
        r.id: r.patient_id
        for item in chunk
        for r in item.reminders
        if r.patient_id is not None
        and decisions[r.id].status == UNDELIVERABLE
        and any(result.outcome == push.DEACTIVATE for result in results.get(r.id, ()))
        and now < r.expires_at
    }
    if not unreached:
        return decisions
    with engine.connect() as connection:
        still = reach(connection, set(unreached.values()))
    for reminder_id, patient_id in unreached.items():
        if patient_id in still:
            before = decisions[reminder_id]
            decisions[reminder_id] = Decision(
                PENDING, before.attempts + 1, available_at=now, last_error=before.last_error
            )
    return decisions
