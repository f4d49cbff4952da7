import datetime as dt

from scheduling import (
    Assignment,
    BusinessCalendar,
    Override,
    Rota,
    ShiftModel,
    ShiftTemplate,
    coverage_gaps,
    demand,
    on_shift,
    required_break,
)
from tests.scheduling.conftest import local

UTC = dt.UTC


def test_breaks_follow_arbzg():
    assert [required_break(m) for m in (360, 361, 540, 541)] == [0, 30, 30, 45]
    model = ShiftModel.essen_default()
    assert {t.code: (t.pause_minutes, t.work_minutes) for t in model.templates} == {
        "F": (30, 420), "S": (30, 420), "T": (30, 450)}
    assert ShiftTemplate.parse("L", "Lang", "07:00-17:00").pause_minutes == 45


def test_demand_follows_day_type_and_state(shifts):
    nw, hh = BusinessCalendar.essen_default("NW"), BusinessCalendar.essen_default("HH")
    corpus_christi = dt.date(2026, 6, 4)
    assert {(d.template, d.needed) for d in demand(nw, shifts, corpus_christi, corpus_christi)} == {("T", 1)}
    assert {(d.template, d.needed) for d in demand(hh, shifts, corpus_christi, corpus_christi)} == {("F", 2), ("S", 2)}


def test_demand_respects_overrides(shifts):
    eve, silvester = dt.date(2026, 12, 24), dt.date(2026, 12, 31)
    cal = BusinessCalendar.essen_default(overrides=[Override.hours(eve, eve, "09:00-14:00"),
                                                    Override.closed(silvester, silvester)])
    assert [d.template for d in demand(cal, shifts, eve, eve)] == ["F"]
    assert demand(cal, shifts, silvester, silvester) == []


def test_on_shift_boundaries(shifts):
    monday = dt.date(2026, 5, 4)
    rota = Rota(monday, monday, [Assignment(monday, "F", 1), Assignment(monday, "S", 2), Assignment(monday, "S", 3)],
                shifts.templates)
    assert on_shift(rota, local(2026, 5, 4, 6, 59)) == frozenset()
    assert on_shift(rota, local(2026, 5, 4, 7)) == {1}
    assert on_shift(rota, local(2026, 5, 4, 14, 30)) == {2, 3}
    assert on_shift(rota, local(2026, 5, 4, 21, 59).astimezone(UTC)) == {2, 3}
    assert on_shift(rota, local(2026, 5, 4, 22)) == frozenset()


def test_on_shift_overnight_and_dst():
    night = ShiftTemplate.parse("N", "Nachtdienst", "22:00-06:00")
    day = dt.date(2026, 3, 28)
    rota = Rota(day, day, [Assignment(day, "N", "x")], (night,))
    assert rota.interval(rota.assignments[0]) == (local(2026, 3, 28, 22).astimezone(UTC),
                                                  local(2026, 3, 29, 6).astimezone(UTC))
    assert on_shift(rota, local(2026, 3, 29, 5, 59)) == {"x"}
    assert night.duration_minutes == 480  # wall-clock length; the real night is 7 h on this date


def test_coverage_gaps_list_needed_and_present(essen, shifts):
    monday = dt.date(2026, 5, 4)
    rota = Rota(monday, monday, [Assignment(monday, "F", 1)], shifts.templates)
    gaps = coverage_gaps(rota, essen, shifts)
    assert [(g.start, g.end, g.needed, g.present) for g in gaps] == [
        (local(2026, 5, 4, 7).astimezone(UTC), local(2026, 5, 4, 14, 30).astimezone(UTC), 2, 1),
        (local(2026, 5, 4, 14, 30).astimezone(UTC), local(2026, 5, 4, 22).astimezone(UTC), 2, 0),
    ]


def test_full_rota_has_no_gaps(essen, shifts):
    monday = dt.date(2026, 5, 4)
    rota = Rota(monday, monday, [Assignment(monday, c, e) for c, e in (("F", 1), ("F", 2), ("S", 3), ("S", 4))],
                shifts.templates)
    assert coverage_gaps(rota, essen, shifts) == []


def test_open_time_without_template_counts_as_unstaffed(shifts):
    monday = dt.date(2026, 5, 4)
    cal = BusinessCalendar.essen_default(overrides=[Override.around_the_clock(monday, monday)])
    rota = Rota(monday, monday, [Assignment(monday, c, e) for c, e in (("F", 1), ("F", 2), ("S", 3), ("S", 4))],
                shifts.templates)
    gaps = coverage_gaps(rota, cal, shifts)
    assert [(g.start, g.end, g.needed, g.present) for g in gaps] == [
        (local(2026, 5, 4).astimezone(UTC), local(2026, 5, 4, 7).astimezone(UTC), 1, 0),
        (local(2026, 5, 4, 22).astimezone(UTC), local(2026, 5, 5).astimezone(UTC), 1, 0),
    ]
