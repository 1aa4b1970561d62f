"""Wall-clock arithmetic in a patient's zone: DST gaps, repeated hours, quiet hours.

Reminders are meant for a person's day, so they are planned in local wall time;
storage stays UTC. Everything here is pure and works on aware datetimes.
"""

from __future__ import annotations

import calendar
import functools
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def parse_hhmm(text: str) -> time:
    """'21:00' as stored for quiet hours and written in protocol files."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


_SECOND = timedelta(seconds=1)
# A quiet period is shorter than a day, but a DST change can stretch it by a few hours.
_SEARCH = timedelta(hours=30)


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def _exists(instant: datetime, naive: datetime, zone: ZoneInfo) -> bool:
    return instant.astimezone(zone).replace(tzinfo=None) == naive


def _transition_between(lo: datetime, hi: datetime, zone: ZoneInfo) -> datetime:
    """First whole second in (lo, hi] carrying hi's offset: the moment the zone changed."""
    target = _offset(hi, zone)
    lo_s, hi_s = math.floor(lo.timestamp()), math.ceil(hi.timestamp())
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if _offset(datetime.fromtimestamp(mid, UTC), zone) == target:
            hi_s = mid
        else:
            lo_s = mid
    return datetime.fromtimestamp(hi_s, UTC)


def wall_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A local wall time as a UTC instant.

    A repeated (fall-back) time takes its first occurrence; a time that does not
    exist (spring-forward gap) moves forward to the first wall time that does,
    which is exactly where a wall-clock rule such as quiet hours flips.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None))
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _exists(first, naive, zone):
        return first
    # In a gap, fold=1 reads the time with the later offset, landing before the change.
    before = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return _transition_between(before, first, zone)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_HOUR = timedelta(hours=1)
_DAY_SECONDS = 86400


def transitions_near(instant: datetime, zone: ZoneInfo, span: timedelta = _SEARCH) -> list[datetime]:
    """Offset changes within `span` either side (to the hour above); zoneinfo does not list them itself."""
    low = instant - span
    high = low + _HOUR * math.ceil((2 * span) / _HOUR)
    first, last = math.floor(low.timestamp() / _DAY_SECONDS), math.floor(high.timestamp() / _DAY_SECONDS)
    return [moment for day in range(first, last + 1) for moment in _transitions_on(zone, day) if low < moment <= high]


@functools.lru_cache(maxsize=4096)
def _transitions_on(zone: ZoneInfo, day: int) -> tuple[datetime, ...]:
    """The offset changes in UTC day `day` (days since the epoch), hour by hour: every quiet-hours
    question about a day asks this, and a plan asks dozens of them about the same few days."""
    found: list[datetime] = []
    previous = datetime.fromtimestamp(day * _DAY_SECONDS, UTC)
    before = _offset(previous, zone)
    for _ in range(24):
        current = previous + _HOUR
        after = _offset(current, zone)
        if before != after:
            found.append(_transition_between(previous, current, zone))
        previous, before = current, after
    return tuple(found)


@dataclass(frozen=True)
class QuietHours:
    """[start, end) in local wall time; may cross midnight; start == end means none."""

    zone: ZoneInfo
    start: time
    end: time

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def contains(self, instant: datetime) -> bool:
        if not self.enabled:
            return False
        wall = instant.astimezone(self.zone).time()
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def _breakpoints(self, instant: datetime) -> list[datetime]:
        """Every instant near `instant` where being quiet may flip."""
        points = transitions_near(instant, self.zone)
        points += _wall_points(self.zone, self.start, self.end, local_date(instant, self.zone))
        return sorted(set(points))

    def period_end(self, instant: datetime) -> datetime | None:
        """The first moment after `instant` that is not quiet."""
        later = [p for p in self._breakpoints(instant) if p > instant and not self.contains(p)]
        return later[0] if later else None

    def period_start(self, instant: datetime) -> datetime | None:
        """When the quiet stretch holding `instant` began."""
        starts = [
            p
            for p in self._breakpoints(instant)
            if p <= instant and self.contains(p) and not self.contains(p - _SECOND)
        ]
        return starts[-1] if starts else None

    def next_start(self, instant: datetime) -> datetime | None:
        """When the next quiet stretch after a non-quiet `instant` begins."""
        later = [
            p for p in self._breakpoints(instant) if p > instant and self.contains(p) and not self.contains(p - _SECOND)
        ]
        return later[0] if later else None


@functools.lru_cache(maxsize=4096)
def _wall_points(zone: ZoneInfo, start: time, end: time, today: date) -> tuple[datetime, ...]:
    """Each existing instant at which the local clock reads `start` or `end`, two days either side of `today`."""
    points: list[datetime] = []
    for days in range(-2, 3):
        naive_day = today + timedelta(days=days)
        for at in (start, end):
            naive = datetime.combine(naive_day, at.replace(tzinfo=None))
            for fold in (0, 1):
                candidate = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
                if _exists(candidate, naive, zone):
                    points.append(candidate)
    return tuple(points)
