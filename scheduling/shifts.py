"""Shift templates, rotas, demand derived from service hours, and coverage checks."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from .hours import DEFAULT_TZ, UTC, BusinessCalendar, DayType, Interval, format_clock, parse_clock, require_aware

EditorId = int | str
ALL_DAY_TYPES = frozenset(DayType)


def required_break(work_minutes: int) -> int:
    """Minimum break per § 4 ArbZG for a given working time in minutes."""
    if work_minutes > 9 * 60:
        return 45
    return 30 if work_minutes > 6 * 60 else 0


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last date of a month."""
    return dt.date(year, month, 1), dt.date(year, month, _calendar.monthrange(year, month)[1])


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """All dates from ``first`` to ``last`` inclusive."""
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass(frozen=True)
class ShiftTemplate:
    """A kind of shift, e.g. the early shift.

    Attributes:
        code: Short stable key, e.g. ``"F"``.
        name: Label shown to people and used as calendar summary, e.g. ``"Frühdienst"``.
        start: Local start in minutes after midnight.
        end: Local end in minutes after midnight; ``end <= start`` means it ends the next day.
        day_types: Day types on which the template is planned.
        break_minutes: Unpaid break inside the shift; ``None`` picks the § 4 ArbZG minimum.
        skills: Skills every editor on this shift needs (e.g. ``"tiktok"``, ``"en"``).
        late: Counts as a late shift for fairness and per-editor limits.
        optional: May be planned on its day types while open even where no headcount is demanded (a
            lead allows it, e.g. to reach contract hours); people on it beyond the demand are no surplus.
    """

    code: str
    name: str
    start: int
    end: int
    day_types: frozenset[DayType] = ALL_DAY_TYPES
    break_minutes: int | None = None
    skills: frozenset[str] = frozenset()
    late: bool = False
    optional: bool = False

    @classmethod
    def parse(cls, code: str, name: str, hours: str, day_types: Iterable[DayType] = ALL_DAY_TYPES,
              **extra: object) -> ShiftTemplate:
        """Build a template from ``"14:30-22:00"``; keyword extras go to the constructor."""
        start, end = hours.split("-")
        return cls(code, name, parse_clock(start), parse_clock(end), frozenset(day_types), **extra)

    @property
    def duration_minutes(self) -> int:
        """Span from start to end including the break."""
        return (self.end - self.start) % (24 * 60) or 24 * 60

    @cached_property  # asked for thousands of times while a model is built
    def pause_minutes(self) -> int:
        """Break in force: the explicit one or the lawful minimum."""
        if self.break_minutes is not None:
            return self.break_minutes
        return next(b for b in (0, 30, 45) if required_break(self.duration_minutes - b) <= b)

    @cached_property
    def work_minutes(self) -> int:
        """Paid working time: duration minus break."""
        return self.duration_minutes - self.pause_minutes

    @property
    def hours_text(self) -> str:
        """``"07:00-14:30"``."""
        return f"{format_clock(self.start)}-{format_clock(self.end)}"

    def interval(self, day: dt.date, zone: ZoneInfo) -> Interval:
        """UTC start and end when the shift begins on local ``day``; DST-correct."""
        base = dt.datetime.combine(day, dt.time(), zone)
        start = base.replace(hour=self.start // 60, minute=self.start % 60)
        end_day = day + dt.timedelta(days=1) if self.end <= self.start else day
        end_base = dt.datetime.combine(end_day + dt.timedelta(days=self.end // 1440), dt.time(), zone)
        end = end_base.replace(hour=self.end % 1440 // 60, minute=self.end % 60)
        return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class ShiftModel:
    """Templates plus headcount per template and day type, and extra headcount on single dates.

    Attributes:
        templates: The shift templates.
        headcount: ``{(template_code, DayType): editors needed}``; missing keys mean 0.
        dated: ``{(date, template_code): extra editors}`` on top of the day type's headcount (election
            day, the opening of the Christmas market); a date's demand never drops below 0.
    """

    templates: tuple[ShiftTemplate, ...]
    headcount: Mapping[tuple[str, DayType], int] = field(default_factory=dict)
    dated: Mapping[tuple[dt.date, str], int] = field(default_factory=dict)

    @classmethod
    def essen_default(cls, early: int = 2, late: int = 2, weekend: int = 1, holiday: int | None = None) -> ShiftModel:
        """Essen: early 07:00-14:30 and late 14:30-22:00 on workdays, day 09:00-17:00 otherwise."""
        off_days = (DayType.WEEKEND, DayType.HOLIDAY)
        templates = (
            ShiftTemplate.parse("F", "Frühdienst", "07:00-14:30", (DayType.WORKDAY,)),
            ShiftTemplate.parse("S", "Spätdienst", "14:30-22:00", (DayType.WORKDAY,), late=True),
            ShiftTemplate.parse("T", "Tagdienst", "09:00-17:00", off_days),
        )
        headcount = {("F", DayType.WORKDAY): early, ("S", DayType.WORKDAY): late,
                     ("T", DayType.WEEKEND): weekend, ("T", DayType.HOLIDAY): weekend if holiday is None else holiday}
        return cls(templates, headcount)

    def template(self, code: str) -> ShiftTemplate:
        """Template by code; ``KeyError`` if unknown."""
        return self.by_code[code]

    @property
    def by_code(self) -> dict[str, ShiftTemplate]:
        """Templates keyed by code."""
        return {t.code: t for t in self.templates}


@dataclass(frozen=True, order=True)
class Assignment:
    """One editor working one shift that starts on a local date."""

    date: dt.date
    template: str
    editor_id: EditorId


@dataclass(frozen=True)
class Demand:
    """How many editors a template needs on a date."""

    date: dt.date
    template: str
    needed: int


class Rota:
    """A plan for a date range: assignments plus the templates they refer to."""

    def __init__(self, first: dt.date, last: dt.date, assignments: Iterable[Assignment],
                 templates: Sequence[ShiftTemplate], tz: str = DEFAULT_TZ) -> None:
        """Create a rota.

        Args:
            first: First date of the planning period.
            last: Last date (inclusive).
            assignments: Who works which template on which date.
            templates: Templates referenced by the assignments.
            tz: Zone of the templates' wall-clock times.
        """
        self.first, self.last = first, last
        self.assignments = tuple(sorted(assignments, key=lambda a: (a.date, a.template, str(a.editor_id))))
        self.templates = {t.code: t for t in templates}
        self.zone = ZoneInfo(tz)
        self._by_start: dict[dt.date, list[tuple[float, float, EditorId]]] | None = None

    def __repr__(self) -> str:
        return f"Rota({self.first}..{self.last}, {len(self.assignments)} assignments)"

    def interval(self, assignment: Assignment) -> Interval:
        """UTC start and end of an assignment."""
        return self.templates[assignment.template].interval(assignment.date, self.zone)

    def of_editor(self, editor_id: EditorId) -> list[Assignment]:
        """Assignments of one editor in date order."""
        return [a for a in self.assignments if a.editor_id == editor_id]

    def on_date(self, day: dt.date) -> list[Assignment]:
        """Assignments starting on a local date."""
        return [a for a in self.assignments if a.date == day]

    def on_shift(self, t: dt.datetime) -> frozenset[EditorId]:
        """Editors working at instant ``t`` (start inclusive, end exclusive)."""
        if self._by_start is None:
            self._by_start = self._index()
        ts = require_aware(t).timestamp()
        day = t.astimezone(self.zone).date()
        found = set()
        for start_day in (day, day - dt.timedelta(days=1)):
            found.update(e for s, end, e in self._by_start.get(start_day, ()) if s <= ts < end)
        return frozenset(found)

    def _index(self) -> dict[dt.date, list[tuple[float, float, EditorId]]]:
        index: dict[dt.date, list[tuple[float, float, EditorId]]] = {}
        for a in self.assignments:
            start, end = self.interval(a)
            index.setdefault(a.date, []).append((start.timestamp(), end.timestamp(), a.editor_id))
        return index


def on_shift(rota: Rota, t: dt.datetime) -> frozenset[EditorId]:
    """Editors on shift at aware instant ``t``; see :meth:`Rota.on_shift`."""
    return rota.on_shift(t)


def demand(calendar: BusinessCalendar, model: ShiftModel, first: dt.date, last: dt.date) -> list[Demand]:
    """Headcount needed per date and template.

    A template is demanded on a date when its day type matches and the shift
    overlaps the open hours of that date (so shortened hours on 24 December
    keep the early shift but drop the late one; a closed day needs nobody).
    Extra headcount for a date (``ShiftModel.dated``) is added to the day type's,
    also on a day type the template is not planned on, as long as the shift overlaps open hours.
    """
    result = []
    for day in days_between(first, last):
        kind = calendar.day_type(day)
        for template in model.templates:
            default = model.headcount.get((template.code, kind), 0) if kind in template.day_types else 0
            needed = max(0, default + model.dated.get((day, template.code), 0))
            if needed and _open_during(calendar, template, day):
                result.append(Demand(day, template.code, needed))
    return result


def optional_slots(calendar: BusinessCalendar, model: ShiftModel, first: dt.date, last: dt.date) -> set[tuple]:
    """``(date, code)`` of optional templates on their day types while open: plannable without demand."""
    return {(day, t.code) for day in days_between(first, last) for t in model.templates
            if t.optional and calendar.day_type(day) in t.day_types and _open_during(calendar, t, day)}


def _open_during(calendar: BusinessCalendar, template: ShiftTemplate, day: dt.date) -> bool:
    start, end = template.interval(day, calendar.zone)
    return any(s < end and e > start for s, e in calendar.intervals_on(day))


@dataclass(frozen=True)
class CoverageGap:
    """A stretch of service hours with fewer editors than needed.

    Attributes:
        start: UTC start.
        end: UTC end.
        needed: Editors needed (demanded headcount, at least 1 while open).
        present: Editors on shift.
    """

    start: dt.datetime
    end: dt.datetime
    needed: int
    present: int


def coverage_gaps(rota: Rota, calendar: BusinessCalendar, model: ShiftModel) -> list[CoverageGap]:
    """List every interval of open time in the rota's period that is unstaffed or understaffed."""
    need = [(*model.template(d.template).interval(d.date, calendar.zone), d.needed)
            for d in demand(calendar, model, rota.first, rota.last)]
    have = [(*rota.interval(a), 1) for a in rota.assignments]
    period = (calendar.local_time(rota.first, 0), calendar.local_time(rota.last, 24 * 60))
    gaps: list[CoverageGap] = []
    for start, end in calendar.open_intervals(*period):
        for seg_start, seg_end in _segments(start, end, need + have):
            needed = max(1, _count(need, seg_start))
            present = _count(have, seg_start)
            if present < needed:
                _append_gap(gaps, CoverageGap(seg_start, seg_end, needed, present))
    return gaps


def _segments(start: dt.datetime, end: dt.datetime, spans: list) -> list[Interval]:
    points = sorted({start, end} | {p for s, e, _ in spans for p in (s, e) if start < p < end})
    return list(zip(points, points[1:], strict=False))


def _count(spans: list, t: dt.datetime) -> int:
    return sum(n for s, e, n in spans if s <= t < e)


def _append_gap(gaps: list[CoverageGap], gap: CoverageGap) -> None:
    last = gaps[-1] if gaps else None
    if last and last.end == gap.start and (last.needed, last.present) == (gap.needed, gap.present):
        gaps[-1] = CoverageGap(last.start, gap.end, gap.needed, gap.present)
    else:
        gaps.append(gap)
