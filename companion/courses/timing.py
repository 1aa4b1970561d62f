"""When a course's worklist reasons hold: pure instants from its latest session and protocol.

The worklist compares these with now in SQL, so a window that opens or a bound that passes
needs no writer. The bounds are exact inverses of the rules they replace ("performed at or
before now minus N months"), calendar clamping included, so the stored state and a reading of
the sessions agree at every instant.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from companion.core.localtime import add_months

# A series whose window closed stays "rebooking due" this long, then it has lapsed
# (the maintenance nudges take over); maintenance is due through its nudges' span.
LAPSED_AFTER = timedelta(weeks=8)


@dataclass(frozen=True)
class Window:
    """A protocol's course timing, from the clinic's effective protocol."""

    key: str
    series_opens: timedelta
    series_closes: timedelta
    maintenance_months: int
    maintenance_last_months: int
    maintenance_grace: timedelta

    @classmethod
    def of(cls, key: str, content: Mapping[str, Any]) -> Window:
        series, maintenance = content["series"], content["maintenance"]
        months = maintenance["nudge_months"] or [maintenance["due_months"]]
        return cls(
            key,
            timedelta(weeks=series["spacing_weeks_min"]),
            timedelta(weeks=series["spacing_weeks_max"]),
            min(months),
            max(months),
            timedelta(days=maintenance["nudge_expires_after_days"]),
        )


@dataclass(frozen=True)
class Bounds:
    """Each reason holds from its `from` (inclusive) to its `until` (exclusive); None: never."""

    rebooking_from: datetime | None = None
    rebooking_until: datetime | None = None
    maintenance_from: datetime | None = None
    maintenance_until: datetime | None = None


def months_reached(start: datetime, months: int) -> datetime:
    """The first instant `now` whose date `months` calendar months back (time of day kept)
    is at or after `start`. Where the target month is too short for start's day, no day of
    it qualifies: the first is midnight of the month after."""
    start = start.astimezone(UTC)
    day = add_months(start.date(), months)
    if day.day == start.day:
        return datetime.combine(day, start.timetz())
    last = calendar.monthrange(day.year, day.month)[1]
    return datetime.combine(date(day.year, day.month, last) + timedelta(days=1), time(tzinfo=UTC))


def bounds(window: Window | None, performed_at: datetime, session_number: int, planned: int, booked: bool) -> Bounds:
    """The latest session's reasons: nothing while a visit is booked after it."""
    if window is None or booked:
        return Bounds()
    rebooking: tuple[datetime | None, datetime | None] = (None, None)
    if session_number < planned:
        rebooking = (
            performed_at + window.series_opens,
            performed_at + window.series_closes + LAPSED_AFTER,
        )
    return Bounds(
        *rebooking,
        months_reached(performed_at, window.maintenance_months),
        months_reached(performed_at + window.maintenance_grace, window.maintenance_last_months),
    )
