"""The one place forwarding asks `scheduling` about business time.

Press offices work on weekdays, so forwarding counts the weekday service hours from the settings
(Monday to Friday) and skips weekends and the public holidays of the organization's Bundesland.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from inbox.core import clock
from scheduling import BusinessCalendar, WeeklyHours, parse_slots

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def workday_calendar(org) -> BusinessCalendar:
    hours = current_app.config["SETTINGS"]["service_hours"]
    week = tuple(parse_slots(hours[day]) for day in WEEKDAYS) + ((), ())
    return BusinessCalendar(WeeklyHours(week, ()), org.bundesland or "NW",
                            tz=clock.zone().key)


def minutes_per_day(calendar: BusinessCalendar) -> int:
    """Length of an average weekday's service time, so "one business day" means one such day."""
    days = calendar.hours.days[:5]
    return sum(slot.end - slot.start for day in days for slot in day) // len(days)


def due_after_business_days(start: datetime, days: int, org) -> datetime:
    calendar = workday_calendar(org)
    return calendar.add_business_minutes(start, days * minutes_per_day(calendar))


def business_minutes(a: datetime, b: datetime, org) -> int:
    return workday_calendar(org).business_minutes_between(a, b)


def is_open(moment: datetime, org) -> bool:
    return workday_calendar(org).is_open(moment)
