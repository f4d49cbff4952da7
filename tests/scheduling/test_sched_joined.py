"""Months planned one after another join lawfully: each is planned and checked with its neighbours."""

import datetime as dt

from scheduling import (
    Absence,
    AbsenceKind,
    Assignment,
    BusinessCalendar,
    Editor,
    Rota,
    RotaProblem,
    ShiftModel,
    month_range,
    solve,
    validate,
)
from tests.scheduling.arbzg import problems

CAL = BusinessCalendar.essen_default("NW")
# Four people for 2 early, 1 late and 2 weekend shifts: everyone works most Sundays the law allows.
MODEL = ShiftModel.essen_default(early=2, late=1, weekend=2)
TEAM = [Editor(i, f"Person {i}", contract_hours_week=39.0) for i in range(1, 5)]


def plan_months(months, team=TEAM, model=MODEL, absences=(), limit=1.0):
    """Plan the months in order; each sees everything planned before it as fixed context."""
    done: list[Assignment] = []
    start = month_range(*months[0])[0]
    for year, month in months:
        first, last = month_range(year, month)
        before = Rota(start, first - dt.timedelta(days=1), done, model.templates) if done else None
        result = solve(RotaProblem.month(CAL, model, team, year, month, absences=absences, context=before),
                       time_limit=limit)
        assert result.rota is not None, result.explanation
        assert validate(result.rota, team, CAL, absences, context=before) == []
        done += result.rota.assignments
    return done, start, month_range(*months[-1])[1]


def test_checker_sees_the_boundary_the_issue_found():
    late_then_early = [Assignment(dt.date(2026, 11, 30), "S", 1), Assignment(dt.date(2026, 12, 1), "F", 1)]
    assert problems(late_then_early, MODEL.templates, dt.date(2026, 11, 1), dt.date(2026, 12, 31)) == [
        "1: rest 9:00:00 before 01.12.2026 06:00"]  # 07:00 in Berlin is 06:00 UTC


def test_validator_judges_a_month_with_the_one_before():
    nov = Rota(*month_range(2026, 11), [Assignment(dt.date(2026, 11, 30), "S", 1)], MODEL.templates)
    dec = Rota(*month_range(2026, 12), [Assignment(dt.date(2026, 12, 1), "F", 1)], MODEL.templates)
    alone = [v.code for v in validate(dec, TEAM[:1], CAL)]
    joined = validate(dec, TEAM[:1], CAL, context=nov)
    assert "rest" not in alone
    assert [v.message for v in joined if v.code == "rest"] == [
        "Person 1: Ruhezeit zwischen 30.11. 22:00 und 01.12. 07:00 nur 9 h (mindestens 11 h, § 5 ArbZG)"]


def test_three_months_join_lawfully():
    done, first, last = plan_months([(2026, 11), (2026, 12), (2027, 1)])
    assert problems(done, MODEL.templates, first, last) == []


def test_december_planned_after_a_busy_november_end():
    # Everyone worked the late shift on 30.11., Person 1 the six days before it too.
    nov = Rota(*month_range(2026, 11), [Assignment(dt.date(2026, 11, 30), "S", e.id) for e in TEAM]
               + [Assignment(dt.date(2026, 11, d), "F", 1) for d in range(25, 30)], MODEL.templates)
    joined_problems = {}
    for name, context in (("with", nov), ("without", None)):
        dec = solve(RotaProblem.month(CAL, MODEL, TEAM, 2026, 12, context=context), time_limit=1).rota
        joined_problems[name] = problems([*nov.assignments, *dec.assignments], MODEL.templates,
                                         dt.date(2026, 11, 1), dt.date(2026, 12, 31))
    assert joined_problems["with"] == []
    assert any("rest" in p for p in joined_problems["without"])  # what month-by-month planning did


def test_a_year_keeps_fifteen_free_sundays():
    # Two people for two weekend shifts: both would work every Sunday but for the law.
    team = TEAM[:2]
    model = ShiftModel.essen_default(early=1, late=0, weekend=2)
    done, first, last = plan_months([(2026, m) for m in range(1, 13)], team=team, model=model, limit=1.0)
    assert problems(done, model.templates, first, last, whole_years=True) == []
    sundays = {d for d in (first + dt.timedelta(days=i) for i in range(365)) if d.weekday() == 6}
    worked = sorted(sum(1 for a in done if a.editor_id == e.id and a.date in sundays) for e in team)
    assert worked == [len(sundays) - 15] * 2  # every Sunday the law allows, and not one more


def test_replan_after_sickness_keeps_the_join_lawful():
    done, _, _ = plan_months([(2026, 11)])
    nov = Rota(*month_range(2026, 11), done, MODEL.templates)
    dec_problem = RotaProblem.month(CAL, MODEL, TEAM, 2026, 12, context=nov)
    dec = solve(dec_problem, time_limit=1).rota
    sick = [Absence(2, dt.date(2026, 12, 1), dt.date(2026, 12, 3), AbsenceKind.SICK)]
    replan = RotaProblem.month(CAL, MODEL, TEAM, 2026, 12, absences=sick, published=dec, context=nov,
                               frozen_before=dt.date(2026, 12, 1))
    result = solve(replan, time_limit=1)
    assert result.rota is not None
    assert validate(result.rota, TEAM, CAL, sick, context=nov) == []
    away = {(2, dt.date(2026, 12, d)) for d in (1, 2, 3)}
    assert problems([*done, *result.rota.assignments], MODEL.templates, dt.date(2026, 11, 1),
                    dt.date(2026, 12, 31), away=away) == []


def test_context_after_the_period_counts_too():
    # December is published; November is planned afterwards and must fit in front of it.
    dec = [Assignment(dt.date(2026, 12, d), "F", 1) for d in (1, 2, 3, 4)]
    context = Rota(*month_range(2026, 12), dec, MODEL.templates)
    result = solve(RotaProblem.month(CAL, MODEL, TEAM, 2026, 11, context=context), time_limit=1)
    assert validate(result.rota, TEAM, CAL, context=context) == []
    assert problems([*result.rota.assignments, *dec], MODEL.templates, dt.date(2026, 11, 1),
                    dt.date(2026, 12, 31)) == []
