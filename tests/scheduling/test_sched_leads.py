"""What a team lead can say: per-date headcount, minutes per plan, shift wishes, sequences, long shifts."""

import datetime as dt

from scheduling import (
    ANY,
    FREE,
    Assignment,
    BusinessCalendar,
    DayType,
    Editor,
    EditorLimits,
    Rota,
    RotaProblem,
    Rules,
    ShiftModel,
    ShiftTemplate,
    Wish,
    demand,
    solve,
    validate,
)

CAL = BusinessCalendar.essen_default("NW")
MODEL = ShiftModel.essen_default(early=1, late=1, weekend=1)
TEAM = [Editor(i, f"Person {i}", contract_hours_week=20.0) for i in range(1, 6)]
WEEKS = (dt.date(2026, 5, 4), dt.date(2026, 5, 10))  # one week keeps the solves short
ELECTION = dt.date(2026, 5, 10)  # a Sunday


def rota(*shifts, templates=MODEL.templates):
    return Rota(*WEEKS, [Assignment(d, c, e) for e, d, c in shifts], templates)


def codes(violations):
    return [v.code for v in violations]


def test_extra_headcount_on_one_date():
    model = ShiftModel(MODEL.templates, MODEL.headcount, {(ELECTION, "T"): 2, (ELECTION, "F"): 1})
    assert {(d.template, d.needed) for d in demand(CAL, model, ELECTION, ELECTION)} == {("T", 3), ("F", 1)}
    result = solve(RotaProblem(CAL, model, TEAM, *WEEKS), time_limit=2)
    on_election = sorted(a.template for a in result.rota.on_date(ELECTION))
    assert on_election == ["F", "T", "T", "T"] and result.understaffed == []


def test_minutes_over_the_plan_period():
    capped = Editor(1, "Anna", 20.0, limits=EditorLimits(max_minutes=600, min_minutes=420))
    [v] = [v for v in validate(rota((1, WEEKS[0], "F"), (1, WEEKS[0] + dt.timedelta(1), "F")), [capped], CAL)
           if v.code == "plan_minutes"]
    assert v.message == "Anna: 14 h geplant vom 04.05. bis 10.05., höchstens 10 h vorgegeben"
    assert "mindestens 7 h" in [v for v in validate(rota(), [capped], CAL) if v.code == "plan_minutes"][0].message
    # 20 h a week allow 12 to 28 h in the week; the lead narrows that to 15 to 20 h.
    narrow = Editor(1, "Anna", 20.0, limits=EditorLimits(min_minutes=900, max_minutes=1200))
    result = solve(RotaProblem(CAL, MODEL, [narrow, *TEAM[1:]], *WEEKS), time_limit=2)
    planned = sum(MODEL.template(a.template).work_minutes for a in result.rota.of_editor(1))
    assert 900 <= planned <= 1200


def test_wish_against_one_shift():
    day = dt.date(2026, 5, 6)
    wishes = [Wish(e.id, day, "S", 10, avoid=True) for e in TEAM[:4]]
    result = solve(RotaProblem(CAL, MODEL, TEAM, *WEEKS, wishes=wishes), time_limit=2)
    assert [a.editor_id for a in result.rota.on_date(day) if a.template == "S"] == [5]
    assert (result.wishes_honoured, result.wishes_total) == (4, 4)
    assert Wish(1, day, "S", avoid=True).honoured(["F"]) and not Wish(1, day, "S", avoid=True).honoured(["S"])


def test_forbidden_sequences():
    rules = Rules(forbidden_sequences=(("F", "S"), ("S", FREE, ANY)))
    early_late = rota((1, dt.date(2026, 5, 4), "F"), (1, dt.date(2026, 5, 5), "S"))
    [v] = [v for v in validate(early_late, TEAM[:1], CAL, rules=rules) if v.code == "sequence"]
    assert v.message == "Person 1: Frühdienst → Spätdienst ab 04.05. (im Team ausgeschlossen)"
    gap_of_one = rota((1, dt.date(2026, 5, 5), "S"), (1, dt.date(2026, 5, 7), "F"))
    assert "sequence" in codes(validate(gap_of_one, TEAM[:1], CAL, rules=rules))
    assert "sequence" not in codes(validate(early_late, TEAM[:1], CAL))
    result = solve(RotaProblem(CAL, MODEL, TEAM, *WEEKS, rules=rules), time_limit=2)
    assert result.rota is not None and "sequence" not in codes(validate(result.rota, TEAM, CAL, rules=rules))


LONG = ShiftTemplate.parse("L", "Langdienst", "07:00-19:00", (DayType.WORKDAY, DayType.WEEKEND))


def test_long_shifts_only_with_a_recorded_legal_basis():
    long_day = rota((1, dt.date(2026, 5, 4), "L"), templates=(LONG,))
    [v] = [v for v in validate(long_day, TEAM[:1], CAL) if v.code == "daily_hours"]
    assert "(höchstens 10 h, § 3 ArbZG; länger nur mit Rechtsgrundlage nach § 7 ArbZG)" in v.message
    basis = Rules(long_shift_basis="§ 6 Abs. 4 TVöD-V und Dienstvereinbarung 3/2026", long_shift_max_minutes=720)
    assert "daily_hours" not in codes(validate(long_day, TEAM[:1], CAL, rules=basis))
    tighter = Rules(long_shift_basis=basis.long_shift_basis, long_shift_max_minutes=630)
    [v] = [v for v in validate(long_day, TEAM[:1], CAL, rules=tighter) if v.code == "daily_hours"]
    assert "(höchstens 10,5 h, nach § 6 Abs. 4 TVöD-V und Dienstvereinbarung 3/2026, § 7 ArbZG)" in v.message
    model = ShiftModel((*MODEL.templates, LONG), {**MODEL.headcount, ("L", DayType.WORKDAY): 1})
    team = [Editor(i, f"Person {i}", 30.0) for i in range(1, 6)]
    loose = Rules(contract_tolerance_hours=30.0)  # the weekly contract window is not what this test is about
    without = solve(RotaProblem(CAL, model, team, *WEEKS, rules=loose), time_limit=2)
    assert without.rota is not None and "L" not in {a.template for a in without.rota.assignments}
    assert {s.template for s in without.understaffed} == {"L"}
    lawful = Rules(contract_tolerance_hours=30.0, long_shift_basis=basis.long_shift_basis, long_shift_max_minutes=720)
    allowed = solve(RotaProblem(CAL, model, team, *WEEKS, rules=lawful), time_limit=2)
    assert allowed.understaffed == [] and validate(allowed.rota, team, CAL, rules=lawful) == []


def test_optional_template_is_worked_without_demand():
    day_shift = ShiftTemplate.parse("T", "Tagdienst", "09:00-17:00", (DayType.WORKDAY,), optional=True)
    early = ShiftTemplate.parse("F", "Frühdienst", "07:00-14:30", (DayType.WORKDAY,))
    model = ShiftModel((early, day_shift), {("F", DayType.WORKDAY): 1})
    team = [Editor(1, "Anna", 39.0), Editor(2, "Ben", 39.0)]
    june = (dt.date(2026, 6, 8), dt.date(2026, 6, 21))  # no holiday: the weekly contract minimum can be met
    result = solve(RotaProblem(CAL, model, team, *june), time_limit=2)
    assert {a.template for a in result.rota.assignments} == {"F", "T"}
    assert result.overstaffed == [] and result.understaffed == []
    assert validate(result.rota, team, CAL) == []
