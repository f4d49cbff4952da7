"""CP-SAT model of a rota period: variables and hard rules (the soft goals are in :mod:`scheduling.goals`).

The published days around the period (``RotaProblem.context``) enter as constants, so rest, runs of
working days, forbidden sequences, replacement days off and the free-Sunday count reach across the
period's edges. Kept apart from :mod:`scheduling.solver` so the solve loop, the diagnosis and the
result reporting stay readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property

from ortools.sat.python import cp_model

from .goals import Goals, Weights
from .rules import (
    ANY,
    FREE,
    ONE_DAY,
    Editor,
    absence_days,
    compensation_window,
    free_sundays_due,
    full_weeks,
    sunday_windows,
    week_bounds,
)
from .shifts import Assignment, EditorId, ShiftTemplate, days_between, demand, optional_slots, required_break

__all__ = ["Key", "RotaModel", "Weights"]

Key = tuple[EditorId, dt.date, str]
#: A linear term split into its constant part, and variables added and subtracted.
Terms = tuple[int, list, list]


class RotaModel(Goals):
    """Builds the CP-SAT model for a :class:`~scheduling.solver.RotaProblem`."""

    def __init__(self, problem, editors: Sequence[Editor], hard_headcount: bool) -> None:
        self.p, self.editors, self.hard = problem, list(editors), hard_headcount
        self.m = cp_model.CpModel()
        self.days = days_between(problem.first, problem.last)
        self.templates = {t.code: t for t in problem.model.templates if _lawful(t, problem.rules)}
        wanted = demand(problem.calendar, problem.model, problem.first, problem.last)
        self.need = {(d.date, d.template): d.needed for d in wanted if d.template in self.templates}
        # Demanded shifts of a template that breaks the law by itself stay empty and are reported short.
        self.unlawful = {(d.date, d.template): d.needed for d in wanted if d.template not in self.templates}
        self.optional = {k for k in optional_slots(problem.calendar, problem.model, problem.first, problem.last)
                         if k[1] in self.templates}
        context = problem.context
        self.known = ((min(problem.first, context.first), max(problem.last, context.last)) if context
                      else (problem.first, problem.last))
        self.absent = absence_days(problem.absences, *self.known)
        self.fixed: dict[EditorId, dict[dt.date, str]] = {e.id: {} for e in self.editors}
        for a in context.assignments if context else ():
            if a.editor_id in self.fixed and not problem.first <= a.date <= problem.last:
                self.fixed[a.editor_id][a.date] = a.template
        self.all_templates = {**(context.templates if context else {}), **problem.model.by_code}
        self.x: dict[Key, cp_model.IntVar] = {}
        self.by_day: dict[tuple[EditorId, dt.date], list[cp_model.IntVar]] = {}  # looked up for every rule
        self.of: dict[EditorId, dict[Key, cp_model.IntVar]] = {e.id: {} for e in self.editors}
        self.slack: dict[tuple[dt.date, str], tuple[cp_model.IntVar, cp_model.IntVar]] = {}
        self.weekend: dict[tuple[EditorId, dt.date], cp_model.IntVar] = {}
        self._windows: dict[int, list[list[dt.date]]] = {}
        self._conflicts: dict[tuple[dt.date, str], frozenset[str]] = {}
        self.primary: list = []  # headcount and changes to the published rota: planned first
        self.soft: list = []  # fairness, hours and wishes

    def build(self) -> RotaModel:
        """Create variables, constraints and the objective."""
        for editor in self.editors:
            self._variables(editor)
        for editor in self.editors:
            self._editor_rules(editor)
        self._symmetry()
        self._headcount()
        self._fairness()
        self._hours_and_wishes()
        self._changes()
        self.m.minimize(self.primary_cost() + self.soft_cost())
        return self

    # --- variables --------------------------------------------------------------

    def inside(self, day: dt.date) -> bool:
        """Whether ``day`` is planned (not context)."""
        return self.p.first <= day <= self.p.last

    def frozen(self, day: dt.date) -> bool:
        """Days before the freeze date keep the published rota."""
        return self.p.published is not None and self.p.frozen_before is not None and day < self.p.frozen_before

    def published(self) -> set[Key]:
        """Published assignments as keys (empty without a published rota)."""
        rota = self.p.published
        return {(a.editor_id, a.date, a.template) for a in rota.assignments} if rota else set()

    def _variables(self, editor: Editor) -> None:
        published = self.published()
        for day in self.days:
            for code, template in self.templates.items():
                key = (editor.id, day, code)
                if self.frozen(day):
                    if key in published:
                        self.m.add(self._new(key) == 1)
                elif ((day, code) in self.need or (day, code) in self.optional) and self._eligible(editor, day,
                                                                                                     template):
                    self._new(key)

    def _new(self, key: Key) -> cp_model.IntVar:
        var = self.x[key] = self.of[key[0]][key] = self.m.new_bool_var(f"x{key}")
        self.by_day.setdefault(key[:2], []).append(var)
        return var

    def _eligible(self, editor: Editor, day: dt.date, template: ShiftTemplate) -> bool:
        return day not in self.absent.get(editor.id, {}) and template.skills <= editor.skills

    def shifts(self, editor_id: EditorId, day: dt.date) -> list[cp_model.IntVar]:
        """Shift variables of one editor on one day."""
        return self.by_day.get((editor_id, day), [])

    def work(self, editor_id: EditorId, day: dt.date):
        """1 if the editor works that day (linear expression over planned days, 0 elsewhere)."""
        return sum(self.shifts(editor_id, day))

    def worked(self, editor_id: EditorId, day: dt.date) -> Terms:
        """Working that day as terms: a constant on context days, the shift variables on planned days."""
        if self.inside(day):
            return 0, self.shifts(editor_id, day), []
        return int(day in self.fixed[editor_id]), [], []

    def minutes(self, editor_id: EditorId, days: Sequence[dt.date]):
        """Planned working minutes over some days."""
        wanted = set(days)
        return sum(self.templates[k[2]].work_minutes * v for k, v in self.of[editor_id].items() if k[1] in wanted)

    def touches(self, first: dt.date, last: dt.date) -> bool:
        """Whether first..last shares a day with the period."""
        return first <= self.p.last and last >= self.p.first

    def windows(self, length: int) -> list[list[dt.date]]:
        """Runs of ``length`` known days that share a day with the period."""
        if length not in self._windows:
            span = (length - 1) * ONE_DAY
            starts = days_between(self.known[0], self.known[1] - span)
            self._windows[length] = [days_between(d, d + span) for d in starts if self.touches(d, d + span)]
        return self._windows[length]

    def _at_most(self, terms: Sequence[Terms], most: int) -> None:
        """Sum of terms <= most. When the context alone already exceeds it, the period may not add to it."""
        const = sum(t[0] for t in terms)
        plus, minus = [v for t in terms for v in t[1]], [v for t in terms for v in t[2]]
        if plus or minus:
            self.m.add(sum(plus) - sum(minus) <= max(most - const, -len(minus)))

    # --- hard rules ---------------------------------------------------------------

    def _editor_rules(self, e: Editor) -> None:
        for day in self.days:
            self.m.add_at_most_one(self.shifts(e.id, day))
        self._rest(e)
        self._consecutive(e)
        self._sequences(e)
        self._min_runs(e)
        self._sundays(e)
        self._compensation(e)
        self._weekends(e)
        self._contract(e)
        for code, limit in e.limits.max_shifts.items():
            self.m.add(sum(v for k, v in self.of[e.id].items() if k[2] == code) <= limit)

    def lit(self, editor_id: EditorId, day: dt.date, code: str) -> Terms:
        """One shift on one day as terms (constant on context days)."""
        if self.inside(day):
            var = self.x.get((editor_id, day, code))
            return 0, [] if var is None else [var], []
        return int(self.fixed[editor_id].get(day) == code), [], []

    def codes_on(self, editor_id: EditorId, day: dt.date) -> list[str]:
        """Templates the editor can work (planned days) or works (context days) that day."""
        if self.inside(day):
            return [c for c in self.templates if (editor_id, day, c) in self.x]
        return [self.fixed[editor_id][day]] if day in self.fixed[editor_id] else []

    def _rest(self, e: Editor) -> None:
        # One constraint per shift and day: it excludes every shift of the next day that starts too early.
        for day, after in self.windows(2):
            for c1 in self.codes_on(e.id, day):
                clash = [c2 for c2 in self.codes_on(e.id, after) if c2 in self.conflicts_after(day, c1)]
                if clash:
                    self._at_most([self.lit(e.id, day, c1), *(self.lit(e.id, after, c) for c in clash)], 1)

    def conflicts_after(self, day: dt.date, code: str) -> frozenset[str]:
        """Templates on the next day that start less than the rest time after ``code`` on ``day`` ends."""
        key = (day, code)
        if key not in self._conflicts:
            self._conflicts[key] = self._find_conflicts(day, code)
        return self._conflicts[key]

    def _find_conflicts(self, day: dt.date, code: str) -> frozenset[str]:
        zone, least = self.p.calendar.zone, dt.timedelta(hours=self.p.rules.min_rest_hours)
        end = self.all_templates[code].interval(day, zone)[1]
        return frozenset(c for c, t in self.all_templates.items() if t.interval(day + ONE_DAY, zone)[0] - end < least)

    @cached_property
    def longest(self) -> int:
        """Work minutes of the longest template (at least 1)."""
        return max([t.work_minutes for t in self.templates.values()] + [1])

    @cached_property
    def shortest(self) -> int:
        """Work minutes of the shortest template (at least 1)."""
        return max(1, min([t.work_minutes for t in self.templates.values()] + [1440]))

    def _consecutive(self, e: Editor) -> None:
        limit = e.limits.max_consecutive_days or self.p.rules.max_consecutive_days
        for window in self.windows(limit + 1):
            self._at_most([self.worked(e.id, d) for d in window], limit)

    def _sequences(self, e: Editor) -> None:
        for pattern in self.p.rules.forbidden_sequences:
            for window in self.windows(len(pattern)):
                terms = [self._element(e.id, d, want) for d, want in zip(window, pattern, strict=True)]
                if None not in terms:
                    self._at_most(terms, len(pattern) - 1)

    def _element(self, editor_id: EditorId, day: dt.date, want: str) -> Terms | None:
        """One element of a forbidden sequence as terms, ``None`` if it cannot hold that day."""
        const, plus, _ = self.worked(editor_id, day)
        if want == ANY:
            found = (const, plus, [])
        elif want == FREE:
            found = (1 - const, [], plus)
        else:
            found = self.lit(editor_id, day, want)
        return found if found[0] or found[1] or found[2] else None

    def _min_runs(self, e: Editor) -> None:
        work_min, off_min = e.limits.min_consecutive_days, e.limits.min_consecutive_days_off
        for i in range(1, len(self.days)):
            prev, day = self.work(e.id, self.days[i - 1]), self.work(e.id, self.days[i])
            for later in self.days[i + 1:i + (work_min or 1)]:
                self.m.add(day - prev <= self.work(e.id, later))
            for later in self.days[i + 1:i + (off_min or 1)]:
                self.m.add(prev - day + self.work(e.id, later) <= 1)

    def _sundays(self, e: Editor) -> None:
        for first, last in sunday_windows(self.known, (self.p.first, self.p.last)):
            sundays = [d for d in days_between(first, last) if d.weekday() == 6]
            allowed = len(sundays) - free_sundays_due(len(sundays), first.year, self.p.rules)
            self._at_most([self.worked(e.id, d) for d in sundays], allowed)

    def _compensation(self, e: Editor) -> None:
        absent = self.absent.get(e.id, {})
        for day in days_between(*self.known):
            window = compensation_window(self.p.calendar, day, self.p.rules)
            if not window or day + window * ONE_DAY > self.known[1] or not self.touches(day, day + window * ONE_DAY):
                continue
            spare = [d for d in days_between(day + ONE_DAY, day + window * ONE_DAY)
                     if d.weekday() != 6 and d not in absent]
            # Free spare days >= work that day, i.e. work that day + work on spare days <= len(spare).
            self._at_most([self.worked(e.id, day), *(self.worked(e.id, d) for d in spare)], len(spare))

    def _weekends(self, e: Editor) -> None:
        for day in self.days:
            if day.weekday() == 5 or (day.weekday() == 6 and day == self.days[0]):
                saturday = day - dt.timedelta(days=day.weekday() - 5)
                both = [self.work(e.id, d) for d in (saturday, saturday + ONE_DAY) if d in self.days]
                flag = self.m.new_bool_var(f"we{e.id}{saturday}")
                self.m.add_max_equality(flag, both)
                self.weekend[(e.id, saturday)] = flag
        if e.limits.max_weekends is not None:
            self.m.add(sum(v for k, v in self.weekend.items() if k[0] == e.id) <= e.limits.max_weekends)

    def _contract(self, e: Editor) -> None:
        absent = self.absent.get(e.id, {})
        for week in full_weeks(self.p.first, self.p.last):
            lo, hi = week_bounds(e, sum(d in absent for d in week), self.p.rules)
            planned = self.minutes(e.id, week)
            self.m.add(planned >= lo)
            self.m.add(planned <= hi)
            # Redundant shift counts: the LP relaxation alone would allow 4.4 shifts where 5 are needed.
            shifts = sum(self.work(e.id, d) for d in week)
            self.m.add(shifts >= -(-lo // self.longest))
            self.m.add(shifts <= hi // self.shortest)
        total = self.minutes(e.id, self.days)
        if e.limits.min_minutes is not None:
            self.m.add(total >= e.limits.min_minutes)
        if e.limits.max_minutes is not None:
            self.m.add(total <= e.limits.max_minutes)

    # --- symmetry -----------------------------------------------------------------

    def interchangeable(self) -> list[list[Editor]]:
        """Groups of editors no rule or goal tells apart: same contract, skills and limits, and no
        absences, wishes, context days or published shifts of their own."""
        personal = ({a.editor_id for a in self.p.absences} | {w.editor_id for w in self.p.wishes}
                    | {k[0] for k in self.published()} | {i for i, days in self.fixed.items() if days})
        groups: dict[tuple, list[Editor]] = {}
        for e in self.editors:
            if e.id not in personal:
                key = (e.contract_hours_week, e.skills, e.limits.max_consecutive_days, e.limits.min_consecutive_days,
                       e.limits.min_consecutive_days_off, e.limits.max_weekends, e.limits.min_minutes,
                       e.limits.max_minutes, tuple(sorted(e.limits.max_shifts.items())))
                groups.setdefault(key, []).append(e)
        return [g for g in groups.values() if len(g) > 1]

    def _symmetry(self) -> None:
        # Any plan can be permuted within a group, so ordering the group by working minutes keeps one
        # of the equal plans and cuts its permutations from the search.
        for group in self.interchangeable():
            for a, b in zip(group, group[1:], strict=False):
                self.m.add(self.minutes(a.id, self.days) >= self.minutes(b.id, self.days))

    def assignments(self, value) -> list[Assignment]:
        """Assignments whose variable is true under ``value`` (a solver's ``boolean_value``)."""
        return [Assignment(k[1], k[2], k[0]) for k, v in self.x.items() if value(v)]


def _lawful(template: ShiftTemplate, rules) -> bool:
    """Templates that break § 3/§ 4 ArbZG (or a recorded § 7 basis) by themselves are never planned."""
    return (template.work_minutes <= rules.daily_limit
            and template.pause_minutes >= required_break(template.work_minutes))
