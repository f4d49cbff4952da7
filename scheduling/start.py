"""A quick starting plan for the solver: day by day, each shift to the least-loaded editor it fits.

"Fits" checks the rules a day-by-day plan can keep on its own, including the fixed context days:
rest, the longest run of working days, forbidden sequences, the free-Sunday count, weekly and
period maximum minutes, per-template limits. A second pass tops up editors below their weekly
contract minimum. What it cannot see coming (replacement days, minimum runs) the solver repairs.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .rules import FREE, ONE_DAY, Editor, free_sundays_due, full_weeks, sequence_matches, sunday_windows, week_bounds
from .shifts import days_between

if TYPE_CHECKING:  # the model needs OR-Tools, which only the solver's process should load
    from .model import Key, RotaModel


class _Plan:
    def __init__(self, rm: RotaModel) -> None:
        self.rm = rm
        self.chosen: set[Key] = {k for k in rm.x if rm.frozen(k[1])}
        self.on: dict[tuple, str] = {(k[0], k[1]): k[2] for k in self.chosen}
        self.load = {e.id: 0 for e in rm.editors}
        self.weeks = {d: week for week in full_weeks(rm.p.first, rm.p.last) for d in week}
        self.sundays = sunday_windows(rm.known, (rm.p.first, rm.p.last))
        self.today: dt.date | None = None  # the day the first pass plans; later days are still open

    def code(self, editor_id, day: dt.date) -> str | None:
        if self.rm.inside(day):
            return self.on.get((editor_id, day))
        return self.rm.fixed[editor_id].get(day)

    def add(self, editor: Editor, day: dt.date, code: str) -> None:
        self.chosen.add((editor.id, day, code))
        self.on[(editor.id, day)] = code
        self.load[editor.id] += self.rm.templates[code].work_minutes

    def minutes(self, editor_id, days) -> int:
        return sum(self.rm.templates[c].work_minutes for d in days if (c := self.on.get((editor_id, d))))

    def fits(self, e: Editor, day: dt.date, code: str) -> bool:
        rm = self.rm
        if (e.id, day, code) not in rm.x or (e.id, day) in self.on:
            return False
        before, after = self.code(e.id, day - ONE_DAY), self.code(e.id, day + ONE_DAY)
        if before and code in rm.conflicts_after(day - ONE_DAY, before):
            return False
        if after and after in rm.conflicts_after(day, code):
            return False
        self.on[(e.id, day)] = code  # judge the day as worked, then take it back
        try:
            return (self._runs_ok(e, day) and self._sundays_ok(e, day) and self._weekends_ok(e, day)
                    and self._minutes_ok(e, day, code))
        finally:
            del self.on[(e.id, day)]

    def _runs_ok(self, e: Editor, day: dt.date) -> bool:
        limit = e.limits.max_consecutive_days or self.rm.p.rules.max_consecutive_days
        run, d = 1, day - ONE_DAY
        while self.code(e.id, d) and run <= limit:
            run, d = run + 1, d - ONE_DAY
        d = day + ONE_DAY
        while self.code(e.id, d) and run <= limit:
            run, d = run + 1, d + ONE_DAY
        if run > limit:
            return False
        for pattern in self.rm.p.rules.forbidden_sequences:
            for offset in range(len(pattern)):
                days = days_between(day - offset * ONE_DAY, day + (len(pattern) - 1 - offset) * ONE_DAY)
                if days[0] < self.rm.known[0] or days[-1] > self.rm.known[1]:
                    continue
                # A later day still to be planned is free so far but may yet be worked: it does not count as free.
                undecided = self.today is not None and any(want == FREE and self.rm.inside(d) and d > self.today
                                                           for want, d in zip(pattern, days, strict=True))
                if not undecided and sequence_matches(pattern, [self.code(e.id, d) for d in days]):
                    return False
        return True

    def _sundays_ok(self, e: Editor, day: dt.date) -> bool:
        if day.weekday() != 6:
            return True
        for first, last in self.sundays:
            if first <= day <= last:
                sundays = [d for d in days_between(first, last) if d.weekday() == 6]
                due = free_sundays_due(len(sundays), first.year, self.rm.p.rules)
                if sum(1 for d in sundays if self.code(e.id, d)) > len(sundays) - due:
                    return False
        return True

    def _weekends_ok(self, e: Editor, day: dt.date) -> bool:
        if e.limits.max_weekends is None or day.weekday() < 5:
            return True
        saturdays = {d - dt.timedelta(days=d.weekday() - 5) for (i, d) in self.on if i == e.id and d.weekday() >= 5}
        return len(saturdays) <= e.limits.max_weekends

    def _minutes_ok(self, e: Editor, day: dt.date, code: str) -> bool:
        if e.limits.max_minutes is not None and self.load[e.id] + self.rm.templates[code].work_minutes > \
                e.limits.max_minutes:
            return False
        if (limit := e.limits.max_shifts.get(code)) is not None:
            if sum(1 for (i, _), c in self.on.items() if i == e.id and c == code) > limit:
                return False
        week = self.weeks.get(day)
        if week is None:
            return True
        absent = sum(d in self.rm.absent.get(e.id, {}) for d in week)
        return self.minutes(e.id, week) <= week_bounds(e, absent, self.rm.p.rules)[1]


def starting_plan(rm: RotaModel) -> set[Key]:
    """A plan (as chosen keys) to seed CP-SAT: published shifts first, then the least-loaded editor."""
    plan = _Plan(rm)
    published = rm.published()
    target = {e.id: max(1.0, rm.month_target(e)) for e in rm.editors}
    for day in rm.days:
        if rm.frozen(day):
            continue
        plan.today = day
        for code in sorted(rm.templates, key=lambda c: rm.templates[c].start):
            wanted = rm.need.get((day, code), 0)
            candidates = [e for e in rm.editors if plan.fits(e, day, code)]
            candidates.sort(key=lambda e: ((e.id, day, code) not in published, plan.load[e.id] / target[e.id]))
            for e in candidates[:wanted]:
                plan.add(e, day, code)
    plan.today = None
    _top_up(rm, plan)
    return plan.chosen


def _top_up(rm: RotaModel, plan: _Plan) -> None:
    """Editors below a full week's contract minimum get further shifts that fit, least-staffed first."""
    for e in rm.editors:
        for week in full_weeks(rm.p.first, rm.p.last):
            absent = sum(d in rm.absent.get(e.id, {}) for d in week)
            lo = week_bounds(e, absent, rm.p.rules)[0]
            for day in week:
                if plan.minutes(e.id, week) >= lo:
                    break
                if rm.frozen(day):
                    continue
                options = [c for c in rm.templates if plan.fits(e, day, c)]
                if options:
                    plan.add(e, day, min(options, key=lambda c: sum(k[1:] == (day, c) for k in plan.chosen)))
