"""Laws of business-time arithmetic, checked with hypothesis across DST, holidays and overrides."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling import BusinessCalendar, Override, WeeklyHours

UTC = dt.UTC
CALENDARS = [
    BusinessCalendar.essen_default("NW"),
    BusinessCalendar.essen_default("HH", overrides=[
        Override.around_the_clock(dt.date(2026, 3, 27), dt.date(2026, 3, 30), "Krise"),
        Override.around_the_clock(dt.date(2026, 10, 24), dt.date(2026, 10, 26)),
        Override.hours(dt.date(2026, 12, 24), dt.date(2026, 12, 24), "09:00-14:00"),
        Override.closed(dt.date(2026, 12, 31), dt.date(2026, 12, 31)),
    ]),
    BusinessCalendar(WeeklyHours.simple("07:00-12:00, 13:00-22:00", "00:00-02:30, 20:00-24:00", "closed"), "BY"),
]

# Minute-aligned instants over 2026, where both DST changes and many holidays lie.
instants = st.integers(min_value=0, max_value=365 * 24 * 60).map(
    lambda m: dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=m))
calendars = st.sampled_from(CALENDARS)
amounts = st.integers(min_value=1, max_value=5 * 24 * 60)
fast = settings(max_examples=150, deadline=None)


@fast
@given(calendars, instants, amounts)
def test_add_then_measure_gives_n(cal, t, n):
    assert cal.business_minutes_between(t, cal.add_business_minutes(t, n)) == n


@fast
@given(calendars, instants, amounts)
def test_result_is_open_or_slot_end(cal, t, n):
    result = cal.add_business_minutes(t, n)
    assert result.tzinfo == UTC
    before = result - dt.timedelta(minutes=1)
    assert cal.is_open(result) or (cal.is_open(before) and cal.next_closing(before) == result)


@fast
@given(calendars, instants, instants, instants)
def test_between_is_additive(cal, a, b, c):
    assert cal.business_minutes_between(a, b) + cal.business_minutes_between(b, c) == cal.business_minutes_between(a, c)


@fast
@given(calendars, instants, amounts, amounts)
def test_add_is_monotonic(cal, t, n, m):
    small, large = sorted((n, m))
    assert cal.add_business_minutes(t, small) <= cal.add_business_minutes(t, large)
    later = t + dt.timedelta(minutes=m)
    assert cal.add_business_minutes(t, n) <= cal.add_business_minutes(later, n)


@fast
@given(calendars, instants)
def test_next_opening_and_closing(cal, t):
    opening, closing = cal.next_opening(t), cal.next_closing(t)
    assert cal.is_open(opening) and opening >= t and closing > opening
    assert not cal.is_open(closing)
    assert (opening == t) == cal.is_open(t)
    assert cal.business_minutes_between(t, opening) == 0


@fast
@given(calendars, instants, amounts)
def test_open_intervals_match_between(cal, t, n):
    end = t + dt.timedelta(minutes=n)
    pieces = cal.open_intervals(t, end)
    assert sum((e - s).total_seconds() for s, e in pieces) // 60 == cal.business_minutes_between(t, end)
    assert all(cal.is_open(s) and not cal.is_open(e) or e == end for s, e in pieces)
