"""The course planner: a patient's sessions and bookings -> the forward-looking reminders.

Pure (no database, no Flask): next-session nudges, progress check-ins, maintenance
nudges and appointment reminders belong to the course, not to one session, so they
are planned from the latest session and the booked appointments whenever either
changes. Keys name the step a reminder is about, so a re-plan supersedes rather than
duplicates, and what already reached the patient is never planned again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from companion.core.localtime import add_months, local_date
from companion.protocols.definition import localize
from companion.treatments.drafting import Draft, Placer, PlanBase, session_values
from companion.treatments.facts import PatientPrefs, PlannedReminder

KEY_PREFIX = "course:"
NEXT_SESSION, PROGRESS, MAINTENANCE, APPOINTMENT = "next_session", "progress_checkin", "maintenance", "appointment"
# An appointment reminder that can no longer come the day before still comes, unless the visit is this close.
_TOO_CLOSE = timedelta(hours=2)


@dataclass(frozen=True)
class Session:
    id: int
    performed_at: datetime
    session_number: int
    planned_sessions: int


@dataclass(frozen=True)
class Booking:
    id: int
    starts_at: datetime
    note: str | None = None


@dataclass(frozen=True)
class History:
    """What already reached the patient (sent or acknowledged): never planned again."""

    delivered_keys: frozenset[str] = frozenset()
    progress_months: frozenset[str] = frozenset()  # local "YYYY-MM" of progress pushes already sent


def progress_key(month: str) -> str:
    return f"{KEY_PREFIX}progress:{month}"


def month_of(instant: datetime, zone: ZoneInfo) -> str:
    return local_date(instant, zone).strftime("%Y-%m")


class _CoursePlanner(PlanBase):
    def __init__(self, content: Mapping[str, Any], prefs: PatientPrefs, now: datetime) -> None:
        super().__init__(content, prefs)
        self.now = now.astimezone(UTC)

    def after_session(self, latest: Session, booked: bool) -> Iterator[Draft]:
        performed = latest.performed_at.astimezone(UTC)
        day0 = local_date(performed, self.zone)
        values = session_values(latest.session_number, latest.planned_sessions)
        yield from self._progress(day0, performed)
        if booked:  # the next step is in the diary: no nudging
            return
        if latest.session_number < latest.planned_sessions:
            yield from self._series(latest, day0, performed, values)
        yield from self._maintenance(latest, day0, performed, values)

    def _progress(self, day0: date, performed: datetime) -> Iterator[Draft]:
        rule = self.content["progress"]
        for month in rule["months"]:
            due = self.at(add_months(day0, month), rule["at"])
            yield Draft(
                progress_key(month_of(due, self.zone)),
                PROGRESS,
                due,
                due + timedelta(days=rule["expires_after_days"]),
                performed,
                rule,
            )

    def _series(self, latest: Session, day0: date, performed: datetime, values: dict[str, Any]) -> Iterator[Draft]:
        rule = self.content["series"]
        opens = self.at(day0 + timedelta(weeks=rule["spacing_weeks_min"]), rule["at"])
        closes = performed + timedelta(weeks=rule["spacing_weeks_max"])
        step = f"{KEY_PREFIX}s{latest.id}:next{latest.session_number + 1}"
        yield Draft(f"{step}:open", NEXT_SESSION, opens, closes, performed, rule, values=values)
        days = rule["closing_nudge_days_before"]
        if days:
            again = self.at(local_date(closes, self.zone) - timedelta(days=days), rule["at"])
            if again > opens:
                yield Draft(
                    f"{step}:closing",
                    NEXT_SESSION,
                    again,
                    closes,
                    performed,
                    rule,
                    values=values,
                    must_see=rule["closing_nudge_must_see"],
                )

    def _maintenance(
        self, latest: Session, day0: date, performed: datetime, values: Mapping[str, Any]
    ) -> Iterator[Draft]:
        rule = self.content["maintenance"]
        for month in rule["nudge_months"]:
            due = self.at(add_months(day0, month), rule["at"])
            expires = due + timedelta(days=rule["nudge_expires_after_days"])
            yield Draft(
                f"{KEY_PREFIX}s{latest.id}:maintenance:m{month}",
                MAINTENANCE,
                due,
                expires,
                performed,
                rule,
                values=values,
            )

    def appointment(self, booking: Booking) -> Draft | None:
        rule = self.content["appointments"]
        starts = booking.starts_at.astimezone(UTC)
        if starts - self.now <= _TOO_CLOSE:
            return None
        day_before = local_date(starts, self.zone) - timedelta(days=rule["remind_days_before"])
        due = max(self.at(day_before, rule["at"]), self.now)
        wall = starts.astimezone(self.zone)
        message = dict(rule)
        if booking.note:
            message["body"] = {lang: f"{text}\n{localize(rule['note'], lang)}" for lang, text in rule["body"].items()}
        return Draft(
            f"{KEY_PREFIX}appointment:{booking.id}",
            APPOINTMENT,
            due,
            starts - _TOO_CLOSE / 2,
            self.now,
            message,
            values={"when": wall.strftime("%Y-%m-%d %H:%M"), "note": booking.note or ""},
            must_see=rule["must_see"],
        )


def plan_course(
    content: Mapping[str, Any],
    sessions: Iterable[Session],
    bookings: Iterable[Booking],
    prefs: PatientPrefs,
    history: History,
    now: datetime,
) -> tuple[PlannedReminder, ...]:
    """The course's forward-looking reminders, due order; `content` is the latest session's protocol.

    A booking after the latest session stops its nudges (the next step is booked);
    progress check-ins are planned from the latest session only, at most one per
    local month counting those already sent; nothing already delivered or already
    useless is planned.
    """
    planner = _CoursePlanner(content, prefs, now)
    ordered = sorted(sessions, key=lambda s: (s.performed_at, s.id))
    upcoming = sorted((b for b in bookings if b.starts_at > now), key=lambda b: (b.starts_at, b.id))
    drafts: list[Draft] = []
    latest = ordered[-1] if ordered else None
    if latest is not None:
        booked = any(b.starts_at > latest.performed_at for b in bookings)
        drafts += planner.after_session(latest, booked)
    drafts += [draft for b in upcoming if (draft := planner.appointment(b)) is not None]
    floor = max(planner.now, latest.performed_at.astimezone(UTC)) if latest else planner.now
    placer = Placer(planner.quiet, floor)
    planned: list[PlannedReminder] = []
    months = set(history.progress_months)
    for draft in drafts:
        if draft.plan_key in history.delivered_keys:
            continue
        item = placer.place(draft, planner.text, planner.category(draft.kind))
        if item is None or item.expires_at <= planner.now:
            continue
        if item.kind == PROGRESS:
            month = month_of(item.due_at, planner.zone)
            if month in months:
                continue
            months.add(month)
            item = _rekey(item, progress_key(month))
        planned.append(item)
    planned.sort(key=lambda r: (r.due_at, r.plan_key))
    return tuple(planned)


def _rekey(item: PlannedReminder, key: str) -> PlannedReminder:
    """Quiet hours may move a progress check-in into another month: its key follows it."""
    if item.plan_key == key:
        return item
    return replace(item, plan_key=key)
