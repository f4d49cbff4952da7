"""The starting plan keeps rest, runs, sequences, Sundays and maximum working time on its own."""

import datetime as dt

from scheduling import (
    FREE,
    Assignment,
    BusinessCalendar,
    Editor,
    EditorLimits,
    Rota,
    RotaProblem,
    Rules,
    ShiftModel,
    month_range,
    validate,
)
from scheduling.model import RotaModel
from scheduling.start import starting_plan

CAL = BusinessCalendar.essen_default("NW")
MODEL = ShiftModel.essen_default(early=2, late=2, weekend=2)
TEAM = [Editor(i, f"Person {i}", 39.0 if i % 2 else 30.0, limits=EditorLimits(max_weekends=3 if i == 1 else None))
        for i in range(1, 7)]
KEPT = {"rest", "max_consecutive_days", "sequence", "free_sundays", "max_weekends", "max_shifts", "absence"}


def test_starting_plan_keeps_the_rules_a_day_by_day_plan_can_see():
    nov = Rota(*month_range(2026, 11), [Assignment(dt.date(2026, 11, d), "F", 1) for d in range(25, 31)]
               + [Assignment(dt.date(2026, 11, 30), "S", 2)], MODEL.templates)
    rules = Rules(forbidden_sequences=(("S", FREE, "F"),))
    problem = RotaProblem.month(CAL, MODEL, TEAM, 2026, 12, context=nov, rules=rules)
    rm = RotaModel(problem, TEAM, False).build()
    plan = Rota(*month_range(2026, 12), [Assignment(k[1], k[2], k[0]) for k in starting_plan(rm)], MODEL.templates)
    assert len(plan.assignments) > 100  # it really plans the month
    broken = [v for v in validate(plan, TEAM, CAL, rules=rules, context=nov) if v.code in KEPT]
    assert broken == []
    too_long = [v for v in validate(plan, TEAM, CAL, rules=rules, context=nov)
                if v.code == "contract_hours" and "h geplant, erlaubt" in v.message and _over(v)]
    assert too_long == []


def _over(violation) -> bool:
    """A weekly contract violation on the high side."""
    planned, allowed = violation.message.split(": ", 2)[2].split(" geplant, erlaubt ")
    high = allowed.split(" bis ")[1].split(" ")[0]
    return float(planned.split()[0].replace(",", ".")) > float(high.replace(",", "."))
