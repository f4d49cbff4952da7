"""The soft goals of the rota model: headcount, fairness, hours, wishes and changes.

The penalty variables are only bounded from below (``under - over == needed - present``,
``dev >= |count - share|``): exact equalities slowed the search down markedly (docs/scheduling.md).
So a plan the search has not finished improving may carry slack, e.g. a shift under- and overstaffed
at once. :meth:`Goals.cost` therefore prices a plan from its assignments alone, each shortfall and
surplus once; that is the objective reported. At the optimum both agree, so the solver's bound is a
bound on the real cost as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from .fairness import SCALE, fair_shares, rounding_loss, scaled
from .hours import DayType
from .rules import ONE_DAY, Editor
from .shifts import EditorId


@dataclass(frozen=True)
class Weights:
    """Penalty points of the soft goals; the objective is their weighted sum.

    Attributes:
        understaffed: Per missing editor on a demanded shift.
        overstaffed: Per editor beyond the demanded headcount.
        fairness: Per tenth of a shift an editor's count of weekends, late shifts or holiday shifts
            differs from their fair share (pro rata to contract hours, see :mod:`scheduling.fairness`).
        hours: Per started half hour a period's planned hours differ from the pro-rata contract.
        wish: Per unit of wish weight not honoured.
        change: Per change to the published rota when re-planning.
    """

    understaffed: int = 1000
    overstaffed: int = 150
    fairness: int = 3
    hours: int = 1
    wish: int = 20
    change: int = 60


class Goals:
    """Soft goals of :class:`~scheduling.model.RotaModel` (mixed in; uses its variables)."""

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
            surplus = 0 if (day, code) in self.optional else w.overstaffed  # a lead allows extra people there
            self.primary += [w.understaffed * under, surplus * over]
            self.pricing.append(lambda v, p=present, n=needed, o=surplus:
                                w.understaffed * max(0, n - v(p)) + o * max(0, v(p) - n))

        lost = w.understaffed * sum(n for (day, _), n in self.unlawful.items() if not self.frozen(day))
        self.primary.append(lost)
        self.pricing.append(lambda v: lost)

    def cost(self, value) -> int:
        """Real penalty of a plan, from the assignments only (``value`` is a solver's ``value``)."""
        def val(expr):
            return expr if isinstance(expr, int) else value(expr)

        return sum(price(val) for price in self.pricing)

    @cached_property
    def pricing(self) -> list:
        """One function per penalty term: plan values -> points."""
        return []

    def primary_cost(self):
        """Penalty of under- and overstaffing and of changes to the published rota (linear expression)."""
        return sum(self.primary)

    def soft_cost(self):
        """Penalty of the soft goals: fairness, hours and wishes (linear expression)."""
        return sum(self.soft)

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
                # The rounding loss is the least distance any whole count can have: a tight bound for the LP.
                dev = self.m.new_int_var(rounding_loss(target), top, f"dev_{name}{editor_id}")
                self.m.add(SCALE * expr - target <= dev)
                self.m.add(target - SCALE * expr <= dev)
                self.soft.append(self.p.weights.fairness * dev)
                self.pricing.append(lambda v, x=expr, t=target: self.p.weights.fairness * abs(SCALE * v(x) - t))

    def month_target(self, e: Editor) -> int:
        """Pro-rata contract minutes for the period, absences excused."""
        absent = sum(1 for d in self.absent.get(e.id, {}) if self.inside(d))
        return round(e.contract_hours_week * 60 * (len(self.days) - absent) / 7)

    def _hours_and_wishes(self) -> None:
        w = self.p.weights
        for e in self.editors:
            planned, target = self.minutes(e.id, self.days), self.month_target(e)
            gap = self.m.new_int_var(0, 2 * len(self.days) * 48, f"dev{e.id}")  # started half hours
            self.m.add(30 * gap >= planned - target)
            self.m.add(30 * gap >= target - planned)
            self.soft.append(w.hours * gap)
            self.pricing.append(lambda v, x=planned, t=target: w.hours * -(-abs(v(x) - t) // 30))
        for wish in self.p.wishes:
            if wish.date in self.days and not self.frozen(wish.date):
                missed = w.wish * wish.weight * self.wish_missed(wish)
                self.soft.append(missed)
                self.pricing.append(lambda v, x=missed: v(x))

    def wish_missed(self, wish):
        """1 if the wish is not honoured (linear expression)."""
        if wish.template is None:
            return self.work(wish.editor_id, wish.date)
        chosen = self.x.get((wish.editor_id, wish.date, wish.template), 0)
        return chosen if wish.avoid else 1 - chosen

    def _changes(self) -> None:
        if self.p.published is None:
            return
        published = self.published()
        changes = [self.p.weights.change * ((1 - var) if key in published else var)
                   for key, var in self.x.items() if not self.frozen(key[1])]
        lost = [k for k in published if k not in self.x and not self.frozen(k[1])]
        changes.append(self.p.weights.change * len(lost))
        self.primary += changes
        total = sum(changes)
        self.pricing.append(lambda v: v(total))
