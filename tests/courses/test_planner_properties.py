"""Any sequence of sessions, bookings and cancellations, replayed over time against the planner.

Between events, whatever the current plan has due is "delivered" (as the dispatcher
would); at each event the course is re-planned with what was delivered so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.courses.planner import Booking, History, Session, month_of, plan_course
from tests.treatments import prefs, protocol

START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
ZONES = ("America/New_York", "Europe/Madrid", "Asia/Tokyo", "UTC")
SAME_VISIT = timedelta(hours=24)

event = st.one_of(
    st.tuples(st.just("session"), st.integers(1, 60), st.booleans()),  # days later; True: start a new series
    st.tuples(st.just("book"), st.integers(0, 30), st.integers(1, 70)),  # days later; visit that many days ahead
    st.tuples(st.just("cancel"), st.integers(0, 30), st.integers(0, 5)),  # days later; which booking
)


@dataclass
class Course:
    zone: str
    sessions: list[Session] = field(default_factory=list)
    booked: dict[int, Booking] = field(default_factory=dict)
    delivered: list[tuple[datetime, object]] = field(default_factory=list)
    # (time, what was true then) per delivered nudge, for the checks
    plan: tuple = ()
    next_id: int = 1

    def history(self) -> History:
        keys = frozenset(r.plan_key for _, r in self.delivered)
        months = frozenset(
            month_of(at, ZoneInfo(self.zone)) for at, r in self.delivered if r.kind == "progress_checkin"
        )
        return History(keys, months)

    def replan(self, now: datetime) -> None:
        self.plan = plan_course(
            protocol().content, self.sessions, self.booked.values(), prefs(self.zone), self.history(), now
        )
        keys = [r.plan_key for r in self.plan]
        assert len(keys) == len(set(keys))
        steps = [r.plan_key.rsplit(":", 1)[0] for r in self.plan if r.kind == "next_session"]
        assert len(set(steps)) <= 1, steps  # pending nudges are about one next step only
        for r in self.plan:
            assert r.expires_at > now and r.due_at >= now - timedelta(seconds=1)

    def deliver_until(self, until: datetime) -> None:
        for r in sorted(self.plan, key=lambda r: r.due_at):
            if r.due_at < until and r.due_at < r.expires_at:
                self.check_when_delivered(r)
                self.delivered.append((r.due_at, r))
        self.plan = tuple(r for r in self.plan if r.due_at >= until)

    def check_when_delivered(self, r) -> None:
        if r.kind not in ("next_session", "maintenance"):
            return
        latest = max(self.sessions, key=lambda s: (s.performed_at, s.id))
        assert f":s{latest.id}:" in r.plan_key  # never a nudge about a step already taken
        assert r.due_at > latest.performed_at
        assert not any(b.starts_at > latest.performed_at for b in self.booked.values())  # nor one already booked
        if r.kind == "next_session":
            assert latest.session_number < latest.planned_sessions


def _replay(zone: str, events) -> Course:
    course = Course(zone)
    now = START
    course.sessions.append(Session(course.next_id, now, 1, 3))
    course.next_id += 1
    course.replan(now)
    for kind, days, value in events:
        later = now + timedelta(days=days, hours=1)
        course.deliver_until(later)
        now = later
        if kind == "session":
            latest = course.sessions[-1]
            number = 1 if value or latest.session_number >= latest.planned_sessions else latest.session_number + 1
            session = Session(course.next_id, now, number, 3)
            course.next_id += 1
            course.sessions.append(session)
            course.booked = {i: b for i, b in course.booked.items() if abs(b.starts_at - now) > SAME_VISIT}
        elif kind == "book":
            course.booked[course.next_id] = Booking(course.next_id, now + timedelta(days=value))
            course.next_id += 1
        elif course.booked:
            del course.booked[sorted(course.booked)[value % len(course.booked)]]
        course.replan(now)
    course.deliver_until(now + timedelta(days=800))
    return course


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ZONES), st.lists(event, max_size=12))
def test_any_course_never_doubles_a_nudge_nudges_a_taken_step_or_sends_two_progress_pushes_a_month(zone, events):
    course = _replay(zone, events)
    months = [month_of(at, ZoneInfo(zone)) for at, r in course.delivered if r.kind == "progress_checkin"]
    assert len(months) == len(set(months))
    nudges = [r.plan_key for _, r in course.delivered if r.kind in ("next_session", "maintenance")]
    assert len(nudges) == len(set(nudges))
