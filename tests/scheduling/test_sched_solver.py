import datetime as dt

import pytest
from ortools.sat.python import cp_model

from scheduling import (
    Absence,
    AbsenceKind,
    BusinessCalendar,
    DayType,
    Editor,
    EditorLimits,
    RotaProblem,
    ShiftModel,
    Wish,
    solve,
    validate,
)
from scheduling.model import RotaModel

CAL = BusinessCalendar.essen_default("NW")
MODEL = ShiftModel.essen_default(early=1, late=1, weekend=1)
TEAM = [Editor(i, f"Person {i}", contract_hours_week=20.0) for i in range(1, 6)]
VACATION = [Absence(2, dt.date(2026, 5, 11), dt.date(2026, 5, 17))]


@pytest.fixture(scope="module")
def may():
    problem = RotaProblem.month(CAL, MODEL, TEAM, 2026, 5, absences=VACATION,
                                wishes=[Wish(3, dt.date(2026, 5, 20), None, 5), Wish(4, dt.date(2026, 5, 21), "S", 5)])
    return problem, solve(problem, time_limit=5)


def test_small_month_is_lawful_and_covered(may):
    problem, result = may
    assert result.status in ("OPTIMAL", "FEASIBLE") and result.rota is not None
    assert validate(result.rota, TEAM, CAL, VACATION) == []
    assert result.understaffed == []
    assert result.time_to_first is not None and result.time_to_first <= result.wall_time
    assert result.best_bound <= result.objective and 0 <= result.gap <= 1
    assert set(result.fairness) == {"weekend", "late", "holiday"}
    assert not any(a.editor_id == 2 and dt.date(2026, 5, 11) <= a.date <= dt.date(2026, 5, 17)
                   for a in result.rota.assignments)


def test_wishes_honoured(may):
    _, result = may
    assert (result.wishes_honoured, result.wishes_total) == (2, 2)
    assert not any(a.editor_id == 3 and a.date == dt.date(2026, 5, 20) for a in result.rota.assignments)


def test_progress_callback_reports_solutions():
    calls = []
    problem = RotaProblem(CAL, MODEL, TEAM, dt.date(2026, 5, 4), dt.date(2026, 5, 17))
    result = solve(problem, time_limit=3, progress=lambda obj, elapsed, bound: calls.append((obj, elapsed, bound)))
    assert calls and calls[-1][0] == result.objective
    assert all(e >= 0 and b <= o + 1e-6 for o, e, b in calls)


def test_understaffing_is_reported_not_fatal():
    small = [Editor(1, "Anna", 20.0), Editor(2, "Ben", 20.0)]
    model = ShiftModel.essen_default(early=2, late=2, weekend=1)
    result = solve(RotaProblem(CAL, model, small, dt.date(2026, 5, 4), dt.date(2026, 5, 10)), time_limit=3)
    assert result.rota is not None and result.understaffed
    assert all(s.present < s.needed and s.reason for s in result.understaffed)


def test_infeasible_hard_headcount_explains_vacation():
    team = TEAM[:3]
    away = [Absence(e.id, dt.date(2026, 5, 4), dt.date(2026, 5, 10), AbsenceKind.VACATION) for e in team]
    problem = RotaProblem(CAL, MODEL, team, dt.date(2026, 5, 4), dt.date(2026, 5, 17), absences=away,
                          headcount_hard=True)
    result = solve(problem, time_limit=3)
    assert result.status == "INFEASIBLE" and result.rota is None
    days = {s.date for s in result.understaffed}
    assert days == {dt.date(2026, 5, 4) + dt.timedelta(days=i) for i in range(7)}
    assert all(s.reason == "alle 3 Redakteure im Urlaub" for s in result.understaffed)
    assert any("04.05." in line and "Urlaub" in line for line in result.explanation)


def test_infeasible_rule_clash_names_editor():
    picky = Editor(9, "Pia", 39.0, limits=EditorLimits(max_shifts={"F": 0, "S": 0, "T": 0}))
    problem = RotaProblem(CAL, MODEL, [*TEAM[:2], picky], dt.date(2026, 5, 4), dt.date(2026, 5, 17))
    result = solve(problem, time_limit=3)
    assert result.rota is None
    assert any(line.startswith("Pia:") for line in result.explanation)


def test_replan_after_sickness_keeps_most_assignments(may):
    problem, first = may
    sick = Absence(1, dt.date(2026, 5, 18), dt.date(2026, 5, 20), AbsenceKind.SICK)
    replan = RotaProblem.month(CAL, MODEL, TEAM, 2026, 5, absences=[*VACATION, sick], published=first.rota,
                               frozen_before=dt.date(2026, 5, 18), wishes=problem.wishes)
    result = solve(replan, time_limit=5)
    assert result.rota is not None
    before = {a for a in first.rota.assignments if a.date < dt.date(2026, 5, 18)}
    assert before <= set(result.rota.assignments)
    assert not any(a.editor_id == 1 and dt.date(2026, 5, 18) <= a.date <= dt.date(2026, 5, 20)
                   for a in result.rota.assignments)
    later = [a for a in first.rota.assignments if a.date >= dt.date(2026, 5, 18)]
    assert result.changes <= len(later) // 2
    assert result.understaffed == []


def test_holiday_headcount_uses_holiday_day_type():
    model = ShiftModel(MODEL.templates, {**MODEL.headcount, ("T", DayType.HOLIDAY): 2})
    result = solve(RotaProblem(CAL, model, TEAM, dt.date(2026, 6, 1), dt.date(2026, 6, 7)), time_limit=3)
    corpus_christi = [a for a in result.rota.assignments if a.date == dt.date(2026, 6, 4)]
    assert len(corpus_christi) == 2 and {a.template for a in corpus_christi} == {"T"}


def test_time_limit_counts_model_building_and_says_so():
    team = [Editor(i, f"Person {i}", 39.0) for i in range(1, 13)]
    problem = RotaProblem.month(CAL, ShiftModel.essen_default(early=3, late=3, weekend=2), team, 2026, 12)
    result = solve(problem, time_limit=0.001)
    assert result.status == "UNKNOWN" and result.rota is None
    assert result.explanation == ["Zeitlimit von 0,001 s erreicht, bevor ein zulässiger Plan gefunden wurde. "
                                  "Mit mehr Zeit findet der Planer vielleicht einen."]


def least_cost(problem, plan) -> float:
    """The model's objective with every assignment fixed to the plan: only the penalties' slack is left to
    the solver, which drives it out, so this is what the plan really costs."""
    rm = RotaModel(problem, problem.editors, False).build()
    chosen = {(a.editor_id, a.date, a.template) for a in plan.assignments}
    for key, var in rm.x.items():
        rm.m.add(var == int(key in chosen))
    solver = cp_model.CpSolver()
    assert solver.solve(rm.m) == cp_model.OPTIMAL
    return solver.objective_value


def test_objective_is_the_real_cost_of_the_plan():
    # The first plan CP-SAT finds carries slack (once 20,923 points for a plan that cost 15,173).
    team = [Editor(i, f"Person {i}", 30.0 if i % 3 else 39.0) for i in range(1, 9)]
    problem = RotaProblem.month(CAL, ShiftModel.essen_default(early=2, late=2, weekend=2), team, 2026, 11)
    result = solve(problem, time_limit=5, hint=False, params={"stop_after_first_solution": True})
    assert result.objective == least_cost(problem, result.rota)
    assert result.best_bound <= result.objective and result.gap == pytest.approx(
        (result.objective - result.best_bound) / result.objective)


def test_interchangeable_editors_are_ordered_by_minutes():
    twins = [Editor(i, f"Person {i}", 20.0) for i in range(1, 5)]
    odd = Editor(5, "Pia", 30.0)
    problem = RotaProblem(CAL, MODEL, [*twins, odd], dt.date(2026, 5, 4), dt.date(2026, 5, 17),
                          wishes=[Wish(4, dt.date(2026, 5, 6), None, 3)])
    rm = RotaModel(problem, problem.editors, False)
    assert [[e.id for e in g] for g in rm.interchangeable()] == [[1, 2, 3]]  # 4 has a wish, 5 another contract
    result = solve(problem, time_limit=3)
    minutes = [sum(MODEL.template(a.template).work_minutes for a in result.rota.of_editor(i)) for i in (1, 2, 3)]
    assert minutes == sorted(minutes, reverse=True)
    assert validate(result.rota, problem.editors, CAL) == []


def test_stop_asked_before_the_search_gives_no_plan_and_says_so():
    problem = RotaProblem(CAL, MODEL, TEAM, dt.date(2026, 5, 4), dt.date(2026, 5, 10))
    result = solve(problem, time_limit=600, stop=lambda: True)
    assert result.stopped and result.rota is None
    assert result.explanation == ["Abgebrochen, bevor ein zulässiger Plan gefunden wurde."]


def test_stop_during_the_search_keeps_the_best_plan_so_far():
    import threading

    problem = RotaProblem(CAL, MODEL, TEAM, dt.date(2026, 5, 4), dt.date(2026, 5, 31))
    first_plan = threading.Event()
    result = solve(problem, time_limit=600, progress=lambda *_: first_plan.set(), stop=first_plan.is_set)
    assert result.stopped
    assert result.rota is not None
    assert solve(problem, time_limit=3).stopped is False
