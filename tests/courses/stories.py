"""Replaying a patient's year through the real API, planner and dispatcher with a moved clock.

Each story is a list of (day, action); between actions the dispatcher (log sender,
the default 10-minute bundling window) is run at every moment something falls due,
and every push it makes is counted by month of the course.

    .venv/bin/python -m tests.courses.stories     # prints pushes per month for each story
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from companion.channels.log import LogSender
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher, DispatchSettings
from companion.reminders.models import PENDING, Reminder
from tests.factories import create_clinic, enroll, record_treatment, sign_in

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 11:00 in Madrid, a Monday
MONTH = timedelta(days=30.44)
Action = Callable[["Story"], Any]


class Story:
    def __init__(self, app, client) -> None:
        self.app, self.client = app, client
        self.clinic = create_clinic(app)
        clock.freeze(START)
        self.patient = enroll(self.client, self.clinic)
        self.app_headers = sign_in(self.client, self.patient["enrollment_code"])
        response = self.client.post(
            "/v1/me/devices", json={"fid": "story-phone", "platform": "android"}, headers=self.app_headers
        )
        assert response.status_code == 201, response.get_json()
        with app.app_context():
            self.dispatcher = Dispatcher(db.engine, LogSender(), name="story", settings=DispatchSettings())
        self.pushes: list[tuple[datetime, int, list[str]]] = []  # (when, pushes, kinds carried)
        self.appointments: list[int] = []

    # -- actions ----------------------------------------------------------------------

    def session(self, number: int, planned: int = 3) -> dict[str, Any]:
        return record_treatment(
            self.client,
            self.clinic,
            self.patient["id"],
            performed_at=clock.now(),
            series={"session_number": number, "planned_sessions": planned},
        )

    def book(self, days_ahead: float, note: str | None = None) -> dict[str, Any]:
        starts = clock.now() + timedelta(days=days_ahead)
        response = self.client.post(
            f"/v1/patients/{self.patient['id']}/appointments",
            headers=self.clinic["headers"],
            json={"starts_at": starts.isoformat(), "kind": "series", "note": note},
        )
        assert response.status_code == 201, response.get_json()
        self.appointments.append(response.get_json()["id"])
        return response.get_json()

    def cancel(self) -> None:
        response = self.client.delete(f"/v1/appointments/{self.appointments[-1]}", headers=self.clinic["headers"])
        assert response.status_code == 204, response.get_json()

    # -- time -------------------------------------------------------------------------

    def run_until(self, until: datetime) -> None:
        """Every moment something is due, the dispatcher runs there (as its 1 s interval would)."""
        with self.app.app_context():
            while True:
                due = db.session.scalar(db.select(db.func.min(Reminder.available_at)).where(Reminder.status == PENDING))
                db.session.remove()
                if due is None or due > until:
                    break
                clock.freeze(max(due, clock.now()) + timedelta(seconds=1))
                before = {r.id for r in self._sent()}
                stats = self.dispatcher.run_pass()
                if stats.pushes:
                    kinds = [r.kind for r in self._sent() if r.id not in before]
                    self.pushes.append((clock.now(), stats.pushes, kinds))
        clock.freeze(until)

    def _sent(self) -> list[Reminder]:
        rows = list(db.session.scalars(db.select(Reminder).where(Reminder.status == "sent")))
        db.session.remove()
        return rows

    def play(self, script: list[tuple[float, Action]], *, months: int = 12) -> None:
        for day, action in script:
            self.run_until(START + timedelta(days=day))
            action(self)
        self.run_until(START + months * MONTH)

    def per_month(self, months: int = 12) -> list[int]:
        counts = Counter(min(int((at - START) / MONTH), months - 1) for at, n, _ in self.pushes for _ in range(n))
        return [counts.get(m, 0) for m in range(months)]

    def kinds_per_month(self, kind: str, months: int = 12) -> list[int]:
        counts = Counter(
            min(int((at - START) / MONTH), months - 1) for at, _, kinds in self.pushes for k in kinds if k == kind
        )
        return [counts.get(m, 0) for m in range(months)]


COMPLETED_SERIES = [
    (0, lambda s: s.session(1)),
    (33, lambda s: s.session(2)),
    (66, lambda s: s.session(3)),
]
DROP_OUT = [(0, lambda s: s.session(1))]
BOOKED_THEN_CANCELLED = [
    (0, lambda s: s.session(1)),
    (10, lambda s: s.book(22, "Come without makeup")),
    (20, lambda s: s.cancel()),
]
STORIES = {
    "completed 3-session series (sessions on days 0, 33, 66)": COMPLETED_SERIES,
    "drop-out after session 1": DROP_OUT,
    "session 1, booked on day 10 for day 32, cancelled on day 20": BOOKED_THEN_CANCELLED,
}
KINDS = ("next_session", "maintenance", "progress_checkin", "appointment")


def main() -> None:
    from tests import dbutil

    with dbutil.story_app() as app:
        import logging

        logging.disable(logging.INFO)
        print("pushes per month of the course (month 1 = days 0-30), bundling window 10 min")
        for title, script in STORIES.items():
            story = Story(app, app.test_client())
            story.play(script)
            print(f"\n{title}: {sum(story.per_month())} pushes in 12 months")
            print("  all pushes      ", " ".join(f"{n:3d}" for n in story.per_month()))
            for kind in KINDS:
                print(f"  {kind:16s}", " ".join(f"{n:3d}" for n in story.kinds_per_month(kind)))
            with app.app_context():
                dbutil.truncate_all(db)
            clock.unfreeze()


if __name__ == "__main__":
    main()
