"""The one place that says what time it is, so tests can move time deliberately."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
_frozen: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """Current time, timezone-aware in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC) + _offset


def zone() -> ZoneInfo:
    """The organization's time zone for everything shown or said to people (`[app] timezone`, MITREDEN_TIMEZONE).

    The database keeps UTC; every screen, mail, automatic answer and business-time figure converts through this.
    """
    from flask import current_app, has_app_context

    if has_app_context():
        return _zone(current_app.config["SETTINGS"]["app"]["timezone"])
    from config import load_settings

    return _zone(load_settings()["app"]["timezone"])


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_text(moment: datetime) -> str:
    """A moment as people here read it in running text: "15.12.2026 09:30 Uhr"."""
    return moment.astimezone(zone()).strftime("%d.%m.%Y %H:%M Uhr")


def today():
    """Today's date in the organization's time zone."""
    return now().astimezone(zone()).date()


def start_at(moment: datetime | None) -> None:
    """Let time run on from moment (tests that must not depend on the hour they run at); None: real time."""
    global _offset
    _offset = moment - datetime.now(UTC) if moment is not None else timedelta(0)


def set_time(moment: datetime | None) -> None:
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes")
    _frozen = moment.astimezone(UTC) if moment else None


def advance(delta: timedelta) -> datetime:
    set_time(now() + delta)
    return now()


@contextmanager
def frozen(moment: datetime):
    previous = _frozen
    set_time(moment)
    try:
        yield
    finally:
        set_time(previous)
