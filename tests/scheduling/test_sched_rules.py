"""Every rule with one rota that breaks it and one that keeps it."""

import datetime as dt

import pytest

from scheduling import (
    Absence,
    AbsenceKind,
    Assignment,
    BusinessCalendar,
    Editor,
    EditorLimits,
    Rota,
    ShiftModel,
    ShiftTemplate,
    validate,
)

NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
MODEL = ShiftModel.essen_default()
CAL = BusinessCalendar.essen_default("NW")
ANNA = Editor(1, "Anna", contract_hours_week=39.0, skills=frozenset({"de"}))


def day(n: int) -> dt.date:
    return dt.date(2026, 11, n)


def rota(*shifts: tuple[int, str], templates=MODEL.templates, editor=1) -> Rota:
    return Rota(*NOV, [Assignment(day(n), code, editor) for n, code in shifts], templates)


def found(r: Rota, code: str, editor: Editor = ANNA, absences=(), cal=CAL):
    return [v for v in validate(r, [editor], cal, absences) if v.code == code]


def test_rest_violation_has_readable_message():
    [v] = found(rota((23, "S"), (24, "F")), "rest")
    assert v.message == "Anna: Ruhezeit zwischen 23.11. 22:00 und 24.11. 07:00 nur 9 h (mindestens 11 h, § 5 ArbZG)"
    assert (v.editor_id, v.date) == (1, day(24))
    assert found(rota((23, "F"), (24, "S")), "rest") == []
    assert found(rota((21, "T"), (22, "T")), "rest") == []


def test_rest_counts_real_hours_across_dst():
    templates = MODEL.templates + (ShiftTemplate.parse("N", "Nachtdienst", "16:00-01:00"),)
    r = Rota(dt.date(2026, 10, 1), dt.date(2026, 10, 31),
             [Assignment(dt.date(2026, 10, 24), "N", 1), Assignment(dt.date(2026, 10, 25), "N", 1)], templates)
    # 01:00 to 16:00 on the night clocks go back is 16 real hours: lawful.
    assert [v for v in validate(r, [ANNA], CAL) if v.code == "rest"] == []


def test_daily_work_limit():
    assert found(rota((23, "F"), (23, "S")), "daily_hours")
    assert found(rota((23, "F")), "daily_hours") == []
    long = ShiftTemplate.parse("L", "Langdienst", "07:00-19:00")
    assert found(rota((23, "L"), templates=(long,)), "daily_hours")


def test_break_rule():
    no_break = ShiftTemplate.parse("X", "Ohne Pause", "08:00-15:00", break_minutes=0)
    [v] = found(rota((23, "X"), templates=(no_break,)), "break")
    assert "§ 4 ArbZG" in v.message
    assert found(rota((23, "F")), "break") == []


def test_absence_rule():
    vacation = [Absence(1, day(23), day(27), AbsenceKind.VACATION)]
    [v] = found(rota((24, "F")), "absence", absences=vacation)
    assert "Urlaub" in v.message
    assert found(rota((28, "T")), "absence", absences=vacation) == []
    sick = [Absence(1, day(24), day(24), AbsenceKind.SICK)]
    assert "krank" in found(rota((24, "F")), "absence", absences=sick)[0].message


def test_skill_rule():
    english = ShiftTemplate.parse("E", "Englisch-Dienst", "09:00-17:00", skills=frozenset({"en"}))
    assert found(rota((23, "E"), templates=(english,)), "skills")
    polyglot = Editor(1, "Anna", skills=frozenset({"de", "en"}))
    assert found(rota((23, "E"), templates=(english,)), "skills", editor=polyglot) == []


def test_max_consecutive_days():
    week = [(n, "F") for n in range(2, 7)] + [(7, "T"), (8, "T")]
    assert found(rota(*week), "max_consecutive_days")
    assert found(rota(*week[:6]), "max_consecutive_days") == []
    limited = Editor(1, "Anna", limits=EditorLimits(max_consecutive_days=3))
    assert found(rota(*week[:4]), "max_consecutive_days", editor=limited)


def test_min_consecutive_days():
    limited = Editor(1, "Anna", limits=EditorLimits(min_consecutive_days=3))
    assert found(rota((10, "F"), (11, "F")), "min_consecutive_days", editor=limited)
    assert found(rota((10, "F"), (11, "F"), (12, "F")), "min_consecutive_days", editor=limited) == []


def test_min_days_off():
    limited = Editor(1, "Anna", limits=EditorLimits(min_consecutive_days_off=2))
    assert found(rota((10, "F"), (12, "F")), "min_days_off", editor=limited)
    assert found(rota((10, "F"), (13, "F")), "min_days_off", editor=limited) == []


def test_free_sundays():
    sundays = [(n, "T") for n in (1, 8, 15, 22, 29)]
    [v] = found(rota(*sundays), "free_sundays")
    assert "0 freie Sonntage" in v.message
    assert found(rota(*sundays[:4]), "free_sundays") == []


def test_compensatory_day_for_sunday_work():
    busy = [(1, "T")] + [(n, "F") for n in range(2, 15) if day(n).weekday() != 6]
    [v] = found(rota(*busy), "compensatory_day")
    assert v.date == day(1) and "Ersatzruhetag" in v.message
    assert found(rota(*[s for s in busy if s[0] != 3]), "compensatory_day") == []


def test_compensatory_day_not_judged_past_period_end():
    assert found(rota((29, "T"), (30, "F")), "compensatory_day") == []


def test_contract_hours_per_week():
    [v, *_] = found(rota(), "contract_hours")
    assert "0 h geplant" in v.message
    full = [(n, "F") for n in range(2, 7)]
    assert [x for x in found(rota(*full), "contract_hours") if x.date == day(2)] == []
    vacation = [Absence(1, day(2), day(8))]
    assert [x for x in found(rota(), "contract_hours", absences=vacation) if x.date == day(2)] == []


def test_max_shifts_of_a_type():
    limited = Editor(1, "Anna", limits=EditorLimits(max_shifts={"S": 2}))
    [v] = found(rota((10, "S"), (11, "S"), (12, "S")), "max_shifts", editor=limited)
    assert "3× Spätdienst" in v.message
    assert found(rota((10, "S"), (11, "S")), "max_shifts", editor=limited) == []


def test_max_weekends():
    limited = Editor(1, "Anna", limits=EditorLimits(max_weekends=1))
    assert found(rota((7, "T"), (15, "T")), "max_weekends", editor=limited)
    assert found(rota((7, "T"), (8, "T")), "max_weekends", editor=limited) == []


def test_unknown_editor_reported():
    assert [v.code for v in validate(rota((10, "F"), editor=99), [ANNA], CAL)].count("unknown_editor") == 1


@pytest.mark.parametrize("code", ["rest", "daily_hours", "break", "absence", "skills", "max_consecutive_days"])
def test_clean_rota_has_no_such_violation(code):
    plan = [(n, "F") for n in range(2, 7)] + [(n, "F") for n in range(9, 14)]
    assert found(rota(*plan), code) == []
