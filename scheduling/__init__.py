"""Mitreden scheduling engine: service hours, business time, shifts, rules, solver and iCal export.

Pure Python on top of ``holidays``, ``ortools`` and ``icalendar``; plain dataclasses in and out.
"""

from .explain import Shortfall
from .holidays_de import STATES, holiday_name, state_holidays
from .hours import BusinessCalendar, DayType, Override, TimeSlot, WeeklyHours, parse_slots
from .ical import rota_to_ical
from .model import Weights
from .rules import Absence, AbsenceKind, Editor, EditorLimits, Rules, Violation, Wish, validate
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
    required_break,
)
from .solver import RotaProblem, SolveResult, solve

__all__ = [
    "STATES", "Absence", "AbsenceKind", "Assignment", "BusinessCalendar", "CoverageGap", "DayType", "Demand",
    "Editor", "EditorLimits", "Override", "Rota", "RotaProblem", "Rules", "ShiftModel", "ShiftTemplate",
    "Shortfall", "SolveResult", "TimeSlot", "Violation", "Weights", "WeeklyHours", "Wish", "coverage_gaps",
    "demand", "holiday_name", "month_range", "on_shift", "parse_slots", "required_break", "rota_to_ical", "solve",
    "state_holidays", "validate",
]
