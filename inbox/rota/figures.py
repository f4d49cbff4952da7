"""What the grid shows beside the cells: rule violations, coverage, headcount per day and counts per editor.

One function for the page and for the live check of unsaved edits, so both always agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from inbox.orgs.models import Team
from inbox.rota import adapter
from inbox.rota.models import Rota


def checks(team: Team, rota: Rota, cells: adapter.Cells | None = None) -> dict:
    """Violations, gaps and the grid's figures for the rota with cells (unsaved edits) laid over it."""
    model, calendar = adapter.shift_model_for(team), adapter.calendar_for(team)
    plan = adapter.rota_object(rota, model, cells)
    days = adapter.month_days(rota.year, rota.month)
    violations = adapter.validate(rota, cells)
    return {"violations": violations, "gaps": adapter.coverage_gaps(plan, calendar, model),
            "per_day": _per_day(plan, calendar, model, days),
            "per_editor": _per_editor(team, plan, calendar, model, days),
            "marked": {(v.editor_id, v.date) for v in violations}}


def _per_day(plan: adapter.RotaPlan, calendar, model: adapter.ShiftModel, days: list[dt.date]) -> dict[dt.date, dict]:
    need = {(d.date, d.template): d.needed for d in adapter.demand(calendar, model, days[0], days[-1])}
    have = Counter((a.date, a.template) for a in plan.assignments)
    result = {}
    for day in days:
        short = [f"{t.code} {have[(day, t.code)]} von {need[(day, t.code)]}" for t in model.templates
                 if have[(day, t.code)] < need.get((day, t.code), 0)]
        result[day] = {"present": sum(have[(day, t.code)] for t in model.templates),
                       "needed": sum(need.get((day, t.code), 0) for t in model.templates),
                       "short": ", ".join(short)}
    return result


def _per_editor(team: Team, plan: adapter.RotaPlan, calendar, model: adapter.ShiftModel,
                days: list[dt.date]) -> dict[int, dict]:
    """Planned hours against the contract (pro rata over the days not absent) and the fairness counts."""
    editors = adapter.editors_for(team)
    absences = adapter.absences_for(team.organization_id, [e.id for e in editors], days[0], days[-1])
    absent = Counter(a.editor_id for a in absences for d in days if a.first <= d <= a.last)
    result = {e.id: {"minutes": 0, "target": round(e.contract_hours_week * 60 / 7 * (len(days) - absent[e.id])),
                     "weekend": 0, "late": 0, "holiday": 0} for e in editors}
    for a in plan.assignments:
        row = result.get(a.editor_id)
        if row is None:
            continue
        template = model.by_code[a.template]
        row["minutes"] += template.work_minutes
        row["weekend"] += a.date.weekday() >= 5
        row["late"] += template.late
        row["holiday"] += calendar.holiday_name(a.date) is not None
    return result


def hours(minutes: int) -> str:
    """Minutes as whole hours on screen (the grid's column is narrow), e.g. 9750 -> "163"."""
    return str(round(minutes / 60))
