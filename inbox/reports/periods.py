"""Report periods: local calendar days, their UTC bounds, and the previous period to compare with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app

from inbox.core import clock

DEFAULT_DAYS = 28
MAX_DAYS = 731


def zone() -> ZoneInfo:
    return _zone(current_app.config["SETTINGS"]["app"]["timezone"])


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(zone()).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight, next local midnight) in UTC; 23 or 25 hours long on the days the clocks change."""
    z = zone()
    start = dt.datetime.combine(day, dt.time(), z).astimezone(dt.UTC)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), z).astimezone(dt.UTC)


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return day_bounds(self.first)[0], day_bounds(self.last)[1]

    def previous(self) -> Period:
        """The same number of days right before."""
        return Period(self.first - dt.timedelta(days=self.days), self.first - dt.timedelta(days=1))

    def dates(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range(self.days)]

    def label(self) -> str:
        return f"{self.first:%d.%m.%Y} – {self.last:%d.%m.%Y}"


def today() -> dt.date:
    return local_day(clock.now())


def parse(first: str | None, last: str | None) -> Period:
    """The period from the form's dates (ISO), by default the last four weeks up to today; ValueError if wrong."""
    end = dt.date.fromisoformat(last) if last else today()
    start = dt.date.fromisoformat(first) if first else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValueError("Der Beginn liegt nach dem Ende des Zeitraums.")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError("Der Zeitraum darf höchstens zwei Jahre umfassen.")
    return Period(start, end)


def week_of(day: dt.date) -> Period:
    """Monday to Sunday of the week that holds day."""
    monday = day - dt.timedelta(days=day.weekday())
    return Period(monday, monday + dt.timedelta(days=6))
