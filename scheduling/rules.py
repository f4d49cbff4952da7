"""Editors, absences, wishes and the labour-law and team rules a rota must keep.

The data types and the rule arithmetic shared by the validator (:mod:`scheduling.checks`) and the
CP-SAT model (:mod:`scheduling.model`) live here, so both read a rule the same way.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from .hours import BusinessCalendar, DayType
from .shifts import EditorId, days_between

ONE_DAY = dt.timedelta(days=1)
#: Elements of a forbidden sequence besides template codes: a day off, and any shift.
FREE, ANY = "-", "*"


class AbsenceKind(enum.StrEnum):
    """Why an editor is away."""

    VACATION = "vacation"
    SICK = "sick"
    TRAINING = "training"

    @property
    def label(self) -> str:
        """German wording for messages."""
        return {"vacation": "Urlaub", "sick": "krank", "training": "Fortbildung"}[self.value]


@dataclass(frozen=True)
class EditorLimits:
    """Per-editor limits a team lead sets; ``None`` means no limit (or the team default).

    Attributes:
        max_shifts: ``{template_code: N}`` at most N such shifts in the period (e.g. late shifts).
        min_consecutive_days: Shortest block of working days.
        max_consecutive_days: Longest block of working days (defaults to ``Rules.max_consecutive_days``).
        min_consecutive_days_off: Shortest block of days off.
        max_weekends: At most this many working weekends in the period.
        min_minutes: At least this many working minutes over the whole plan period (beside the weekly
            contract window, which only judges full weeks).
        max_minutes: At most this many working minutes over the whole plan period.
    """

    max_shifts: Mapping[str, int] = field(default_factory=dict)
    min_consecutive_days: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None


@dataclass(frozen=True)
class Editor:
    """A team member.

    Attributes:
        id: Database id (int) or any stable string.
        name: Display name used in messages.
        contract_hours_week: Contracted hours per week (e.g. 39.0 or 19.5).
        skills: What the editor can do, matched against ``ShiftTemplate.skills``.
        limits: Limits set by the team lead.
    """

    id: EditorId
    name: str
    contract_hours_week: float = 39.0
    skills: frozenset[str] = frozenset()
    limits: EditorLimits = EditorLimits()


@dataclass(frozen=True)
class Absence:
    """An editor away on the inclusive date range ``first``..``last``."""

    editor_id: EditorId
    first: dt.date
    last: dt.date
    kind: AbsenceKind = AbsenceKind.VACATION


@dataclass(frozen=True)
class Wish:
    """A wish for a date: a day off (``template=None``), one shift, or not one shift (``avoid=True``).

    Attributes:
        weight: Importance 1..10; the solver multiplies its penalty by it.
        avoid: With a template: the editor does not want that shift that day (other shifts are fine).
    """

    editor_id: EditorId
    date: dt.date
    template: str | None = None
    weight: int = 1
    avoid: bool = False

    def honoured(self, codes: Iterable[str]) -> bool:
        """Whether the wish is met when the editor works the shifts ``codes`` on its date."""
        codes = set(codes)
        if self.template is None:
            return not codes
        return (self.template in codes) != self.avoid


@dataclass(frozen=True)
class Rules:
    """Team-wide rule parameters (defaults follow the ArbZG).

    Attributes:
        min_rest_hours: Rest between two shifts (§ 5 ArbZG).
        max_daily_work_minutes: Working time per day (§ 3 ArbZG).
        max_consecutive_days: Longest run of working days (team default).
        min_free_sundays_per_year: Free Sundays per calendar year (§ 11 Abs. 1 ArbZG), checked pro rata.
        sunday_compensation_days: Replacement day off due within this many days after Sunday work.
        holiday_compensation_days: Replacement day off due within this many days after holiday work.
        contract_tolerance_hours: Allowed distance from the weekly contract hours in a full week.
        forbidden_sequences: Shift sequences on consecutive days the team rules out, e.g.
            ``("S", "F")`` (late then early) or ``("N", "-", "*")`` (after a night one day off is not
            enough); elements are template codes, ``"-"`` (day off) or ``"*"`` (any shift).
        long_shift_basis: The legal basis for shifts over 10 h (§ 7 ArbZG, e.g. a collective agreement),
            recorded by the team; without it no shift may exceed ``max_daily_work_minutes``.
        long_shift_max_minutes: The daily working time that basis allows.
    """

    min_rest_hours: float = 11.0
    max_daily_work_minutes: int = 600
    max_consecutive_days: int = 6
    min_free_sundays_per_year: int = 15
    sunday_compensation_days: int = 14
    holiday_compensation_days: int = 56
    contract_tolerance_hours: float = 8.0
    forbidden_sequences: tuple[tuple[str, ...], ...] = ()
    long_shift_basis: str = ""
    long_shift_max_minutes: int = 720

    @property
    def daily_limit(self) -> int:
        """Working minutes allowed per day: § 3 ArbZG, or the longer limit of a recorded § 7 basis."""
        if self.long_shift_basis.strip():
            return max(self.max_daily_work_minutes, self.long_shift_max_minutes)
        return self.max_daily_work_minutes


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes:
        code: Machine-readable key, e.g. ``"rest"`` or ``"absence"``.
        editor_id: Editor concerned.
        date: Date the violation is attached to.
        message: German explanation for the team lead.
    """

    code: str
    editor_id: EditorId
    date: dt.date
    message: str


AbsentDays = dict[EditorId, dict[dt.date, AbsenceKind]]


def absence_days(absences: Iterable[Absence], first: dt.date, last: dt.date) -> AbsentDays:
    """``{editor_id: {date: kind}}`` for all absent days in ``first``..``last``."""
    result: AbsentDays = {}
    for a in absences:
        for day in days_between(max(a.first, first), min(a.last, last)):
            result.setdefault(a.editor_id, {})[day] = a.kind
    return result


def full_weeks(first: dt.date, last: dt.date) -> list[list[dt.date]]:
    """Monday-to-Sunday weeks lying completely inside the period."""
    monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    weeks = []
    while monday + 6 * ONE_DAY <= last:
        weeks.append(days_between(monday, monday + 6 * ONE_DAY))
        monday += 7 * ONE_DAY
    return weeks


def week_bounds(editor: Editor, absent: int, rules: Rules) -> tuple[int, int]:
    """Allowed working minutes in a full week, pro rata for ``absent`` days of that week."""
    target = editor.contract_hours_week * 60 * (7 - absent) / 7
    tolerance = rules.contract_tolerance_hours * 60
    return max(0, int(-(-(target - tolerance) // 1))), int(target + tolerance)


@lru_cache(maxsize=64)
def sundays_in_year(year: int) -> int:
    """52 or 53."""
    first = dt.date(year, 1, 1)
    return len([d for d in days_between(first, dt.date(year, 12, 31)) if d.weekday() == 6])


def free_sundays_due(sundays: int, year: int, rules: Rules) -> int:
    """Free Sundays due among ``sundays`` Sundays of ``year``: the yearly minimum pro rata, rounded half up.

    Counted from the first known day of the year, the rounding never asks more than one further free
    Sunday per Sunday, and over the whole year it asks exactly ``min_free_sundays_per_year``.
    """
    total = sundays_in_year(year)
    return (2 * rules.min_free_sundays_per_year * sundays + total) // (2 * total)


def sunday_windows(known: tuple[dt.date, dt.date], period: tuple[dt.date, dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Stretches over which the free-Sunday count is judged for a period.

    ``known`` is the range whose shifts are known (the period plus the published days around it).
    Per calendar year touched by the period, the count runs from the year's first known day to the
    period's end, and to the end of the known days after it; a stretch without a Sunday of the period
    is left out (the period cannot change it).
    """
    result = []
    for year in range(period[0].year, period[1].year + 1):
        start, close = max(dt.date(year, 1, 1), known[0]), dt.date(year, 12, 31)
        for end in sorted({min(close, period[1]), min(close, known[1])}):
            inside = days_between(max(start, period[0]), min(end, period[1]))
            if any(d.weekday() == 6 for d in inside):
                result.append((start, end))
    return result


def compensation_window(calendar: BusinessCalendar, day: dt.date, rules: Rules) -> int:
    """Days after ``day`` within which a replacement day off is due, 0 if none is due."""
    if day.weekday() == 6:
        return rules.sunday_compensation_days
    return rules.holiday_compensation_days if calendar.day_type(day) is DayType.HOLIDAY else 0


def sequence_matches(pattern: tuple[str, ...], codes: list[str | None]) -> bool:
    """Whether the shifts (code or ``None`` for a day off) of consecutive days match a forbidden sequence."""
    return len(codes) == len(pattern) and all(
        (code is None) if want == FREE else (code is not None) if want == ANY else code == want
        for want, code in zip(pattern, codes, strict=True))


def fmt_day(day: dt.date) -> str:
    """``21.11.``"""
    return day.strftime("%d.%m.")


def fmt_hours(minutes: float) -> str:
    """German hours: ``9 h`` or ``9,5 h``."""
    text = f"{minutes / 60:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " h"
