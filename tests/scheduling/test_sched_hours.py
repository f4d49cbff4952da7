import datetime as dt

import pytest

from scheduling import STATES, BusinessCalendar, DayType, Override, TimeSlot, WeeklyHours, state_holidays
from tests.scheduling.conftest import local

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_all_states_have_holidays():
    assert len(STATES) == 16
    for state in STATES:
        assert dt.date(2026, 10, 3) in state_holidays(state, 2026)


def test_unknown_state_rejected():
    with pytest.raises(ValueError):
        BusinessCalendar.essen_default("XX")


def test_fronleichnam_nw_not_hh():
    day = dt.date(2026, 6, 4)
    nw, hh = BusinessCalendar.essen_default("NW"), BusinessCalendar.essen_default("HH")
    assert nw.day_type(day) is DayType.HOLIDAY and hh.day_type(day) is DayType.WORKDAY
    assert nw.is_open(local(2026, 6, 4, 8)) is False
    assert hh.is_open(local(2026, 6, 4, 8)) is True
    assert nw.next_opening(local(2026, 6, 4, 8)) == local(2026, 6, 4, 9).astimezone(UTC)


def test_reformationstag_hh_not_nw():
    day = dt.date(2026, 10, 31)  # a Saturday: weekend hours either way, but the day type differs
    assert BusinessCalendar.essen_default("HH").day_type(day) is DayType.HOLIDAY
    assert BusinessCalendar.essen_default("NW").day_type(day) is DayType.WEEKEND
    assert BusinessCalendar.essen_default("NW").holiday_name(dt.date(2026, 6, 4)) == "Fronleichnam"


def test_essen_hours(essen):
    assert essen.is_open(local(2026, 5, 4, 7, 0))
    assert not essen.is_open(local(2026, 5, 4, 22, 0))
    assert essen.is_open(local(2026, 5, 4, 21, 59))
    assert not essen.is_open(local(2026, 5, 9, 8, 59))  # Saturday
    assert essen.is_open(local(2026, 5, 9, 9, 0))
    assert not essen.is_open(local(2026, 5, 1, 8))  # Tag der Arbeit, holiday hours


def test_naive_rejected(essen):
    for call in (essen.is_open, essen.next_opening, essen.next_closing):
        with pytest.raises(ValueError):
            call(dt.datetime(2026, 5, 4, 8))
    with pytest.raises(ValueError):
        essen.add_business_minutes(dt.datetime(2026, 5, 4, 8), 5)
    with pytest.raises(ValueError):
        essen.business_minutes_between(dt.datetime(2026, 5, 4, 8), local(2026, 5, 4, 9))


def test_add_across_night_and_weekend(essen):
    friday = local(2026, 5, 8, 21, 30)
    assert essen.add_business_minutes(friday, 30) == local(2026, 5, 8, 22, 0).astimezone(UTC)
    assert essen.add_business_minutes(friday, 31) == local(2026, 5, 9, 9, 1).astimezone(UTC)
    assert essen.add_business_minutes(friday, 30 + 8 * 60 * 2 + 5) == local(2026, 5, 11, 7, 5).astimezone(UTC)
    assert essen.add_business_minutes(friday, 0) == friday.astimezone(UTC)
    assert essen.add_business_minutes(friday, 5).tzinfo == UTC


def test_between_across_weekend(essen):
    assert essen.business_minutes_between(local(2026, 5, 8, 21), local(2026, 5, 11, 8)) == 60 + 960 + 60
    assert essen.business_minutes_between(local(2026, 5, 11, 8), local(2026, 5, 8, 21)) == -(60 + 960 + 60)


def test_spring_forward_day_has_23_hours():
    day = dt.date(2026, 3, 29)
    cal = BusinessCalendar.essen_default(overrides=[Override.around_the_clock(day, day, "Krise")])
    assert cal.business_minutes_between(local(2026, 3, 29), local(2026, 3, 30)) == 23 * 60
    assert cal.add_business_minutes(local(2026, 3, 29), 150) == utc(2026, 3, 29, 1, 30)
    assert cal.is_open(utc(2026, 3, 29, 1, 30))
    assert cal.next_closing(local(2026, 3, 29, 12)) == local(2026, 3, 30).astimezone(UTC)


def test_fall_back_day_has_25_hours():
    day = dt.date(2026, 10, 25)
    cal = BusinessCalendar.essen_default(overrides=[Override.around_the_clock(day, day)])
    assert cal.business_minutes_between(local(2026, 10, 25), local(2026, 10, 26)) == 25 * 60
    assert cal.open_intervals(local(2026, 10, 24, 12), local(2026, 10, 27)) == [
        (utc(2026, 10, 24, 10), utc(2026, 10, 24, 15)),
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 23)),
        (utc(2026, 10, 26, 6), utc(2026, 10, 26, 21)),
    ]


def test_ordinary_hours_on_dst_days(essen):
    # Sunday hours 09:00-17:00 local are 8 real hours on both change days.
    assert essen.next_opening(local(2026, 3, 29, 1)) == utc(2026, 3, 29, 7)
    assert essen.next_opening(local(2026, 10, 25, 1)) == utc(2026, 10, 25, 8)
    for day, minutes in ((29, 480), (30, 900)):
        assert essen.business_minutes_between(local(2026, 3, day), local(2026, 3, day + 1)) == minutes


def test_overrides_shorter_and_closed():
    cal = BusinessCalendar.essen_default(overrides=[
        Override.hours(dt.date(2026, 12, 24), dt.date(2026, 12, 24), "09:00-14:00", "Heiligabend"),
        Override.closed(dt.date(2026, 12, 31), dt.date(2026, 12, 31), "Silvester"),
    ])
    assert cal.is_open(local(2026, 12, 24, 13, 59)) and not cal.is_open(local(2026, 12, 24, 14))
    assert not cal.is_open(local(2026, 12, 31, 12))
    assert cal.next_opening(local(2026, 12, 30, 23)) == local(2027, 1, 1, 9).astimezone(UTC)


def test_crisis_joins_days(essen):
    crisis = Override.around_the_clock(dt.date(2026, 7, 1), dt.date(2026, 7, 3))
    cal = BusinessCalendar.essen_default(overrides=[crisis])
    assert cal.next_closing(local(2026, 7, 1, 3)) == local(2026, 7, 4).astimezone(UTC)
    assert cal.open_intervals(local(2026, 7, 1), local(2026, 7, 3, 12)) == [(local(2026, 7, 1).astimezone(UTC),
                                                                              local(2026, 7, 3, 12).astimezone(UTC))]


def test_several_slots_per_day():
    hours = WeeklyHours.simple("07:00-12:00, 13:00-22:00", "closed")
    cal = BusinessCalendar(hours, "BY")
    assert not cal.is_open(local(2026, 5, 4, 12, 30))
    assert cal.next_opening(local(2026, 5, 4, 12, 30)) == local(2026, 5, 4, 13).astimezone(UTC)
    assert cal.next_closing(local(2026, 5, 4, 8)) == local(2026, 5, 4, 12).astimezone(UTC)
    assert cal.business_minutes_between(local(2026, 5, 4), local(2026, 5, 5)) == 14 * 60
    assert not cal.is_open(local(2026, 5, 9, 10))


def test_time_slot_validation():
    assert str(TimeSlot.parse("00:00-24:00")) == "00:00-24:00"
    with pytest.raises(ValueError):
        TimeSlot.parse("22:00-07:00")
