"""Editors, absences, wishes and the labour-law and team rules a rota must keep.

Every check returns :class:`Violation` objects with a German message a team lead
can act on, plus a machine-readable ``code``, the editor and the date.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from .hours import BusinessCalendar, DayType
from .shifts import Assignment, EditorId, Rota, days_between, required_break

ONE_DAY = dt.timedelta(days=1)


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
    """

    max_shifts: Mapping[str, int] = field(default_factory=dict)
    min_consecutive_days: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends: int | None = None


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
    """A wish for a date: a day off (``template=None``) or a preferred shift.

    Attributes:
        weight: Importance 1..10; the solver multiplies its penalty by it.
    """

    editor_id: EditorId
    date: dt.date
    template: str | None = None
    weight: int = 1


@dataclass(frozen=True)
class Rules:
    """Team-wide rule parameters (defaults follow the ArbZG)."""

    min_rest_hours: float = 11.0
    max_daily_work_minutes: int = 600
    max_consecutive_days: int = 6
    min_free_sundays_per_year: int = 15
    sunday_compensation_days: int = 14
    holiday_compensation_days: int = 56
    contract_tolerance_hours: float = 8.0


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


def required_free_sundays(sundays: int, rules: Rules) -> int:
    """Free Sundays due in a period with ``sundays`` Sundays (yearly minimum pro rata, rounded)."""
    return (rules.min_free_sundays_per_year * sundays * 2 + 52) // 104


def compensation_window(calendar: BusinessCalendar, day: dt.date, rules: Rules) -> int:
    """Days after ``day`` within which a replacement day off is due, 0 if none is due."""
    if day.weekday() == 6:
        return rules.sunday_compensation_days
    return rules.holiday_compensation_days if calendar.day_type(day) is DayType.HOLIDAY else 0


def fmt_day(day: dt.date) -> str:
    """``21.11.``"""
    return day.strftime("%d.%m.")


def fmt_hours(minutes: float) -> str:
    """German hours: ``9 h`` or ``9,5 h``."""
    text = f"{minutes / 60:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " h"


@dataclass
class _Ctx:
    rota: Rota
    editor: Editor
    calendar: BusinessCalendar
    rules: Rules
    shifts: list[Assignment]
    absent: dict[dt.date, AbsenceKind]

    @property
    def worked(self) -> set[dt.date]:
        return {a.date for a in self.shifts}

    def runs(self, working: bool) -> Iterator[tuple[dt.date, dt.date]]:
        """Maximal runs of working (or free) days as (first, last)."""
        start = None
        for day in days_between(self.rota.first, self.rota.last) + [None]:
            inside = day is not None and (day in self.worked) == working
            if inside and start is None:
                start = day
            elif not inside and start is not None:
                yield start, day - ONE_DAY if day else self.rota.last
                start = None

    def violation(self, code: str, day: dt.date, message: str) -> Violation:
        return Violation(code, self.editor.id, day, f"{self.editor.name}: {message}")


def validate(rota: Rota, editors: Sequence[Editor], calendar: BusinessCalendar,
             absences: Iterable[Absence] = (), rules: Rules = Rules()) -> list[Violation]:
    """Check a rota against every rule and return all violations.

    Args:
        rota: The plan to check.
        editors: All editors who may appear in it.
        calendar: Service calendar (for holidays).
        absences: Vacation, sickness and training.
        rules: Team-wide parameters.

    Returns:
        Violations sorted by date, editor and code; empty if the rota is lawful.
    """
    absent = absence_days(absences, rota.first, rota.last)
    known = {e.id for e in editors}
    found = [Violation("unknown_editor", a.editor_id, a.date, f"Unbekannte Person {a.editor_id!r} im Dienstplan")
             for a in rota.assignments if a.editor_id not in known]
    for editor in editors:
        ctx = _Ctx(rota, editor, calendar, rules, rota.of_editor(editor.id), absent.get(editor.id, {}))
        for check in CHECKS:
            found.extend(check(ctx))
    return sorted(found, key=lambda v: (v.date, str(v.editor_id), v.code))


def _rest(ctx: _Ctx) -> Iterator[Violation]:
    spans = sorted(ctx.rota.interval(a) for a in ctx.shifts)
    for (_, prev_end), (next_start, _) in zip(spans, spans[1:], strict=False):
        rest = (next_start - prev_end).total_seconds() / 60
        if rest < ctx.rules.min_rest_hours * 60:
            a, b = prev_end.astimezone(ctx.rota.zone), next_start.astimezone(ctx.rota.zone)
            yield ctx.violation("rest", b.date(), (
                f"Ruhezeit zwischen {a:%d.%m. %H:%M} und {b:%d.%m. %H:%M} nur {fmt_hours(max(rest, 0))} "
                f"(mindestens {fmt_hours(ctx.rules.min_rest_hours * 60)}, § 5 ArbZG)"))


def _daily_work(ctx: _Ctx) -> Iterator[Violation]:
    for day in sorted(ctx.worked):
        minutes = sum(ctx.rota.templates[a.template].work_minutes for a in ctx.shifts if a.date == day)
        if minutes > ctx.rules.max_daily_work_minutes:
            yield ctx.violation("daily_hours", day, (
                f"am {fmt_day(day)} {fmt_hours(minutes)} Arbeitszeit "
                f"(höchstens {fmt_hours(ctx.rules.max_daily_work_minutes)}, § 3 ArbZG)"))


def _breaks(ctx: _Ctx) -> Iterator[Violation]:
    for a in ctx.shifts:
        template = ctx.rota.templates[a.template]
        needed = required_break(template.work_minutes)
        if template.pause_minutes < needed:
            yield ctx.violation("break", a.date, (
                f"{template.name} am {fmt_day(a.date)} hat nur {template.pause_minutes} min Pause "
                f"(nötig {needed} min, § 4 ArbZG)"))


def _absence(ctx: _Ctx) -> Iterator[Violation]:
    for a in ctx.shifts:
        if a.date in ctx.absent:
            yield ctx.violation("absence", a.date, (
                f"am {fmt_day(a.date)} eingeplant, aber abwesend ({ctx.absent[a.date].label})"))


def _skills(ctx: _Ctx) -> Iterator[Violation]:
    for a in ctx.shifts:
        template = ctx.rota.templates[a.template]
        missing = template.skills - ctx.editor.skills
        if missing:
            yield ctx.violation("skills", a.date, (
                f"{template.name} am {fmt_day(a.date)} braucht {', '.join(sorted(missing))}"))


def _max_consecutive(ctx: _Ctx) -> Iterator[Violation]:
    limit = ctx.editor.limits.max_consecutive_days or ctx.rules.max_consecutive_days
    for start, end in ctx.runs(working=True):
        length = (end - start).days + 1
        if length > limit:
            yield ctx.violation("max_consecutive_days", end, (
                f"{length} Arbeitstage am Stück vom {fmt_day(start)} bis {fmt_day(end)} (höchstens {limit})"))


def _min_runs(ctx: _Ctx) -> Iterator[Violation]:
    limits = ctx.editor.limits
    for working, limit, code, what in ((True, limits.min_consecutive_days, "min_consecutive_days", "Arbeitstage"),
                                       (False, limits.min_consecutive_days_off, "min_days_off", "freie Tage")):
        for start, end in ctx.runs(working) if limit else ():
            length = (end - start).days + 1
            # A run touching the period edge may continue outside it, so it is not judged.
            if length < limit and start > ctx.rota.first and end < ctx.rota.last:
                yield ctx.violation(code, start, (
                    f"nur {length} {what} am Stück ab {fmt_day(start)} (mindestens {limit})"))


def _free_sundays(ctx: _Ctx) -> Iterator[Violation]:
    sundays = [d for d in days_between(ctx.rota.first, ctx.rota.last) if d.weekday() == 6]
    needed = required_free_sundays(len(sundays), ctx.rules)
    free = [d for d in sundays if d not in ctx.worked]
    if len(free) < needed:
        yield ctx.violation("free_sundays", sundays[-1], (
            f"nur {len(free)} freie Sonntage im Zeitraum (anteilig mindestens {needed}, "
            f"{ctx.rules.min_free_sundays_per_year} im Jahr, § 11 ArbZG)"))


def _compensation(ctx: _Ctx) -> Iterator[Violation]:
    for day in sorted(ctx.worked):
        window = compensation_window(ctx.calendar, day, ctx.rules)
        if not window or day + window * ONE_DAY > ctx.rota.last:
            continue  # nothing due, or the window reaches past the period and cannot be judged here
        candidates = days_between(day + ONE_DAY, day + window * ONE_DAY)
        if not any(_replacement_day(ctx, d) for d in candidates):
            kind = "Sonntagsarbeit" if day.weekday() == 6 else "Feiertagsarbeit"
            yield ctx.violation("compensatory_day", day, (
                f"kein Ersatzruhetag innerhalb von {window} Tagen nach {kind} am {fmt_day(day)} (§ 11 ArbZG)"))


def _replacement_day(ctx: _Ctx, day: dt.date) -> bool:
    return day.weekday() != 6 and day not in ctx.worked and day not in ctx.absent


def _contract(ctx: _Ctx) -> Iterator[Violation]:
    for week in full_weeks(ctx.rota.first, ctx.rota.last):
        lo, hi = week_bounds(ctx.editor, sum(d in ctx.absent for d in week), ctx.rules)
        worked = sum(ctx.rota.templates[a.template].work_minutes for a in ctx.shifts if a.date in week)
        if not lo <= worked <= hi:
            yield ctx.violation("contract_hours", week[0], (
                f"Woche ab {fmt_day(week[0])}: {fmt_hours(worked)} geplant, erlaubt {fmt_hours(lo)} "
                f"bis {fmt_hours(hi)} (Vertrag {fmt_hours(ctx.editor.contract_hours_week * 60)}/Woche)"))


def _max_shifts(ctx: _Ctx) -> Iterator[Violation]:
    for code, limit in ctx.editor.limits.max_shifts.items():
        taken = [a.date for a in ctx.shifts if a.template == code]
        if len(taken) > limit:
            name = ctx.rota.templates[code].name if code in ctx.rota.templates else code
            yield ctx.violation("max_shifts", taken[limit], f"{len(taken)}× {name} (höchstens {limit})")


def _weekends(ctx: _Ctx) -> Iterator[Violation]:
    limit = ctx.editor.limits.max_weekends
    saturdays = sorted({d - dt.timedelta(days=d.weekday() - 5) for d in ctx.worked if d.weekday() >= 5})
    if limit is not None and len(saturdays) > limit:
        yield ctx.violation("max_weekends", saturdays[limit], (
            f"{len(saturdays)} Wochenenden mit Dienst (höchstens {limit})"))


CHECKS = (_rest, _daily_work, _breaks, _absence, _skills, _max_consecutive, _min_runs,
          _free_sundays, _compensation, _contract, _max_shifts, _weekends)
