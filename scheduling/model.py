"""CP-SAT model of a rota month: variables, hard rules and soft goals.

Kept apart from :mod:`scheduling.solver` so the solve loop, the diagnosis and
the result reporting stay readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from ortools.sat.python import cp_model

from .fairness import SCALE, fair_shares, rounding_loss, scaled
from .hours import DayType
from .rules import ONE_DAY, Editor, absence_days, compensation_window, full_weeks, required_free_sundays, week_bounds
from .shifts import Assignment, EditorId, ShiftTemplate, days_between, demand, required_break

Key = tuple[EditorId, dt.date, str]


@dataclass(frozen=True)
class Weights:
    """Penalty points of the soft goals; the objective is their weighted sum.

    Attributes:
        understaffed: Per missing editor on a demanded shift.
        overstaffed: Per editor beyond the demanded headcount.
        fairness: Per tenth of a shift an editor's count of weekends, late shifts or holiday shifts
            differs from their fair share (pro rata to contract hours, see :mod:`scheduling.fairness`).
        hours: Per half hour a month's planned hours differ from the pro-rata contract.
        wish: Per unit of wish weight not honoured.
        change: Per change to the published rota when re-planning.
    """

    understaffed: int = 1000
    overstaffed: int = 150
    fairness: int = 3
    hours: int = 1
    wish: int = 20
    change: int = 60


class RotaModel:
    """Builds the CP-SAT model for a :class:`~scheduling.solver.RotaProblem`."""

    def __init__(self, problem, editors: Sequence[Editor], hard_headcount: bool) -> None:
        self.p, self.editors, self.hard = problem, list(editors), hard_headcount
        self.m = cp_model.CpModel()
        self.days = days_between(problem.first, problem.last)
        self.templates = {t.code: t for t in problem.model.templates if _lawful(t, problem.rules)}
        self.need = {(d.date, d.template): d.needed
                     for d in demand(problem.calendar, problem.model, problem.first, problem.last)
                     if d.template in self.templates}
        self.absent = absence_days(problem.absences, problem.first, problem.last)
        self.x: dict[Key, cp_model.IntVar] = {}
        self.of: dict[EditorId, dict[Key, cp_model.IntVar]] = {e.id: {} for e in self.editors}
        self.slack: dict[tuple[dt.date, str], tuple[cp_model.IntVar, cp_model.IntVar]] = {}
        self.weekend: dict[tuple[EditorId, dt.date], cp_model.IntVar] = {}
        self.primary: list = []  # headcount and changes to the published rota: planned first
        self.soft: list = []  # fairness, hours and wishes

    def build(self) -> RotaModel:
        """Create variables, constraints and the objective."""
        for editor in self.editors:
            self._variables(editor)
        for editor in self.editors:
            self._editor_rules(editor)
        self._headcount()
        self._fairness()
        self._hours_and_wishes()
        self._changes()
        self.m.minimize(self.primary_cost() + self.soft_cost())
        return self

    # --- variables --------------------------------------------------------------

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
                elif (day, code) in self.need and self._eligible(editor, day, template):
                    self._new(key)

    def _new(self, key: Key) -> cp_model.IntVar:
        var = self.x[key] = self.of[key[0]][key] = self.m.new_bool_var(f"x{key}")
        return var

    def _eligible(self, editor: Editor, day: dt.date, template: ShiftTemplate) -> bool:
        return day not in self.absent.get(editor.id, {}) and template.skills <= editor.skills

    def shifts(self, editor_id: EditorId, day: dt.date) -> list[cp_model.IntVar]:
        """Shift variables of one editor on one day."""
        return [v for c in self.templates if (v := self.x.get((editor_id, day, c))) is not None]

    def work(self, editor_id: EditorId, day: dt.date):
        """1 if the editor works that day (linear expression, 0 outside the period)."""
        return sum(self.shifts(editor_id, day))

    def minutes(self, editor_id: EditorId, days: Sequence[dt.date]):
        """Planned working minutes over some days."""
        wanted = set(days)
        return sum(self.templates[k[2]].work_minutes * v for k, v in self.of[editor_id].items() if k[1] in wanted)

    # --- hard rules ---------------------------------------------------------------

    def _editor_rules(self, e: Editor) -> None:
        for day in self.days:
            self.m.add_at_most_one(self.shifts(e.id, day))
        self._rest(e)
        self._consecutive(e)
        self._min_runs(e)
        self._sundays(e)
        self._weekends(e)
        self._contract(e)
        for code, limit in e.limits.max_shifts.items():
            self.m.add(sum(v for k, v in self.of[e.id].items() if k[2] == code) <= limit)

    def _rest(self, e: Editor) -> None:
        for (d1, c1), (d2, c2) in self.rest_conflicts:
            a, b = self.x.get((e.id, d1, c1)), self.x.get((e.id, d2, c2))
            if a is not None and b is not None:
                self.m.add_bool_or([a.Not(), b.Not()])

    @cached_property
    def longest(self) -> int:
        """Work minutes of the longest template (at least 1)."""
        return max([t.work_minutes for t in self.templates.values()] + [1])

    @cached_property
    def shortest(self) -> int:
        """Work minutes of the shortest template (at least 1)."""
        return max(1, min([t.work_minutes for t in self.templates.values()] + [1440]))

    @cached_property
    def rest_conflicts(self) -> list[tuple[tuple[dt.date, str], tuple[dt.date, str]]]:
        """Pairs of (day, template) on consecutive days with too little rest between them."""
        zone, least = self.p.calendar.zone, dt.timedelta(hours=self.p.rules.min_rest_hours)
        return [((day, c1), (day + ONE_DAY, c2))
                for day in self.days[:-1] for c1, t1 in self.templates.items() for c2, t2 in self.templates.items()
                if t2.interval(day + ONE_DAY, zone)[0] - t1.interval(day, zone)[1] < least]

    def _consecutive(self, e: Editor) -> None:
        limit = e.limits.max_consecutive_days or self.p.rules.max_consecutive_days
        for i in range(len(self.days) - limit):
            self.m.add(sum(self.work(e.id, d) for d in self.days[i:i + limit + 1]) <= limit)

    def _min_runs(self, e: Editor) -> None:
        work_min, off_min = e.limits.min_consecutive_days, e.limits.min_consecutive_days_off
        for i in range(1, len(self.days)):
            prev, day = self.work(e.id, self.days[i - 1]), self.work(e.id, self.days[i])
            for later in self.days[i + 1:i + (work_min or 1)]:
                self.m.add(day - prev <= self.work(e.id, later))
            for later in self.days[i + 1:i + (off_min or 1)]:
                self.m.add(prev - day + self.work(e.id, later) <= 1)

    def _sundays(self, e: Editor) -> None:
        sundays = [d for d in self.days if d.weekday() == 6]
        allowed = len(sundays) - required_free_sundays(len(sundays), self.p.rules)
        self.m.add(sum(self.work(e.id, d) for d in sundays) <= allowed)
        for day in self.days:
            window = compensation_window(self.p.calendar, day, self.p.rules)
            if window and day + window * ONE_DAY <= self.p.last:
                spare = [d for d in days_between(day + ONE_DAY, day + window * ONE_DAY)
                         if d.weekday() != 6 and d not in self.absent.get(e.id, {})]
                self.m.add(sum(1 - self.work(e.id, d) for d in spare) >= self.work(e.id, day))

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

    def _headcount(self) -> None:
        w = self.p.weights
        for (day, code), needed in self.need.items():
            if self.frozen(day):
                continue
            present = sum(v for e in self.editors if (v := self.x.get((e.id, day, code))) is not None)
            under = self.m.new_int_var(0, 0 if self.hard else needed, f"under{day}{code}")
            over = self.m.new_int_var(0, len(self.editors), f"over{day}{code}")
            self.m.add(present + under - over == needed)
            self.slack[(day, code)] = (under, over)
            self.primary += [w.understaffed * under, w.overstaffed * over]

    def primary_cost(self):
        """Penalty of under- and overstaffing and of changes to the published rota (linear expression)."""
        return sum(self.primary)

    def soft_cost(self):
        """Penalty of the soft goals: fairness, hours and wishes (linear expression)."""
        return sum(self.soft)

    # --- soft goals -----------------------------------------------------------------

    @cached_property
    def holidays(self) -> set[dt.date]:
        """Holidays in the period."""
        return {d for d in self.days if self.p.calendar.day_type(d) is DayType.HOLIDAY}

    @cached_property
    def late(self) -> set[str]:
        """Codes of the late templates."""
        return {c for c, t in self.templates.items() if t.late}

    def category_terms(self) -> dict[str, dict[EditorId, list]]:
        """Per fairness category the count terms of every editor who can take part."""
        groups = {"late": lambda k: k[2] in self.late, "holiday": lambda k: k[1] in self.holidays}
        terms: dict[str, dict[EditorId, list]] = {}
        for e in self.editors:
            weekends = [v for k, v in self.weekend.items() if k[0] == e.id]
            if weekends:
                terms.setdefault("weekend", {})[e.id] = weekends
            for name, member in groups.items():
                if found := [v for k, v in self.of[e.id].items() if not self.frozen(k[1]) and member(k)]:
                    terms.setdefault(name, {})[e.id] = found
        return terms

    def category_counts(self) -> dict[str, dict[EditorId, object]]:
        """Per fairness category the count expression of every editor who can take part."""
        return {name: {e: sum(ts) for e, ts in group.items()} for name, group in self.category_terms().items()}

    def category_demand(self, name: str) -> int:
        """Shifts (weekends: working weekends if everyone worked both days) the category needs in total."""
        open_need = {k: n for k, n in self.need.items() if not self.frozen(k[0])}
        if name == "late":
            return sum(n for (_, code), n in open_need.items() if code in self.late)
        if name == "holiday":
            return sum(n for (day, _), n in open_need.items() if day in self.holidays)
        per_day: dict[dt.date, int] = {}
        for (day, _), n in self.need.items():
            per_day[day] = per_day.get(day, 0) + n
        saturdays = {k[1] for k in self.weekend}
        return sum(max(per_day.get(s, 0), per_day.get(s + ONE_DAY, 0)) for s in saturdays)

    def category_cap(self, name: str, e: Editor, terms: list) -> int:
        """The most an editor can take of a category: available slots and personal limits."""
        cap = len(terms)
        if name == "weekend":
            cap = sum(1 for k in self.weekend if k[0] == e.id and self._weekend_possible(e.id, k[1]))
            if e.limits.max_weekends is not None:
                cap = min(cap, e.limits.max_weekends)
        elif name == "late" and self.late <= set(e.limits.max_shifts):
            cap = min(cap, sum(e.limits.max_shifts[c] for c in self.late))
        return cap

    def _weekend_possible(self, editor_id: EditorId, saturday: dt.date) -> bool:
        return bool(self.shifts(editor_id, saturday) or self.shifts(editor_id, saturday + ONE_DAY))

    def fair_shares(self) -> dict[str, dict[EditorId, float]]:
        """Per category each editor's fair share (in shifts), pro rata to contract minutes."""
        result = {}
        by_id = {e.id: e for e in self.editors}
        for name, group in self.category_terms().items():
            weights = {i: self.month_target(by_id[i]) for i in group}
            caps = {i: self.category_cap(name, by_id[i], ts) for i, ts in group.items()}
            result[name] = fair_shares(self.category_demand(name), weights, caps)
        return result

    def _fairness(self) -> None:
        shares = self.fair_shares()
        for name, counts in self.category_counts().items():
            if len(counts) < 2:
                continue
            for editor_id, expr in counts.items():
                target = scaled(shares[name][editor_id])
                top = SCALE * len(self.days) + target
                dev = self.m.new_int_var(rounding_loss(target), top, f"dev_{name}{editor_id}")
                self.m.add(SCALE * expr - target <= dev)
                self.m.add(target - SCALE * expr <= dev)
                self.soft.append(self.p.weights.fairness * dev)

    def month_target(self, e: Editor) -> int:
        """Pro-rata contract minutes for the period, absences excused."""
        present = len(self.days) - len(self.absent.get(e.id, {}))
        return round(e.contract_hours_week * 60 * present / 7)

    def _hours_and_wishes(self) -> None:
        w = self.p.weights
        for e in self.editors:
            gap = self.m.new_int_var(0, 2 * len(self.days) * 48, f"dev{e.id}")
            planned, target = self.minutes(e.id, self.days), self.month_target(e)
            self.m.add(30 * gap >= planned - target)
            self.m.add(30 * gap >= target - planned)
            self.soft.append(w.hours * gap)
        for wish in self.p.wishes:
            if wish.date in self.days and not self.frozen(wish.date):
                self.soft.append(w.wish * wish.weight * self.wish_missed(wish))

    def wish_missed(self, wish):
        """1 if the wish is not honoured (linear expression)."""
        if wish.template is None:
            return self.work(wish.editor_id, wish.date)
        return 1 - self.x.get((wish.editor_id, wish.date, wish.template), 0)

    def _changes(self) -> None:
        if self.p.published is None:
            return
        published = self.published()
        for key, var in self.x.items():
            if not self.frozen(key[1]):
                self.primary.append(self.p.weights.change * ((1 - var) if key in published else var))
        lost = [k for k in published if k not in self.x and not self.frozen(k[1])]
        self.primary.append(self.p.weights.change * len(lost))

    def assignments(self, value) -> list[Assignment]:
        """Assignments whose variable is true under ``value`` (a solver's ``boolean_value``)."""
        return [Assignment(k[1], k[2], k[0]) for k, v in self.x.items() if value(v)]


def _lawful(template: ShiftTemplate, rules) -> bool:
    """Templates that break § 3/§ 4 ArbZG by themselves are never planned."""
    return (template.work_minutes <= rules.max_daily_work_minutes
            and template.pause_minutes >= required_break(template.work_minutes))
