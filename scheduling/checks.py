"""The validator: every rule a rota breaks, with a German message a team lead can act on.

A month is judged together with the published days around it (``context``): rest across the month's
edge, runs of working days, forbidden sequences, replacement days off and the free-Sunday count of
the calendar year are checked over the joined days, and a violation is reported when it involves a
day of the checked period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .hours import BusinessCalendar
from .rules import (
    ANY,
    FREE,
    ONE_DAY,
    Absence,
    AbsenceKind,
    Editor,
    Rules,
    Violation,
    absence_days,
    compensation_window,
    fmt_day,
    fmt_hours,
    free_sundays_due,
    full_weeks,
    sequence_matches,
    sunday_windows,
    week_bounds,
)
from .shifts import Assignment, Rota, days_between, required_break


def joined(rota: Rota, context: Rota | None) -> tuple[tuple[dt.date, dt.date], list[Assignment]]:
    """Known range and assignments of a rota joined with context days outside its period."""
    if context is None:
        return (rota.first, rota.last), list(rota.assignments)
    outside = [a for a in context.assignments if not rota.first <= a.date <= rota.last]
    return (min(rota.first, context.first), max(rota.last, context.last)), [*rota.assignments, *outside]


@dataclass
class _Ctx:
    rota: Rota  # the joined days: intervals of context shifts resolve through its templates
    period: tuple[dt.date, dt.date]
    editor: Editor
    calendar: BusinessCalendar
    rules: Rules
    shifts: list[Assignment]  # the editor's shifts over the known range
    absent: dict[dt.date, AbsenceKind]

    def __post_init__(self) -> None:
        self.code_on = {a.date: a.template for a in self.shifts}
        self.own = [a for a in self.shifts if self.inside(a.date)]

    def inside(self, day: dt.date) -> bool:
        return self.period[0] <= day <= self.period[1]

    def touches(self, first: dt.date, last: dt.date) -> bool:
        """Whether the stretch first..last shares a day with the checked period."""
        return first <= self.period[1] and last >= self.period[0]

    def runs(self, working: bool, first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
        """Maximal runs of working (or free) days in first..last as (first, last)."""
        start = None
        for day in days_between(first, last) + [None]:
            inside = day is not None and (day in self.code_on) == working
            if inside and start is None:
                start = day
            elif not inside and start is not None:
                yield start, day - ONE_DAY if day else last
                start = None

    def violation(self, code: str, day: dt.date, message: str) -> Violation:
        return Violation(code, self.editor.id, day, f"{self.editor.name}: {message}")


def validate(rota: Rota, editors: Sequence[Editor], calendar: BusinessCalendar,
             absences: Iterable[Absence] = (), rules: Rules | None = None,
             context: Rota | None = None) -> list[Violation]:
    """Check a rota against every rule and return all violations.

    Args:
        rota: The plan to check.
        editors: All editors who may appear in it.
        calendar: Service calendar (for holidays).
        absences: Vacation, sickness and training (over the context days too).
        rules: Team-wide parameters (default: the ArbZG defaults of :class:`Rules`).
        context: Published shifts around the period (previous and next months), taken as fixed: rules
            that reach across the period's edge are judged over the joined days. Only the days of
            ``context`` outside ``rota``'s period count; the context should adjoin the period.

    Returns:
        Violations sorted by date, editor and code; empty if the rota is lawful.
    """
    rules = rules or Rules()
    known, assignments = joined(rota, context)
    templates = {**(context.templates if context else {}), **rota.templates}
    whole = Rota(*known, assignments, list(templates.values()), rota.zone.key)
    absent = absence_days(absences, *known)
    ids = {e.id for e in editors}
    found = [Violation("unknown_editor", a.editor_id, a.date, f"Unbekannte Person {a.editor_id!r} im Dienstplan")
             for a in rota.assignments if a.editor_id not in ids]
    for editor in editors:
        ctx = _Ctx(whole, (rota.first, rota.last), editor, calendar, rules, whole.of_editor(editor.id),
                   absent.get(editor.id, {}))
        for check in CHECKS:
            found.extend(check(ctx))
    return sorted(found, key=lambda v: (v.date, str(v.editor_id), v.code))


def _rest(ctx: _Ctx) -> Iterator[Violation]:
    spans = sorted((ctx.rota.interval(a), a.date) for a in ctx.shifts)
    for ((_, prev_end), prev_day), ((next_start, _), next_day) in zip(spans, spans[1:], strict=False):
        rest = (next_start - prev_end).total_seconds() / 60
        if rest < ctx.rules.min_rest_hours * 60 and ctx.touches(prev_day, next_day):
            a, b = prev_end.astimezone(ctx.rota.zone), next_start.astimezone(ctx.rota.zone)
            yield ctx.violation("rest", b.date(), (
                f"Ruhezeit zwischen {a:%d.%m. %H:%M} und {b:%d.%m. %H:%M} nur {fmt_hours(max(rest, 0))} "
                f"(mindestens {fmt_hours(ctx.rules.min_rest_hours * 60)}, § 5 ArbZG)"))


def _daily_work(ctx: _Ctx) -> Iterator[Violation]:
    limit, basis = ctx.rules.daily_limit, ctx.rules.long_shift_basis.strip()
    law = f"nach {basis}, § 7 ArbZG" if basis else "§ 3 ArbZG; länger nur mit Rechtsgrundlage nach § 7 ArbZG"
    for day in sorted({a.date for a in ctx.own}):
        minutes = sum(ctx.rota.templates[a.template].work_minutes for a in ctx.own if a.date == day)
        if minutes > limit:
            yield ctx.violation("daily_hours", day, (
                f"am {fmt_day(day)} {fmt_hours(minutes)} Arbeitszeit (höchstens {fmt_hours(limit)}, {law})"))


def _breaks(ctx: _Ctx) -> Iterator[Violation]:
    for a in ctx.own:
        template = ctx.rota.templates[a.template]
        needed = required_break(template.work_minutes)
        if template.pause_minutes < needed:
            yield ctx.violation("break", a.date, (
                f"{template.name} am {fmt_day(a.date)} hat nur {template.pause_minutes} min Pause "
                f"(nötig {needed} min, § 4 ArbZG)"))


def _absence(ctx: _Ctx) -> Iterator[Violation]:
    for a in ctx.own:
        if a.date in ctx.absent:
            yield ctx.violation("absence", a.date, (
                f"am {fmt_day(a.date)} eingeplant, aber abwesend ({ctx.absent[a.date].label})"))


def _skills(ctx: _Ctx) -> Iterator[Violation]:
    for a in ctx.own:
        template = ctx.rota.templates[a.template]
        missing = template.skills - ctx.editor.skills
        if missing:
            yield ctx.violation("skills", a.date, (
                f"{template.name} am {fmt_day(a.date)} braucht {', '.join(sorted(missing))}"))


def _max_consecutive(ctx: _Ctx) -> Iterator[Violation]:
    limit = ctx.editor.limits.max_consecutive_days or ctx.rules.max_consecutive_days
    for start, end in ctx.runs(True, ctx.rota.first, ctx.rota.last):
        length = (end - start).days + 1
        if length > limit and ctx.touches(start, end):
            yield ctx.violation("max_consecutive_days", min(end, ctx.period[1]), (
                f"{length} Arbeitstage am Stück vom {fmt_day(start)} bis {fmt_day(end)} (höchstens {limit})"))


def _min_runs(ctx: _Ctx) -> Iterator[Violation]:
    limits, (first, last) = ctx.editor.limits, ctx.period
    for working, limit, code, what in ((True, limits.min_consecutive_days, "min_consecutive_days", "Arbeitstage"),
                                       (False, limits.min_consecutive_days_off, "min_days_off", "freie Tage")):
        for start, end in ctx.runs(working, first, last) if limit else ():
            length = (end - start).days + 1
            # A run touching the period edge may continue outside it, so it is not judged.
            if length < limit and start > first and end < last:
                yield ctx.violation(code, start, (
                    f"nur {length} {what} am Stück ab {fmt_day(start)} (mindestens {limit})"))


def _free_sundays(ctx: _Ctx) -> Iterator[Violation]:
    for first, last in sunday_windows((ctx.rota.first, ctx.rota.last), ctx.period):
        sundays = [d for d in days_between(first, last) if d.weekday() == 6]
        needed = free_sundays_due(len(sundays), first.year, ctx.rules)
        free = [d for d in sundays if d not in ctx.code_on]
        if len(free) < needed:
            yield ctx.violation("free_sundays", min(sundays[-1], ctx.period[1]), (
                f"nur {len(free)} freie Sonntage vom {fmt_day(first)} bis {fmt_day(last)} (anteilig mindestens "
                f"{needed}, {ctx.rules.min_free_sundays_per_year} im Jahr, § 11 ArbZG)"))


def _compensation(ctx: _Ctx) -> Iterator[Violation]:
    for day in sorted(ctx.code_on):
        window = compensation_window(ctx.calendar, day, ctx.rules)
        if not window or day + window * ONE_DAY > ctx.rota.last or not ctx.touches(day, day + window * ONE_DAY):
            continue  # nothing due, the window reaches past the known days, or it lies outside the period
        candidates = days_between(day + ONE_DAY, day + window * ONE_DAY)
        if not any(_replacement_day(ctx, d) for d in candidates):
            kind = "Sonntagsarbeit" if day.weekday() == 6 else "Feiertagsarbeit"
            yield ctx.violation("compensatory_day", day, (
                f"kein Ersatzruhetag innerhalb von {window} Tagen nach {kind} am {fmt_day(day)} (§ 11 ArbZG)"))


def _replacement_day(ctx: _Ctx, day: dt.date) -> bool:
    return day.weekday() != 6 and day not in ctx.code_on and day not in ctx.absent


def _contract(ctx: _Ctx) -> Iterator[Violation]:
    for week in full_weeks(*ctx.period):
        lo, hi = week_bounds(ctx.editor, sum(d in ctx.absent for d in week), ctx.rules)
        worked = sum(ctx.rota.templates[a.template].work_minutes for a in ctx.own if a.date in week)
        if not lo <= worked <= hi:
            yield ctx.violation("contract_hours", week[0], (
                f"Woche ab {fmt_day(week[0])}: {fmt_hours(worked)} geplant, erlaubt {fmt_hours(lo)} "
                f"bis {fmt_hours(hi)} (Vertrag {fmt_hours(ctx.editor.contract_hours_week * 60)}/Woche)"))


def _plan_minutes(ctx: _Ctx) -> Iterator[Violation]:
    lo, hi = ctx.editor.limits.min_minutes, ctx.editor.limits.max_minutes
    worked = sum(ctx.rota.templates[a.template].work_minutes for a in ctx.own)
    span = f"vom {fmt_day(ctx.period[0])} bis {fmt_day(ctx.period[1])}"
    if lo is not None and worked < lo:
        yield ctx.violation("plan_minutes", ctx.period[0], (
            f"{fmt_hours(worked)} geplant {span}, mindestens {fmt_hours(lo)} vorgegeben"))
    if hi is not None and worked > hi:
        yield ctx.violation("plan_minutes", ctx.period[0], (
            f"{fmt_hours(worked)} geplant {span}, höchstens {fmt_hours(hi)} vorgegeben"))


def _max_shifts(ctx: _Ctx) -> Iterator[Violation]:
    for code, limit in ctx.editor.limits.max_shifts.items():
        taken = [a.date for a in ctx.own if a.template == code]
        if len(taken) > limit:
            name = ctx.rota.templates[code].name if code in ctx.rota.templates else code
            yield ctx.violation("max_shifts", taken[limit], f"{len(taken)}× {name} (höchstens {limit})")


def _weekends(ctx: _Ctx) -> Iterator[Violation]:
    limit = ctx.editor.limits.max_weekends
    saturdays = sorted({a.date - dt.timedelta(days=a.date.weekday() - 5) for a in ctx.own if a.date.weekday() >= 5})
    if limit is not None and len(saturdays) > limit:
        yield ctx.violation("max_weekends", saturdays[limit], (
            f"{len(saturdays)} Wochenenden mit Dienst (höchstens {limit})"))


def _sequences(ctx: _Ctx) -> Iterator[Violation]:
    for pattern in ctx.rules.forbidden_sequences:
        span = (len(pattern) - 1) * ONE_DAY
        for start in days_between(ctx.rota.first, ctx.rota.last - span):
            days = days_between(start, start + span)
            if ctx.touches(start, start + span) and sequence_matches(pattern, [ctx.code_on.get(d) for d in days]):
                yield ctx.violation("sequence", start, (
                    f"{sequence_label(ctx.rota, pattern)} ab {fmt_day(start)} (im Team ausgeschlossen)"))


def sequence_label(rota: Rota, pattern: tuple[str, ...]) -> str:
    """``Spätdienst → Frühdienst`` for a forbidden sequence."""
    names = {FREE: "frei", ANY: "irgendein Dienst"}
    return " → ".join(names.get(c) or (rota.templates[c].name if c in rota.templates else c) for c in pattern)


CHECKS = (_rest, _daily_work, _breaks, _absence, _skills, _max_consecutive, _min_runs, _free_sundays,
          _compensation, _contract, _plan_minutes, _max_shifts, _weekends, _sequences)
