"""Mitreden scheduling engine: service hours, business time, shifts, rules, solver and iCal export.

Pure Python on top of ``holidays``, ``ortools`` and ``icalendar``; plain dataclasses in and out.
"""

import importlib

from .checks import validate
from .explain import Shortfall
from .holidays_de import STATES, holiday_name, state_holidays
from .hours import BusinessCalendar, DayType, Override, TimeSlot, WeeklyHours, parse_slots
from .ical import rota_to_ical
from .rules import ANY, FREE, Absence, AbsenceKind, Editor, EditorLimits, Rules, Violation, Wish
from .shifts import (
    Assignment,
    CoverageGap,
    Demand,
    Rota,
    ShiftModel,
    ShiftTemplate,
    coverage_gaps,
    demand,
    month_range,
    on_shift,
    optional_slots,
    required_break,
)

__all__ = [
    "ANY", "FREE", "STATES", "Absence", "AbsenceKind", "Assignment", "BusinessCalendar", "CoverageGap", "DayType",
    "Demand", "Editor", "EditorLimits", "Override", "Rota", "RotaProblem", "Rules", "ShiftModel", "ShiftTemplate",
    "Shortfall", "SolveResult", "TimeSlot", "Violation", "Weights", "WeeklyHours", "Wish", "coverage_gaps",
    "demand", "holiday_name", "month_range", "on_shift", "optional_slots", "parse_slots", "required_break",
    "rota_to_ical", "solve", "state_holidays", "validate",
]

# The solver's names load OR-Tools (and with it numpy and pandas) on first use: every web and RQ process
# imports this package for service hours and shifts, and only the process that plans a rota needs the solver.
_LAZY = {"Weights": ".goals", "RotaProblem": ".solver", "SolveResult": ".solver", "solve": ".solver"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
