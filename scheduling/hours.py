"""Service hours and business-time arithmetic in local wall-clock time (Europe/Berlin).

Every local day is turned into UTC intervals once and cached, so questions like
``is_open`` cost a dictionary lookup and a comparison or two.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .holidays_de import check_state, holiday_name

UTC = dt.UTC
DEFAULT_TZ = "Europe/Berlin"
DAY_MINUTES = 24 * 60
# Searching further than this for an opening means the calendar is effectively closed for good.
HORIZON_DAYS = 3 * 366

Interval = tuple[dt.datetime, dt.datetime]


class DayType(enum.StrEnum):
    """Kind of day that decides service hours and shift headcount."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


def require_aware(t: dt.datetime) -> dt.datetime:
    """Return ``t`` in UTC; raise ``ValueError`` for naive datetimes."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("timezone-aware datetime required, got a naive one")
    return t.astimezone(UTC)


@dataclass(frozen=True, order=True)
class TimeSlot:
    """An opening slot on one local day, in minutes after local midnight.

    Attributes:
        start: First open minute (0..1439).
        end: Minute the slot closes (1..1440; 1440 means midnight at the end of the day).
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= DAY_MINUTES:
            raise ValueError(f"invalid slot {self.start}-{self.end}: need 0 <= start < end <= 1440")

    @classmethod
    def parse(cls, text: str) -> TimeSlot:
        """Parse ``"07:00-22:00"`` (``"24:00"`` allowed as end)."""
        start, end = text.strip().split("-")
        return cls(parse_clock(start), parse_clock(end))

    def __str__(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"


def parse_clock(text: str) -> int:
    """Turn ``"HH:MM"`` into minutes after midnight."""
    hours, minutes = text.strip().split(":")
    return int(hours) * 60 + int(minutes)


def format_clock(minutes: int) -> str:
    """Turn minutes after midnight into ``"HH:MM"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_slots(text: str) -> tuple[TimeSlot, ...]:
    """Parse ``"07:00-12:00, 13:00-22:00"``; ``""`` or ``"closed"`` give no slots."""
    if text.strip().lower() in ("", "closed", "geschlossen"):
        return ()
    return tuple(sorted(TimeSlot.parse(part) for part in text.split(",")))


@dataclass(frozen=True)
class WeeklyHours:
    """Weekly opening pattern.

    Attributes:
        days: Seven slot tuples, index 0 is Monday.
        holiday: Slots used on public holidays instead of the weekday's.
    """

    days: tuple[tuple[TimeSlot, ...], ...]
    holiday: tuple[TimeSlot, ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("WeeklyHours.days needs exactly 7 entries (Monday first)")

    @classmethod
    def simple(cls, workdays: str, weekend: str, holiday: str | None = None) -> WeeklyHours:
        """Build hours from text, e.g. ``simple("07:00-22:00", "09:00-17:00")``.

        Args:
            workdays: Slots Monday to Friday.
            weekend: Slots Saturday and Sunday.
            holiday: Slots on public holidays; defaults to ``weekend``.
        """
        week, end = parse_slots(workdays), parse_slots(weekend)
        return cls((week,) * 5 + (end,) * 2, parse_slots(weekend if holiday is None else holiday))


@dataclass(frozen=True)
class Override:
    """Different hours for an inclusive date range (crisis, Christmas Eve, closure).

    Attributes:
        first: First local date affected.
        last: Last local date affected (inclusive).
        slots: Slots on each of those days; empty means closed.
        reason: Free text shown to the team, e.g. ``"Hochwasser"``.
    """

    first: dt.date
    last: dt.date
    slots: tuple[TimeSlot, ...]
    reason: str = ""

    @classmethod
    def hours(cls, first: dt.date, last: dt.date, slots: str, reason: str = "") -> Override:
        """Override with slots given as text, e.g. ``"09:00-14:00"``."""
        return cls(first, last, parse_slots(slots), reason)

    @classmethod
    def closed(cls, first: dt.date, last: dt.date, reason: str = "") -> Override:
        """Closed on every day of the range."""
        return cls(first, last, (), reason)

    @classmethod
    def around_the_clock(cls, first: dt.date, last: dt.date, reason: str = "") -> Override:
        """Open 24/7 on every day of the range."""
        return cls(first, last, (TimeSlot(0, DAY_MINUTES),), reason)

    def covers(self, day: dt.date) -> bool:
        """Tell whether ``day`` lies in the range."""
        return self.first <= day <= self.last


class BusinessCalendar:
    """Service hours of a team plus the business-time functions over them.

    All public methods take timezone-aware datetimes and return aware datetimes in UTC.
    """

    def __init__(
        self,
        hours: WeeklyHours,
        state: str = "NW",
        overrides: Sequence[Override] = (),
        tz: str = DEFAULT_TZ,
    ) -> None:
        """Create a calendar.

        Args:
            hours: Weekly pattern.
            state: Bundesland whose public holidays apply, e.g. ``"NW"``.
            overrides: Date-range exceptions; a later one wins where ranges overlap.
            tz: IANA zone of the wall-clock hours.
        """
        self.hours = hours
        self.state = check_state(state)
        self.overrides = tuple(overrides)
        self.zone = ZoneInfo(tz)
        self._intervals: dict[dt.date, tuple[Interval, ...]] = {}
        self._stamps: dict[dt.date, tuple[tuple[float, float], ...]] = {}

    @classmethod
    def essen_default(cls, state: str = "NW", overrides: Sequence[Override] = ()) -> BusinessCalendar:
        """Essen's hours: Mon-Fri 07:00-22:00; weekends and holidays 09:00-17:00."""
        return cls(WeeklyHours.simple("07:00-22:00", "09:00-17:00"), state, overrides)

    # --- days -----------------------------------------------------------------

    def holiday_name(self, day: dt.date) -> str | None:
        """German name of the public holiday on ``day`` in this calendar's state, else ``None``."""
        return holiday_name(self.state, day)

    def day_type(self, day: dt.date) -> DayType:
        """Holiday beats weekend beats workday."""
        if self.holiday_name(day):
            return DayType.HOLIDAY
        return DayType.WEEKEND if day.weekday() >= 5 else DayType.WORKDAY

    def slots_on(self, day: dt.date) -> tuple[TimeSlot, ...]:
        """Slots in force on a local date after holidays and overrides."""
        for override in reversed(self.overrides):
            if override.covers(day):
                return override.slots
        if self.holiday_name(day):
            return self.hours.holiday
        return self.hours.days[day.weekday()]

    def local_time(self, day: dt.date, minute: int) -> dt.datetime:
        """UTC instant of wall-clock ``minute`` on local ``day`` (1440 is the next midnight)."""
        extra, minute = divmod(minute, DAY_MINUTES)
        base = dt.datetime.combine(day + dt.timedelta(days=extra), dt.time(), self.zone)
        wall = base.replace(hour=minute // 60, minute=minute % 60)
        return wall.astimezone(UTC)

    def intervals_on(self, day: dt.date) -> tuple[Interval, ...]:
        """Merged open intervals (UTC) of one local date; cached."""
        cached = self._intervals.get(day)
        if cached is None:
            cached = tuple(_merge([(self.local_time(day, s.start), self.local_time(day, s.end))
                                   for s in sorted(self.slots_on(day))]))
            self._intervals[day] = cached
        return cached

    def local_date(self, t: dt.datetime) -> dt.date:
        """Local calendar date of an aware instant."""
        return require_aware(t).astimezone(self.zone).date()

    # --- business time --------------------------------------------------------

    def is_open(self, t: dt.datetime) -> bool:
        """Tell whether the service is open at ``t`` (slot start inclusive, end exclusive)."""
        if t.tzinfo is None:
            raise ValueError("timezone-aware datetime required, got a naive one")
        day = t.astimezone(self.zone).date()
        stamps = self._stamps.get(day)
        if stamps is None:
            stamps = tuple((s.timestamp(), e.timestamp()) for s, e in self.intervals_on(day))
            self._stamps[day] = stamps
        ts = t.timestamp()
        return any(s <= ts < e for s, e in stamps)

    def next_opening(self, t: dt.datetime) -> dt.datetime:
        """``t`` itself if open, else the start of the next open interval (UTC)."""
        return next(self._runs(t))[0]

    def next_closing(self, t: dt.datetime) -> dt.datetime:
        """End of the open run containing ``t``, or of the next run if closed (UTC)."""
        return next(self._runs(t))[1]

    def open_intervals(self, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        """Open time inside ``[start, end)`` as merged UTC pairs, runs across midnight joined."""
        start, end = require_aware(start), require_aware(end)
        pieces: list[Interval] = []
        day = self.local_date(start)
        while day <= self.local_date(end):
            pieces += [(max(s, start), min(e, end)) for s, e in self.intervals_on(day) if s < end and e > start]
            day += dt.timedelta(days=1)
        return _merge(pieces)

    def add_business_minutes(self, t: dt.datetime, n: int) -> dt.datetime:
        """Move ``n`` minutes of open time forward from ``t``.

        Args:
            t: Aware start instant.
            n: Non-negative number of business minutes. ``0`` returns ``t`` unchanged (in UTC).

        Returns:
            The UTC instant at which ``n`` open minutes have passed; when the
            budget runs out exactly at a slot end, that slot end.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        remaining = dt.timedelta(minutes=n)
        if not remaining:
            return require_aware(t)
        for start, end in self._runs(t):
            if remaining <= end - start:
                return start + remaining
            remaining -= end - start
        raise AssertionError("unreachable: _runs raises at the horizon")

    def business_minutes_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Whole open minutes from ``a`` to ``b``; negative if ``b`` is before ``a``.

        Seconds are summed before truncating, so minute-aligned inputs are exact and
        the function is additive: ``between(a, b) + between(b, c) == between(a, c)``.
        """
        if require_aware(b) < require_aware(a):
            return -self.business_minutes_between(b, a)
        seconds = sum((e - s).total_seconds() for s, e in self.open_intervals(a, b))
        return int(seconds // 60)

    def _runs(self, t: dt.datetime) -> Iterator[Interval]:
        """Yield maximal open runs from ``t`` on, the first one clipped to start at ``t``."""
        t = require_aware(t)
        day, pending = self.local_date(t), None
        for _ in range(HORIZON_DAYS):
            for start, end in self.intervals_on(day):
                if end <= t:
                    continue
                start = max(start, t)
                if pending and pending[1] == start:
                    pending = (pending[0], end)
                    continue
                if pending:
                    yield pending
                pending = (start, end)
            day += dt.timedelta(days=1)
        if pending:
            yield pending
        raise ValueError(f"no open time within {HORIZON_DAYS} days after {t.isoformat()}")


def _merge(pieces: list[Interval]) -> list[Interval]:
    """Join touching or overlapping intervals of a sorted list."""
    merged: list[Interval] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
