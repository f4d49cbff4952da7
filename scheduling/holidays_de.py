"""Public holidays of the 16 German states, looked up once per state and year."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

#: Official two-letter codes of the German states (Bundesländer).
STATES: tuple[str, ...] = (
    "BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH",
)


def check_state(state: str) -> str:
    """Return the state code in upper case.

    Args:
        state: Two-letter code such as ``"NW"``.

    Raises:
        ValueError: If the code is not one of :data:`STATES`.
    """
    code = state.upper()
    if code not in STATES:
        raise ValueError(f"unknown German state {state!r}; expected one of {', '.join(STATES)}")
    return code


@lru_cache(maxsize=256)
def state_holidays(state: str, year: int) -> dict[dt.date, str]:
    """Return the public holidays of one state in one year with German names.

    Args:
        state: Two-letter state code, e.g. ``"NW"``.
        year: Calendar year.

    Returns:
        Mapping of date to German holiday name. Do not mutate it: it is cached.
    """
    table = holidays.Germany(subdiv=check_state(state), years=year, language="de")
    return dict(table.items())


def holiday_name(state: str, day: dt.date) -> str | None:
    """Return the German holiday name of ``day`` in ``state`` or ``None`` on an ordinary day."""
    return state_holidays(state, day.year).get(day)
